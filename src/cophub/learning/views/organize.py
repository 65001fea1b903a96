"""Organizer pages of the training programme: the access-request queue, attendance reports,
and setting up series, tracks, instructors and sessions. Series and the community's queue
belong to no group, so `manage_page` (`core.access.can_manage`) admits the community's
organizers only, with MFA on."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cophub.communities.decorators import community_or_404, manage_page, organizer_page

from .. import selectors, services
from ..forms import DecisionForm, InstructorForm, SeriesForm, SessionForm, TrackForm
from ..models import AccessRequest, Instructor, Series, Session, Track


def load_series(request, community: str, series: str) -> tuple:
    """The `manage_page` loader for a series' pages: the view gets `(community, series)`.
    Series are public, so there is no visibility check to make first."""
    community = community_or_404(community)
    return community, get_object_or_404(Series.objects.select_related("community"),
                                        community=community, slug=series)


series_page = manage_page(load_series)


def _organize_url(community) -> str:
    return reverse("learning:organize", kwargs={"community": community.slug})


@organizer_page
def organize_view(request, community):
    series_list = Series.objects.filter(community=community).annotate(
        session_count=Count("sessions", distinct=True),
        track_count=Count("tracks", distinct=True)).order_by("-year", "title")
    return render(request, "learning/organize.html", {
        "community": community, "series_list": series_list,
        "pending": selectors.access_requests_pending(community=community).count(),
        "instructors": Instructor.objects.annotate(session_count=Count("sessions")),
    })


@organizer_page
def access_requests_view(request, community):
    decided = Paginator(selectors.access_requests_decided(community=community), 50)
    return render(request, "learning/access_requests.html", {
        "community": community,
        "pending": selectors.access_requests_pending(community=community),
        "page": decided.get_page(request.GET.get("page")),
    })


@require_POST
@organizer_page
def access_request_decide_view(request, community, pk):
    access_request = get_object_or_404(AccessRequest, pk=pk, community=community)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or decline.")
    else:
        try:
            if form.cleaned_data["decision"] == "approve":
                services.access_request_approve(access_request=access_request,
                                                actor=request.user, request=request)
                messages.success(request, f"Approved: {access_request.email} may now see the "
                                 "recordings once signed in with that address. We e-mailed "
                                 "them.")
            else:
                services.access_request_decline(access_request=access_request,
                                                actor=request.user, request=request)
                messages.success(request, f"Declined the request from {access_request.email}. "
                                 "We e-mailed them.")
        except services.AccessRequestError as exc:
            messages.error(request, str(exc))
    return redirect("learning:access_requests", community=community.slug)


@series_page
def series_report_view(request, community, series):
    return render(request, "learning/series_report.html", {
        "community": community, "series": series,
        "report": selectors.series_report(series=series),
    })


def _form_page(request, *, community, form, title: str, save, done_url, back_url,
               template: str = "learning/manage_form.html", extra=None):
    """A create/edit page: on a valid POST call `save(cleaned_data)`, which raises
    ValidationError for what only the service can check."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {obj}.")
            return redirect(done_url(obj))
    return render(request, template, {"community": community, "form": form, "title": title,
                                      "back_url": back_url, **(extra or {})})


def _series_form_page(request, community, instance: Series | None):
    form = SeriesForm(request.POST or None, community=community,
                      instance=Series.objects.get(pk=instance.pk) if instance else None)
    return _form_page(
        request, community=community, form=form,
        title=f"Edit {instance}" if instance else "New training series",
        save=lambda data: services.series_save(community=community, actor=request.user,
                                               data=data, series=instance, request=request),
        done_url=lambda obj: obj.get_absolute_url(),
        back_url=instance.get_absolute_url() if instance else _organize_url(community))


@organizer_page
def series_create_view(request, community):
    return _series_form_page(request, community, None)


@series_page
def series_edit_view(request, community, series):
    return _series_form_page(request, community, series)


@series_page
def track_edit_view(request, community, series, track=None):
    instance = get_object_or_404(Track, series=series, slug=track) if track else None
    form = TrackForm(request.POST or None, series=series,
                     instance=Track.objects.get(pk=instance.pk) if instance else None)
    return _form_page(
        request, community=community, form=form,
        title=f"Edit the {instance} track" if instance else f"New track of {series}",
        save=lambda data: services.track_save(series=series, actor=request.user, data=data,
                                              track=instance, request=request),
        done_url=lambda obj: series.get_absolute_url(), back_url=series.get_absolute_url())


@organizer_page
def instructor_edit_view(request, community, pk=None):
    instance = get_object_or_404(Instructor, pk=pk) if pk else None
    form = InstructorForm(request.POST or None,
                          instance=Instructor.objects.get(pk=pk) if instance else None)
    return _form_page(
        request, community=community, form=form,
        title=f"Edit {instance.name}" if instance else "New instructor",
        save=lambda data: services.instructor_save(community=community, actor=request.user,
                                                   data=data, instructor=instance,
                                                   request=request),
        done_url=lambda obj: _organize_url(community), back_url=_organize_url(community))


@series_page
def session_edit_view(request, community, series, pk=None):
    instance = get_object_or_404(Session.objects.select_related("event"), pk=pk,
                                 series=series) if pk else None
    form = SessionForm(request.POST or None, series=series,
                       instance=Session.objects.get(pk=pk) if instance else None)
    return _form_page(
        request, community=community, form=form,
        title=f"Session settings: {instance.event.title}" if instance
        else f"Add a session to {series}",
        save=lambda data: services.session_save(series=series, actor=request.user,
                                                data=data, session=instance,
                                                request=request),
        done_url=lambda obj: series.get_absolute_url(), back_url=series.get_absolute_url(),
        extra={"no_events": instance is None and not form.fields["event"].queryset.exists()})
