"""Pages of the training programme for everyone: series, enrolment, transcripts,
certificates and their public verification, and the request for recording access.
Organizer pages are in `views.organize`."""

from decimal import Decimal

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from cophub.communities.decorators import community_or_404
from cophub.core.access import can_manage
from cophub.core.audit import client_ip
from cophub.core.links import site_url
from cophub.core.timezones import DEFAULT_TIME_ZONE

from .. import selectors, services
from ..certificates import certificate_pdf
from ..credit import ZERO
from ..forms import AccessRequestForm, EmailedAccessRequestForm
from ..models import Certificate, Enrolment, Series, Session, Track

# Both doors to a "Request for AI Training Links" (the form, the link mailed back) share one
# per-network limit (`_access_request_allowed`) and say so the same way.
TOO_MANY_REQUESTS = ("We have received several requests from your network in the last hour. "
                     "Please try again later.")


def _series(community, slug: str) -> Series:
    return get_object_or_404(Series.objects.select_related("community"), community=community,
                             slug=slug)


def series_list_view(request, community):
    community = community_or_404(community)
    viewer = request.viewer
    return render(request, "learning/series_list.html", {
        "community": community,
        "series_list": selectors.series_cards(viewer=viewer, community=community),
        "can_manage": can_manage(viewer, community),
    })


def series_detail_view(request, community, series):
    community = community_or_404(community)
    series = _series(community, series)
    viewer = request.viewer
    page = selectors.series_page(series=series, viewer=viewer, user=request.user)
    return render(request, "learning/series_detail.html", {
        "community": community, "series": series, "page": page,
        "can_manage": can_manage(viewer, series),
        "recordings_hidden": selectors.recordings_hidden_from(viewer=viewer, series=series,
                                                              granted=page.granted),
        "time_zone": getattr(request.user, "time_zone", "") or DEFAULT_TIME_ZONE,
    })


def _track_from_post(request, series: Series) -> Track | None:
    track_id = request.POST.get("track", "")
    if not track_id:
        return None
    if not track_id.isdigit():
        raise Http404("No such track")
    return get_object_or_404(Track, pk=int(track_id), series=series)


def _titles(events) -> str:
    return "; ".join(e.title for e in events)


@require_POST
@login_required
def enrol_view(request, community, series):
    community = community_or_404(community)
    series = _series(community, series)
    track = _track_from_post(request, series)
    result = services.enrolment_create(user=request.user, series=series, track=track,
                                       request=request)
    what = f"the {track.name} track" if track else series.title
    parts = [f"You are enrolled in {what}."]
    if result.confirmed:
        parts.append(f"You are registered for {len(result.confirmed)} session"
                     f"{'s' if len(result.confirmed) != 1 else ''}; the invitations are in "
                     "your e-mail.")
    if result.waitlisted:
        parts.append(f"These sessions are full, so you are on the wait-list: "
                     f"{_titles(result.waitlisted)}.")
    messages.success(request, " ".join(parts))
    for event, reason in result.skipped:
        messages.warning(request, f"{event.title}: {reason}")
    return redirect(series)


@require_POST
@login_required
def enrolment_cancel_view(request, community, series):
    community = community_or_404(community)
    series = _series(community, series)
    track = _track_from_post(request, series)
    enrolment = Enrolment.objects.filter(user=request.user, series=series, track=track).first()
    if enrolment is None:
        messages.info(request, "You were not enrolled.")
        return redirect(series)
    cancelled = services.enrolment_cancel(enrolment=enrolment, actor=request.user,
                                          request=request)
    what = f"the {track.name} track" if track else series.title
    note = (f" Your registration for {len(cancelled)} upcoming session"
            f"{'s' if len(cancelled) != 1 else ''} is canceled." if cancelled else "")
    messages.success(request, f"You are no longer enrolled in {what}.{note}")
    return redirect(series)


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"))


@login_required
def transcript_view(request):
    rows = selectors.transcript_rows(user=request.user)
    credited = {r.event.training_session.pk for r in rows if r.earns_credit}
    certificates = selectors.certificates_of(user=request.user)
    selectors.certificate_validity(certificates=certificates, credited_session_ids=credited)
    live_by_session = {c.session_id: c for c in certificates
                       if c.session_id and c.revoked_at is None}
    for row in rows:
        row.certificate = live_by_session.get(row.event.training_session.pk)
        row.hours = _hours(row.minutes)
    return render(request, "learning/transcript.html", {
        "rows": rows,
        "total_hours": _hours(sum(r.minutes for r in rows)),
        "total_credit": sum((r.credit for r in rows), ZERO),
        "tracks": selectors.track_progress(user=request.user, credited_session_ids=credited,
                                           certificates=certificates),
        "certificates": certificates,
    })


@require_POST
@login_required
def certificate_issue_view(request):
    session_id, track_id = request.POST.get("session", ""), request.POST.get("track", "")
    try:
        if session_id.isdigit():
            session = get_object_or_404(Session.objects.select_related("event", "series"),
                                        pk=int(session_id))
            certificate = services.certificate_issue(user=request.user, session=session,
                                                     request=request)
        elif track_id.isdigit():
            track = get_object_or_404(Track.objects.select_related("series"), pk=int(track_id))
            certificate = services.certificate_issue_for_track(user=request.user, track=track,
                                                               request=request)
        else:
            raise Http404("Nothing to certify")
    except services.CertificateNotEarned as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Your certificate for {certificate.subject_title} is "
                         "ready. Its verification code is " + certificate.code + ".")
    return redirect("learning:transcript")


def _certificate_or_404(code: str) -> Certificate:
    certificate = selectors.certificate_by_code(code=code)
    if certificate is None:
        raise Http404("No such certificate")
    return certificate


