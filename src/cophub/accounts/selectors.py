"""Reads about people, with their visibility rules."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import BooleanField, CharField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from cophub.core.models import AuditEvent

from .models import QualifyingAddressLapse, Tier, User
from .tokens import LinkExpired, LinkInvalid, address_state, address_token_read, email_digest


def directory_members(*, q: str = "", organization: str = "", level: str = "",
                      interest=None) -> QuerySet[User]:
    """Government members who chose to be listed. Only government members may call this on
    behalf of a viewer (the view checks); public participants never see the directory. `q`
    finds people by name, organization or role, never by address."""
    qs = User.objects.filter(tier=Tier.GOVERNMENT, in_directory=True, is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organization__icontains=q)
                       | Q(job_role__icontains=q))
    if organization:
        qs = qs.filter(organization__icontains=organization)
    if level:
        qs = qs.filter(level=level)
    if interest is not None:
        qs = qs.filter(interests=interest)
    # By name; people who have given none yet ("A member") after everyone else.
    nameless = ExpressionWrapper(Q(name=""), output_field=BooleanField())
    return qs.order_by(nameless, "name", "id").prefetch_related("interests")


# --- The government tier's addresses: lapses and the yearly check -------------------------

def address_pending_state(*, email_address: EmailAddress) -> str:
    """What a confirmation link for the address confirms now (`tokens.address_state`): its
    lapse, else this year's request, else "" (nothing: the address cannot be confirmed,
    for example because it was confirmed already). Always "" for an unverified address."""
    row = (EmailAddress.objects.filter(pk=email_address.pk, verified=True)
           .values("qualifying_lapse__id", "qualifying_check__requested_at").first())
    if row is None:
        return ""
    return address_state(lapse_id=row["qualifying_lapse__id"],
                         requested_at=row["qualifying_check__requested_at"])


class LinkStatus(StrEnum):
    READY = "ready"  # the link confirms the address
    DONE = "done"  # nothing is pending for the address: confirmed already
    STALE = "stale"  # something else is pending now (the address lapsed after the link)
    EXPIRED = "expired"
    INVALID = "invalid"  # forged, tampered, cut, or for an address that is gone


@dataclass(frozen=True)
class LinkCheck:
    status: LinkStatus
    email_address: EmailAddress | None = None
    state: str = ""
    lapse: QualifyingAddressLapse | None = None


def address_link_read(*, token: str) -> LinkCheck:
    """What following the confirmation link `token` would do, changing nothing."""
    try:
        link = address_token_read(token)
    except LinkExpired:
        return LinkCheck(status=LinkStatus.EXPIRED)
    except LinkInvalid:
        return LinkCheck(status=LinkStatus.INVALID)
    address = (EmailAddress.objects.filter(pk=link.email_address_id, verified=True)
               .select_related("user", "qualifying_lapse", "qualifying_check").first())
    if address is None or email_digest(address.email) != link.email_digest:
        return LinkCheck(status=LinkStatus.INVALID)
    lapse = getattr(address, "qualifying_lapse", None)
    check = getattr(address, "qualifying_check", None)
    current = address_state(lapse_id=lapse.pk if lapse else None,
                            requested_at=check.requested_at if check else None)
    if not current:
        status = LinkStatus.DONE
    elif current != link.state:
        status = LinkStatus.STALE
    else:
        status = LinkStatus.READY
    return LinkCheck(status=status, email_address=address, state=link.state, lapse=lapse)


@dataclass(frozen=True)
class AddressStanding:
    """One of a person's addresses that needs them: lapsed, or asked to confirm."""

    email_address: EmailAddress
    lapse: QualifyingAddressLapse | None
    deadline: datetime | None


def address_standings_for(*, user: User) -> list[AddressStanding]:
    """The person's own verified addresses that are lapsed or waiting for this year's
    confirmation, for their addresses page (one query)."""
    grace = timedelta(days=settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS)
    standings = []
    for address in (EmailAddress.objects.filter(user=user, verified=True)
                    .select_related("qualifying_lapse", "qualifying_check").order_by("email")):
        lapse = getattr(address, "qualifying_lapse", None)
        check = getattr(address, "qualifying_check", None)
        requested = check.requested_at if check else None
        if lapse is not None or requested is not None:
            standings.append(AddressStanding(
                email_address=address, lapse=lapse,
                deadline=requested + grace if lapse is None else None))
    return standings


@dataclass(frozen=True)
class TierLapseSummary:
    """Counts only: organizers learn how many, never who."""

    lost_by_reason: list[tuple[str, int]]
    lost: int
    lapsed_now: int


def tier_lapse_summary(*, members: QuerySet[User], since: datetime) -> TierLapseSummary:
    """Of `members`: how many lost the government tier to a lapsed address since `since`, by
    reason, and how many are without it now because of a lapsed address. Three queries
    whatever the number of members. Lapses are read from the audit log
    (`accounts.address.lapsed`, with the tier the lapse left), since a lifted lapse leaves no
    other trace; a person counts once per reason, and once in `lost`."""
    member_ids = members.annotate(key=Cast("pk", CharField())).values("key")
    events = AuditEvent.objects.filter(
        verb="accounts.address.lapsed", created_at__gte=since, data__tier=Tier.PUBLIC.value,
        object_type=User._meta.label_lower, object_id__in=member_ids)
    labels = dict(QualifyingAddressLapse.Reason.choices)
    by_reason = {
        row["reason"]: row["people"]
        for row in events.values(reason=KT("data__reason"))
        .annotate(people=Count("object_id", distinct=True)).order_by()
    }
    lost_by_reason = [(labels.get(reason, reason), by_reason[reason])
                      for reason in [*labels, *sorted(set(by_reason) - set(labels), key=str)]
                      if reason in by_reason]
    lost = events.aggregate(people=Count("object_id", distinct=True))["people"]
    lapsed_now = (members.filter(tier=Tier.PUBLIC,
                                 emailaddress__qualifying_lapse__isnull=False)
                  .values("pk").distinct().count())
    return TierLapseSummary(lost_by_reason=lost_by_reason, lost=lost, lapsed_now=lapsed_now)
