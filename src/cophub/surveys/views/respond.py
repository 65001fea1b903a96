"""Answering a survey, one section per page: signed in or on an open link (`answer_view`),
by personal link (`personal_view`), and the thank-you page.

Which section comes next is decided here, on the server, from the answers so far
(`answers.visited_sections`); answers are checked by `answers.answers_clean` and stored only
by `services.response_submit`. Until then they are kept unfinished: in the recipient's draft
when the person is signed in (so their progress survives closing the browser), otherwise in
the session, under a key per survey (and per recipient, for a personal link)."""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from .. import services
from ..answers import Definition, SectionDef, answers_clean, definition_load, visited_sections
from ..forms.answer import answers_bounded, section_fields, section_submitted
from ..links import recipient_from_token
from ..models import Recipient, Survey
from ..selectors import may_answer, may_read_results, recipient_of

TEMPLATES = "surveys/"
# The form's own fields; a dot keeps them apart from question codes (slugs).
SECTION_FIELD = "survey.section"
ACTION_FIELD = "survey.action"
BACK, NEXT, SUBMIT = "back", "next", "submit"
ANSWERED_SESSION_KEY = "surveys.answered"
ANSWERED_REMEMBERED = 50

ALREADY_ANSWERED = "You have already answered this survey. Thank you."
LINK_INVALID = ("This link is not valid. It may have been changed or cut short: check that "
                "you copied the whole link from your invitation.")
LINK_NOT_YOURS = ("This link was sent to someone else. Sign out to use it, or open the "
                  "survey from your own invitation.")
LAST_PAGE = "This is the last page. Check your answers, then submit them."


@dataclass
class Respondent:
    """Who is answering and where their unfinished answers are kept. `user` is a signed-in
    person answering as themselves (their recipient's draft); otherwise the answers live in
    the session under `session_key`, and `recipient` (from a personal link) is who answers."""

    survey: Survey
    url: str  # this form's address
    user: object = None
    recipient: Recipient | None = None
    session_key: str = ""

    def answered(self, request) -> bool:
        if self.recipient is not None:
            return self.recipient.responded
        return self.user is None and self.survey.pk in _answered_ids(request)

    def load(self, request) -> dict:
        if self.user is not None:
            draft = self.recipient.draft if self.recipient is not None else None
        else:
            draft = request.session.get(self.session_key)
        return dict(draft) if isinstance(draft, dict) else {}

    def save(self, request, answers: dict) -> None:
        """Raises `AlreadyAnswered` if the person answered meanwhile (another tab)."""
        answers = answers_bounded(answers)
        if self.user is not None:
            services.draft_save(survey=self.survey, user=self.user, submitted=answers)
        else:
            request.session[self.session_key] = answers

    def submit(self, request, answers: dict) -> None:
        if self.user is not None:
            services.response_submit(survey=self.survey, submitted=answers, user=self.user)
        else:
            services.response_submit(survey=self.survey, submitted=answers,
                                     recipient=self.recipient)

    def forget(self, request) -> None:
        """After submitting (the service has already emptied a recipient's draft)."""
        request.session.pop(self.session_key, None)
        remembered = [pk for pk in _answered_ids(request) if pk != self.survey.pk]
        request.session[ANSWERED_SESSION_KEY] = (
            [self.survey.pk] + remembered)[:ANSWERED_REMEMBERED]


def _answered_ids(request) -> list[int]:
    value = request.session.get(ANSWERED_SESSION_KEY)
    return [pk for pk in value if isinstance(pk, int)] if isinstance(value, list) else []


def _session_key(survey: Survey, recipient: Recipient | None = None) -> str:
    key = f"surveys.answers.{survey.pk}"
    return f"{key}.{recipient.pk}" if recipient is not None else key


# Views ----------------------------------------------------------------------------------

def answer_view(request, pk: int):
    survey = (Survey.objects.select_related("community")
              .exclude(status=Survey.Status.DRAFT).filter(pk=pk).first())
    if survey is None:
        raise Http404("No such survey")
    if not may_answer(viewer=request.viewer, survey=survey):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise Http404("No such survey")
    url = reverse("surveys:answer", kwargs={"pk": survey.pk})
    if request.user.is_authenticated:
        respondent = Respondent(survey=survey, url=url, user=request.user,
                                recipient=recipient_of(survey=survey, user=request.user))
    else:
        respondent = Respondent(survey=survey, url=url, session_key=_session_key(survey))
    return _respond(request, respondent)


def personal_view(request, token: str):
    recipient = recipient_from_token(token)
    if recipient is None:
        return _message(request, None, "This link is not valid", LINK_INVALID, status=404)
    survey = recipient.survey
    url = reverse("surveys:personal", kwargs={"token": token})
    if request.user.is_authenticated:
        if request.user.pk != recipient.user_id:
            # Nothing about the survey: the link may name one this person is not asked.
            return _message(request, None, "This link is for someone else", LINK_NOT_YOURS,
                            status=403)
        respondent = Respondent(survey=survey, url=url, user=request.user,
                                recipient=recipient)
    else:
        # The link is the person's: whoever holds it answers as its recipient.
        respondent = Respondent(survey=survey, url=url, recipient=recipient,
                                session_key=_session_key(survey, recipient))
    return _respond(request, respondent)


