"""Writes about communities, groups and memberships. Each is atomic and audited."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import ORGANIZE, can_manage, can_view_object
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from .models import Community, CommunityRole, Group, Membership
from .selectors import viewer_for


class MembershipError(Exception):
    """A join, leave or decision that the rules do not allow; the message is for people."""


def _scope(group: Group) -> str:
    return group.community.slug


def _links(group: Group) -> dict[str, str]:
    """Absolute links for e-mails about a group."""
    manage = reverse("communities:group_manage", kwargs={"community": group.community.slug,
                                                         "group": group.slug})
    return {"group_url": site_url(group.get_absolute_url()), "manage_url": site_url(manage)}


def community_role_ensure(*, community: Community, user, role: str = CommunityRole.Role.MEMBER,
                          actor=None, request=None) -> CommunityRole:
    """Make `user` at least a member of the community, or set `role` if an actor asks."""
    with transaction.atomic():
        obj, created = CommunityRole.objects.get_or_create(
            community=community, user=user, defaults={"role": role}
        )
        if not created and actor is not None and obj.role != role:
            obj.role = role
            obj.save(update_fields=["role"])
            audit_record(actor=actor, verb="communities.role.changed", obj=community,
                         scope=community.slug, request=request,
                         data={"user": user.email, "role": role})
    return obj


@transaction.atomic
def group_join(*, group: Group, user, message: str = "", request=None) -> Membership:
    """Join an open group, or ask to join a request-only group. Idempotent: joining a group
    one already belongs to returns the existing membership.
    Raises MembershipError for invite-only groups and groups the person may not see."""
    if not can_view_object(viewer_for(user), group):
        raise MembershipError("You cannot join this group.")
    existing = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if existing is not None:
        if existing.state == Membership.State.INVITED:
            return membership_accept_invitation(membership=existing, user=user, request=request)
        return existing
    if group.join_policy == Group.JoinPolicy.INVITE:
        raise MembershipError("This group is invite-only. Ask a lead for an invitation.")
    state = (Membership.State.ACTIVE if group.join_policy == Group.JoinPolicy.OPEN
             else Membership.State.REQUESTED)
    try:
        with transaction.atomic():
            membership = Membership.objects.create(group=group, user=user, state=state,
                                                   message=message[:500])
    except IntegrityError:  # a concurrent request by the same person won
        return Membership.objects.get(group=group, user=user)
    community_role_ensure(community=group.community, user=user)
    verb = "communities.membership.joined" if state == Membership.State.ACTIVE else \
        "communities.membership.requested"
    audit_record(actor=user, verb=verb, obj=group, scope=_scope(group), request=request)
    if state == Membership.State.REQUESTED:
        leads = Membership.objects.filter(group=group, role=Membership.Role.LEAD,
                                          state=Membership.State.ACTIVE).select_related("user")
        for lead in leads:
            mail_enqueue_template(
                to=lead.user.email, template_prefix="communities/email/join_request",
                context={"group": group, "requester": user, "message": message, **_links(group)},
            )
    return membership


@transaction.atomic
def group_leave(*, group: Group, user, request=None) -> None:
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is None:
        return
    if membership.role == Membership.Role.LEAD:
        other_leads = Membership.objects.filter(group=group, role=Membership.Role.LEAD).exclude(
            pk=membership.pk
        )
        if not other_leads.exists():
            raise MembershipError("You are this group's only lead. Make someone else a lead "
                                  "before you leave.")
    membership.delete()
    audit_record(actor=user, verb="communities.membership.left", obj=group, scope=_scope(group),
                 request=request)


def _can_manage(actor, group: Group) -> bool:
    return can_manage(viewer_for(actor), group)


@transaction.atomic
def membership_decide(*, membership: Membership, actor, approve: bool,
                      request=None) -> Membership | None:
    """A lead or organizer approves or declines a join request; the requester is told."""
    membership = Membership.objects.select_for_update().select_related("group__community",
                                                                       "user").get(
        pk=membership.pk)
    group = membership.group
    if not _can_manage(actor, group):
        raise MembershipError("Only the group's leads and the community's organizers decide "
                              "join requests.")
    if membership.state != Membership.State.REQUESTED:
        raise MembershipError("This request has already been decided.")
    context = {"group": group, "approved": approve, "person": membership.user, **_links(group)}
    mail_enqueue_template(to=membership.user.email,
                          template_prefix="communities/email/join_decision", context=context)
    audit_record(actor=actor, verb="communities.membership." + ("approved" if approve
                                                                else "declined"),
                 obj=group, scope=_scope(group), request=request,
                 data={"user": membership.user.email})
    if not approve:
        membership.delete()
        return None
    membership.state = Membership.State.ACTIVE
    membership.decided_at = timezone.now()
    membership.decided_by = actor
    membership.save(update_fields=["state", "decided_at", "decided_by"])
    return membership


@transaction.atomic
def membership_invite(*, group: Group, user, actor, request=None) -> Membership:
    """Invite an existing person to a group; they accept by joining."""
    if not _can_manage(actor, group):
        raise MembershipError("Only the group's leads and the community's organizers invite.")
    membership, created = Membership.objects.get_or_create(
        group=group, user=user, defaults={"state": Membership.State.INVITED}
    )
    if created:
        audit_record(actor=actor, verb="communities.membership.invited", obj=group,
                     scope=_scope(group), request=request, data={"user": user.email})
        mail_enqueue_template(to=user.email, template_prefix="communities/email/invitation",
                              context={"group": group, "person": user, "inviter": actor,
                                       **_links(group)})
    return membership


def membership_accept_invitation(*, membership: Membership, user, request=None) -> Membership:
    membership.state = Membership.State.ACTIVE
    membership.decided_at = timezone.now()
    membership.save(update_fields=["state", "decided_at"])
    community_role_ensure(community=membership.group.community, user=user)
    audit_record(actor=user, verb="communities.membership.joined", obj=membership.group,
                 scope=_scope(membership.group), request=request, data={"invited": True})
    return membership


@transaction.atomic
def group_lead_appoint(*, group: Group, user, actor=None, request=None) -> Membership:
    """Make `user` an active lead of `group` (joining it if needed), whatever the group's
    join policy. With an `actor`, only someone who may manage the group; without one, the
    system itself (the demo, set-up scripts). Idempotent."""
    if actor is not None and not can_manage(viewer_for(actor), group):
        raise MembershipError("Only the group's leads and the community's organizers appoint "
                              "leads.")
    membership, _ = Membership.objects.select_for_update().get_or_create(
        group=group, user=user,
        defaults={"role": Membership.Role.LEAD, "state": Membership.State.ACTIVE})
    if (membership.role, membership.state) != (Membership.Role.LEAD, Membership.State.ACTIVE):
        membership.role, membership.state = Membership.Role.LEAD, Membership.State.ACTIVE
        membership.save(update_fields=["role", "state"])
    community_role_ensure(community=group.community, user=user)
    audit_record(actor=actor, verb="communities.membership.role_changed", obj=group,
                 scope=_scope(group), request=request,
                 data={"user": user.email, "role": Membership.Role.LEAD})
    return membership


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str, actor, request=None) -> Membership:
    """Organizers (and leads, for their own group) make members leads or back."""
    group = membership.group
    if not _can_manage(actor, group):
        raise MembershipError("Only the group's leads and the community's organizers change "
                              "roles.")
    if membership.state != Membership.State.ACTIVE:
        raise MembershipError("Only active members can be made leads.")
    if role == Membership.Role.MEMBER and membership.role == Membership.Role.LEAD:
        leads = Membership.objects.filter(group=group, role=Membership.Role.LEAD)
        if leads.count() <= 1 and not can_manage(viewer_for(actor), group, action=ORGANIZE):
            raise MembershipError("A group needs at least one lead.")
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(actor=actor, verb="communities.membership.role_changed", obj=group,
                 scope=_scope(group), request=request,
                 data={"user": membership.user.email, "role": role})
    return membership


GROUP_FIELDS = ("name", "slug", "kind", "summary", "charter", "join_policy", "access_level")


@transaction.atomic
def group_save(*, community: Community, actor, data: dict, group: Group | None = None,
               request=None) -> Group:
    """Create a group (organizers) or edit one (organizers and its leads)."""
    viewer = viewer_for(actor)
    if group is None:
        if not can_manage(viewer, community):
            raise MembershipError("Only organizers create groups.")
        group = Group(community=community)
        verb = "communities.group.created"
    else:
        if not can_manage(viewer, group):
            raise MembershipError("Only organizers and the group's leads edit it.")
        verb = "communities.group.updated"
    for name in GROUP_FIELDS:
        if name in data:
            setattr(group, name, data[name])
    group.full_clean()
    group.save()
    audit_record(actor=actor, verb=verb, obj=group, scope=community.slug, request=request)
    return group
