"""Pages after the event: check-in, attendance import and revocation, materials, feedback,
and the fiscal-year report. Organizer pages go through `organizer_page` (MFA required);
the feedback form is for attendees. Each view calls one service."""

import csv

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from cophub.communities.decorators import organizer_page
from cophub.communities.models import Community
from cophub.communities.selectors import request_viewer
from cophub.core.forms import Form
from cophub.core.timezones import DEFAULT_TIME_ZONE, US_TIME_ZONES

from . import attendance as attendance_services
from . import attendance_reports
from . import feedback as feedback_services
from . import materials as material_services
from .models import Attendance, Event, Material, Registration
from .reports import fiscal_year_of, fy_report
from .selectors import events_visible_to

PAGE_SIZE = 100
TEMPLATES = "events/attendance/"


def _event(community: Community, pk: int) -> Event:
    """An event of the organizer's community, drafts included."""
    return get_object_or_404(Event.objects.select_related("community", "group"),
                             community=community, pk=pk)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Check-in -----------------------------------------------------------------------------

class CheckInSearchForm(Form):
    q = forms.CharField(label="Find a registrant", required=False, max_length=100,
                        help_text="Part of a name or e-mail address.")


@organizer_page
def checkin_view(request, community, pk):
    event = _event(community, pk)
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
    page = _page(request, registrations)
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
        attendance = attendance_services.attendance_check_in(
            event=event, user=person, actor=request.user, request=request)
    except attendance_services.AttendanceError as exc:
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

@organizer_page
def attendance_list_view(request, community, pk):
    event = _event(community, pk)
    attendances = (Attendance.objects.filter(event=event).select_related("user")
                   .order_by("revoked_at", "user__name", "user__email", "id"))
    return render(request, TEMPLATES + "attendance.html", {
        "community": community, "event": event, "page": _page(request, attendances),
        "counts": attendances.aggregate(
            present=Count("id", filter=Q(revoked_at__isnull=True)),
            revoked=Count("id", filter=Q(revoked_at__isnull=False))),
        "full_minutes": attendance_services.event_minutes(event),
    })


class AttendanceImportForm(Form):
    report = forms.FileField(
        label="Attendance report",
        help_text="The participant report exported from Zoom, or the attendance report "
                  "downloaded from Microsoft Teams (CSV, up to 5 MB).")
    report_format = forms.ChoiceField(
        label="Format", initial="auto", widget=forms.RadioSelect,
        choices=[("auto", "Detect automatically"), ("zoom", "Zoom participant report"),
                 ("teams", "Microsoft Teams attendance report")])
    time_zone = forms.ChoiceField(
        label="Time zone of the times in the report", choices=US_TIME_ZONES,
        help_text="The time zone of the Zoom or Teams account that exported it.")

    def clean_report(self):
        report = self.cleaned_data["report"]
        if report.size > attendance_reports.MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {attendance_reports.MAX_BYTES // (1024 * 1024)} MB. "
                "Export only the participant report of this event.")
        return report


@organizer_page
def attendance_import_view(request, community, pk):
    event = _event(community, pk)
    zones = dict(US_TIME_ZONES)
    initial_zone = event.time_zone if event.time_zone in zones else DEFAULT_TIME_ZONE
    form = AttendanceImportForm(request.POST or None, request.FILES or None,
                                initial={"time_zone": initial_zone})
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["report"]
        try:
            result = attendance_services.attendance_import(
                event=event, actor=request.user, data=upload.read(),
                report_format=form.cleaned_data["report_format"],
                time_zone=form.cleaned_data["time_zone"], filename=upload.name or "",
                request=request)
        except attendance_services.AttendanceImportError as exc:
            form.add_error("report", f"{exc} Nothing was changed.")
        else:
            messages.success(request, f"Imported the report: {result.created} new, "
                             f"{result.updated} updated, {result.unchanged} unchanged.")
            form = AttendanceImportForm(initial={"time_zone": form.cleaned_data["time_zone"],
                                                 "report_format": "auto"})
    return render(request, TEMPLATES + "import.html", {
        "community": community, "event": event, "form": form, "result": result,
        "shown": attendance_services.SHOWN_ROWS,
        "format_label": (attendance_reports.FORMAT_LABELS.get(result.format)
                         if result else ""),
    }, status=400 if form.errors else 200)


