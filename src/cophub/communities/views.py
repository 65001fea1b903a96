
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cophub.core.access import can_manage
from cophub.core.models import AuditEvent

from . import selectors, services
from .decorators import community_or_404, group_manager_page, organizer_page, visible_group_or_404
from .forms import GroupForm, InviteForm, JoinRequestForm
from .hub import hub_render
from .models import Group, Membership

GROUP_PAGE_MEMBERS = 100


def home_view(request):
    """The site's home: what is happening in every community, then the communities (all
    of it `hub` panels)."""
    return render(request, "communities/home.html", {"hub": hub_render(request, place="site")})


def community_view(request, community):
    community = community_or_404(community)
    viewer = request.viewer
    return render(request, "communities/community.html", {
        "community": community,
        "hub": hub_render(request, place="community", community=community),
        "is_organizer": can_manage(viewer, community),
    })


def group_view(request, community, group):
    community = community_or_404(community)
    group = visible_group_or_404(request, community, group)
    viewer = request.viewer
    membership = None
    if viewer.is_authenticated:
        membership = Membership.objects.filter(group=group, user=request.user).first()
    shown = selectors.group_members(group=group, viewer=viewer)
    members = shown.filter(role=Membership.Role.MEMBER)
    leads = list(shown.filter(role=Membership.Role.LEAD))
    # The same count as the group's card: every active member, leads included.
    member_total = selectors.group_member_count(group=group)
    listed_count = members.count()
    return render(request, "communities/group.html", {
        "community": community, "group": group, "membership": membership,
        "leads": leads,
        "members": members[:GROUP_PAGE_MEMBERS],
        "member_total": member_total,
        "listed_count": listed_count,
        "unlisted_count": member_total - len(leads) - listed_count,
        "sees_people": selectors.group_members_shown_to(group=group, viewer=viewer),
        "can_manage": can_manage(viewer, group),
        "join_form": JoinRequestForm(),
        "hub": hub_render(request, place="group", community=community, group=group),
    })


@require_POST
@login_required
def group_join_view(request, community, group):
    community = community_or_404(community)
    group = visible_group_or_404(request, community, group)
    form = JoinRequestForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        membership = services.group_join(group=group, user=request.user, message=message,
                                         request=request)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        if membership.state == Membership.State.ACTIVE:
            messages.success(request, f"You are a member of {group.name}.")
        else:
            messages.info(request, f"Your request to join {group.name} is with its leads. "
                          "We will e-mail you their decision.")
    return redirect(group)


@require_POST
@login_required
def group_leave_view(request, community, group):
    community = community_or_404(community)
    group = visible_group_or_404(request, community, group)
    try:
        services.group_leave(group=group, user=request.user, request=request)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"You have left {group.name}.")
    return redirect(group)


@organizer_page
def organize_view(request, community):
    viewer = request.viewer
    return render(request, "communities/organize.html", {
        "community": community,
        "requests": selectors.pending_requests(community=community, viewer=viewer),
        "groups": selectors.group_cards(viewer=viewer, community=community),
        "tier_lapses": selectors.community_tier_lapses(community=community),
    })


@organizer_page
def group_create_view(request, community):
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_save(community=community, actor=request.user,
                                        data=form.cleaned_data, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Created {group.name}.")
            return redirect(group)
    return render(request, "communities/group_form.html", {
        "community": community, "form": form, "title": "New group",
    })


@group_manager_page
def group_manage_view(request, community, group):
    # A copy, so an invalid form does not change the group shown around it.
    form = GroupForm(request.POST or None, instance=Group.objects.get(pk=group.pk),
                     prefix="group")
    invite_form = InviteForm(prefix="invite")
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_save(community=community, actor=request.user, group=group,
                                        data=form.cleaned_data, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Saved {group.name}.")
            return redirect("communities:group_manage", community=community.slug,
                            group=group.slug)
    viewer = request.viewer
    return render(request, "communities/group_manage.html", {
        "community": community, "group": group, "form": form, "invite_form": invite_form,
        "memberships": group.memberships.select_related("user").order_by("state", "-role",
                                                                         "user__name"),
        "requests": selectors.pending_requests(community=community, viewer=viewer).filter(
            group=group),
    })


@require_POST
@group_manager_page
def group_invite_view(request, community, group):
    form = InviteForm(request.POST, prefix="invite")
    if form.is_valid():
        person = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if person is None:
            messages.error(request, "No account uses that address. Ask them to create one.")
        else:
            services.membership_invite(group=group, user=person, actor=request.user,
                                       request=request)
            messages.success(request, f"Invited {person.email}.")
    else:
        messages.error(request, "Enter a valid e-mail address.")
    return redirect("communities:group_manage", community=community.slug, group=group.slug)


@require_POST
@group_manager_page
def membership_role_view(request, community, group, pk):
    membership = get_object_or_404(Membership, pk=pk, group=group)
    role = request.POST.get("role")
    if role not in Membership.Role.values:
        messages.error(request, "Choose member or lead.")
    else:
        try:
            services.membership_set_role(membership=membership, role=role, actor=request.user,
                                         request=request)
        except services.MembershipError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{membership.user.display_name} is now a {role}.")
    return redirect("communities:group_manage", community=community.slug, group=group.slug)


@require_POST
@group_manager_page
def membership_decide_view(request, community, group, pk):
    membership = get_object_or_404(Membership, pk=pk, group=group)
    approve = request.POST.get("decision") == "approve"
    try:
        services.membership_decide(membership=membership, actor=request.user, approve=approve,
                                   request=request)
    except services.MembershipError as exc:
        messages.error(request, str(exc))
    else:
        verb = "approved" if approve else "declined"
        messages.success(request, f"Request from {membership.user.display_name} {verb}.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("communities:group_manage", kwargs={"community": community.slug,
                                                               "group": group.slug})
    return redirect(next_url)


@organizer_page
def community_audit_view(request, community):
    events = AuditEvent.objects.filter(scope=community.slug)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(request, "communities/audit.html", {"community": community, "page": page})
