"""Attendance pages for whoever runs the event (its community's organizers and its host
group's leads, with MFA on): check-in, the attendance list, report import and revocation.
Each view calls one service."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from cophub.core.timezones import DEFAULT_TIME_ZONE, US_TIME_ZONES

from .. import services
from ..forms import AttendanceImportForm, CheckInSearchForm
from ..models import Attendance, Event, Registration
from ..services import attendance_reports
from ..services.attendance import SHOWN_ROWS, event_minutes
from .base import TEMPLATES, event_manage_page, paginate

# --- Check-in -----------------------------------------------------------------------------


@event_manage_page
def checkin_view(request, community, event):
    if request.method == "POST":
        return _checkin_post(request, event)
    search = CheckInSearchForm(request.GET or None)
    registrations = (Registration.objects.filter(event=event,
                                                 status=Registration.Status.CONFIRMED)
                     .select_related("user").order_by("user__name", "user__email", "id"))
    query = search.cleaned_data["q"].strip() if search.is_valid() else ""
    if query:
        registrations = registrations.filter(Q(user__name__icontains=query)
                                             | Q(user__email__icontains=query))
    page = paginate(request, registrations)
    attendance = {a.user_id: a for a in Attendance.objects.filter(
        event=event, user_id__in=[r.user_id for r in page])}
    rows = [(registration, attendance.get(registration.user_id)) for registration in page]
    return render(request, TEMPLATES + "checkin.html", {
        "community": community, "event": event, "rows": rows, "page": page,
        "search": search, "query": urlencode({"q": query}) if query else "",
        "checked_in": Attendance.objects.filter(event=event, revoked_at__isnull=True).count(),
        "confirmed": registrations.count() if query else page.paginator.count,
    })


def _checkin_post(request, event: Event):
    registration = get_object_or_404(Registration.objects.select_related("user"), event=event,
                                     pk=request.POST.get("registration") or 0)
    person = registration.user
    error = None
    try:
        attendance = services.attendance_check_in(event=event, user=person,
                                                  actor=request.user, request=request)
    except services.AttendanceError as exc:
        error = str(exc)
        attendance = Attendance.objects.filter(event=event, user=person).first()
    if request.headers.get("HX-Request"):
        return render(request, TEMPLATES + "partials/_checkin_row.html", {
            "community": event.community, "event": event, "registration": registration,
            "attendance": attendance, "error": error,
            "announcement": error or f"Checked in {person.display_name}.",
        })
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Checked in {person.display_name}.")
    url = reverse("events:checkin", kwargs={"community": event.community.slug, "pk": event.pk})
    back = {k: request.POST[k] for k in ("q", "page") if request.POST.get(k)}
    return redirect(f"{url}?{urlencode(back)}" if back else url)


# --- Attendance ---------------------------------------------------------------------------

@event_manage_page
def attendance_list_view(request, community, event):
    attendances = (Attendance.objects.filter(event=event).select_related("user")
                   .order_by("revoked_at", "user__name", "user__email", "id"))
    return render(request, TEMPLATES + "attendance.html", {
        "community": community, "event": event, "page": paginate(request, attendances),
        "counts": attendances.aggregate(
            present=Count("id", filter=Q(revoked_at__isnull=True)),
            revoked=Count("id", filter=Q(revoked_at__isnull=False))),
        "full_minutes": event_minutes(event),
    })


@event_manage_page
def attendance_import_view(request, community, event):
    zones = dict(US_TIME_ZONES)
    initial_zone = event.time_zone if event.time_zone in zones else DEFAULT_TIME_ZONE
    form = AttendanceImportForm(request.POST or None, request.FILES or None,
                                initial={"time_zone": initial_zone})
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["report"]
        try:
            result = services.attendance_import(
                event=event, actor=request.user, data=upload.read(),
                report_format=form.cleaned_data["report_format"],
                time_zone=form.cleaned_data["time_zone"], filename=upload.name or "",
                request=request)
        except services.AttendanceImportError as exc:
            form.add_error("report", f"{exc} Nothing was changed.")
        else:
            messages.success(request, f"Imported the report: {result.created} new, "
                             f"{result.updated} updated, {result.unchanged} unchanged.")
            form = AttendanceImportForm(initial={"time_zone": form.cleaned_data["time_zone"],
                                                 "report_format": "auto"})
    return render(request, TEMPLATES + "import.html", {
        "community": community, "event": event, "form": form, "result": result,
        "shown": SHOWN_ROWS,
        "format_label": (attendance_reports.FORMAT_LABELS.get(result.format)
                         if result else ""),
    }, status=400 if form.errors else 200)


@event_manage_page
def attendance_revoke_view(request, community, event, attendance_pk):
    attendance = get_object_or_404(Attendance.objects.select_related("user"), event=event,
                                   pk=attendance_pk)
    if request.method == "POST":
        services.attendance_revoke(attendance=attendance, actor=request.user, request=request)
        messages.success(request, f"Revoked the attendance of "
                         f"{attendance.user.display_name}. It earns no credit, and any "
                         "certificate for it is no longer valid.")
        return redirect("events:attendance", community=community.slug, pk=event.pk)
    return render(request, TEMPLATES + "revoke.html", {
        "community": community, "event": event, "attendance": attendance})
