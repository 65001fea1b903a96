"""Demo events: the AI CoP's FY2023 calendar (twelve monthly community meetings and 27
workshops, webinars, huddles and demo days hosted by its working groups and practice areas),
the next monthly meetings and four upcoming events open for registration (one full, with a
wait-list; one with registration questions), and a few Data CoP events — with
registrations, attendance, feedback, recordings and slides, so the fiscal-year report shows
realistic figures. The training series are the learning app's demo.

Rows are bulk-created (with `--members 4400`, ~14,000 registrations in about a second), in
states the services would have produced: arrivals 1…n per event in registration order;
seats confirmed up to the capacity and the rest wait-listed; a cancelled seat going at once
to the head of the wait-list; attendance only for confirmed registrants and never longer
than the event; a feedback request to every attendee and answers from some of them.
Speakers are fictional; links are placeholders."""

import uuid
from datetime import date, datetime, timedelta
from typing import NamedTuple

from django.utils import timezone

from cophub.accounts.models import User
from cophub.communities.models import Community, CommunityRole, Group, Membership
from cophub.events.models import (
    Attendance,
    Event,
    Feedback,
    FeedbackRequest,
    Material,
    Question,
    Registration,
)

from .catalog import (
    ASKED,
    COMMENTS,
    DATA_EVENTS,
    EASTERN,
    EVENTS_FY2023,
    FULL,
    LINKS,
    MEETINGS_FY2023,
    QUESTION_SPECS,
    QUESTIONS,
    ROLE_CHOICES,
    UPCOMING,
    UPCOMING_MEETINGS,
    Spec,
)


def _second_tuesday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(1 - first.weekday()) % 7 + 7)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=EASTERN)


def _upcoming_start(now: datetime, days: int, hour: int) -> datetime:
    day = timezone.localtime(now, EASTERN).date() + timedelta(days=days)
    while day.weekday() not in (1, 2, 3):  # Tuesday to Thursday
        day += timedelta(days=1)
    return _at(day, hour)


def _event(community, spec: Spec, starts: datetime, *, created_by, opens, groups,
           recurrence=None, title=None, description=None) -> Event:
    group = groups.get(spec.group)
    slug = starts.strftime("%Y-%m-%d")
    return Event(
        community=community, group=group, kind=spec.kind, title=title or spec.title,
        description=description or spec.about, speakers=spec.speakers, starts_at=starts,
        ends_at=starts + timedelta(minutes=spec.minutes), time_zone="America/New_York",
        join_url=f"https://meet.example.gov/{community.slug}/{slug}", location=spec.location,
        capacity=spec.capacity, registration_opens_at=opens, registration_closes_at=starts,
        access_level=spec.access, status=spec.status, recurrence_id=recurrence,
        sequence=1 if spec.status == Event.Status.CANCELLED else 0, created_by=created_by,
        created_at=opens - timedelta(days=3))


def _choose(rng, pool, weights, count: float, forced) -> list:
    """About `count` people of `pool`, more likely the higher their weight, in a random
    arrival order, after the `forced` ones."""
    total = sum(weights) or 1
    forced_pks = {p.pk for p in forced}
    chosen = [p for p, w in zip(pool, weights, strict=True)
              if p.id not in forced_pks and rng.random() < count * w / total]
    rng.shuffle(chosen)
    return list(forced) + chosen


def _replay(rng, event: Event, people, *, opens, until, cancel_rate, keep, answers=None):
    """Registrations of `people` (in arrival order) made between `opens` and `until`, with
    cancellations, replayed in time order under the product's rules: a seat while one is
    free, else the wait-list; a cancelled seat goes to the head of the wait-list at once."""
    span = (until - opens).total_seconds()
    times = sorted(opens + timedelta(seconds=span * rng.betavariate(0.8, 0.8))
                   for _ in people)
    regs, actions = [], []
    for arrival, (person, at) in enumerate(zip(people, times, strict=True), start=1):
        regs.append(Registration(event=event, user=person, arrival=arrival, created_at=at,
                                 answers=answers(rng) if answers else {}))
        actions.append((at, 0, arrival - 1))
        if person.pk not in keep and rng.random() < cancel_rate:
            actions.append((at + (until - at) * rng.uniform(0.1, 0.95), 1, arrival - 1))
    confirmed, waiting = 0, []
    for at, cancel, index in sorted(actions):
        reg = regs[index]
        if not cancel:
            if event.capacity is None or confirmed < event.capacity:
                reg.status, reg.confirmed_at = Registration.Status.CONFIRMED, at
                confirmed += 1
            else:
                reg.status = Registration.Status.WAITLISTED
                waiting.append(reg)
            continue
        was_confirmed = reg.status == Registration.Status.CONFIRMED
        if reg.status == Registration.Status.WAITLISTED:
            waiting.remove(reg)
        reg.status, reg.cancelled_at = Registration.Status.CANCELLED, at
        if was_confirmed:
            confirmed -= 1
            if waiting:
                promoted = waiting.pop(0)
                promoted.status, promoted.confirmed_at = Registration.Status.CONFIRMED, at
                confirmed += 1
    return regs


