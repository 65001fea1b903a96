"""A person's own data: profile, export (right of access) and deletion."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import F

from cophub.core.audit import audit_record
from cophub.core.models import AuditEvent

from ..models import User

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
