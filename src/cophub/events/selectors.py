"""Reads about events, always through the access policy."""

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from cophub.core.access import Viewer, can_view_object, visible_q

from .models import Event, Material, Registration


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


# --- Pages: the event list, the detail page and the organizers' registrant list ---------

def event_list(*, viewer: Viewer, community, kind: str = "", group_ids: Sequence[int] = (),
               starts_from: datetime | None = None,
               starts_before: datetime | None = None) -> QuerySet[Event]:
    """Events of `community` the viewer may see, filtered, each with `confirmed_count` and
    (for a signed-in viewer) `my_status`, the viewer's registration status — one query
    however many events there are."""
    qs = events_visible_to(viewer=viewer, community=community)
    if kind:
        qs = qs.filter(kind=kind)
    for group_id in group_ids:  # a group and a practice area: events hosted by both (AND)
        qs = qs.filter(group_id=group_id)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    confirmed = (Registration.objects.filter(event=OuterRef("pk"),
                                             status=Registration.Status.CONFIRMED)
                 .order_by().values("event").annotate(n=Count("pk")).values("n"))
    qs = qs.annotate(confirmed_count=Coalesce(Subquery(confirmed), 0))
    if viewer.is_authenticated:
        mine = Registration.objects.filter(event=OuterRef("pk"), user_id=viewer.user_id)
        qs = qs.annotate(my_status=Subquery(mine.values("status")[:1]))
    return qs


def event_confirmed_count(*, event: Event) -> int:
    return Registration.objects.filter(event=event,
                                       status=Registration.Status.CONFIRMED).count()


def waitlist_position(*, registration: Registration) -> int | None:
    """1 for the head of the wait-list; None unless the registration is wait-listed."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED,
        arrival__lte=registration.arrival).count()


def event_registrants(*, event: Event, status: str = "") -> QuerySet[Registration]:
    """Registrations of an event in arrival order, with the person and `position`: the
    place in the wait-list for wait-listed ones (numbered within their status, so it stays
    right when the list is filtered by status or cut into pages). For organizers only."""
    qs = Registration.objects.filter(event=event)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("user").annotate(
        position=Window(RowNumber(), partition_by=[F("status")], order_by=F("arrival").asc()),
    ).order_by("arrival")


# Callables `(*, viewer, user, material) -> bool` that may open a material the access policy
# alone would hide. `learning` registers its recording access grants here, so events does
# not import the app that depends on it.
MATERIAL_ACCESS_EXTENSIONS: list = []


def material_visible(*, viewer: Viewer, user, material: Material) -> bool:
    """Whether the viewer may open one material (the event must already be visible)."""
    return can_view_object(viewer, material) or any(
        extension(viewer=viewer, user=user, material=material)
        for extension in MATERIAL_ACCESS_EXTENSIONS
    )


def materials_visible_to(*, viewer: Viewer, user, event: Event) -> list[Material]:
    """An event's recordings and slides the viewer may see; each has its own access level
    (government-only by default), independent of the event's."""
    materials = list(event.materials.all())
    for material in materials:
        material.event = event
    return [m for m in materials if material_visible(viewer=viewer, user=user, material=m)]
