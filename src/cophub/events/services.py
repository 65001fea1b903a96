"""Writes about events: registration with exact capacity and a wait-list, cancellation with
promotion, event changes that re-invite registrants. Each is atomic and audited; mail goes
through the outbox in the same transaction."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from cophub.communities.selectors import viewer_for
from cophub.core.access import can_view_object
from cophub.core.audit import audit_record
from cophub.core.mail import mail_enqueue_template

from .ical import invite_attachment
from .models import Event, Question, Registration


class RegistrationError(Exception):
    """A registration the rules do not allow; the message is for people."""


class RegistrationClosed(RegistrationError):
    MESSAGES = {
        "not_open": "Registration for this event has not opened yet.",
        "closed": "Registration for this event has closed.",
        "past": "This event has already taken place.",
        "cancelled": "This event has been cancelled.",
        "draft": "This event is not published yet.",
    }

    def __init__(self, state: str):
        self.state = state
        super().__init__(self.MESSAGES.get(state, "Registration is not open."))


class RegistrationNotAllowed(RegistrationError):
    pass


class AnswersInvalid(RegistrationError):
    def __init__(self, errors: dict[int, str]):
        self.errors = errors
        super().__init__("Please answer the registration questions.")


def _scope(event: Event) -> str:
    return event.community.slug


def answers_clean(*, event: Event, answers: dict, questions=None) -> dict[str, str]:
    """Check answers against the event's questions (`questions`, if the caller has them
    loaded); keys are question ids as strings. Raises AnswersInvalid with an error per
    question."""
    clean, errors = {}, {}
    for question in (questions if questions is not None else event.questions.all()):
        value = str(answers.get(str(question.pk), answers.get(question.pk, "")) or "").strip()
        if question.kind == Question.Kind.YES_NO and value and value not in ("yes", "no"):
            errors[question.pk] = "Answer yes or no."
        elif question.kind == Question.Kind.CHOICE and value and value not in question.choices:
            errors[question.pk] = "Choose one of the options."
        elif len(value) > 2000:
            errors[question.pk] = "Keep the answer under 2,000 characters."
        elif question.required and not value:
            errors[question.pk] = "This question needs an answer."
        if value:
            clean[str(question.pk)] = value
    if errors:
        raise AnswersInvalid(errors)
    return clean


def _notify(registration: Registration, *, template: str, method: str | None) -> None:
    event = registration.event
    context = {"event": event, "registration": registration, "person": registration.user,
               "event_url": settings.SITE_URL + event.get_absolute_url()}
    attachments = ([invite_attachment(event, email=registration.user.email, method=method)]
                   if method else None)
    mail_enqueue_template(to=registration.user.email,
                          template_prefix=f"events/email/{template}", context=context,
                          attachments=attachments)


def registration_create(*, event: Event, user, answers: dict | None = None,
                        viewer=None, questions=None, request=None) -> Registration:
    """Register `user` for `event`. Exactly `capacity` registrations are ever confirmed:
    the event row is locked (PostgreSQL `SELECT … FOR UPDATE`; SQLite takes its write lock
    at BEGIN IMMEDIATE), so concurrent registrations queue and the rest are wait-listed in
    arrival order. Registering twice returns the existing registration.

    `viewer` and `questions` spare the queries when the caller (a view) has them already.
    Raises RegistrationClosed, RegistrationNotAllowed or AnswersInvalid (nothing changes)."""
    if not can_view_object(viewer or viewer_for(user), event):
        raise RegistrationNotAllowed("This event is not open to you.")
    clean_answers = answers_clean(event=event, answers=answers or {}, questions=questions)
    scope = _scope(event)
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        existing = Registration.objects.filter(event=locked, user=user).first()
        if existing is not None and existing.status != Registration.Status.CANCELLED:
            return existing
        state = locked.registration_state()
        if state != "open":
            raise RegistrationClosed(state)
        stats = Registration.objects.filter(event=locked).aggregate(
            last=Max("arrival"),
            confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)))
        has_seat = locked.capacity is None or stats["confirmed"] < locked.capacity
        now = timezone.now()
        status = Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED
        fields = {"status": status, "answers": clean_answers,
                  "arrival": (stats["last"] or 0) + 1, "created_at": now,
                  "confirmed_at": now if has_seat else None, "cancelled_at": None}
        if existing is not None:  # re-registering after a cancellation: back of the queue
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.save(update_fields=list(fields))
            registration = existing
        else:
            registration = Registration.objects.create(event=locked, user=user, **fields)
        locked.community = event.community  # loaded by the caller; saves a query
        registration.event = locked
        audit_record(actor=user, verb=f"events.registration.{status}", obj=locked,
                     scope=scope, request=request)
        if has_seat:
            _notify(registration, template="registration_confirmed", method="REQUEST")
        else:
            _notify(registration, template="registration_waitlisted", method=None)
    return registration


def registration_create_safely(*, event: Event, user, answers=None, viewer=None,
                               questions=None, request=None):
    """`registration_create`, retried once if a concurrent request by the same person won
    the unique constraint (double-click)."""
    try:
        return registration_create(event=event, user=user, answers=answers, viewer=viewer,
                                   questions=questions, request=request)
    except IntegrityError:
        return Registration.objects.get(event=event, user=user)


def _promote_waitlist(event: Event) -> list[Registration]:
    """Fill free seats from the head of the wait-list. Call with the event locked."""
    if event.capacity is None:
        waiting = Registration.objects.filter(event=event,
                                              status=Registration.Status.WAITLISTED)
    else:
        confirmed = Registration.objects.filter(
            event=event, status=Registration.Status.CONFIRMED).count()
        free = max(event.capacity - confirmed, 0)
        if not free:
            return []
        waiting = Registration.objects.filter(
            event=event, status=Registration.Status.WAITLISTED).order_by("arrival")[:free]
    promoted = list(waiting.select_related("user"))
    now = timezone.now()
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
        registration.event = event
        audit_record(actor=None, verb="events.registration.promoted", obj=event,
                     scope=_scope(event), data={"user": registration.user.email})
        _notify(registration, template="registration_promoted", method="REQUEST")
    return promoted


def registration_cancel(*, registration: Registration, actor, request=None) -> Registration:
    """Cancel a registration (by the person or an organizer). A freed seat goes to the head
    of the wait-list at once, and they are told. Cancelling twice changes nothing."""
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("community").get(
            pk=registration.event_id)
        registration = Registration.objects.select_related("user").get(pk=registration.pk)
        if registration.status == Registration.Status.CANCELLED:
            return registration
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        registration.event = event
        audit_record(actor=actor, verb="events.registration.cancelled", obj=event,
                     scope=_scope(event), request=request,
                     data={"user": registration.user.email})
        _notify(registration, template="registration_cancelled",
                method="CANCEL" if was_confirmed else None)
        if was_confirmed and not event.is_past:
            _promote_waitlist(event)
    return registration


EVENT_FIELDS = ("kind", "title", "description", "speakers", "starts_at", "ends_at",
                "time_zone", "join_url", "location", "capacity", "registration_opens_at",
                "registration_closes_at", "access_level", "status", "group", "recurrence_id")
# Changes that registrants' calendars must learn about (a new SEQUENCE and invite).
INVITE_FIELDS = {"title", "starts_at", "ends_at", "join_url", "location", "description"}


def event_save(*, community, actor, data: dict, event: Event | None = None,
               request=None) -> Event:
    """Create or edit an event (organizers, and leads for their group's events). Editing a
    published event bumps SEQUENCE and sends updated invites to confirmed registrants;
    raising the capacity promotes from the wait-list; cancelling tells everyone."""
    from django.core.exceptions import PermissionDenied

    viewer = viewer_for(actor)
    group = data.get("group") or (event.group if event else None)
    if not (viewer.is_organizer(community.pk) or (group and viewer.leads(group.pk))):
        raise PermissionDenied("Only organizers and group leads create and edit events.")
    with transaction.atomic():
        if event is None:
            event = Event(community=community, created_by=actor)
            changed, before_status = set(EVENT_FIELDS), None
        else:
            event = Event.objects.select_for_update().get(pk=event.pk)
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
                _notify(registration, template="event_cancelled",
                        method="CANCEL" if registration.status == "confirmed" else None)
        elif resend:
            for registration in live.filter(status=Registration.Status.CONFIRMED):
                registration.event = event
                _notify(registration, template="event_updated", method="REQUEST")
        if "capacity" in changed and event.status == Event.Status.PUBLISHED:
            _promote_waitlist(event)
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
