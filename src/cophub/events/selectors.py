"""Reads about events, always through the access policy."""

from django.db.models import Q, QuerySet

from cophub.core.access import Viewer, visible_q

from .models import Event, Registration


def events_visible_to(*, viewer: Viewer, community=None) -> QuerySet[Event]:
    """Published and cancelled events the viewer may see; drafts only for the organizers of
    their community and the leads of their group."""
    qs = Event.objects.filter(visible_q(viewer)).filter(
        ~Q(status=Event.Status.DRAFT) | _organizer_or_lead_q(viewer)
    )
    if community is not None:
        qs = qs.filter(community=community)
    return qs.select_related("community", "group")


def _organizer_or_lead_q(viewer: Viewer) -> Q:
    q = Q(pk__in=[])
    if viewer.organizer_community_ids:
        q |= Q(community_id__in=sorted(viewer.organizer_community_ids))
    if viewer.led_group_ids:
        q |= Q(group_id__in=sorted(viewer.led_group_ids))
    return q


def registration_for(*, event: Event, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def join_url_visible(*, event: Event, registration: Registration | None) -> bool:
    """The join link is for confirmed registrants only (page, e-mail and feed)."""
    return registration is not None and registration.status == Registration.Status.CONFIRMED
