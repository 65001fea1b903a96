"""Writes about surveys (the public surface; other apps import from here). `definitions`
(creating a survey, its versions), `publishing` (audience, the Paperwork Reduction Act's
rule, publishing, closing), `responses` (answering once, the anonymous ballot box). Each
write is atomic; organizers' actions are audited, answers never are."""

from .common import AlreadyAnswered, AnswersInvalid, SurveyError
from .definitions import (
    definition_data,
    definition_replace,
    survey_create,
    survey_current_version,
    version_answered,
)
from .invitations import MAX_REMINDERS, REMINDER_GAP, invitations_send, reminders_send
from .publishing import (
    PRA_RESPONDENT_THRESHOLD,
    PraCheck,
    audience_people,
    pra_check,
    publish_problems,
    survey_close,
    survey_publish,
    surveys_close_due,
)
from .responses import (
    ballot_boxes_count,
    ballots_count,
    draft_save,
    response_submit,
    survey_accepting_problem,
)

__all__ = [
    "MAX_REMINDERS", "REMINDER_GAP", "invitations_send", "reminders_send",
    "PRA_RESPONDENT_THRESHOLD", "AlreadyAnswered", "AnswersInvalid", "PraCheck", "SurveyError",
    "audience_people", "ballot_boxes_count", "ballots_count", "definition_data",
    "definition_replace", "draft_save", "pra_check", "publish_problems", "response_submit",
    "survey_accepting_problem", "survey_close", "survey_create", "survey_current_version",
    "survey_publish", "surveys_close_due", "version_answered",
]
