"""Survey results as organizers and respondents read them: counts per option, ratings,
grids, breakdowns with small cells hidden, the live count, written answers, the CSV export,
and who may see what."""

import csv
import io
import itertools
import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cophub.accounts.models import User
from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure, group_join
from cophub.surveys import services
from cophub.surveys.charts import bar_chart, stacked_chart
from cophub.surveys.models import Survey
from cophub.surveys.results import (
    breakdown,
    cells_suppress,
    csv_rows,
    question_results,
    text_answers,
)

pytestmark = [pytest.mark.django_db,
              pytest.mark.urls("cophub.surveys.tests.urls_for_tests")]

VA, NASA, GSA, DOE = ("Department of Veterans Affairs", "NASA", "General Services "
                      "Administration", "Department of Energy")
EXEMPT = "Federal employees answering in their official role."


def answers(satisfaction=5, usefulness=4, recommend="yes", comment=""):
    return {"satisfaction": str(satisfaction), "usefulness": str(usefulness),
            "would_recommend": recommend, "comment": comment}


@pytest.fixture
def people(make_user, community):
    """Members of the community with the organization and level the .gov registry gives
    them in production (tests load no registry)."""
    made = itertools.count(1)

    def make(n: int, organization: str = VA, level: str = "federal") -> list:
        batch = []
        for _ in range(n):
            person = make_user(f"p{next(made)}@agency.gov")
            community_role_ensure(community=community, user=person)
            batch.append(person)
        User.objects.filter(pk__in=[p.pk for p in batch]).update(
            organization=organization, level=level)
        for person in batch:
            person.refresh_from_db()
        return batch

    return make


@pytest.fixture
def make_survey(community, organizer):
    def make(template="event_feedback", **fields):
        survey = services.survey_create(community=community, actor=organizer,
                                        title="Spring meeting feedback", template=template)
        Survey.objects.filter(pk=survey.pk).update(pra_exemption=EXEMPT, **fields)
        survey.refresh_from_db()
        return survey

    return make


def publish(survey, organizer):
    return services.survey_publish(survey=survey, actor=organizer)


def submit(survey, person, submitted):
    services.response_submit(survey=survey, submitted=submitted, user=person)


def url(name, survey, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"community": survey.community.slug,
                                               "pk": survey.pk, **kwargs})


def by_code(results):
    return {result.code: result for result in results}


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- Counting ----------------------------------------------------------------------------------

def test_counts_per_option_include_zeros_and_ratings_have_a_mean_and_median(
        make_survey, organizer, people):
    survey = make_survey()
    group = people(4)
    survey = publish(survey, organizer)
    for person, (score, recommend) in zip(group, [(5, "yes"), (5, "yes"), (4, "yes"),
                                                  (2, "no")], strict=True):
        submit(survey, person, answers(satisfaction=score, recommend=recommend))

    results = by_code(question_results(survey))
    satisfaction = results["satisfaction"]
    assert [(c.label, c.count) for c in satisfaction.counts] == [
        ("1 (Very dissatisfied)", 0), ("2", 1), ("3", 0), ("4", 1), ("5 (Very satisfied)", 2)]
    assert satisfaction.mean == Decimal("4") and satisfaction.median == Decimal("4.5")
    assert (satisfaction.responses, satisfaction.answered, satisfaction.versions) == (4, 4, (1,))
    recommend = results["would_recommend"]
    assert [(c.label, c.count, c.percent) for c in recommend.counts] == [
        ("Yes", 3, 75), ("No", 1, 25)]
    assert results["comment"].answered == 0 and results["comment"].counts == ()


