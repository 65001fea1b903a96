"""Answering: one response per person, enforced under a lock on their recipient row; for
an anonymous survey a sealed ballot that a later batch counts (ADR 0012)."""

import random
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from cophub.communities.hub import hub_person_changed
from cophub.communities.models import Membership

from ..answers import answer_rows, answers_clean, definition_load
from ..models import Answer, Ballot, Recipient, Response, Survey
from .common import AlreadyAnswered, AnswersInvalid, SurveyError
from .definitions import survey_current_version


def survey_accepting_problem(survey: Survey, *, now=None) -> str:
    """Why the survey takes no answers now ("" when it does)."""
    now = now or timezone.now()
    if survey.status == Survey.Status.DRAFT:
        return "This survey has not opened yet."
    if (survey.status == Survey.Status.CLOSED
            or (survey.closes_at is not None and survey.closes_at <= now)):
        return "This survey is closed. Thank you for your interest."
    if survey.omb_expires_on is not None and survey.omb_expires_on < timezone.localdate(now):
        return "This survey is closed: its OMB control number has expired."
    return ""


def response_submit(*, survey: Survey, submitted, user=None, recipient: Recipient | None = None,
                    now=None) -> None:
    """Store a person's answers once. `recipient` comes from a personal link; otherwise a
    signed-in `user` is found among the recipients (or, for an open link, becomes one, so
    that they too answer once). Only an open link to the public takes answers from
    visitors who are not signed in. Raises `AnswersInvalid` (with each question's problem),
    `AlreadyAnswered` or `SurveyError`; nothing is stored then."""
    now = now or timezone.now()
    problem = survey_accepting_problem(survey, now=now)
    if problem:
        raise SurveyError(problem)
    signed_in = user is not None and user.is_authenticated
    if recipient is None and not signed_in and not (
            survey.audience == Survey.Audience.LINK and survey.access_level == "public"):
        raise SurveyError("Sign in to answer this survey.")
    version = survey_current_version(survey)
    definition = definition_load(version)
    cleaned, errors = answers_clean(definition, submitted)
    if errors:
        raise AnswersInvalid(errors)
    rows = answer_rows(definition, cleaned)
    today = timezone.localdate(now)
    with transaction.atomic():
        if recipient is None and signed_in:
            recipient = _recipient_for(survey, user)
        person = None
        if recipient is not None:
            locked = Recipient.objects.select_for_update().select_related("user").get(
                pk=recipient.pk)
            if locked.responded:
                raise AlreadyAnswered("You have already answered this survey. Thank you.")
            locked.responded, locked.draft = True, None
            locked.save(update_fields=["responded", "draft"])
            person = locked.user
        traits = _traits(survey, person)
        if survey.anonymous:
            Ballot.objects.create(survey=survey, payload={
                "version": version.pk, "on": today.isoformat(), **traits,
                "answers": [_row_json(row) for row in rows]})
        else:
            _response_write(survey, version.pk, today, traits, rows, user=person,
                            submitted_at=now)
        if person is not None and not survey.anonymous:
            # "Surveys for you" on their home pages drops the survey at once. Not for an
            # anonymous survey: that would store when the person answered; their panel
            # catches up within the hub's minute.
            transaction.on_commit(lambda: hub_person_changed(person.pk))


def draft_save(*, survey: Survey, user, submitted) -> None:
    """Keep a signed-in recipient's unfinished answers (as given: they are checked on
    submit). For an anonymous survey they are deleted when the person submits."""
    recipient = _recipient_for(survey, user)
    if recipient.responded:
        raise AlreadyAnswered("You have already answered this survey. Thank you.")
    Recipient.objects.filter(pk=recipient.pk, responded=False).update(
        draft={str(k): v for k, v in dict(submitted).items()})


def ballots_count(*, survey: Survey, final: bool = False) -> int:
    """Count an anonymous survey's ballot box into responses, in a shuffled order, once it
    holds at least the survey's small-cell size (or everything, when the survey closes).
    Nothing in a response then says when its ballot was cast. Returns how many were
    counted."""
    with transaction.atomic():
        ballots = list(Ballot.objects.select_for_update().filter(survey=survey))
        if not ballots or (len(ballots) < survey.small_cell_min and not final):
            return 0
        random.SystemRandom().shuffle(ballots)
        for ballot in ballots:
            payload = ballot.payload
            _response_write(survey, payload["version"], date.fromisoformat(payload["on"]),
                            {key: payload[key] for key in ("organization", "level", "groups")},
                            [_row_from_json(row) for row in payload["answers"]])
        Ballot.objects.filter(pk__in=[ballot.pk for ballot in ballots]).delete()
    return len(ballots)


def ballot_boxes_count() -> int:
    """The periodic job: every ballot box that holds enough ballots to be counted."""
    due = Survey.objects.annotate(waiting=Count("ballots")).filter(
        waiting__gte=F("small_cell_min"))
    return sum(ballots_count(survey=survey) for survey in due)


def _recipient_for(survey: Survey, user) -> Recipient:
    if survey.audience == Survey.Audience.LINK:
        recipient, _ = Recipient.objects.get_or_create(survey=survey, user=user)
        return recipient
    recipient = Recipient.objects.filter(survey=survey, user=user).first()
    if recipient is None:
        raise SurveyError("This survey was not sent to you.")
    return recipient


def _traits(survey: Survey, person) -> dict:
    """What breakdowns read: the person's organization and level of government (from their
    verified address) and their groups in the survey's community."""
    if person is None:
        return {"organization": "", "level": "", "groups": []}
    groups = sorted(Membership.objects.filter(
        user=person, state=Membership.State.ACTIVE, group__community=survey.community_id)
        .values_list("group_id", flat=True))
    return {"organization": person.organization, "level": person.level, "groups": groups}


def _response_write(survey, version_id, on, traits, rows, *, user=None,
                    submitted_at=None) -> Response:
    response = Response.objects.create(
        survey=survey, version_id=version_id, submitted_on=on, user=user,
        submitted_at=submitted_at, organization=traits["organization"],
        level=traits["level"])
    if traits["groups"]:
        response.groups.set(traits["groups"])
    Answer.objects.bulk_create([Answer(response=response, **row) for row in rows])
    return response


def _row_json(row: dict) -> dict:
    return {**row, "number": None if row.get("number") is None else str(row["number"]),
            "date": None if row.get("date") is None else row["date"].isoformat()}


def _row_from_json(row: dict) -> dict:
    return {**row, "number": None if row["number"] is None else Decimal(row["number"]),
            "date": None if row["date"] is None else date.fromisoformat(row["date"])}
