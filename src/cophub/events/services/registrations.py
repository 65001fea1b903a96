"""Writes about registrations: registration with exact capacity and a wait-list,
cancellation with promotion. Each is atomic and audited; mail goes through the outbox in the
same transaction."""

from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import can_view_object, viewer_for_user
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..ical import invite_attachment
from ..models import Event, Question, Registration

# The outbox gate (`events/gates.py`) every message about an event to a registrant goes
# through: right before the send it asks whether the holder may still see the event.
REGISTRATION_GATE = "events.registration"


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


def registration_notify(registration: Registration, *, template: str,
                        method: str | None) -> None:
    """Queue the e-mail `events/email/<template>` to the registrant, with a calendar invite
    (`method` REQUEST or CANCEL) or none. Call inside the transaction that made the change.

    The message names the event, often its join link and invite: it is gated
    (`REGISTRATION_GATE`), so it is withheld if, when the worker sends it, the holder may no
    longer see the event — and the registration is then cancelled
    (`registration_access_revoke`). It comes from the site's address; replies go to the
    community's contact address, which reaches its organizers, as the invite's ORGANIZER
    does (`ical`)."""
    event = registration.event
    context = {"event": event, "registration": registration, "person": registration.user,
               "event_url": site_url(event.get_absolute_url())}
    attachments = ([invite_attachment(event, email=registration.user.email, method=method)]
                   if method else None)
    mail_enqueue_template(to=registration.user.email,
                          template_prefix=f"events/email/{template}", context=context,
                          headers={"Reply-To": event.community.contact_address},
                          attachments=attachments, gate=(REGISTRATION_GATE, registration.pk))


def registration_create(*, event: Event, user, answers: dict | None = None,
                        viewer=None, questions=None, request=None) -> Registration:
    """Register `user` for `event`. Exactly `capacity` registrations are ever confirmed:
    the event row is locked (PostgreSQL `SELECT … FOR UPDATE`; SQLite takes its write lock
    at BEGIN IMMEDIATE), so concurrent registrations queue and the rest are wait-listed in
    arrival order. Registering twice returns the existing registration.

    `viewer` and `questions` spare the queries when the caller (a view) has them already.
    Raises RegistrationClosed, RegistrationNotAllowed or AnswersInvalid (nothing changes)."""
    if not can_view_object(viewer or viewer_for_user(user), event):
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
            registration_notify(registration, template="registration_confirmed", method="REQUEST")
        else:
            registration_notify(registration, template="registration_waitlisted", method=None)
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


def waitlist_promote(event: Event) -> list[Registration]:
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
        registration_notify(registration, template="registration_promoted", method="REQUEST")
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
        registration_notify(registration, template="registration_cancelled",
                method="CANCEL" if was_confirmed else None)
        if was_confirmed and not event.is_past:
            waitlist_promote(event)
    return registration


def registration_access_revoke(*, registration_id: int) -> Registration | None:
    """Cancel a registration whose holder may no longer see its event (their government
    address removed, a group left), and tell them so in a notice that carries nothing gated:
    not the event's title, time, join link or invite — only the community's name and how to
    regain access. Access is decided now, under the event's lock: a holder who may see the
    event again keeps the registration. A freed seat goes to the wait-list (ADR 0004).

    Called when the outbox withholds a message about the event (`events/gates.py`) and by
    the reminder job. Idempotent: however many withheld messages ask, a registration is
    cancelled, and its holder told, once. Returns the registration if it cancelled it."""
    event_id = (Registration.objects.filter(pk=registration_id)
                .values_list("event_id", flat=True).first())
    if event_id is None:
        return None
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("community").get(pk=event_id)
        registration = Registration.objects.select_related("user").get(pk=registration_id)
        if registration.status == Registration.Status.CANCELLED:
            return None
        if can_view_object(viewer_for_user(registration.user), event):
            return None
        was_confirmed = registration.status == Registration.Status.CONFIRMED
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["status", "cancelled_at"])
        registration.event = event
        audit_record(actor=None, verb="events.registration.cancelled", obj=event,
                     scope=_scope(event),
                     data={"user": registration.user.email, "reason": "access lost"})
        # Not through registration_notify: this notice is ungated, so it holds nothing gated.
        mail_enqueue_template(
            to=registration.user.email,
            template_prefix="events/email/registration_access_lost",
            context={"person": registration.user, "community": event.community,
                     "account_url": site_url(reverse("account_email"))},
            headers={"Auto-Submitted": "auto-generated"},
        )
        # Only a published event fills its seats: a cancelled one's wait-list stays put.
        if was_confirmed and not event.is_past and event.status == Event.Status.PUBLISHED:
            waitlist_promote(event)
    return registration
