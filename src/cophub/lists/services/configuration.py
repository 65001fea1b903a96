"""Starting a mailing list and changing its settings: what organizers could only do in the
Django admin before, with the rules the admin cannot apply (addresses that clash with the
companion addresses or fixed URLs, groups of the right community, subscribers who would no
longer qualify). Who may: `core.access.can_manage` (the list's managers change its settings,
the community's organizers start lists and move them between groups)."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from cophub.communities.models import Community, Group
from cophub.core.access import ORGANIZE, AccessLevel, can_manage, viewer_for_user
from cophub.core.audit import audit_record

from ..addresses import ROLES
from ..models import MailingList, Subscription
from .subscriptions import list_accepts_address, subscription_cancel

SETTINGS_FIELDS = ("name", "description", "subject_prefix", "audience", "kind", "moderation",
                   "sender_policy", "digests_enabled", "archive_access_level", "group",
                   "is_active")
_TEXT_FIELDS = ("name", "description", "subject_prefix")
_BOOLEAN_FIELDS = ("digests_enabled", "is_active")

# Fixed paths under /lists/ (urls.py) that a list's page would otherwise shadow, and the
# RFC 2142 mailboxes the list domain must keep for people and mail servers.
RESERVED_LOCAL_PARTS = frozenset({"my", "confirm", "unsubscribe", "new",
                                  "postmaster", "abuse", "mailer-daemon",
                                  "reply",  # the forum's reply addresses (handlers.py)
                                  "contact",  # communities' contact addresses (same)
                                  "bounces"})  # notices' return paths (addresses.py)
LOCAL_PART_MIN, LOCAL_PART_MAX = 2, 50
_LOCAL_PART_RE = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_REQUIRED_CHOICES = {"audience": "who may join the list", "kind": "the kind of list",
                     "moderation": "how posts are moderated",
                     "archive_access_level": "who may read the archive"}
# Addresses shown as examples when a change would leave subscribers behind.
_EXAMPLES_SHOWN = 3


@transaction.atomic
def mailing_list_save(*, community: Community, actor, data: dict,
                      mailing_list: MailingList | None = None) -> MailingList:
    """Create a list of `community` (mailing_list=None) or change the settings of one.

    Only the community's organizers create lists (`can_manage` of the community); whoever
    manages the list (its group's leads too) may change its settings, but only organizers
    move it to another group (`ORGANIZE`). The address (`local_part`) is
    set once, at creation: subscribers, archives and filters depend on it. `data` holds the
    fields of SETTINGS_FIELDS (`group` a Group of this community, its id, or None); on an
    edit, missing fields keep their values.

    A change of audience or group that would leave some subscribers unqualified is refused,
    saying how many, unless `data["confirm_narrow"]` is true: then those subscriptions are
    cancelled (via "organizer") in the same transaction. Turning digests off (or making the
    list an announcement list) moves digest subscribers to every message, so nobody is left
    receiving nothing. Saving goes through `Model.save`, so search re-indexes the list's
    posts when their archive level, group or address changes (searchable.py).

    Raises PermissionDenied, or ValidationError keyed by field (nothing is changed)."""
    viewer = viewer_for_user(actor)
    creating = mailing_list is None
    if creating:
        if not can_manage(viewer, community):
            raise PermissionDenied("Only the community's organizers can start a mailing list.")
        ml = MailingList(community=community)
        before = {}
    else:
        if mailing_list.community_id != community.pk:
            raise PermissionDenied(f"{mailing_list.address} belongs to another community.")
        # of=self: PostgreSQL cannot lock the nullable side of the outer join to group.
        ml = (MailingList.objects.select_for_update(of=("self",))
              .select_related("community", "group").get(pk=mailing_list.pk))
        if not can_manage(viewer, ml):
            raise PermissionDenied(f"Only the community's organizers and the group's leads "
                                   f"can change the settings of {ml.address}.")
        before = _snapshot(ml)

    errors: dict[str, list[str]] = {}
    if creating:
        ml.local_part = _checked_local_part(data.get("local_part"), errors)
    elif "local_part" in data and _normal(data["local_part"]) != ml.local_part.lower():
        _add(errors, "local_part", f"The address {ml.address} cannot be changed: subscribers, "
                                   "their mail filters and the archive links depend on it. "
                                   "Start a new list instead.")
    values = _values(data, community=community, errors=errors)
    if ("group" in values and _pk(values["group"]) != ml.group_id
            and not can_manage(viewer, ml, action=ORGANIZE)):
        _add(errors, "group", "Only the community's organizers can move a list to another "
                              "group.")
        del values["group"]
    for name, value in values.items():
        setattr(ml, name, value)
    _check_settings(ml, errors)
    try:
        ml.full_clean(exclude=["community", "local_part", "group", *errors],
                      validate_unique=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            for message in messages:
                _add(errors, name, message)
    if errors:
        raise ValidationError(errors)

    if creating:
        _insert(ml)
        audit_record(actor=actor, verb="lists.list.created", obj=ml, scope=community.slug,
                     data={"local_part": ml.local_part, **_snapshot(ml)})
        return ml

    after = _snapshot(ml)
    changed = {name: [before[name], after[name]] for name in after
               if after[name] != before[name]}
    leaving = _no_longer_qualifying(ml, changed)
    if leaving and not data.get("confirm_narrow"):
        raise ValidationError({"audience" if "audience" in changed else "group":
                               _narrowing_refusal(ml, leaving)})
    if not changed:
        return ml
    ml.save(update_fields=list(changed))
    for subscription in leaving:
        # Through the service, so each leaving subscriber has its own audit row.
        subscription_cancel(subscription=subscription, via=Subscription.Via.ORGANIZER,
                            actor=actor)
    moved = _digests_to_each(ml)
    audit_record(actor=actor, verb="lists.list.updated", obj=ml, scope=community.slug,
                 data={"changed": _for_audit(changed), "unsubscribed": len(leaving),
                       "digest_subscriptions_moved_to_each": moved})
    return ml


# --- input ---------------------------------------------------------------------------------


def _add(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _normal(value) -> str:
    return str(value or "").strip().lower()


def _checked_local_part(value, errors: dict) -> str:
    local_part = _normal(value)
    problem = ""
    if not local_part:
        problem = "Give the list an address, such as “ai-news”."
    elif "+" in local_part:
        problem = ("An address cannot contain “+”: the list server uses it for bounce "
                   "addresses.")
    elif not _LOCAL_PART_RE.fullmatch(local_part):
        problem = ("Use only lowercase letters, digits, hyphens and underscores, starting and "
                   "ending with a letter or digit, such as “ai-news”.")
    elif not LOCAL_PART_MIN <= len(local_part) <= LOCAL_PART_MAX:
        problem = (f"An address has {LOCAL_PART_MIN} to {LOCAL_PART_MAX} characters; "
                   f"“{local_part[:60]}” has {len(local_part)}.")
    elif suffix := next((f"-{role}" for role in ROLES if local_part.endswith(f"-{role}")),
                        None):
        problem = (f"An address cannot end in “{suffix}”: every list already has a "
                   f"“{suffix}” address of its own for that purpose.")
    elif local_part in RESERVED_LOCAL_PARTS:
        problem = f"“{local_part}” is reserved by the site. Choose another address."
    elif MailingList.objects.filter(local_part__iexact=local_part).exists():
        problem = _taken(local_part)
    if problem:
        _add(errors, "local_part", problem)
    return local_part


def _taken(local_part: str) -> str:
    return (f"There is already a list with the address “{local_part}” (possibly in another "
            "community). Choose another address.")


def _values(data: dict, *, community: Community, errors: dict) -> dict:
    values = {name: data[name] for name in SETTINGS_FIELDS if name in data}
    for name in _TEXT_FIELDS:
        if name in values:
            values[name] = str(values[name] or "").strip()
    for name in _BOOLEAN_FIELDS:
        if name in values:
            values[name] = bool(values[name])
    if "group" in values:
        group = values["group"]
        if group is not None and not isinstance(group, Group):
            group = Group.objects.filter(pk=_int_or_none(group)).first()
            if group is None:
                _add(errors, "group", "There is no such group. Choose one from the list.")
                del values["group"]
                return values
        if group is not None and group.community_id != community.pk:
            _add(errors, "group", f"“{group.name}” is not a group of {community.name}. "
                                  "Choose one of this community's groups.")
            del values["group"]
        else:
            values["group"] = group
    return values


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pk(group: Group | None) -> int | None:
    return group.pk if group is not None else None


def _check_settings(ml: MailingList, errors: dict) -> None:
    """Rules across fields, in words for the person filling in the form."""
    if not ml.name:
        _add(errors, "name", "Give the list a name, such as “AI CoP discussion”.")
    for name, question in _REQUIRED_CHOICES.items():
        if not getattr(ml, name):
            _add(errors, name, f"Choose {question}.")
    if "group" in errors:
        return  # the group requirements below would only repeat the problem
    if ml.audience == MailingList.Audience.GROUP and ml.group_id is None:
        _add(errors, "group", "Choose the group whose members may join the list.")
    if ml.archive_access_level == AccessLevel.GROUP and ml.group_id is None:
        _add(errors, "group", "Choose the group whose members may read the archive.")


# --- changes ---------------------------------------------------------------------------------


def _snapshot(ml: MailingList) -> dict:
    """The settings as JSON-safe values, for comparing and for the audit row."""
    return {name: (ml.group_id if name == "group" else getattr(ml, name))
            for name in SETTINGS_FIELDS}


def _for_audit(changed: dict) -> dict:
    # A description can be long; the audit row says that it changed, not what it says.
    return {name: (["…", "…"] if name == "description" else values)
            for name, values in changed.items()}


def _insert(ml: MailingList) -> None:
    # The check above and a concurrent create can both pass; the unique index decides.
    try:
        with transaction.atomic():
            ml.save()
    except IntegrityError:
        raise ValidationError({"local_part": _taken(ml.local_part)}) from None


def _no_longer_qualifying(ml: MailingList, changed: dict) -> list[Subscription]:
    """The subscriptions (active, or paused by bounces and so able to resume) whose address
    the list would no longer accept after a change of audience or group."""
    if not ({"audience", "group"} & changed.keys()) or (
            ml.audience == MailingList.Audience.ANYONE):
        return []
    # Judged as if open: closing a list is not a reason to unsubscribe anyone.
    probe = MailingList(**{f.attname: getattr(ml, f.attname) for f in ml._meta.concrete_fields})
    probe.is_active = True
    probe.group = ml.group
    subscriptions = (Subscription.objects.filter(mailing_list=ml)
                     .exclude(state=Subscription.State.UNSUBSCRIBED)
                     .select_related("subscriber").order_by("subscriber__email"))
    return [s for s in subscriptions
            if not list_accepts_address(mailing_list=probe, email=s.subscriber.email)[0]]


def _narrowing_refusal(ml: MailingList, leaving: list[Subscription]) -> str:
    count = len(leaving)
    examples = ", ".join(s.subscriber.email for s in leaving[:_EXAMPLES_SHOWN])
    more = f" and {count - _EXAMPLES_SHOWN} more" if count > _EXAMPLES_SHOWN else ""
    who = "1 subscriber" if count == 1 else f"{count} subscribers"
    verb = "does" if count == 1 else "do"
    return (f"{who} ({examples}{more}) {verb} not qualify under the new setting "
            f"({ml.get_audience_display()}{f': {ml.group.name}' if ml.group else ''}). "
            "To go ahead, tick “Unsubscribe those who no longer qualify” and save again; "
            "they will be unsubscribed.")


def _digests_to_each(ml: MailingList) -> int:
    """Digest subscribers of a list that no longer sends digests get every message instead
    (digests.py builds digests only for discussion lists with digests on)."""
    if ml.digests_enabled and ml.kind == MailingList.Kind.DISCUSSION:
        return 0
    return (Subscription.objects.filter(
        mailing_list=ml, delivery__in=[Subscription.Delivery.DAILY,
                                       Subscription.Delivery.WEEKLY])
            .exclude(state=Subscription.State.UNSUBSCRIBED)
            .update(delivery=Subscription.Delivery.EACH))