def test_several_choices_and_grids_are_counted_per_option_and_row(
        client, make_survey, organizer, people):
    first, second = people(2)
    survey = publish(make_survey("a11_cx"), organizer)
    submit(survey, first, {"trust": "Agree", "drivers": {
        "I was treated fairly.": "Strongly agree", "My need was addressed.": "Agree"}})
    submit(survey, second, {"trust": "Agree", "drivers": {"I was treated fairly.": "Agree"}})
    results = by_code(question_results(survey))
    assert [c.count for c in results["trust"].counts] == [0, 0, 0, 2, 0]
    rows = {row.label: row for row in results["drivers"].grid}
    assert len(rows) == 7 and rows["I was treated fairly."].answered == 2
    assert [c.count for c in rows["I was treated fairly."].counts] == [0, 0, 0, 1, 1]
    assert rows["My need was addressed."].answered == 1
    assert rows["It was easy to complete what I needed to do."].answered == 0
    client.force_login(organizer)
    page = client.get(url("results", survey)).content.decode()
    assert 'aria-labelledby="chart-drivers-title"' in page
    assert "<td>1 (50%)</td>" in page  # "Strongly agree" that they were treated fairly

    practitioner = publish(make_survey("ai_practitioner"), organizer)
    base = {"role": "Data scientist", "agency_type": "Federal civilian agency",
            "barrier": "Funding"}
    submit(practitioner, first, {**base, "skills": ["Machine learning", "Data engineering"]})
    submit(practitioner, second, {**base, "skills": ["Machine learning"]})
    skills = {c.label: (c.count, c.percent)
              for c in by_code(question_results(practitioner))["skills"].counts}
    assert skills["Machine learning"] == (2, 100) and skills["Data engineering"] == (1, 50)
    assert skills["Software engineering"] == (0, 0)


def test_versions_are_merged_unless_the_question_changed(make_survey, organizer, people):
    first, second = people(2)
    survey = publish(make_survey(), organizer)
    submit(survey, first, answers(satisfaction=5))
    data = services.definition_data(services.survey_current_version(survey))
    data[0]["questions"][0]["text"] = "How satisfied were you, all in all?"  # words only
    data[0]["questions"][1]["scale_max"] = 10  # another scale: not comparable
    services.definition_replace(survey=survey, sections=data, actor=organizer)
    submit(survey, second, answers(satisfaction=3, usefulness=9))

    results = question_results(survey)
    satisfaction = [r for r in results if r.code == "satisfaction"]
    assert len(satisfaction) == 1 and satisfaction[0].versions == (1, 2)
    assert satisfaction[0].text == "How satisfied were you, all in all?"
    assert satisfaction[0].answered == 2
    usefulness = [r for r in results if r.code == "usefulness"]
    assert [(r.versions, r.answered, r.responses) for r in usefulness] == [
        ((1,), 1, 1), ((2,), 1, 1)]
    assert len({r.key for r in results}) == len(results)
    first_version = survey.versions.get(number=1)
    assert by_code(question_results(survey, version=first_version))["satisfaction"].answered == 1


def test_numbers_fall_into_ranges_when_many_and_dates_are_counted(
        client, make_survey, organizer, people):
    survey = make_survey()
    services.definition_replace(survey=survey, actor=organizer, sections=[{"questions": [
        {"code": "team", "kind": "number", "text": "How many people are on your team?"},
        {"code": "started", "kind": "date", "text": "When did your project start?"}]}])
    group = people(14)
    survey = publish(survey, organizer)
    for size, person in enumerate(group, start=1):
        submit(survey, person, {"team": str(size * 10), "started": "2025-01-31"})
    results = by_code(question_results(survey))
    team = results["team"]
    assert len(team.counts) == 10 and team.counts[0].label == "10 to under 23"
    assert team.counts[-1].label == "127 to 140" and sum(c.count for c in team.counts) == 14
    assert (team.mean, team.median) == (Decimal("75"), Decimal("75"))
    assert results["started"].answered == 14 and results["started"].counts == ()
    client.force_login(organizer)
    page = client.get(url("results", survey)).content.decode()
    assert "14 dates given." in page and "Average 75; median 75." in page


# --- Breakdowns ----------------------------------------------------------------------------

def _splits(total: int, parts: int):
    """Every way to write `total` as `parts` numbers of zero or more."""
    if parts == 0:
        yield () if total == 0 else None
        return
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _splits(total - first, parts - 1):
            yield (first, *rest)


