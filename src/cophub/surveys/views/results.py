"""Results pages: the charts (each with a table holding the same numbers), breakdowns with
small cells hidden, the live count, and — for those who run the survey only — the written
answers and the CSV export.

Who may read results is `selectors.may_read_results`: those who run the survey always, the
people who answered once the organizers publish the results. Anyone else gets the same 404
as for a survey that does not exist. Respondents see aggregates only."""

import csv
from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from cophub.accounts.decorators import manage_page, mfa_required
from cophub.core.access import can_manage
from cophub.core.csv_export import Echo
from cophub.core.forms import Form

from .. import results as tally
from ..charts import bar_chart, stacked_chart
from ..models import Survey
from ..selectors import may_read_results
from .common import load_survey, survey_in

COUNT_POLL = "every 10s"
SEARCH_MAX_LENGTH = 200


class BreakdownForm(Form):
    question = forms.ChoiceField(label="Question")
    by = forms.ChoiceField(label="Break the answers down by",
                           choices=list(tally.BREAKDOWN_BY.items()))

    def __init__(self, *args, questions: list[tuple[str, str]], **kwargs):
        kwargs.setdefault("auto_id", "breakdown-%s")
        super().__init__(*args, **kwargs)
        self.fields["question"].choices = questions


class TextSearchForm(Form):
    q = forms.CharField(label="Search the answers", required=False,
                        max_length=SEARCH_MAX_LENGTH)


def _readable(request, community: str, pk: int) -> Survey:
    survey = survey_in(community, pk)
    if not may_read_results(viewer=request.viewer, survey=survey):
        raise Http404("No such survey")
    return survey


def _value_label(count: tally.OptionCount) -> str:
    return f"{count.count} ({count.percent}%)" if count.percent is not None else str(count.count)


def _chart(result: tally.QuestionResult):
    if result.grid:
        return stacked_chart([row.label for row in result.grid],
                             [count.label for count in result.grid[0].counts],
                             [[count.count for count in row.counts] for row in result.grid],
                             title=result.text, key=result.key)
    if result.counts:
        return bar_chart([count.label for count in result.counts],
                         [count.count for count in result.counts], title=result.text,
                         value_labels=[_value_label(count) for count in result.counts],
                         key=result.key)
    return None


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _count_context(survey: Survey, *, shown: int | None = None) -> dict:
    """The live count: responses in the results and, for an anonymous survey, answers in
    the ballot box (ADR 0012). `shown` is the count the page's charts were drawn with."""
    count = tally.response_count(survey)
    waiting = tally.ballots_waiting(survey) if survey.anonymous else 0
    shown = count if shown is None else shown
    args = [survey.community.slug, survey.pk]
    return {
        "survey": survey, "count": count, "waiting": waiting, "shown": shown,
        "seen": f"{count}-{waiting}",
        # Nothing more can arrive once the survey is closed and its ballot box is empty.
        "live": survey.status == Survey.Status.OPEN or waiting > 0,
        "count_url": reverse("surveys:results_count", args=args) + "?" + urlencode(
            {"shown": shown, "seen": f"{count}-{waiting}"}),
        "results_url": reverse("surveys:results", args=args),
    }


def _organizers_need_mfa(view):
    """Those who run the survey read its results as they use its other pages: with
    two-factor authentication (`accounts.decorators.mfa_required`). Respondents need
    none."""

    @wraps(view)
    def wrapper(request, community, pk):
        survey = _readable(request, community, pk)
        if can_manage(request.viewer, survey):
            return mfa_required(view)(request, survey, manager=True)
        return view(request, survey, manager=False)

    return wrapper


@_organizers_need_mfa
def results_view(request, survey, *, manager):
    results = tally.question_results(survey)
    several_versions = any(max(result.versions, default=1) > 1 for result in results)
    newest = {result.code: result for result in results}  # a code's newest report last
    questions = [(code, result.text) for code, result in newest.items()
                 if result.kind in tally.BREAKDOWN_KINDS]
    form = BreakdownForm(request.GET if "question" in request.GET else None,
                         questions=questions) if questions else None
    table = None
    if form is not None and form.is_bound and form.is_valid():
        try:
            table = tally.breakdown(survey, question_code=form.cleaned_data["question"],
                                    by=form.cleaned_data["by"])
        except ValueError:
            form.add_error("question", "This question cannot be broken down; choose "
                                       "another.")
    count = _count_context(survey)
    return render(request, "surveys/results/results.html", {
        "community": survey.community, "survey": survey, "manager": manager,
        "items": [{"result": result, "chart": _chart(result)} for result in results],
        "several_versions": several_versions, "breakdown_form": form, "table": table,
        **count,
        "csv_url": reverse("surveys:results_csv", args=[survey.community.slug, survey.pk]),
    })


@_organizers_need_mfa
def results_count_view(request, survey, *, manager):
    """The count fragment the results page polls. Nothing (204, which htmx leaves alone)
    when the count has not changed, so screen readers hear only news."""
    context = _count_context(survey, shown=_int(request.GET.get("shown")))
    if request.GET.get("seen") == context["seen"]:
        return HttpResponse(status=204)
    return render(request, "surveys/results/partials/_count.html", context)


@manage_page(load_survey)
def text_answers_view(request, community, survey, code):
    question = tally.text_question(survey, code)
    if question is None:
        raise Http404("No such question")
    form = TextSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    page = tally.text_answers(survey, code=code, q=q, page=request.GET.get("page"))
    return render(request, "surveys/results/text_answers.html", {
        "community": community, "survey": survey, "question": question, "form": form,
        "q": q, "page": page, "query": urlencode({"q": q}) if q else "", "manager": True,
    })


@manage_page(load_survey)
def results_csv_view(request, community, survey):
    def lines():
        writer = csv.writer(Echo())
        for row in tally.csv_rows(survey):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.csv"'
    return response
