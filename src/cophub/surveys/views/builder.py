"""The survey builder: the current version's sections and questions, one question at a
time. Every change rewrites the whole definition through `services.definition_replace`,
which checks it (branches, choices, scales) and, when people have answered the version,
makes the next one instead, so no answer ever changes meaning."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cophub.accounts.decorators import manage_page

from .. import services
from ..forms.builder import NEW_SECTION, QuestionForm, SectionForm
from ..models import Survey
from .common import load_survey


def _questions_url(survey: Survey, anchor: str = "") -> str:
    url = reverse("surveys:questions", args=[survey.community.slug, survey.pk])
    return f"{url}#{anchor}" if anchor else url


def _definition(survey: Survey):
    version = services.survey_current_version(survey)
    return version, services.definition_data(version), services.version_answered(version)


def _save(request, survey: Survey, data: list[dict], version, answered: bool) -> bool:
    """Write the definition; tell the person what happened (a new version, or why not)."""
    try:
        saved = services.definition_replace(survey=survey, sections=data, actor=request.user,
                                            request=request)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
        return False
    if answered:
        messages.info(request, f"People had answered version {version.number}, so the change "
                      f"makes version {saved.number}; their answers stay with the questions "
                      "they saw.")
    else:
        messages.success(request, "Saved.")
    return True


def _question_at(data: list[dict], section: int, position: int) -> dict:
    if not (1 <= section <= len(data)) or not (
            1 <= position <= len(data[section - 1].get("questions", []))):
        raise Http404("No such question")
    return data[section - 1]["questions"][position - 1]


def _codes(data: list[dict], *, but: dict | None = None) -> set[str]:
    return {q["code"] for s in data for q in s.get("questions", []) if q is not but}


@manage_page(load_survey)
def questions_view(request, community, survey):
    version, data, answered = _definition(survey)
    sections = [{**section, "number": n,
                 "form": SectionForm(initial=section, prefix=f"section-{n}")}
                for n, section in enumerate(data, start=1)]
    return render(request, "surveys/builder/questions.html", {
        "community": community, "survey": survey, "version": version,
        "answered": answered, "sections": sections,
        "closed": survey.status == Survey.Status.CLOSED,
    })


def _question_page(request, community, survey, *, form, title: str, action: str):
    return render(request, "surveys/builder/question_form.html", {
        "community": community, "survey": survey, "form": form, "title": title,
        "action": action})


def _placed(data: list[dict], form: QuestionForm) -> int:
    """The section (1-based) the form puts its question in, adding a new one if asked."""
    if form.cleaned_data["section"] == NEW_SECTION:
        data.append({"title": "", "description": "", "questions": []})
        return len(data)
    return int(form.cleaned_data["section"])


@manage_page(load_survey)
def question_add_view(request, community, survey):
    version, data, answered = _definition(survey)
    form = QuestionForm(request.POST or None, sections=data, taken_codes=_codes(data),
                        initial={"section": str(max(len(data), 1)), "scale_min": 1,
                                 "scale_max": 5})
    if request.method == "POST" and form.is_valid():
        section = _placed(data, form)
        data[section - 1].setdefault("questions", []).append(form.question())
        if _save(request, survey, data, version, answered):
            return redirect(_questions_url(survey, f"section-{section}"))
    return _question_page(request, community, survey, form=form, title="Add a question",
                          action=reverse("surveys:question_add",
                                         args=[community.slug, survey.pk]))


@manage_page(load_survey)
def question_edit_view(request, community, survey, section: int, position: int):
    version, data, answered = _definition(survey)
    question = _question_at(data, section, position)
    form = QuestionForm(request.POST or None, sections=data,
                        taken_codes=_codes(data, but=question),
                        initial=QuestionForm.initial_from(question, section))
    if request.method == "POST" and form.is_valid():
        target = _placed(data, form)
        if target == section:
            data[section - 1]["questions"][position - 1] = form.question()
        else:
            data[section - 1]["questions"].pop(position - 1)
            data[target - 1].setdefault("questions", []).append(form.question())
        if _save(request, survey, data, version, answered):
            return redirect(_questions_url(survey, f"section-{target}"))
    return _question_page(request, community, survey, form=form, title="Edit the question",
                          action=reverse("surveys:question_edit",
                                         args=[community.slug, survey.pk, section, position]))


@require_POST
@manage_page(load_survey)
def question_move_view(request, community, survey, section: int, position: int):
    version, data, answered = _definition(survey)
    _question_at(data, section, position)
    questions = data[section - 1]["questions"]
    other = position - 1 + (-1 if request.POST.get("direction") == "up" else 1)
    if 0 <= other < len(questions):
        questions[position - 1], questions[other] = questions[other], questions[position - 1]
        _save(request, survey, data, version, answered)
    return redirect(_questions_url(survey, f"section-{section}"))


@require_POST
@manage_page(load_survey)
def question_delete_view(request, community, survey, section: int, position: int):
    version, data, answered = _definition(survey)
    _question_at(data, section, position)
    data[section - 1]["questions"].pop(position - 1)
    _save(request, survey, data, version, answered)
    return redirect(_questions_url(survey, f"section-{section}"))


@require_POST
@manage_page(load_survey)
def section_save_view(request, community, survey):
    """Add a section at the end, or rename or remove (when it has no questions) one."""
    version, data, answered = _definition(survey)
    action = request.POST.get("action")
    if action == "add":
        data.append({"title": "", "description": "", "questions": []})
        _save(request, survey, data, version, answered)
        return redirect(_questions_url(survey, f"section-{len(data)}"))
    try:
        number = int(request.POST.get("section", ""))
    except ValueError:
        number = 0
    if not 1 <= number <= len(data) or action not in ("rename", "delete"):
        messages.error(request, "Choose a section of this survey, and what to do with it.")
        return redirect(_questions_url(survey))
    section = data[number - 1]
    if action == "delete":
        if section.get("questions"):
            messages.error(request, "Move or delete the section's questions first.")
        else:
            data.pop(number - 1)
            _save(request, survey, data, version, answered)
        return redirect(_questions_url(survey))
    form = SectionForm(request.POST, prefix=f"section-{number}")
    if form.is_valid():
        section.update(form.cleaned_data)
        _save(request, survey, data, version, answered)
    else:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return redirect(_questions_url(survey, f"section-{number}"))
