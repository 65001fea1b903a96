"""Demo surveys for the AI CoP: the anonymous survey of AI practitioners sent to the whole
community (open, with answers from about 45 % of its members), and the OMB Circular A-11
customer-experience questions after the 2024 AI Training Series (closed, anonymous, sent to
its enrollees). Rows are bulk-created, as the other apps' demos do, and nobody is e-mailed:
the recipients are marked as invited.

The answers are generated as the respondents' ballots would be counted (ADR 0012): no person,
no time of day, in a shuffled order, with the person's organization, level of government and
groups for the breakdowns; each one passes `answers.answers_clean`."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from cophub.communities.models import Community, CommunityRole, Membership
from cophub.learning.models import Enrolment, Series

from . import services
from .answers import answer_rows, answers_clean, definition_load
from .models import Answer, Recipient, Response, Survey

DEMO_EXEMPTION = ("Demo data: a real deployment records the survey's OMB control number, or "
                  "the exemption that applies to it.")
COMMENTS = {
    "ai_practitioner": [
        "More hands-on labs with government data, please.",
        "Share templates for AI use case inventories and impact assessments.",
        "A mentoring program between agencies would help new practitioners.",
        "Clear guidance on which generative AI tools we may use would unblock my team.",
        "The monthly meetings are the best part of the community.",
    ],
    "a11_cx": [
        "The sessions were practical and the recordings helped.",
        "Please post the slides before each session.",
        "More time for questions at the end.",
    ],
}


def build(*, context) -> None:
    rng = context["rng"]
    organizer = context["people"]["organizer"]
    community = Community.objects.get(slug="ai-cop")
    now = timezone.now()

    members = list(CommunityRole.objects.filter(community=community)
                   .values_list("user", flat=True))
    practitioner = _survey(community, organizer, "2026 survey of AI practitioners",
                           "ai_practitioner", audience=Survey.Audience.COMMUNITY,
                           closes_at=now + timedelta(days=21))
    _answers(rng, practitioner, members, share=0.45, since=now - timedelta(days=12),
             comments=COMMENTS["ai_practitioner"],
             waiting=context["people"]["member"].pk)  # member@va.gov may still answer

    series = Series.objects.filter(community=community).order_by("-year").first()
    if series is not None:
        enrollees = list(Enrolment.objects.filter(series=series)
                         .values_list("user", flat=True).distinct())
        cx = _survey(community, organizer, f"How was the {series.title}?", "a11_cx",
                     audience=Survey.Audience.SERIES, series=series,
                     closes_at=now - timedelta(days=30))
        _answers(rng, cx, enrollees, share=0.35, since=now - timedelta(days=60),
                 comments=COMMENTS["a11_cx"])
        Survey.objects.filter(pk=cx.pk).update(status=Survey.Status.CLOSED,
                                               closed_at=cx.closes_at, results_published=True)


def _survey(community, organizer, title, template, *, audience, closes_at, series=None):
    survey = services.survey_create(community=community, actor=organizer, title=title,
                                    template=template, anonymous=True)
    Survey.objects.filter(pk=survey.pk).update(
        audience=audience, audience_series=series, pra_exemption=DEMO_EXEMPTION,
        status=Survey.Status.OPEN, published_at=timezone.now() - timedelta(days=14),
        closes_at=closes_at)
    survey.refresh_from_db()
    return survey


def _answers(rng, survey, people: list[int], *, share: float, since,
             comments: list[str], waiting: int | None = None) -> None:
    """Recipients for `people`, answers from about `share` of them (never `waiting`)."""
    people = sorted(set(people))
    answered = set(rng.sample(people, round(len(people) * share))) - {waiting}
    Recipient.objects.bulk_create(
        [Recipient(survey=survey, user_id=pk, invited=True, responded=pk in answered)
         for pk in people], batch_size=2000)
    version = services.survey_current_version(survey)
    definition = definition_load(version)
    leanings = {q.code: [rng.random() + 0.15 for _ in q.choices] for q in
                definition.questions}
    traits = _traits(survey, answered)
    order = sorted(answered)
    rng.shuffle(order)  # nothing about a response's place says whose it is
    days = max((timezone.now() - since).days, 1)
    responses, rows = [], []
    for pk in order:
        organization, level, groups = traits[pk]
        response = Response(survey=survey, version=version, organization=organization,
                            level=level, submitted_on=(since + timedelta(
                                days=rng.randrange(days))).date())
        cleaned, errors = answers_clean(definition,
                                        _submitted(rng, definition, leanings, comments))
        assert not errors, errors  # the generator follows the questions
        responses.append((response, groups))
        rows.append(answer_rows(definition, cleaned))
    Response.objects.bulk_create([r for r, _ in responses], batch_size=1000)
    Response.groups.through.objects.bulk_create(
        [Response.groups.through(response_id=r.pk, group_id=g)
         for r, groups in responses for g in groups], batch_size=5000)
    Answer.objects.bulk_create(
        [Answer(response=r, **row) for (r, _), answer in zip(responses, rows, strict=True)
         for row in answer], batch_size=5000)


def _traits(survey, people: set[int]) -> dict[int, tuple[str, str, list[int]]]:
    groups: dict[int, list[int]] = {}
    for user_id, group_id in Membership.objects.filter(
            user_id__in=people, state=Membership.State.ACTIVE,
            group__community=survey.community_id).values_list("user_id", "group_id"):
        groups.setdefault(user_id, []).append(group_id)
    return {pk: (organization, level, sorted(groups.get(pk, [])))
            for pk, organization, level in get_user_model().objects.filter(
                pk__in=people).values_list("pk", "organization", "level")}


def _submitted(rng, definition, leanings, comments: list[str]) -> dict:
    """A plausible set of answers: each option leaning its own way, a comment now and then."""
    answers = {}
    for question in definition.questions:
        if not question.required and rng.random() < 0.2:
            continue
        weights = leanings[question.code]
        match question.kind:
            case "single" | "dropdown":
                answers[question.code] = rng.choices(question.choices, weights)[0]
            case "multiple":
                picked = [c for c, w in zip(question.choices, weights, strict=True)
                          if rng.random() < w / 2]
                answers[question.code] = picked or [rng.choices(question.choices, weights)[0]]
            case "yes_no":
                answers[question.code] = "yes" if rng.random() < 0.75 else "no"
            case "rating":
                low, high = question.scale_min or 1, question.scale_max or 5
                answers[question.code] = str(rng.choices(
                    range(low, high + 1), [1 + 3 * (n - low) ** 1.5 for n in
                                           range(low, high + 1)])[0])
            case "likert":
                answers[question.code] = {row: rng.choices(
                    question.choices, [1, 2, 4, 9, 6][:len(question.choices)])[0]
                    for row in question.rows}
            case "long_text" | "short_text":
                if rng.random() < 0.15:
                    answers[question.code] = rng.choice(comments)
    return answers