def _attend(rng, event: Event, regs, *, keep, atts, requests, feedback) -> None:
    """Attendance for about 60–75% of the confirmed registrants (a few leave early), a
    feedback request to each attendee the day after, and answers from about 30%."""
    duration = int((event.ends_at - event.starts_at).total_seconds() // 60)
    show_rate, answer_rate = rng.uniform(0.6, 0.75), rng.uniform(0.25, 0.35)
    asked_at = event.ends_at + timedelta(hours=20)
    for reg in regs:
        person = reg.user
        if reg.status != Registration.Status.CONFIRMED:
            continue
        if person.pk not in keep and rng.random() >= show_rate:
            continue
        partial = person.pk not in keep and rng.random() < 0.1
        minutes = (rng.randint(5, duration // 2) if partial
                   else rng.randint(int(duration * 0.7), duration))
        source = (Attendance.Source.CHECK_IN if event.location and rng.random() < 0.3
                  else Attendance.Source.TEAMS if event.access_level == "government"
                  and event.group_id and event.kind == Event.Kind.HUDDLE
                  else Attendance.Source.ZOOM)
        atts.append(Attendance(event=event, user=person, minutes=minutes, source=source,
                               recorded_at=event.ends_at + timedelta(hours=2)))
        requests.append(FeedbackRequest(event=event, user=person, sent_at=asked_at))
        if rng.random() < answer_rate:
            score = rng.choices([5, 4, 3, 2, 1], weights=[46, 37, 12, 4, 1])[0]
            if partial:
                score = min(score, 3)
            feedback.append(Feedback(
                event=event, user=person, satisfaction=score,
                usefulness=max(1, min(5, score + rng.choice([-1, 0, 0, 0, 1]))),
                would_recommend=score >= 4 or (score == 3 and rng.random() < 0.4),
                comment=rng.choice(COMMENTS[score]) if rng.random() < 0.35 else "",
                created_at=asked_at + timedelta(hours=rng.randint(1, 96))))


def _weights(pool, spec: Spec, group, interests, members) -> list[float]:
    topic = spec.interest or (group.name if group else "")
    in_group = members.get(group.pk, set()) if group else set()
    return [1.0 + 2.5 * (topic in interests.get(p.id, ())) + 2.5 * (p.id in in_group)
            for p in pool]


def _role_answers(questions):
    role, before, asked = (str(q.pk) for q in questions)

    def answer(rng):
        answers = {role: rng.choice(ROLE_CHOICES), before: rng.choice(["yes", "yes", "no"])}
        if rng.random() < 0.3:
            answers[asked] = rng.choice(ASKED)
        return answers
    return answer


class Plan(NamedTuple):
    event: Event
    spec: Spec
    share: float  # of the pool expected to register
    forced: list  # people registered early (and attending, if the event is past)
    role: str = ""  # "full" (capacity reached, the member wait-listed) or "questions"


def _fy2023_plans(ai, *, organizer, member, public, groups) -> list[Plan]:
    """The monthly meetings (one recurrence) and the year's other events."""
    plans, recurrence = [], uuid.uuid4()
    attended = {0, 1, 3, 4, 6, 8, 10, 11}  # the meetings the demo member went to
    for i, (topic, about, speakers, popularity) in enumerate(MEETINGS_FY2023):
        year, month = (2022, 10 + i) if i < 3 else (2023, i - 2)
        starts = _at(_second_tuesday(year, month), 13)
        spec = Spec((), 60, Event.Kind.COMMUNITY_MEETING, None, "", "", speakers,
                    access="government", popularity=popularity)
        description = (f"The AI CoP's monthly community meeting, open to all members.\n\n"
                       f"**This month:** {about}\n\nAgenda: community news, the featured "
                       "talk with questions, and updates from the working groups and "
                       "practice areas.")
        event = _event(ai, spec, starts, created_by=organizer, recurrence=recurrence,
                       opens=starts - timedelta(days=21), groups=groups,
                       title=f"{starts:%B} community meeting: {topic}",
                       description=description)
        plans.append(Plan(event, spec, 0.12 * popularity, [member] if i in attended else []))
    member_events = {"Large language models: a primer for government",
                     "Prompt engineering for public servants",
                     "Applied AI Challenge: large language models demo day"}
    for spec in EVENTS_FY2023:
        starts = datetime(*spec.when, tzinfo=EASTERN)
        event = _event(ai, spec, starts, created_by=organizer,
                       opens=starts - timedelta(days=28), groups=groups)
        forced = ([member] if spec.title in member_events
                  else [public] if spec.title.startswith("Retrieval-augmented") else [])
        plans.append(Plan(event, spec, 0.06 * spec.popularity, forced))
    return plans


def _upcoming_plans(ai, now, *, organizer, member, government, groups) -> list[Plan]:
    """The next three monthly meetings (a new recurrence) and four events, open now."""
    plans, recurrence, starts_list = [], uuid.uuid4(), []
    local = timezone.localtime(now, EASTERN)
    year, month = local.year, local.month
    while len(starts_list) < len(UPCOMING_MEETINGS):
        starts = _at(_second_tuesday(year, month), 13)
        if starts > now + timedelta(days=1):
            starts_list.append(starts)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for n, (starts, (topic, about)) in enumerate(zip(starts_list, UPCOMING_MEETINGS,
                                                     strict=True)):
        spec = Spec((), 60, Event.Kind.COMMUNITY_MEETING, None, "", "", access="government")
        event = _event(ai, spec, starts, created_by=organizer, recurrence=recurrence,
                       opens=now - timedelta(days=14), groups=groups,
                       title=f"{starts:%B} community meeting: {topic}",
                       description=f"The AI CoP's monthly community meeting.\n\n"
                                   f"**This month:** {about}")
        plans.append(Plan(event, spec, 0.05 / (n + 1), [member] if n == 0 else []))
    for index, spec in enumerate(UPCOMING):
        if index == FULL:  # a capacity the demo's registrants fill, whatever --members
            spec = spec._replace(capacity=min(spec.capacity, max(2, len(government) // 3)))
        event = _event(ai, spec, _upcoming_start(now, *spec.when), created_by=organizer,
                       opens=now - timedelta(days=12), groups=groups)
        role = {FULL: "full", QUESTIONS: "questions"}.get(index, "")
        plans.append(Plan(event, spec, 0.03 * spec.popularity,
                          [member] if index == 0 else [], role))
    return plans


def _data_plans(data, now, *, created_by, groups) -> list[Plan]:
    plans = []
    for spec in DATA_EVENTS:
        starts = (datetime(*spec.when, tzinfo=EASTERN) if len(spec.when) == 5
                  else _upcoming_start(now, *spec.when))
        opens = min(starts - timedelta(days=28), now - timedelta(days=10))
        share = 0.06 * spec.popularity * (1 if starts < now else 0.6)
        plans.append(Plan(_event(data, spec, starts, created_by=created_by, opens=opens,
                                 groups=groups), spec, share, []))
    return plans


def build(*, context) -> None:
    rng = context["rng"]
    people, users = context["people"], context["users"]
    organizer, member, public = people["organizer"], people["member"], people["public"]
    now = timezone.now()
    ai = Community.objects.get(slug="ai-cop")
    data = Community.objects.get(slug="data-cop")
    groups = {g.slug: g for g in Group.objects.filter(community__in=[ai, data])}
    members: dict[int, set[int]] = {}
    for group_id, user_id in Membership.objects.filter(
            state=Membership.State.ACTIVE).values_list("group_id", "user_id"):
        members.setdefault(group_id, set()).add(user_id)
    interests: dict[int, set[str]] = {}
    for user_id, name in User.interests.through.objects.values_list("user_id",
                                                                   "interest__name"):
        interests.setdefault(user_id, set()).add(name)
    government = [u for u in users if u.is_government]
    data_ids = set(CommunityRole.objects.filter(community=data).values_list("user_id",
                                                                           flat=True))
    data_lead_ids = set(Membership.objects.filter(group__community=data, role="lead")
                        .values_list("user_id", flat=True))

    plans = (_fy2023_plans(ai, organizer=organizer, member=member, public=public,
                           groups=groups)
             + _upcoming_plans(ai, now, organizer=organizer, member=member,
                               government=government, groups=groups)
             + _data_plans(data, now, groups=groups, created_by=next(
                 (u for u in users if u.pk in data_lead_ids), organizer)))
    events = Event.objects.bulk_create([p.event for p in plans])
    asking = next(p.event for p in plans if p.role == "questions")
    questions = Question.objects.bulk_create(
        [Question(event=asking, label=label, kind=kind, choices=choices, required=required,
                  position=i)
         for i, (label, kind, choices, required) in enumerate(QUESTION_SPECS)])

    def pool_for(event: Event) -> list:
        if event.community_id == data.pk:
            return [u for u in users if u.pk in data_ids]
        if event.access_level == "group":
            return [u for u in users if u.pk in members.get(event.group_id, set())]
        return government if event.access_level == "government" else users

    regs, atts, requests, feedback = [], [], [], []
    for plan in plans:
        event, spec = plan.event, plan.spec
        pool = pool_for(event)
        past = event.starts_at < now
        if plan.role == "full":  # every seat taken, the member third on the wait-list
            seats = event.capacity
            others = [p for p in rng.sample(pool, min(len(pool), seats + 7)) if p != member]
            chosen = others[:seats + 2] + [member] + others[seats + 2:]
        else:
            count = (0.35 if event.access_level == "group" else plan.share) * len(pool)
            if event.capacity:
                count = min(count, event.capacity * rng.uniform(1.15, 1.6))
            weights = _weights(pool, spec, event.group, interests, members)
            chosen = _choose(rng, pool, weights, count, plan.forced)
        event_regs = _replay(rng, event, chosen, opens=event.registration_opens_at,
                             until=event.starts_at if past else now,
                             cancel_rate=0.04 if past else 0.0, keep={member.pk, public.pk},
                             answers=_role_answers(questions) if event == asking else None)
        regs += event_regs
        if past and event.status == Event.Status.PUBLISHED:
            _attend(rng, event, event_regs, keep={p.pk for p in plan.forced}, atts=atts,
                    requests=requests, feedback=feedback)
    Registration.objects.bulk_create(regs, batch_size=2000)
    Attendance.objects.bulk_create(atts, batch_size=2000)
    FeedbackRequest.objects.bulk_create(requests, batch_size=2000)
    Feedback.objects.bulk_create(feedback, batch_size=2000)
    Material.objects.bulk_create(_materials(plans, now))
    context["out"].write(
        f"Events: {len(events)} events, {len(regs)} registrations, {len(atts)} attendances, "
        f"{len(feedback)} feedback responses.")


def _materials(plans, now) -> list[Material]:
    """Recordings (government members only) of the past meetings and the larger webinars,
    and public slides of the public talks."""
    materials = []
    for plan in plans:
        event = plan.event
        if event.starts_at >= now or event.status != Event.Status.PUBLISHED:
            continue
        stem = f"{LINKS}/{event.community.slug}/events/{event.starts_at:%Y-%m-%d}"
        if event.kind == Event.Kind.COMMUNITY_MEETING or plan.spec.popularity >= 1.3:
            materials.append(Material(event=event, kind=Material.Kind.RECORDING,
                                      title="Recording (captioned)", url=f"{stem}/recording",
                                      access_level="government", created_at=event.ends_at
                                      + timedelta(days=2)))
        if event.access_level == "public" and plan.spec.speakers:
            materials.append(Material(event=event, kind=Material.Kind.SLIDES,
                                      title="Slides (PDF)", url=f"{stem}/slides.pdf",
                                      access_level="public", created_at=event.ends_at
                                      + timedelta(days=1)))
    return materials
