"""Writes about events themselves: create and edit (with questions and monthly recurrence).
A change registrants' calendars must learn about re-invites them; cancelling tells everyone.
Atomic and audited; mail goes through the outbox in the same transaction."""

import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from cophub.core.access import ORGANIZE, can_manage, can_manage_in, viewer_for_user
from cophub.core.audit import audit_record

from ..models import Event, Question, Registration
from .registrations import registration_notify, waitlist_promote

EVENT_FIELDS = ("kind", "title", "description", "speakers", "starts_at", "ends_at",
                "time_zone", "join_url", "location", "capacity", "registration_opens_at",
                "registration_closes_at", "access_level", "status", "group", "recurrence_id")
# Changes that registrants' calendars must learn about (a new SEQUENCE and invite).
INVITE_FIELDS = {"title", "starts_at", "ends_at", "join_url", "location", "description"}


def event_save(*, community, actor, data: dict, event: Event | None = None,
               request=None) -> Event:
    """Create or edit an event. Creating: the community's organizers, or the leads of the
    host group in `data`. Editing: whoever may manage the event as it is (its community's
    organizers, its host group's leads); moving it to another host group (or to none) is the
    organizers' alone (`ORGANIZE`). Raises PermissionDenied otherwise, with nothing changed.

    Editing a published event bumps SEQUENCE and sends updated invites to confirmed
    registrants; raising the capacity promotes from the wait-list; cancelling tells everyone."""
    viewer = viewer_for_user(actor)
    new_group = data.get("group")
    with transaction.atomic():
        if event is None:
            if not can_manage_in(viewer, community_id=community.pk,
                                 group_id=new_group.pk if new_group else None):
                raise PermissionDenied("Only this community's organizers, and the leads of "
                                       "the host group, create its events.")
            event = Event(community=community, created_by=actor)
            changed, before_status = set(EVENT_FIELDS), None
        else:
            event = Event.objects.select_for_update().get(pk=event.pk)
            if not can_manage(viewer, event):
                raise PermissionDenied("Only this community's organizers and the host group's "
                                       "leads edit this event.")
            if ("group" in data and (new_group.pk if new_group else None) != event.group_id
                    and not can_manage(viewer, event, action=ORGANIZE)):
                raise PermissionDenied("Only this community's organizers move an event to "
                                       "another host group.")
            before_status = event.status
            changed = {f for f in EVENT_FIELDS if f in data and getattr(event, f) != data[f]}
        for name in EVENT_FIELDS:
            if name in data:
                setattr(event, name, data[name])
        event.full_clean()
        resend = before_status == Event.Status.PUBLISHED and bool(changed & INVITE_FIELDS)
        cancelled = (before_status != Event.Status.CANCELLED
                     and event.status == Event.Status.CANCELLED and before_status is not None)
        if resend or cancelled:
            event.sequence += 1
        event.save()
        audit_record(actor=actor, verb="events.event." + ("created" if before_status is None
                                                          else "updated"),
                     obj=event, scope=community.slug, request=request,
                     data={"fields": sorted(changed - {"group"})})
        live = Registration.objects.filter(event=event).exclude(
            status=Registration.Status.CANCELLED).select_related("user")
        if cancelled:
            for registration in live:
                registration.event = event
                registration_notify(
                    registration, template="event_cancelled",
                    method="CANCEL" if registration.status == "confirmed" else None)
        elif resend:
            for registration in live.filter(status=Registration.Status.CONFIRMED):
                registration.event = event
                registration_notify(registration, template="event_updated", method="REQUEST")
        if "capacity" in changed and event.status == Event.Status.PUBLISHED:
            waitlist_promote(event)
    return event


QUESTION_FIELDS = ("label", "kind", "choices", "required", "position")


def event_questions_save(*, event: Event, actor, questions: list[dict],
                         request=None) -> list[Question]:
    """Make `event`'s questions exactly `questions`, in that order. Each item has `label`,
    `kind`, `choices` (a list of strings, kept for choice questions only), `required` and
    optionally `id` (an existing question of this event, edited in place so the answers
    already given stay attached to it). Existing questions left out are deleted.

    Raises ValidationError (nothing changes) for an id of another event, or a choice
    question with fewer than two options."""
    with transaction.atomic():
        existing = {q.pk: q for q in Question.objects.select_for_update().filter(event=event)}
        kept, saved, changed = set(), [], False
        for position, item in enumerate(questions):
            kind = item.get("kind") or Question.Kind.TEXT
            choices = [c.strip() for c in item.get("choices") or [] if c.strip()]
            if kind != Question.Kind.CHOICE:
                choices = []
            elif len(choices) < 2:
                raise ValidationError(f"Give “{item['label']}” at least two options.")
            values = {"label": item["label"].strip(), "kind": kind, "choices": choices,
                      "required": bool(item.get("required")), "position": position}
            question_id = item.get("id")
            if question_id:
                question = existing.get(int(question_id))
                if question is None:
                    raise ValidationError("A question does not belong to this event. "
                                          "Reload the page and try again.")
                kept.add(question.pk)
                if any(getattr(question, f) != v for f, v in values.items()):
                    for field, value in values.items():
                        setattr(question, field, value)
                    question.full_clean(exclude=["event"])
                    question.save(update_fields=list(QUESTION_FIELDS))
                    changed = True
            else:
                question = Question(event=event, **values)
                question.full_clean(exclude=["event"])
                question.save()
                changed = True
            saved.append(question)
        removed = sorted(set(existing) - kept)
        if removed:
            Question.objects.filter(pk__in=removed).delete()
            changed = True
        if changed:
            audit_record(actor=actor, verb="events.questions.updated", obj=event,
                         scope=event.community.slug, request=request,
                         data={"questions": [q.label for q in saved], "removed": removed})
    return saved


def event_create(*, community, actor, data: dict, questions: list[dict],
                 occurrences: list[dict] | None = None, request=None) -> list[Event]:
    """Create an event with its questions — or, given several `occurrences` (each a dict of
    `starts_at`, `ends_at`, `registration_opens_at`, `registration_closes_at` overriding
    `data`), one event per occurrence, sharing a new `recurrence_id`. All or nothing.

    Raises PermissionDenied or ValidationError from `event_save`."""
    occurrences = occurrences or [{}]
    recurrence = {"recurrence_id": uuid.uuid4()} if len(occurrences) > 1 else {}
    with transaction.atomic():
        events = []
        for occurrence in occurrences:
            event = event_save(community=community, actor=actor,
                               data={**data, **occurrence, **recurrence}, request=request)
            event_questions_save(event=event, actor=actor, questions=questions,
                                 request=request)
            events.append(event)
        if recurrence:
            audit_record(actor=actor, verb="events.recurrence.created", obj=events[0],
                         scope=community.slug, request=request,
                         data={"recurrence_id": str(recurrence["recurrence_id"]),
                               "events": [e.pk for e in events]})
    return events


def event_edit(*, event: Event, actor, data: dict, questions: list[dict],
               request=None) -> Event:
    """Edit one event and its questions together (see `event_save` for the invites it
    sends)."""
    with transaction.atomic():
        event = event_save(community=event.community, actor=actor, data=data, event=event,
                           request=request)
        event_questions_save(event=event, actor=actor, questions=questions, request=request)
    return event