def _feasible_values(counts, hidden, total_hidden, target):
    """Every value the target cell could hold given what a reader sees: the visible cells,
    the visible row totals and every column total (the question's own counts, so the grand
    total too)."""
    rows, columns = len(counts), len(counts[0])
    per_column = []
    for c in range(columns):
        unknown = [r for r in range(rows) if hidden[r][c]]
        rest = sum(counts[r][c] for r in range(rows)) - sum(
            counts[r][c] for r in range(rows) if not hidden[r][c])
        per_column.append([dict(zip(unknown, split, strict=True))
                           for split in _splits(rest, len(unknown)) if split is not None])
    values = set()
    for choice in itertools.product(*per_column):
        table = [[choice[c].get(r, counts[r][c]) for c in range(columns)]
                 for r in range(rows)]
        if all(total_hidden[r] or sum(table[r]) == sum(counts[r]) for r in range(rows)):
            values.add(table[target[0]][target[1]])
    return values


def test_a_small_cell_cannot_be_worked_out_from_the_totals():
    counts = [[9, 2, 6], [7, 8, 6], [6, 7, 9]]
    hidden, total_hidden = cells_suppress(counts, minimum=5)
    assert hidden[0][1] and total_hidden[0]  # the 2, and its row's total
    assert sum(hidden[0]) >= 2  # not alone in its row …
    assert sum(row[1] for row in hidden) >= 2  # … nor in its column
    assert sum(total_hidden) != 1
    assert len(_feasible_values(counts, hidden, total_hidden, (0, 1))) > 1
    # Zeros with nothing else hidden in their column would add up to nothing: more goes.
    counts = [[0, 1, 1], [0, 6, 4], [8, 4, 5], [8, 5, 6]]
    hidden, total_hidden = cells_suppress(counts, minimum=5)
    assert len(_feasible_values(counts, hidden, total_hidden, (0, 0))) > 1
    # A row of its own below the minimum is hidden whole.
    hidden, total_hidden = cells_suppress([[30, 20], [2, 1]], minimum=5)
    assert hidden[1] == [True, True] and total_hidden[1]
    assert cells_suppress([[30, 20], [12, 9]], minimum=5) == (
        [[False, False], [False, False]], [False, False])


def test_no_small_cell_of_a_small_table_can_be_worked_out():
    tables = random.Random(12).choices(range(8), k=40 * 6)
    for index in range(40):
        values = tables[index * 6:index * 6 + 6]
        counts = [values[:3], values[3:]] if index % 2 else [values[:2], values[2:4],
                                                             values[4:]]
        hidden, total_hidden = cells_suppress(counts, minimum=5)
        for r, row in enumerate(counts):
            for c, value in enumerate(row):
                if value < 5 and sum(line[c] for line in counts):  # an empty option is public
                    assert hidden[r][c]
                    assert len(_feasible_values(counts, hidden, total_hidden, (r, c))) > 1


def test_breakdown_hides_small_cells_and_merges_small_organizations(
        make_survey, organizer, people):
    survey = make_survey()
    va, nasa = people(10, VA), people(12, NASA)
    small = people(1, GSA) + people(2, DOE)
    survey = publish(survey, organizer)
    for index, person in enumerate(va):
        submit(survey, person, answers(recommend="no" if index < 2 else "yes"))
    for index, person in enumerate(nasa):
        submit(survey, person, answers(recommend="no" if index < 6 else "yes"))
    for person in small:
        submit(survey, person, answers(recommend="no"))

    table = breakdown(survey, question_code="would_recommend", by="organization")
    assert table.columns == ("Yes", "No") and table.answered == 25
    rows = {row.label: row for row in table.rows}
    assert list(rows) == [VA, NASA, "Other (fewer than 5 each)"]  # by name, not by size
    assert rows[NASA].cells == (6, 6) and rows[NASA].total == 12
    # VA's 2 is hidden, and so is its 8, or the 2 would follow from VA's 10. In the "No"
    # column the hidden 2 and the merged row's hidden 3 add up to the minimum, so NASA's
    # numbers need not be hidden to protect them.
    assert rows[VA].cells == (None, None) and rows[VA].total is None
    other = rows["Other (fewer than 5 each)"]
    assert other.merged and other.cells == (None, None) and other.total is None
    assert GSA not in rows and DOE not in rows

    by_level = breakdown(survey, question_code="satisfaction", by="level")
    assert [row.label for row in by_level.rows] == ["Federal"]
    assert by_level.columns == ("1", "2", "3", "4", "5")
    # Four zeros (each telling that nobody gave that rating) cannot be protected by one
    # visible number beside them: the whole row is hidden, the safe side. The question's own
    # counts, above the breakdown, show the 25 anyway.
    assert by_level.rows[0].cells == (None, None, None, None, None)
    with pytest.raises(ValueError):
        breakdown(survey, question_code="comment", by="organization")


