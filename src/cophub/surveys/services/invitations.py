"""Invitations and reminders by e-mail, through the outbox: each recipient's message and the
mark that it was sent are written in one transaction, so nobody is asked twice and nobody
is skipped when a worker or the mail server dies mid-way."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail.outbox import mail_enqueue_template

from ..links import recipient_path
from ..models import Recipient, Survey
from .common import SurveyError

REMINDER_GAP = timedelta(hours=24)  # at most one reminder a day, to anyone
MAX_REMINDERS = 3


def _send(survey: Survey, recipient: Recipient, template: str) -> None:
    mail_enqueue_template(
        to=recipient.user.email, template_prefix=f"surveys/email/{template}",
        context={"survey": survey, "person": recipient.user,
                 "url": site_url(recipient_path(recipient)),
                 "community": survey.community})


def invitations_send(*, survey: Survey) -> int:
    """Invite every recipient not yet invited (publishing calls this in its transaction).
    Returns how many were invited now."""
    with transaction.atomic():
        locked = Survey.objects.select_for_update().select_related("community").get(
            pk=survey.pk)
        if locked.status != Survey.Status.OPEN:
            return 0
        pending = list(locked.recipients.filter(invited=False).select_related("user")
                       .order_by("pk"))
        for recipient in pending:
            _send(locked, recipient, "invitation")
        Recipient.objects.filter(pk__in=[r.pk for r in pending]).update(invited=True)
    return len(pending)


def reminders_send(*, survey: Survey, actor, now=None, request=None) -> int:
    """Remind the recipients who have not answered (and only them), at most once a day and
    three times in all. Returns how many were reminded."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Survey.objects.select_for_update().select_related("community").get(
            pk=survey.pk)
        if locked.status != Survey.Status.OPEN:
            raise SurveyError("Only an open survey sends reminders.")
        if locked.reminded_at is not None and now - locked.reminded_at < REMINDER_GAP:
            raise SurveyError("A reminder went out less than a day ago: send the next one "
                              "tomorrow at the earliest.")
        pending = list(locked.recipients.filter(responded=False, invited=True,
                                                reminders_sent__lt=MAX_REMINDERS)
                       .select_related("user").order_by("pk"))
        for recipient in pending:
            _send(locked, recipient, "reminder")
        Recipient.objects.filter(pk__in=[r.pk for r in pending]).update(
            reminders_sent=F("reminders_sent") + 1)
        locked.reminded_at = now
        locked.save(update_fields=["reminded_at"])
        audit_record(actor=actor, verb="surveys.reminders.sent", obj=locked,
                     scope=locked.community.slug, request=request,
                     data={"sent": len(pending)})
    return len(pending)