def thanks_view(request, pk: int):
    survey = get_object_or_404(Survey.objects.select_related("community")
                               .exclude(status=Survey.Status.DRAFT), pk=pk)
    answered = survey.pk in _answered_ids(request)
    if not answered and request.user.is_authenticated:
        recipient = recipient_of(survey=survey, user=request.user)
        answered = recipient is not None and recipient.responded
    if not answered:
        return redirect("surveys:answer", pk=survey.pk)
    return render(request, TEMPLATES + "thanks.html", {
        "survey": survey, "community": survey.community,
        "results_url": _results_url(request, survey),
    })


# The form -------------------------------------------------------------------------------

def _respond(request, respondent: Respondent):
    survey = respondent.survey
    if respondent.answered(request):
        return _already_answered(request, survey)
    problem = services.survey_accepting_problem(survey)
    if problem:
        return _message(request, survey, "This survey is not taking answers", problem)
    definition = definition_load(services.survey_current_version(survey))
    if not definition.sections:
        return _message(request, survey, "This survey is not taking answers",
                        "This survey has no questions yet.")
    answers = respondent.load(request)
    if request.method == "POST":
        return _post(request, respondent, definition, answers)
    reached = _reached(definition, answers)
    position = _int(request.GET.get("section"))
    if position not in reached:
        position = reached[0]
    return _page(request, respondent, definition, _section(definition, position), answers)


def _post(request, respondent: Respondent, definition: Definition, answers: dict):
    position = _int(request.POST.get(SECTION_FIELD))
    if position not in _reached(definition, answers):
        # A page from before a branch changed, or a made-up one: start from the first.
        return redirect(respondent.url)
    section = _section(definition, position)
    answers = {**answers, **section_submitted(section, request.POST)}
    action = request.POST.get(ACTION_FIELD)
    cleaned, errors = answers_clean(definition, answers)
    path = visited_sections(definition, cleaned)
    # Only earlier sections decide whether this one is on the path, and they are unchanged.
    index = path.index(position) if position in path else 0
    try:
        if action == BACK:
            respondent.save(request, answers)
            return redirect(_section_url(respondent, path[max(index - 1, 0)]))
        codes = {question.code for question in section.questions}
        page_errors = {code: error for code, error in errors.items() if code in codes}
        if page_errors:
            return _page(request, respondent, definition, section, answers, page_errors)
        if index + 1 < len(path):
            respondent.save(request, answers)
            return redirect(_section_url(respondent, path[index + 1]))
        if action != SUBMIT:
            # The page said "Next", but the answers on it end the survey here.
            respondent.save(request, answers)
            messages.info(request, LAST_PAGE)
            return redirect(_section_url(respondent, position))
        respondent.submit(request, answers)
    except services.AnswersInvalid as exc:
        # Checked page by page already; a page skipped by a made-up address ends up here.
        first = next((s for s in definition.sections if s.position in path
                      and any(q.code in exc.errors for q in s.questions)), section)
        codes = {question.code for question in first.questions}
        return _page(request, respondent, definition, first, answers,
                     {code: error for code, error in exc.errors.items() if code in codes})
    except services.AlreadyAnswered:
        respondent.forget(request)
        return _already_answered(request, respondent.survey)
    except services.SurveyError as exc:
        return _message(request, respondent.survey, "This survey is not taking answers",
                        str(exc))
    respondent.forget(request)
    return redirect("surveys:thanks", pk=respondent.survey.pk)


def _page(request, respondent: Respondent, definition: Definition, section: SectionDef,
          values: dict, errors: dict | None = None):
    errors = errors or {}
    survey = respondent.survey
    cleaned, _ = answers_clean(definition, values)
    path = visited_sections(definition, cleaned)
    number = path.index(section.position) + 1 if section.position in path else 1
    fields = section_fields(section, values, errors)
    return render(request, TEMPLATES + "answer.html", {
        "survey": survey, "community": survey.community, "section": section,
        "fields": fields, "error_fields": [f for f in fields if f.error],
        "number": number, "total": len(path), "first": number == 1,
        "last": number == len(path), "form_url": respondent.url,
        "section_field": SECTION_FIELD, "action_field": ACTION_FIELD,
        "progress_saved": respondent.user is not None,
    }, status=400 if errors else 200)


def _reached(definition: Definition, answers: dict) -> list[int]:
    """The sections the person may open: their path so far, up to and including the first
    section that still needs answers."""
    cleaned, errors = answers_clean(definition, answers)
    reached = []
    for position in visited_sections(definition, cleaned):
        reached.append(position)
        if any(q.code in errors for q in _section(definition, position).questions):
            break
    return reached


def _section(definition: Definition, position: int) -> SectionDef:
    return next(s for s in definition.sections if s.position == position)


def _section_url(respondent: Respondent, position: int) -> str:
    return f"{respondent.url}?section={position}"


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() \
        and len(value) < 6 else None


# Other pages ----------------------------------------------------------------------------

def _results_url(request, survey: Survey) -> str:
    if survey.results_published and may_read_results(viewer=request.viewer, survey=survey):
        return reverse("surveys:results", kwargs={"community": survey.community.slug,
                                                  "pk": survey.pk})
    return ""


def _already_answered(request, survey: Survey):
    return _message(request, survey, "You have answered this survey", ALREADY_ANSWERED,
                    results_url=_results_url(request, survey))


def _message(request, survey: Survey | None, heading: str, message: str, *, status: int = 200,
             results_url: str = ""):
    return render(request, TEMPLATES + "closed.html", {
        "survey": survey, "community": survey.community if survey else None,
        "heading": heading, "message": message, "results_url": results_url,
    }, status=status)