@organizer_page
def attendance_revoke_view(request, community, pk, attendance_pk):
    event = _event(community, pk)
    attendance = get_object_or_404(Attendance.objects.select_related("user"), event=event,
                                   pk=attendance_pk)
    if request.method == "POST":
        attendance_services.attendance_revoke(attendance=attendance, actor=request.user,
                                              request=request)
        messages.success(request, f"Revoked the attendance of "
                         f"{attendance.user.display_name}. It earns no credit, and any "
                         "certificate for it is no longer valid.")
        return redirect("events:attendance", community=community.slug, pk=event.pk)
    return render(request, TEMPLATES + "revoke.html", {
        "community": community, "event": event, "attendance": attendance})


# --- Materials ----------------------------------------------------------------------------

class MaterialForm(Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Material.Kind.choices, widget=forms.RadioSelect,
                             initial=Material.Kind.RECORDING)
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https",
                         help_text="A link to the recording or file, or upload a file below.")
    file = forms.FileField(
        required=False,
        help_text=f"PDF, PowerPoint (.pptx) or MP4, up to "
                  f"{material_services.MAX_FILE_BYTES // (1024 * 1024)} MB.")
    access_level = forms.ChoiceField(
        label="Who may open it", required=False,
        choices=[("", "The default: government members for recordings and other files, "
                      "everyone for slides")] + [
            (value, label) for value, label in Material._meta.get_field("access_level").choices
        ])

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise ValidationError("Give either a link or a file.")
        if data.get("file"):
            try:
                material_services.material_file_check(data["file"])
            except ValidationError as exc:
                self.add_error("file", exc)
        return data


