"""Demo communities: the AI CoP (working groups and practice areas from its own pages) and a
smaller Data CoP, with organizers, leads, members and a few pending requests."""

from .models import Community, CommunityRole, Group, Membership

AI_COP_DESCRIPTION = """\
The Artificial Intelligence Community of Practice (AI CoP) is a network for government
employees engaged in or interested in artificial intelligence, bringing together members from
federal, state and local agencies to accelerate the responsible adoption of AI.

Membership is open to government employees and mission-supporting contractors with a
**.gov** or **.mil** address. Members take part in monthly community meetings, working
groups and practice areas, training sessions and events, and the community forum.
"""

AI_GROUPS = [
    ("event-planning", "Event Planning", Group.Kind.WORKING_GROUP, Group.JoinPolicy.OPEN,
     "Plans the monthly community meetings and the year's events.",
     "We plan community meetings, workshops and demo days, and find speakers from across "
     "government, academia and industry."),
    ("community-outreach", "Community Outreach", Group.Kind.WORKING_GROUP,
     Group.JoinPolicy.OPEN, "Brings new agencies and members into the community.",
     "We welcome new members, run the newsletter, and reach agencies not yet involved."),
    ("external-collaborations", "External Collaborations", Group.Kind.WORKING_GROUP,
     Group.JoinPolicy.REQUEST,
     "Partnerships with state and local governments, academia, non-profits and industry.",
     "## Our mission\n\n- **Building partnerships** with external organizations.\n"
     "- **Facilitating knowledge exchange** between federal AI professionals and external "
     "experts.\n- **Promoting joint initiatives** that benefit government and the wider AI "
     "community.\n\nSuggest a partner through the collaboration proposal form."),
    ("tools-and-resources", "Tools and Resources", Group.Kind.WORKING_GROUP,
     Group.JoinPolicy.OPEN, "Curates the community's library of tools, playbooks and guides.",
     "We keep the knowledge base current: past presentations, playbooks and tools."),
    ("generative-ai", "Generative AI", Group.Kind.PRACTICE_AREA, Group.JoinPolicy.OPEN,
     "Large language models and other generative systems in government.", ""),
    ("reinforcement-learning", "Reinforcement Learning", Group.Kind.PRACTICE_AREA,
     Group.JoinPolicy.OPEN, "Sequential decision-making and control.", ""),
    ("ai-security", "AI Security", Group.Kind.PRACTICE_AREA, Group.JoinPolicy.REQUEST,
     "Securing AI systems and using AI for cyber defense.", ""),
    ("natural-language-processing", "Natural Language Processing", Group.Kind.PRACTICE_AREA,
     Group.JoinPolicy.OPEN, "Text analytics, search, translation and speech.", ""),
    ("computer-vision", "Computer Vision", Group.Kind.PRACTICE_AREA, Group.JoinPolicy.OPEN,
     "Imagery, video and document understanding.", ""),
    ("steering-committee", "Steering Committee", Group.Kind.COMMITTEE, Group.JoinPolicy.INVITE,
     "Sets the community's direction with the working group leads.", ""),
]

DATA_GROUPS = [
    ("data-governance", "Data Governance", Group.Kind.WORKING_GROUP, Group.JoinPolicy.OPEN,
     "Policies, stewardship and data quality.", ""),
    ("open-data", "Open Data", Group.Kind.PRACTICE_AREA, Group.JoinPolicy.OPEN,
     "Publishing and using open government data.", ""),
]


def _groups(community: Community, specs) -> list[Group]:
    groups = []
    for slug, name, kind, policy, summary, charter in specs:
        group = Group(community=community, slug=slug, name=name, kind=kind, join_policy=policy,
                      summary=summary, charter=charter or f"The {name} {kind.label.lower()} "
                      f"of the {community.short_name}.")
        if slug == "steering-committee":
            group.access_level = "government"
        groups.append(group)
    return Group.objects.bulk_create(groups)


def build(*, context) -> None:
    rng = context["rng"]
    people = context["people"]
    users = context["users"]
    ai = Community.objects.create(
        slug="ai-cop", name="AI Community of Practice", short_name="AI CoP",
        tagline="Accelerating the responsible and thoughtful adoption of AI across government.",
        description=AI_COP_DESCRIPTION,
    )
    data = Community.objects.create(
        slug="data-cop", name="Data Community of Practice", short_name="Data CoP",
        tagline="Practitioners improving how government manages and uses data.",
        description="A community for data stewards, engineers and analysts across government.",
    )
    ai_groups = _groups(ai, AI_GROUPS)
    data_groups = _groups(data, DATA_GROUPS)

    government = [u for u in users if u.is_government]
    roles = [CommunityRole(community=ai, user=u, role=CommunityRole.Role.MEMBER)
             for u in government if u.pk != people["organizer"].pk]
    roles.append(CommunityRole(community=ai, user=people["organizer"],
                               role=CommunityRole.Role.ORGANIZER))
    roles += [CommunityRole(community=data, user=u) for u in rng.sample(government,
                                                                         len(government) // 5)]
    # Members who have lost the government tier since they joined (accounts.demo) are still
    # members: the organizers' page counts them under "Government status".
    roles += [CommunityRole(community=ai, user=u) for u in context.get("former_government", [])]
    CommunityRole.objects.bulk_create(roles, ignore_conflicts=True, batch_size=2000)

    memberships: dict[tuple[int, int], Membership] = {}

    def add(group, user, **kw):
        memberships.setdefault((group.pk, user.pk), Membership(group=group, user=user, **kw))

    by_slug = {g.slug: g for g in ai_groups}
    add(by_slug["generative-ai"], people["lead"], role=Membership.Role.LEAD)
    add(by_slug["external-collaborations"], people["lead"], role=Membership.Role.LEAD)
    add(by_slug["steering-committee"], people["organizer"], role=Membership.Role.LEAD)
    add(by_slug["generative-ai"], people["member"])
    add(by_slug["event-planning"], people["member"])
    add(by_slug["natural-language-processing"], people["public"])
    open_groups = [g for g in ai_groups + data_groups if g.join_policy == "open"]
    others = [u for u in government if u.pk not in {p.pk for p in people.values()}]
    for group in ai_groups + data_groups:
        if not any(m.role == "lead" for (g, _), m in memberships.items() if g == group.pk):
            add(group, rng.choice(others), role=Membership.Role.LEAD)
    for user in others:
        for group in rng.sample(open_groups, rng.choice([0, 1, 1, 2, 3])):
            add(group, user)
    for user in rng.sample(others, min(6, len(others))):
        add(by_slug["external-collaborations"], user, state=Membership.State.REQUESTED,
            message="I work on partnerships with universities at my agency.")
    Membership.objects.bulk_create(memberships.values(), batch_size=2000)