def test_breakdown_by_group_counts_a_response_in_each_of_its_groups(
        make_survey, organizer, people, make_group):
    survey = make_survey()
    security, genai = make_group("ai-security", name="AI Security"), make_group(
        "generative-ai", name="Generative AI")
    group = people(7)
    for person in group:
        group_join(group=security, user=person)
    for person in group[:5]:
        group_join(group=genai, user=person)
    survey = publish(survey, organizer)
    for person in group:
        submit(survey, person, answers(recommend="yes"))
    table = breakdown(survey, question_code="would_recommend", by="group")
    rows = {row.label: row for row in table.rows}
    assert set(rows) == {"AI Security", "Generative AI"}
    assert rows["AI Security"].total is None  # its 0 is hidden, so its 7 is too
    assert table.answered == 7


# --- The results page ------------------------------------------------------------------------

def test_the_page_shows_charts_tables_and_a_breakdown_to_organizers(
        client, make_survey, organizer, people):
    survey = make_survey()
    group = people(6)
    survey = publish(survey, organizer)
    for person in group:
        submit(survey, person, answers(comment="Keep the demos"))
    client.force_login(organizer)
    page = client.get(url("results", survey), {"question": "would_recommend",
                                               "by": "organization"}).content.decode()
    assert page.count('role="img" aria-labelledby="chart-') == 3
    assert page.count('<table class="usa-table') == 4
    assert "Overall, how satisfied were you with the event?</caption>" in page
    assert 'hx-trigger="every 10s"' in page and 'aria-live="polite"' in page
    assert url("results_csv", survey) in page
    assert url("text_answers", survey, code="comment") in page
    assert "Department of Veterans Affairs</th>" in page and "Hidden" in page
    bad = client.get(url("results", survey), {"question": "nope", "by": "shoe size"})
    assert bad.status_code == 200 and "usa-error-message" in bad.content.decode()


def test_the_page_escapes_question_text_and_has_no_style_attribute(
        client, make_survey, organizer):
    survey = make_survey()
    data = services.definition_data(services.survey_current_version(survey))
    data[0]["questions"][2]["text"] = "<script>alert(1)</script> Recommend?"
    services.definition_replace(survey=survey, sections=data, actor=organizer)
    client.force_login(organizer)
    page = client.get(url("results", survey)).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Recommend?" in page
    assert "style=" not in "".join(re.findall(r"<svg.*?</svg>", page, re.S))


def test_the_page_costs_the_same_queries_for_10_or_40_responses(
        client, make_survey, organizer, people, django_assert_max_num_queries):
    survey = make_survey()
    group = people(40)
    survey = publish(survey, organizer)
    client.force_login(organizer)
    query = {"question": "satisfaction", "by": "organization"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url("results", survey), query).status_code == 200
        return len(context.captured_queries)

    for person in group[:10]:
        submit(survey, person, answers(comment="fine"))
    with django_assert_max_num_queries(20):
        client.get(url("results", survey), query)
    ten = queries()
    for person in group[10:]:
        submit(survey, person, answers(comment="fine"))
    assert queries() == ten
    with django_assert_max_num_queries(12):  # the answers come with their responses
        assert len(csv_of(client.get(url("results_csv", survey)))) == 41


def test_an_anonymous_survey_says_how_many_answers_wait_to_be_counted(
        client, make_survey, organizer, people):
    survey = make_survey(anonymous=True)
    group = people(3)
    survey = publish(survey, organizer)
    for person in group:
        submit(survey, person, answers())
    client.force_login(organizer)
    page = client.get(url("results", survey)).content.decode()
    assert ("3 answers are waiting to be counted; they are counted in groups of at least 5 "
            "so that nobody's answers can be traced.") in page
    assert "<strong>0</strong> responses" in page