@organizer_page
def materials_view(request, community, pk):
    event = _event(community, pk)
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = material_services.material_add(
                event=event, actor=request.user, title=data["title"], kind=data["kind"],
                url=data["url"], upload=data["file"], access_level=data["access_level"],
                request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Added {material.title}.")
            return redirect("events:materials", community=community.slug, pk=event.pk)
    return render(request, TEMPLATES + "materials.html", {
        "community": community, "event": event, "form": form,
        "materials": Material.objects.filter(event=event),
    }, status=400 if form.errors else 200)


@require_POST
@organizer_page
def material_delete_view(request, community, pk, material_pk):
    event = _event(community, pk)
    material = get_object_or_404(Material, event=event, pk=material_pk)
    material.event = event
    material_services.material_delete(material=material, actor=request.user, request=request)
    messages.success(request, f"Removed {material.title}.")
    return redirect("events:materials", community=community.slug, pk=event.pk)


# --- Feedback -----------------------------------------------------------------------------

SCORE_CHOICES = [(5, "5 – Very satisfied"), (4, "4 – Satisfied"), (3, "3 – Neutral"),
                 (2, "2 – Dissatisfied"), (1, "1 – Very dissatisfied")]
USEFULNESS_CHOICES = [(5, "5 – Very useful"), (4, "4 – Useful"), (3, "3 – Somewhat useful"),
                      (2, "2 – Not very useful"), (1, "1 – Not useful at all")]


class FeedbackForm(Form):
    satisfaction = forms.TypedChoiceField(
        label="Overall, how satisfied were you with the event?", coerce=int,
        choices=SCORE_CHOICES, widget=forms.RadioSelect)
    usefulness = forms.TypedChoiceField(
        label="How useful was it for your work?", coerce=int, choices=USEFULNESS_CHOICES,
        widget=forms.RadioSelect)
    would_recommend = forms.TypedChoiceField(
        label="Would you recommend it to a colleague?", widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda value: value == "yes")
    comment = forms.CharField(label="Anything else you want to tell the organizers?",
                              required=False, max_length=5000, widget=forms.Textarea,
                              help_text="Optional. Organizers read comments without names.")


@login_required
def feedback_view(request, community, pk):
    community = get_object_or_404(Community, slug=community)
    event = get_object_or_404(
        events_visible_to(viewer=request_viewer(request), community=community), pk=pk)
    given = feedback_services.feedback_for(event=event, user=request.user)
    state, status = "open", 200
    if given is not None:
        state = "given"
    elif event.status != Event.Status.PUBLISHED or not event.is_past:
        state = "not_yet"
    elif not feedback_services.attendee_of(event=event, user=request.user):
        state, status = "not_attendee", 403
    form = FeedbackForm(request.POST or None) if state == "open" else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            feedback_services.feedback_submit(event=event, user=request.user,
                                              request=request, **form.cleaned_data)
        except feedback_services.FeedbackError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you for your feedback.")
        return redirect("events:feedback", community=community.slug, pk=event.pk)
    if form is not None and form.errors:
        status = 400
    return render(request, TEMPLATES + "feedback.html", {
        "community": community, "event": event, "form": form, "state": state,
        "given": given,
    }, status=status)


@require_POST
@organizer_page
def feedback_send_view(request, community, pk):
    event = _event(community, pk)
    try:
        sent = feedback_services.feedback_request_send(event=event, actor=request.user,
                                                       request=request)
    except feedback_services.FeedbackError as exc:
        messages.error(request, str(exc))
    else:
        if sent:
            messages.success(request, f"Sent the feedback survey to {sent} "
                             f"attendee{'s' if sent != 1 else ''}.")
        else:
            messages.info(request, "Every attendee has already been sent the survey or has "
                          "answered it. Nobody was e-mailed again.")
    return redirect("events:feedback_results", community=community.slug, pk=event.pk)


@organizer_page
def feedback_results_view(request, community, pk):
    event = _event(community, pk)
    return render(request, TEMPLATES + "feedback_results.html", {
        "community": community, "event": event,
        "results": feedback_services.feedback_results(event=event),
        "comments": _page(request, feedback_services.feedback_comments(event=event)),
        "pending": feedback_services.feedback_pending_count(event=event),
        "can_send": event.status == Event.Status.PUBLISHED and event.is_past,
    })


# --- Fiscal-year report -------------------------------------------------------------------

class FiscalYearForm(Form):
    fy = forms.IntegerField(label="Fiscal year", min_value=2000, max_value=2100,
                            help_text="Federal fiscal year: FY2023 ran from October 1, 2022 "
                                      "to September 30, 2023.")


def _fiscal_year(request) -> tuple[FiscalYearForm, int | None]:
    current = fiscal_year_of(timezone.now())
    form = FiscalYearForm(request.GET if "fy" in request.GET else None,
                          initial={"fy": current})
    if not form.is_bound:
        return form, current
    return form, form.cleaned_data["fy"] if form.is_valid() else None


@organizer_page
def fy_report_view(request, community):
    form, fy = _fiscal_year(request)
    return render(request, TEMPLATES + "fy_report.html", {
        "community": community, "form": form, "fy": fy,
        "report": fy_report(community=community, fy=fy) if fy else None,
    }, status=200 if fy else 400)


def _csv_cell(value):
    # A spreadsheet runs a cell that starts like a formula: group names are typed by people.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@organizer_page
def fy_report_csv_view(request, community):
    form, fy = _fiscal_year(request)
    if fy is None:
        return HttpResponse("Give a fiscal year between 2000 and 2100, such as ?fy=2023.\n",
                            status=400, content_type="text/plain; charset=utf-8")
    report = fy_report(community=community, fy=fy)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-events-fy{fy}.csv"')
    writer = csv.writer(response)
    writer.writerow(["fiscal_year", "breakdown", "label", "events", "registrations",
                     "confirmed_registrations", "attended_registrants", "attendance_rate",
                     "attendances", "unique_attendees", "feedback_responses",
                     "average_satisfaction"])
    sections = [("total", [report.total]), ("kind", report.by_kind),
                ("host_group", report.by_group)]
    for breakdown, rows in sections:
        for row in rows:
            rate, satisfaction = row.attendance_rate, row.average_satisfaction
            writer.writerow([
                f"FY{fy}", breakdown, _csv_cell(row.label), row.events, row.registrations,
                row.confirmed, row.attended_registrants,
                "" if rate is None else f"{rate:.3f}", row.attendances, row.unique_attendees,
                row.responses, "" if satisfaction is None else f"{satisfaction:.2f}"])
    return response

