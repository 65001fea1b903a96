"""Reminders 24 hours and 1 hour before an event, sent by a periodic job every 5 minutes.

Who gets which reminder, with `now` the time the job runs and `start` the event's start:

- "24h": `now + 1h < start <= now + 24h`, and the seat was confirmed by `start - 24h`.
- "1h":  `now < start <= now + 1h`, and the seat was confirmed by `start - 1h`.

and in both cases only a confirmed registration, of an active account, for a published
event the person may (still) see under the access policy: a registration whose holder lost
access is cancelled instead (`registration_access_revoke`), and the reminder is gated, so
the outbox asks the policy again right before the send. Wait-listed and cancelled
registrations, draft and cancelled events get nothing.

Why "confirmed by the mark": someone who registers (or is promoted from the wait-list)
inside a reminder's window has just had the confirmation e-mail with the same time and join
link, and a reminder minutes later would be noise; they still get the next reminder. Why the
24-hour window ends where the 1-hour one begins: if the job could not run for most of a day,
the person gets one reminder that says "in an hour", not two at once.

Never twice: a `ReminderSent(registration, kind)` row is inserted in the same transaction as
the e-mail (the outbox row), and its unique constraint makes a second insert fail; of two
workers racing for the same reminder exactly one commits, the other rolls back and sends
nothing. A reminder is not sent again when an event moves later: the registrant already had
the "updated" e-mail with its new invite.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cophub.communities.selectors import viewers_for
from cophub.core.access import can_view_object
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..models import Event, Registration, ReminderSent
from ..selectors import join_url_visible
from .registrations import REGISTRATION_GATE, registration_access_revoke

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


@dataclass(frozen=True)
class ReminderKind:
    name: str  # ReminderSent.kind and the e-mail template: events/email/reminder_<name>
    lead: timedelta  # sent this long before the start …
    until: timedelta  # … and no longer once the event is this close (the next one's turn)


REMINDER_24H = ReminderKind("24h", lead=timedelta(hours=24), until=timedelta(hours=1))
REMINDER_1H = ReminderKind("1h", lead=timedelta(hours=1), until=timedelta(0))
REMINDERS = (REMINDER_24H, REMINDER_1H)

# Access levels every signed-in person passes: no need to load memberships for them.


def _due_q(kind: ReminderKind, now: datetime) -> Q:
    return Q(
        status=Registration.Status.CONFIRMED,
        user__is_active=True,
        event__status=Event.Status.PUBLISHED,
        event__starts_at__gt=now + kind.until,
        event__starts_at__lte=now + kind.lead,
    )


def reminders_due(*, kind: ReminderKind, now: datetime, after_pk: int = 0,
                  limit: int = BATCH_SIZE) -> list[Registration]:
    """The next `limit` registrations (by id, after `after_pk`) due for `kind` and not yet
    reminded, with their event, community and person: one query."""
    return list(
        Registration.objects.filter(_due_q(kind, now), pk__gt=after_pk)
        # Registrations made before `confirmed_at` existed count from their creation.
        .alias(confirmed_mark=Coalesce("confirmed_at", "created_at"))
        .filter(confirmed_mark__lte=F("event__starts_at") - kind.lead)
        .filter(~Exists(ReminderSent.objects.filter(registration=OuterRef("pk"),
                                                    kind=kind.name)))
        .select_related("event__community", "user")
        .order_by("pk")[:limit]
    )


def reminders_send(*, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Send every reminder that is due (see the module docstring for who gets which), at
    most once each. Works in batches of `batch_size` with a fixed number of queries per
    batch for the reads, plus the writes of each reminder. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for kind in REMINDERS:
        after_pk = 0
        while True:
            batch = reminders_due(kind=kind, now=now, after_pk=after_pk, limit=batch_size)
            if not batch:
                break
            viewers = viewers_for({r.user for r in batch})
            for registration in batch:
                # The person may have lost access since registering (a group left, a
                # government address removed): no reminder and no join link then, and the
                # registration is cancelled with a notice that carries neither. (The outbox
                # asks again when it sends the reminder: access may go in between.)
                if can_view_object(viewers[registration.user_id], registration.event):
                    sent += reminder_send(registration=registration, kind=kind, now=now)
                else:
                    registration_access_revoke(registration_id=registration.pk)
            # Keyset pagination: rows skipped above (or sent by another worker meanwhile)
            # are never fetched again in this run.
            after_pk = batch[-1].pk
            if len(batch) < batch_size:
                break
    if sent:
        logger.info("Event reminders: sent %s", sent)
    return sent


def reminder_send(*, registration: Registration, kind: ReminderKind, now: datetime) -> bool:
    """Send one reminder unless it is no longer due or was sent already; True if sent.

    The registration row is locked and checked again (a cancellation may have committed
    since the batch was read), then the `ReminderSent` row and the outbox row are written in
    one transaction: a concurrent worker's insert fails on the unique constraint and it
    sends nothing. A failure to build the message is logged and retried on the next run."""
    try:
        with transaction.atomic():
            # values_list, not exists(): exists() drops the OF clause, and the plain FOR
            # UPDATE would also lock the event row that registrations queue on.
            still_due = list(Registration.objects.select_for_update(of=("self",))
                             .filter(_due_q(kind, now), pk=registration.pk)
                             .order_by().values_list("pk", flat=True))
            if not still_due:
                return False
            ReminderSent.objects.create(registration=registration, kind=kind.name)
            event = registration.event
            mail_enqueue_template(
                to=registration.user.email,
                template_prefix=f"events/email/reminder_{kind.name}",
                context={
                    "event": event, "registration": registration,
                    "person": registration.user,
                    "event_url": site_url(event.get_absolute_url()),
                    "show_join_url": join_url_visible(event=event, registration=registration),
                },
                # RFC 3834: an automatic message; auto-responders should not answer it. A
                # person's reply goes to the organizers, at the community's contact address.
                headers={"Auto-Submitted": "auto-generated",
                         "Reply-To": event.community.contact_address},
                gate=(REGISTRATION_GATE, registration.pk),
            )
    except IntegrityError:
        # Another worker inserted the same ReminderSent first: it sends, we do not.
        return False
    except Exception:
        logger.exception("Event reminders: could not send the %s reminder for registration "
                         "%s", kind.name, registration.pk)
        return False
    return True

