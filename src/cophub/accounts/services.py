"""Writes about people: tier, profile, domain lists, export and deletion."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template
from cophub.core.models import AuditEvent

from .domains import address_domain, domain_verdict
from .models import DomainRule, QualifyingAddressLapse, Tier, User


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
    """Mail to `email` failed for good (a hard bounce the caller has verified: a signed return
    path, never a report anyone could write): each verified address of an account that is
    `email` (without case) and grants the government tier stops counting for the tier, the
    tier is recomputed, an audit row `accounts.address.lapsed` is written, and the person is
    told at their other verified, unlapsed addresses (never at this one) how to get it back.
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
        _, created = QualifyingAddressLapse.objects.get_or_create(
            email_address=address, defaults={"reason": reason, "detail": detail[:500]})
        if not created:
            continue
        lapsed += 1
        user_tier_refresh(user=user)
        audit_record(actor=None, verb="accounts.address.lapsed", obj=user,
                     data={"email": address.email, "reason": reason, "tier": user.tier,
                           "tier_domain": user.tier_domain})
        _address_lapse_notify(user=user, email=address.email, reason=reason)
    return lapsed


def _address_lapse_notify(*, user: User, email: str, reason: str) -> None:
    others = (EmailAddress.objects.filter(user=user, verified=True,
                                          qualifying_lapse__isnull=True)
              .exclude(email__iexact=email).order_by("-primary", "id")
              .values_list("email", flat=True))
    context = {"person": user, "email": email,
               "reason": QualifyingAddressLapse.Reason(reason).label,
               "still_government": user.tier == Tier.GOVERNMENT,
               "account_url": site_url(reverse("account_email"))}
    for other in others:
        mail_enqueue_template(to=other, template_prefix="accounts/email/address_lapsed",
                              context=context, headers={"Auto-Submitted": "auto-generated"})


@transaction.atomic
def address_lapse_lift(*, email_address: EmailAddress, request=None) -> bool:
    """The person confirmed `email_address` again (allauth's confirmation link reached that
    mailbox): a lapse on it is lifted, with an audit row `accounts.address.lapse_lifted`.
    The caller refreshes the tier. Returns True if there was a lapse."""
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


class DomainRuleError(ValueError):
    pass


@transaction.atomic
def domain_rule_save(*, actor: User, domain: str, kind: str, organization: str = "",
                     level: str = "", note: str = "", request=None) -> DomainRule:
    """Create or replace the operator's rule for `domain`; refreshes affected tiers."""
    normalised = address_domain(f"rule@{domain.strip()}")
    if normalised is None:
        raise DomainRuleError("Enter a domain name such as partner.org, in ASCII letters.")
    if kind not in DomainRule.Kind.values:
        raise DomainRuleError("Choose allow or deny.")
    rule, _ = DomainRule.objects.update_or_create(
        domain=normalised,
        defaults={"kind": kind, "organization": organization, "level": level, "note": note},
    )
    audit_record(actor=actor, verb="accounts.domain_rule.saved", obj=rule, request=request,
                 data={"domain": normalised, "kind": kind})
    users_tier_refresh_for_domain(domain=normalised)
    return rule


@transaction.atomic
def domain_rule_delete(*, actor: User, rule: DomainRule, request=None) -> None:
    domain = rule.domain
    audit_record(actor=actor, verb="accounts.domain_rule.deleted", obj=rule, request=request,
                 data={"domain": domain, "kind": rule.kind})
    rule.delete()
    users_tier_refresh_for_domain(domain=domain)


PROFILE_FIELDS = ("name", "organization", "level", "job_role", "bio", "time_zone",
                  "in_directory")


@transaction.atomic
def profile_update(*, user: User, data: dict, interests=None, request=None) -> User:
    changed = [f for f in PROFILE_FIELDS if f in data and getattr(user, f) != data[f]]
    for f in changed:
        setattr(user, f, data[f])
    if changed:
        user.save(update_fields=changed)
    if interests is not None:
        user.interests.set(interests)
    audit_record(actor=user, verb="accounts.profile.updated", obj=user, request=request,
                 data={"fields": changed})
    return user


def account_export(*, user: User) -> dict:
    """Everything cophub holds about a person, as JSON-ready data (privacy: right of access).
    Other apps add their sections through `EXPORT_SECTIONS`."""
    data = {
        "account": {
            "email": user.email, "name": user.name, "date_joined": user.date_joined.isoformat(),
            "tier": user.tier, "tier_domain": user.tier_domain,
        },
        "profile": {
            "organization": user.organization, "level": user.level, "job_role": user.job_role,
            "bio": user.bio, "time_zone": user.time_zone, "in_directory": user.in_directory,
            "interests": list(user.interests.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary,
             "lapsed": a.lapsed_at.isoformat() if a.lapsed_at else None}
            for a in EmailAddress.objects.filter(user=user)
            .annotate(lapsed_at=F("qualifying_lapse__lapsed_at")).order_by("id")
        ],
        "mfa": [a.get_type_display() for a in Authenticator.objects.filter(user=user)],
        "audit_log": [
            {"at": e.created_at.isoformat(), "verb": e.verb, "ip": e.ip_address}
            for e in AuditEvent.objects.filter(actor=user).order_by("created_at")[:1000]
        ],
    }
    for section in EXPORT_SECTIONS:
        data.update(section(user=user))
    return data


# Callables `(user=...) -> dict` that other apps append to, so the export covers everything
# without accounts importing the apps that depend on it.
EXPORT_SECTIONS: list = []


# Callables `(user=...) -> None` that other apps append to, run inside the deletion's
# transaction before the account goes: what must not simply cascade (posts stay in their
# conversations, attributed to "a former member").
BEFORE_DELETE: list = []


@transaction.atomic
def account_delete(*, user: User, request=None) -> None:
    """Delete the person and everything that cascades from them. The audit row keeps the
    address as label (who asked to be deleted, when) and nothing else."""
    audit_record(actor=user, verb="accounts.account.deleted", obj=user, request=request)
    for step in BEFORE_DELETE:
        step(user=user)
    user.delete()