def test_the_count_fragment_answers_only_when_the_count_changed(
        client, make_survey, organizer, people):
    survey = make_survey()
    first, second = people(2)
    survey = publish(survey, organizer)
    submit(survey, first, answers())
    client.force_login(organizer)
    same = client.get(url("results_count", survey), {"shown": "1", "seen": "1-0"})
    assert same.status_code == 204
    submit(survey, second, answers())
    news = client.get(url("results_count", survey), {"shown": "1", "seen": "1-0"})
    fragment = news.content.decode()
    assert news.status_code == 200 and "<strong>2</strong> responses" in fragment
    assert "Show the newest results" in fragment and "<html" not in fragment
    assert "seen=2-0" in fragment and 'hx-trigger="every 10s"' in fragment


# --- Written answers -------------------------------------------------------------------------

def test_organizers_search_the_written_answers_page_by_page(
        client, make_survey, organizer, people):
    survey = make_survey()
    group = people(23)
    survey = publish(survey, organizer)
    for index, person in enumerate(group):
        comment = "More <b>demos</b> please" if index < 21 else "Shorter talks"
        submit(survey, person, answers(comment=comment))
    first = text_answers(survey, code="comment", q="DEMOS")
    assert first.paginator.count == 21 and len(first.object_list) == 20
    assert len(text_answers(survey, code="comment", q="demos", page=2).object_list) == 1

    client.force_login(organizer)
    page = client.get(url("text_answers", survey, code="comment"), {"q": "shorter"})
    html = page.content.decode()
    assert html.count("Shorter talks") == 2 and "demos" not in html  # the status line too
    html = client.get(url("text_answers", survey, code="comment"),
                      {"q": "demos"}).content.decode()
    assert "More &lt;b&gt;demos&lt;/b&gt; please" in html and "page=2" in html
    assert client.get(url("text_answers", survey, code="satisfaction")).status_code == 404


def test_anonymous_written_answers_come_without_dates(make_survey, organizer, people):
    survey = make_survey(anonymous=True)
    group = people(5)
    survey = publish(survey, organizer)
    for person in group:
        submit(survey, person, answers(comment="ok"))
    services.ballots_count(survey=survey)
    page = text_answers(survey, code="comment")
    assert page.paginator.count == 5 and set(page.object_list[0]) == {"pk", "text"}


# --- The CSV export --------------------------------------------------------------------------

def test_the_csv_names_people_of_a_named_survey_and_defuses_formulas(
        client, make_survey, organizer, people):
    survey = make_survey()
    first, second = people(2)
    User.objects.filter(pk=first.pk).update(name="Ada Lovelace")
    survey = publish(survey, organizer)
    submit(survey, first, answers(comment='=HYPERLINK("http://evil.example","click")'))
    submit(survey, second, answers(satisfaction=3, recommend="no", comment="-1 for the room"))
    client.force_login(organizer)
    response = client.get(url("results_csv", survey))
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="survey-{survey.pk}-results.csv"')
    rows = csv_of(response)
    assert rows[0] == ["version", "date", "name", "e-mail", "satisfaction", "usefulness",
                       "would_recommend", "comment"]
    assert rows[1][2:4] == ["Ada Lovelace", first.email]
    assert rows[1][4:7] == ["5", "4", "yes"]
    assert rows[1][7] == '\'=HYPERLINK("http://evil.example","click")'
    assert rows[2][4:] == ["3", "4", "no", "'-1 for the room"]


def test_the_csv_of_an_anonymous_survey_has_no_names(client, make_survey, organizer, people):
    survey = make_survey(anonymous=True)
    group = people(5)
    User.objects.filter(pk=group[0].pk).update(name="Ada Lovelace")
    survey = publish(survey, organizer)
    for person in group:
        submit(survey, person, answers(comment="@SUM(A1:A9)"))
    services.ballots_count(survey=survey)
    client.force_login(organizer)
    content = b"".join(client.get(url("results_csv", survey)).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0] == ["version", "date", "satisfaction", "usefulness", "would_recommend",
                       "comment"]
    assert len(rows) == 6 and all(row[5] == "'@SUM(A1:A9)" for row in rows[1:])
    assert "Ada" not in content and "@agency.gov" not in content


