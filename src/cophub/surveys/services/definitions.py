"""A survey and its questions: creating one (blank or from a template), and writing its
definition into a version that may still change (ADR 0012: answered versions are frozen)."""

from django.db import transaction

from cophub.core.audit import audit_record

from .. import catalog
from ..answers import definition_from_data, definition_problems
from ..models import Ballot, Question, Response, Section, Survey, SurveyVersion
from .common import SurveyError

QUESTION_FIELDS = ("code", "kind", "text", "help_text", "required", "choices", "rows",
                   "branches", "max_length", "scale_min", "scale_max", "scale_min_label",
                   "scale_max_label")


def survey_current_version(survey: Survey) -> SurveyVersion:
    return survey.versions.order_by("-number").first()


def version_answered(version: SurveyVersion) -> bool:
    """Whether anyone has answered this version (counted or still in the ballot box)."""
    return (Response.objects.filter(version=version).exists()
            or Ballot.objects.filter(survey_id=version.survey_id,
                                     payload__version=version.pk).exists())


@transaction.atomic
def survey_create(*, community, actor, title: str, group=None, template: str = "",
                  anonymous: bool = False, request=None) -> Survey:
    """A draft survey in `community` (run by `group`'s leads too, when given), with the
    questions of a template from `catalog.TEMPLATES`, or one empty section."""
    if template and template not in catalog.TEMPLATES:
        raise SurveyError("Choose one of the templates offered.")
    if group is not None and group.community_id != community.pk:
        raise SurveyError("The group must belong to the survey's community.")
    survey = Survey.objects.create(community=community, group=group, title=title.strip(),
                                   anonymous=anonymous, created_by=actor,
                                   description=catalog.TEMPLATES[template]["description"]
                                   if template else "")
    version = SurveyVersion.objects.create(survey=survey, number=1)
    sections = catalog.TEMPLATES[template]["sections"] if template else [{"title": ""}]
    _definition_write(version, sections)
    audit_record(actor=actor, verb="surveys.survey.created", obj=survey,
                 scope=community.slug, request=request, data={"template": template})
    return survey


@transaction.atomic
def definition_replace(*, survey: Survey, sections: list[dict], actor,
                       request=None) -> SurveyVersion:
    """Write the whole definition (sections with their questions, `catalog`'s shape). The
    current version is rewritten if nobody has answered it; otherwise a new version is made
    and later answers belong to it. Refused with every problem found, changing nothing."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.status == Survey.Status.CLOSED:
        raise SurveyError("This survey is closed: its questions can no longer change.")
    problems = definition_problems(definition_from_data(sections))
    if not any(section.get("questions") for section in sections):
        problems.insert(0, "Add at least one question.")
    if problems:
        raise SurveyError(" ".join(problems))
    version = survey_current_version(locked)
    if version_answered(version):
        version = SurveyVersion.objects.create(survey=locked, number=version.number + 1)
    else:
        version.sections.all().delete()
    _definition_write(version, sections)
    audit_record(actor=actor, verb="surveys.definition.saved", obj=locked,
                 scope=locked.community.slug, request=request,
                 data={"version": version.number})
    return version


def definition_data(version: SurveyVersion) -> list[dict]:
    """A version's definition in `catalog`'s shape (what `definition_replace` takes)."""
    questions = Question.objects.filter(section__version=version).order_by("position")
    by_section: dict[int, list[dict]] = {}
    for question in questions:
        by_section.setdefault(question.section_id, []).append(
            {name: getattr(question, name) for name in QUESTION_FIELDS})
    return [{"title": section.title, "description": section.description,
             "questions": by_section.get(section.pk, [])}
            for section in version.sections.order_by("position")]


def _definition_write(version: SurveyVersion, sections: list[dict]) -> None:
    for position, data in enumerate(sections, start=1):
        section = Section.objects.create(version=version, position=position,
                                         title=data.get("title", ""),
                                         description=data.get("description", ""))
        Question.objects.bulk_create([
            Question(section=section, position=number,
                     **{name: question[name] for name in QUESTION_FIELDS if name in question})
            for number, question in enumerate(data.get("questions", []), start=1)
        ])