def certificate_verify_view(request, code):
    """Public: says whether the certificate is valid, whose it is, for what, when and for how
    many CLPs. Nothing else about the person (no e-mail, agency or other certificates)."""
    certificate = _certificate_or_404(code)
    response = render(request, "learning/certificate_verify.html", {
        "certificate": certificate,
        "community": selectors.certificate_community(certificate),
        "is_valid": selectors.certificate_is_valid(certificate=certificate),
        "date": selectors.certificate_date(certificate),
    })
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
def certificate_pdf_view(request, code):
    """The PDF, for its holder and the community's organizers (with MFA on); 404 for anyone
    else, so a code seen on someone's CV does not reveal more than the verification page."""
    certificate = _certificate_or_404(code)
    community = selectors.certificate_community(certificate)
    is_holder = certificate.user_id == request.user.pk
    if not is_holder:
        if not can_manage(request.viewer, community):
            raise Http404("No such certificate")
        if not is_mfa_enabled(request.user):
            return redirect("mfa_index")
    if not selectors.certificate_is_valid(certificate=certificate):
        messages.error(request, "That certificate is no longer valid, so there is no PDF of "
                       "it. Its verification page says so.")
        return redirect(certificate)
    if certificate.session_id:
        session = certificate.session
        achievement, title = "completed the training session", session.event.title
        subtitle = session.series.title
        people = [f"{i.name} ({i.affiliation})" if i.affiliation else i.name
                  for i in session.instructors.all()]
        instructors = ("Led by " + ", ".join(people)) if people else ""
    else:
        track = certificate.track
        achievement = f"completed the {track.name} track of"
        title, subtitle, instructors = track.series.title, "", ""
    pdf = certificate_pdf(
        holder_name=certificate.holder_name, achievement=achievement, title=title,
        subtitle=subtitle, date=selectors.certificate_date(certificate),
        credit=certificate.credit, code=certificate.code,
        verify_url=site_url(certificate.get_absolute_url()),
        issuer=community.name, instructors=instructors)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"certificate-{slugify(title)[:60]}-{certificate.code[:8]}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


ACCESS_REQUESTS_PER_HOUR = 5


def _access_request_allowed(request) -> bool:
    """The form is open to anonymous visitors and each request e-mails the organizers, so one
    address may send only a few an hour (a cache counter: approximate across workers, which
    is enough to stop a flood)."""
    key = f"learning:access-request:{client_ip(request) or 'unknown'}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= ACCESS_REQUESTS_PER_HOUR
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        return True


def access_request_view(request, community):
    """"Request for AI Training Links": open to anyone, signed in or not."""
    community = community_or_404(community)
    initial = {}
    if request.user.is_authenticated:
        initial = {"name": request.user.name, "email": request.user.email,
                   "agency": request.user.organization}
    chosen = Series.objects.filter(community=community, slug=request.GET.get("series", ""))
    if chosen:
        initial["series"] = chosen[0]
    form = AccessRequestForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not _access_request_allowed(request):
            messages.error(request, TOO_MANY_REQUESTS)
            return render(request, "learning/access_request.html",
                          {"community": community, "form": form}, status=429)
        data = form.cleaned_data
        services.access_request_submit(
            series=data["series"], name=data["name"], email=data["email"],
            agency=data["agency"], reason=data["reason"], user=request.user, request=request)
        messages.success(request, "Thank you. The organizers will review your request and "
                         f"e-mail {data['email'].lower()} with their decision.")
        return redirect(reverse("learning:series_list", kwargs={"community": community.slug}))
    return render(request, "learning/access_request.html", {"community": community,
                                                             "form": form})


def _day(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local:%B} {local.day}, {local.year}"


def access_request_confirm_view(request, community, token):
    """Where the link mailed to someone who asked for training links by e-mail leads: the
    link proves the address is theirs; they check the request (the series we guessed, their
    name, agency and reason) and send it. Opening the page changes nothing (mail scanners
    open links); pressing "Send the request" does, once per link and series."""
    community = community_or_404(community)
    link = services.access_request_link_read(token=token, community=community)
    if link is None:
        return render(request, "learning/access_request_confirm.html", {
            "community": community, "invalid": True, "link_days": services.LINK_DAYS},
            status=400)
    reason = link.reason if len(link.reason.strip()) >= 10 else (
        f"I asked by e-mail, with “{services.REQUEST_SUBJECT}” in the subject line.")
    initial = {"series": link.series_id, "name": link.name, "reason": reason,
               "agency": services.access_request_agency_guess(link.email)}
    form = EmailedAccessRequestForm(request.POST or None, community=community, initial=initial)
    if request.method == "POST" and form.is_valid():
        if not _access_request_allowed(request):
            messages.error(request, TOO_MANY_REQUESTS)
            return render(request, "learning/access_request_confirm.html",
                          {"community": community, "form": form, "email": link.email},
                          status=429)
        data = form.cleaned_data
        access_request, new = services.access_request_confirm(
            link=link, series=data["series"], name=data["name"], agency=data["agency"],
            reason=data["reason"], request=request)
        if new:
            messages.success(request, "Thank you. The organizers will review your request and "
                             f"e-mail {link.email} with their decision.")
        else:
            messages.info(request, f"Your request for the {access_request.series.title} "
                          f"training links was already sent on {_day(access_request.created_at)}. "
                          f"The organizers e-mail {link.email} with their decision.")
        return redirect(reverse("learning:series_list", kwargs={"community": community.slug}))
    return render(request, "learning/access_request_confirm.html", {
        "community": community, "form": form, "email": link.email})
