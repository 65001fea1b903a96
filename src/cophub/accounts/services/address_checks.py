"""The yearly check of qualifying addresses (`QualifyingAddressCheck`): a government tier
rests on an address at an agency, and people leave agencies without telling anyone, so each
qualifying address is asked once a year to confirm that it still reaches its person, and
lapses (`address_lapse`) if nobody confirms it in time. The signed link (`tokens`) is also
the way back from any lapse."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from allauth.account.models import EmailAddress
from allauth.core import ratelimit
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..domains import addresses_government, government_address_q
from ..models import QualifyingAddressCheck, QualifyingAddressLapse, User
from ..selectors import address_pending_state
from ..tokens import address_link_url, address_state
from .tiers import address_lapse, address_lapse_lift, user_tier_refresh

# Addresses each step of one run handles at most; the next day's run goes on. A deployment
# upgraded on one day is asked over the following days rather than in one burst.
ADDRESS_CHECK_BATCH = 500


class AddressConfirmError(ValueError):
    """A confirmation link that cannot be sent; the message is for people."""


@dataclass(frozen=True)
class AddressChecksReport:
    started: int
    asked: int
    lapsed: int


def address_check_restart(*, email_address: EmailAddress) -> None:
    """`email_address` proved its mailbox just now (verified, or confirmed again): its year
    starts now, and nothing is pending for it."""
    QualifyingAddressCheck.objects.update_or_create(
        email_address=email_address,
        defaults={"confirmed_at": timezone.now(), "requested_at": None})


@transaction.atomic
def address_reconfirm(*, email_address: EmailAddress, state: str, request=None) -> bool:
    """Someone followed the signed link for `email_address` (`tokens`), which proves the
    mailbox, signed in or not. If `state` is still what is pending for the address, its year
    starts again, a lapse on it is lifted and the tier recomputed, with an audit row
    `accounts.address.reconfirmed`. Otherwise (confirmed already, or lapsed after the link
    was sent) nothing changes and it returns False. Takes the person's row lock first, as
    the job does, so a double submit confirms once."""
    user = User.objects.select_for_update().get(pk=email_address.user_id)
    if not state or address_pending_state(email_address=email_address) != state:
        return False
    lifted = address_lapse_lift(email_address=email_address, request=request)
    address_check_restart(email_address=email_address)
    user_tier_refresh(user=user, request=request)
    audit_record(actor=user, verb="accounts.address.reconfirmed", obj=user, request=request,
                 data={"email": email_address.email, "lapse_lifted": lifted,
                       "tier": user.tier})
    return True


def address_confirm_link_send(*, email_address: EmailAddress, request) -> bool:
    """The person asks for the confirmation link of their own lapsed address (or of one
    waiting for this year's confirmation) again. Throttled by allauth's `confirm_email` limit
    for the address (`ACCOUNT_RATE_LIMITS`, the same budget as allauth's "Re-send
    Verification" on the same page): returns False, sending nothing, when it holds. Raises
    `AddressConfirmError` when there is nothing to confirm."""
    state = address_pending_state(email_address=email_address)
    if not state:
        raise AddressConfirmError(f"{email_address.email} needs no confirmation.")
    if not ratelimit.consume(request, action="confirm_email", key=email_address.email.lower()):
        return False
    with transaction.atomic():
        lapse = QualifyingAddressLapse.objects.filter(email_address=email_address).first()
        check = QualifyingAddressCheck.objects.filter(email_address=email_address).first()
        deadline = None
        if lapse is None and check is not None and check.requested_at is not None:
            deadline = check.requested_at + _grace()
        _address_confirm_mail(email_address=email_address, state=state, lapse=lapse,
                              deadline=deadline)
        audit_record(actor=email_address.user, verb="accounts.address.confirmation_sent",
                     obj=email_address.user, request=request,
                     data={"email": email_address.email})
    return True


def address_checks_run(*, now: datetime | None = None,
                       batch: int = ADDRESS_CHECK_BATCH) -> AddressChecksReport:
    """The daily job: start a year for qualifying addresses that have none (addresses older
    than the check, or added by hand), ask those whose year is over (once: the link goes out
    with `requested_at` set in the same transaction), and lapse those not confirmed within the
    grace period after they were asked. Each step takes at most `batch` addresses, the
    longest waiting first, each in its own transaction and claimed under a condition that
    only one run can meet, so a run that dies part-way or runs twice at once neither asks
    twice nor skips anyone. Only verified, unlapsed addresses of active accounts that grant
    the government tier are ever asked or lapsed."""
    now = now or timezone.now()
    return AddressChecksReport(started=_address_checks_start(now=now, batch=batch),
                               asked=_address_checks_ask(now=now, batch=batch),
                               lapsed=_address_checks_lapse(now=now, batch=batch))


def _grace() -> timedelta:
    return timedelta(days=settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS)


def _qualifying() -> QuerySet[EmailAddress]:
    return EmailAddress.objects.filter(government_address_q(), verified=True,
                                       qualifying_lapse__isnull=True, user__is_active=True)


def _address_checks_start(*, now: datetime, batch: int) -> int:
    ids = list(_qualifying().filter(qualifying_check__isnull=True).order_by("pk")
               .values_list("pk", flat=True)[:batch])
    QualifyingAddressCheck.objects.bulk_create(
        [QualifyingAddressCheck(email_address_id=pk, confirmed_at=now) for pk in ids],
        ignore_conflicts=True)
    return len(ids)


def _address_checks_ask(*, now: datetime, batch: int) -> int:
    year_start = now - timedelta(days=settings.COPHUB_GOV_RECONFIRM_DAYS)
    due = list(_qualifying().filter(qualifying_check__requested_at__isnull=True,
                                    qualifying_check__confirmed_at__lte=year_start)
               .select_related("user").order_by("qualifying_check__confirmed_at", "pk")[:batch])
    government = addresses_government(address.email for address in due)
    asked = 0
    for address in due:
        with transaction.atomic():
            still_due = QualifyingAddressCheck.objects.filter(
                email_address=address, requested_at__isnull=True,
                confirmed_at__lte=year_start, email_address__qualifying_lapse__isnull=True)
            if address.email not in government:
                # The database filter is broader than the address parser: nothing to ask of
                # an address that does not qualify; look again in a year.
                still_due.update(confirmed_at=now)
                continue
            if not still_due.update(requested_at=now):
                continue  # another run asked, or the person confirmed meanwhile
            _address_confirm_mail(email_address=address,
                                  state=address_state(lapse_id=None, requested_at=now),
                                  deadline=now + _grace())
            asked += 1
    return asked


def _address_checks_lapse(*, now: datetime, batch: int) -> int:
    overdue = list(_qualifying().filter(qualifying_check__requested_at__lte=now - _grace())
                   .select_related("user")
                   .order_by("qualifying_check__requested_at", "pk")[:batch])
    lapsed = 0
    for address in overdue:
        with transaction.atomic():
            # The person's row first, then the check: the order `address_reconfirm` takes.
            User.objects.select_for_update().filter(pk=address.user_id).first()
            check = (QualifyingAddressCheck.objects.select_for_update()
                     .filter(email_address=address, requested_at__lte=now - _grace()).first())
            if check is None:
                continue  # confirmed meanwhile
            if not address_lapse(email=address.email,
                                 reason=QualifyingAddressLapse.Reason.NOT_RECONFIRMED,
                                 detail=f"Asked on {check.requested_at:%Y-%m-%d}"):
                # Does not qualify after all (see _address_checks_ask): look again in a year.
                check.confirmed_at, check.requested_at = now, None
                check.save(update_fields=["confirmed_at", "requested_at"])
                continue
            # The address may still work (a long leave, a full mailbox): one last link to
            # it, besides the notice `address_lapse` sends to the person's other addresses.
            lapse = QualifyingAddressLapse.objects.get(email_address=address)
            _address_confirm_mail(email_address=address,
                                  state=address_state(lapse_id=lapse.pk, requested_at=None),
                                  lapse=lapse)
            lapsed += 1
    return lapsed


def _address_confirm_mail(*, email_address: EmailAddress, state: str,
                          lapse: QualifyingAddressLapse | None = None,
                          deadline: datetime | None = None) -> None:
    mail_enqueue_template(
        to=email_address.email, template_prefix="accounts/email/address_confirm",
        context={"person": email_address.user, "email": email_address.email,
                 "confirm_url": address_link_url(email_address=email_address, state=state),
                 "valid_days": settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS,
                 "deadline": deadline, "lapsed": lapse is not None,
                 "reason": lapse.get_reason_display() if lapse else "",
                 "account_url": site_url(reverse("account_email"))},
        headers={"Auto-Submitted": "auto-generated"})
