"""The tier and the addresses it rests on: recomputing it, and lapsing an address that no
longer reaches its person (and lifting the lapse)."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..domains import domain_verdict
from ..models import QualifyingAddressLapse, Tier, User


def user_tier_refresh(*, user: User, request=None) -> bool:
    """Recompute `user.tier` from the user's *verified* addresses only. Fills organization
    and level from the registry when the person has not set them. Returns True if the tier
    changed. Unverified addresses, lapsed addresses (`address_lapse`), look-alike domains
    and denied domains never count."""
    verdicts = [
        domain_verdict(address.email)
        for address in EmailAddress.objects.filter(
            user=user, verified=True, qualifying_lapse__isnull=True
        ).order_by("-primary", "id")
    ]
    qualifying = next((v for v in verdicts if v.is_government), None)
    tier = Tier.GOVERNMENT if qualifying else Tier.PUBLIC
    fields = []
    if user.tier != tier or user.tier_domain != (qualifying.domain if qualifying else ""):
        old = user.tier
        user.tier = tier
        user.tier_domain = qualifying.domain if qualifying else ""
        fields += ["tier", "tier_domain"]
        if old != tier:
            audit_record(actor=user, verb="accounts.tier.changed", obj=user, request=request,
                         data={"from": old, "to": tier, "domain": user.tier_domain})
    if qualifying and not user.organization and qualifying.organization:
        user.organization = qualifying.organization
        fields.append("organization")
    if qualifying and not user.level and qualifying.level:
        user.level = qualifying.level
        fields.append("level")
    if fields:
        user.save(update_fields=fields)
    return "tier" in fields


@transaction.atomic
def address_lapse(*, email: str, reason: str, detail: str = "") -> int:
    """`email` no longer shows that its person works there: mail to it failed for good (a
    hard bounce the caller has verified: a signed return path, never a report anyone could
    write), or it was not confirmed again by the deadline of its yearly check. Each verified
    address of an account that is `email` (without case) and grants the government tier stops
    counting for the tier, the tier is recomputed, an audit row `accounts.address.lapsed` is
    written, and the person is told at their other verified, unlapsed addresses how to get
    it back (never at this one: after a bounce it is dead; after a missed yearly check the
    check sends it its own last link, `address_checks_run`).
    Idempotent: an address already lapsed is left alone and nobody is told twice. Returns how
    many addresses lapsed. Government-only mail then stops by itself: the outbox gates ask
    for the tier at send time."""
    lapsed = 0
    for address in (EmailAddress.objects.filter(email__iexact=email.strip(), verified=True,
                                                qualifying_lapse__isnull=True)
                    .select_related("user")):
        if not domain_verdict(address.email).is_government:
            continue
        # The tier lives on the user row: lock it so two bounces for the person's addresses
        # recompute one after the other.
        user = User.objects.select_for_update().get(pk=address.user_id)
        lapse, created = QualifyingAddressLapse.objects.get_or_create(
            email_address=address, defaults={"reason": reason, "detail": detail[:500]})
        if not created:
            continue
        lapsed += 1
        user_tier_refresh(user=user)
        audit_record(actor=None, verb="accounts.address.lapsed", obj=user,
                     data={"email": address.email, "reason": reason, "tier": user.tier,
                           "tier_domain": user.tier_domain})
        _address_lapse_notify(user=user, address=address, lapse=lapse)
    return lapsed


def _address_lapse_notify(*, user: User, address: EmailAddress,
                          lapse: QualifyingAddressLapse) -> None:
    others = (EmailAddress.objects.filter(user=user, verified=True,
                                          qualifying_lapse__isnull=True)
              .exclude(email__iexact=address.email).order_by("-primary", "id")
              .values_list("email", flat=True))
    context = {"person": user, "email": address.email, "reason_code": lapse.reason,
               "reason": QualifyingAddressLapse.Reason(lapse.reason).label,
               "still_government": user.tier == Tier.GOVERNMENT,
               "account_url": site_url(reverse("account_email"))}
    for other in others:
        mail_enqueue_template(to=other, template_prefix="accounts/email/address_lapsed",
                              context=context, headers={"Auto-Submitted": "auto-generated"})


@transaction.atomic
def address_lapse_lift(*, email_address: EmailAddress, request=None) -> bool:
    """The person confirmed `email_address` again (allauth's confirmation link or the yearly
    check's link reached that mailbox): a lapse on it is lifted, with an audit row
    `accounts.address.lapse_lifted`. The caller refreshes the tier. Returns True if there
    was a lapse."""
    deleted, _ = QualifyingAddressLapse.objects.filter(email_address=email_address).delete()
    if deleted:
        audit_record(actor=email_address.user, verb="accounts.address.lapse_lifted",
                     obj=email_address.user, request=request,
                     data={"email": email_address.email})
    return bool(deleted)


def users_tier_refresh_for_domain(*, domain: str) -> int:
    """After a domain rule changes: refresh everyone with a verified address at the domain
    or below it. Returns how many changed tier."""
    domain = domain.lower()
    users = User.objects.filter(
        Q(emailaddress__email__iendswith=f"@{domain}")
        | Q(emailaddress__email__iendswith=f".{domain}"),
        emailaddress__verified=True,
    ).distinct()
    return sum(user_tier_refresh(user=user) for user in users)