def test_the_csv_gives_grid_rows_and_several_choices_their_own_shape(
        make_survey, organizer, people):
    [person] = people(1)
    survey = publish(make_survey("ai_practitioner"), organizer)
    submit(survey, person, {"role": "Data scientist", "agency_type": "Industry",
                            "barrier": "Funding",
                            "skills": ["Data engineering", "Machine learning"]})
    header, row = list(csv_rows(survey))
    assert row[header.index("skills")] == "Machine learning; Data engineering"
    grid = publish(make_survey("a11_cx"), organizer)
    submit(grid, person, {"trust": "Agree", "drivers": {"I was treated fairly.": "Agree"}})
    header, row = list(csv_rows(grid))
    assert "drivers: I was treated fairly." in header
    assert row[header.index("drivers: I was treated fairly.")] == "Agree"
    assert row[header.index("drivers: My need was addressed.")] == ""


# --- Who may read ------------------------------------------------------------------------------

def test_who_may_read_the_results(client, make_survey, organizer, people, make_user,
                                  public_user):
    survey = make_survey()
    respondent, silent = people(2)
    survey = publish(survey, organizer)
    submit(survey, respondent, answers(comment="secret words"))
    stranger = make_user("stranger@nasa.gov")
    pages = [url("results", survey), url("results_count", survey)]
    organizer_only = [url("results_csv", survey), url("text_answers", survey, code="comment")]

    for path in pages + organizer_only:  # visitors: as if there were no survey
        assert client.get(path).status_code == 404
    for person in (stranger, public_user, respondent, silent):
        client.force_login(person)
        assert [client.get(path).status_code for path in pages] == [404, 404]
    client.force_login(stranger)
    assert [client.get(path).status_code for path in organizer_only] == [404, 404]

    Survey.objects.filter(pk=survey.pk).update(results_published=True)
    client.force_login(respondent)
    page = client.get(pages[0])
    assert page.status_code == 200 and "secret words" not in page.content.decode()
    assert url("results_csv", survey) not in page.content.decode()
    assert url("text_answers", survey, code="comment") not in page.content.decode()
    assert client.get(pages[1]).status_code == 200
    assert [client.get(path).status_code for path in organizer_only] == [403, 403]
    client.force_login(silent)  # asked, but did not answer
    assert client.get(pages[0]).status_code == 404
    client.force_login(stranger)
    assert client.get(pages[0]).status_code == 404
    client.logout()
    assert client.get(pages[0]).status_code == 404


def test_organizers_read_results_with_two_factor_authentication(
        client, make_survey, make_user, community):
    survey = make_survey()
    without = make_user("second.organizer@gsa.gov")
    community_role_ensure(community=community, user=without, role=CommunityRole.Role.ORGANIZER)
    client.force_login(without)
    for path in (url("results", survey), url("results_csv", survey)):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_a_survey_of_another_community_is_not_found(client, make_survey, organizer):
    survey = make_survey()
    client.force_login(organizer)
    other = reverse("surveys:results", kwargs={"community": "other", "pk": survey.pk})
    assert client.get(other).status_code == 404
    assert client.get(url("results", survey)).status_code == 200  # a draft, no answers


# --- Charts -----------------------------------------------------------------------------

def test_a_bar_chart_is_an_accessible_image_with_escaped_text_and_no_styles():
    svg = bar_chart(["<b>Yes</b>", "No"], [3, 0], title='<script>alert("x")</script>',
                    key="q1")
    assert 'role="img"' in svg and 'aria-labelledby="chart-q1-title"' in svg
    assert '<title id="chart-q1-title">&lt;script&gt;' in svg
    assert "<script>" not in svg and "<b>" not in svg and "style=" not in svg
    assert '<desc id="chart-q1-desc">&lt;b&gt;Yes&lt;/b&gt;: 3; No: 0.</desc>' in svg
    widths = re.findall(r'<rect [^>]*width="(\d+)"', svg)
    assert widths == ["330", "0"]


def test_a_grid_chart_stacks_each_row_and_has_a_legend():
    svg = stacked_chart(["Fair", "Helpful"], ["Disagree", "Agree"], [[1, 3], [0, 0]],
                        title="Agreement", key="drivers")
    assert 'role="img"' in svg and "<title" in svg and "style=" not in svg
    assert "Fair: Disagree 1, Agree 3." in svg and "No answers" in svg
