"""Pages of the AI use case inventory: the list with facets and its CSV export, a use case,
the agency contact opt-in, and the statistics. All public; contacts are shown to
government members only (`selectors.agency_contacts`)."""

import csv
import hashlib
import re

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from cophub.core.csv_export import Echo, csv_safe

from . import selectors, services
from .charts import bar_chart
from .columns import COLUMNS, LINK_COLUMNS, LIST_COLUMNS, PROSE_COLUMNS, list_values
from .forms import ContactForm, StatisticsForm, UseCaseFilterForm
from .models import UseCase

PAGE_SIZE = 25
FACET_SHOWN = 10  # values per facet before "Show all"
EXCERPT_CHARS = 280


# --- The list ---------------------------------------------------------------------------------

def _option_id(facet: str, value: str) -> str:
    """A checkbox's id, the same on every page whatever the counts do to the order: htmx
    puts the focus back on the box a person just ticked by its id after redrawing the
    values."""
    return f"facet-{facet}-{hashlib.blake2s(value.encode(), digest_size=5).hexdigest()}"


def _facet_panels(*, counts, filters, names: dict[str, str], expanded: set[str], query):
    """What the page draws for each facet: its values with counts (chosen ones always
    shown, with 0 if nothing matches), the first FACET_SHOWN unless expanded; the panel is
    open when it has a chosen value or was expanded."""
    panels = []
    for facet in selectors.FACETS:
        chosen = filters.facets.get(facet.name, ())
        values = list(counts.get(facet.name, []))
        present = {value for value, _ in values}
        values += [(value, 0) for value in chosen if value not in present]
        shown = values if facet.name in expanded else (
            values[:FACET_SHOWN] + [(v, n) for v, n in values[FACET_SHOWN:] if v in chosen])
        more = query.copy()
        more.appendlist("more", facet.name)
        panels.append({
            "facet": facet,
            "options": [{
                "value": value,
                "label": (f"{names[value]} ({value})" if facet.name == "agency"
                          and value in names else value),
                "count": count, "checked": value in chosen,
                "id": _option_id(facet.name, value),
            } for value, count in shown],
            "hidden": len(values) - len(shown),
            "total": len(values),
            "chosen": len(chosen),
            "open": bool(chosen) or facet.name in expanded,
            "more_query": more.urlencode(),
        })
    return panels


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rsplit(" ", 1)[0] + "…"


def usecase_list_view(request):
    form = UseCaseFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(selectors.usecase_list(filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page"))
    page.object_list = list(page.object_list)
    for use_case in page.object_list:
        use_case.excerpt = _excerpt(use_case.fields.get("problem_solved", ""))
    names = selectors.agency_names()
    query = request.GET.copy()
    query.pop("page", None)
    filter_query = query.copy()
    filter_query.pop("more", None)
    panels = _facet_panels(counts=selectors.facet_counts(filters=filters), filters=filters,
                           names=names, expanded=set(request.GET.getlist("more")),
                           query=query)
    export_query = filter_query.copy()
    export_query.pop("sort", None)
    context = {
        "form": form, "page": page, "query": query.urlencode(), "panels": panels,
        "filtered": filters.active, "export_query": export_query.urlencode(),
        "sort_choices": [(k, label) for k, (label, _) in selectors.SORTS.items()],
        "sort": filters.sort, "more": request.GET.getlist("more"),
    }
    # htmx, as the person changes a filter: the results, and out of band the count, the
    # download link and each facet's values and counts. Not when htmx restores a page from
    # history: that takes the whole page.
    if request.headers.get("HX-Request") and not request.headers.get(
            "HX-History-Restore-Request"):
        response = render(request, "usecases/partials/_update.html", context)
    else:
        response = render(request, "usecases/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- CSV export -------------------------------------------------------------------------------

EXPORT_COLUMNS = ["inventory_year", "source_row", *COLUMNS]


def usecase_export_view(request):
    """Every use case matching the list's filters, every column, streamed (one query)."""
    form = UseCaseFilterForm(request.GET or None)
    filters = form.filters()
    rows = selectors.usecase_list(filters=filters).values_list(
        "inventory_year", "source_row", "fields")

    def lines():
        writer = csv.writer(Echo())
        yield writer.writerow(EXPORT_COLUMNS)
        for year, source_row, fields in rows.iterator(chunk_size=500):
            yield writer.writerow([year, source_row,
                                   *[csv_safe(fields.get(c, "")) for c in COLUMNS]])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = "ai-use-cases-filtered" if filters.active else "ai-use-cases"
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


# --- A use case -------------------------------------------------------------------------------

HEADER_COLUMNS = {"agency", "agency_name", "use_case_name"}  # shown in the page's heading
_EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
_URL_RE = re.compile(r"^https?://[^\s<>\"']+$", re.IGNORECASE)


def _field_rows(fields: dict[str, str]) -> list[dict]:
    """Every non-empty column, labelled, in the file's order, with how to show it."""
    rows = []
    for column, label in COLUMNS.items():
        raw = (fields.get(column) or "").strip()
        if column in HEADER_COLUMNS or not raw:
            continue
        row = {"column": column, "label": label, "value": raw, "kind": "text"}
        if column in LIST_COLUMNS:
            values = list_values(raw)
            if not values:
                continue
            row.update(kind="list", values=values)
        elif column == "contact_email" and _EMAIL_RE.match(raw):
            row["kind"] = "email"
        elif (column in LINK_COLUMNS or column == "contact_email") and _URL_RE.match(raw):
            row["kind"] = "link"
        elif column in PROSE_COLUMNS:
            row["kind"] = "prose"
        rows.append(row)
    return rows


def _render_detail(request, use_case: UseCase, *, form: ContactForm | None = None):
    viewer = request.viewer
    agency = use_case.agency
    may_list = viewer.is_government and agency in selectors.member_agencies(user=request.user)
    if may_list and form is None:
        form = ContactForm(initial={
            "listed": selectors.contact_exists(user=request.user, agency=agency)})
    return render(request, "usecases/detail.html", {
        "use_case": use_case, "agency": agency, "rows": _field_rows(use_case.fields),
        "similar": selectors.usecase_similar(use_case=use_case, viewer=viewer),
        "contacts": selectors.agency_contacts(agency=agency, viewer=viewer),
        "sees_contacts": viewer.is_government,
        "form": form if may_list else None,
    })


def usecase_detail_view(request, pk):
    use_case = get_object_or_404(UseCase.objects.select_related("agency"), pk=pk)
    return _render_detail(request, use_case)


@require_POST
def usecase_contact_view(request, pk):
    """Tick or untick "List me as a contact for my agency's AI use cases"."""
    use_case = get_object_or_404(UseCase.objects.select_related("agency"), pk=pk)
    if not request.user.is_authenticated:
        return redirect_to_login(use_case.get_absolute_url())
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, use_case, form=form)
    agency = use_case.agency
    if form.cleaned_data["listed"]:
        try:
            services.usecase_contact_add(user=request.user, agency=agency, request=request)
        except services.ContactNotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc
        messages.success(request, f"You are listed as a contact for {agency.name}'s AI use "
                                  f"cases. Government members see your name, job role and "
                                  f"e-mail address.")
    elif services.usecase_contact_remove(user=request.user, agency=agency, request=request):
        messages.success(request, f"You are no longer listed as a contact for {agency.name}.")
    else:
        messages.info(request, f"You were not listed as a contact for {agency.name}.")
    return redirect(use_case)


# --- Statistics -------------------------------------------------------------------------------

def usecase_statistics_view(request):
    years = selectors.inventory_years()
    form = StatisticsForm(request.GET or None, years=years)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or (
        years[0] if years else None)
    stats = selectors.usecase_statistics(year=year)
    charts = []
    if stats.total:
        charts = [
            {"id": "agency", "heading": "By agency",
             "caption": f"AI use cases of the {len(stats.by_agency)} agencies reporting the "
                        f"most, {year} inventory",
             "chart": bar_chart(title=f"AI use cases by agency, {year}",
                                rows=[(abbr, n) for abbr, _, n in stats.by_agency]),
             "label": "Agency",
             "rows": [(f"{name} ({abbr})", n) for abbr, name, n in stats.by_agency]},
            {"id": "stage", "heading": "By stage of development",
             "caption": f"AI use cases by stage of development, {year} inventory",
             "chart": bar_chart(title=f"AI use cases by stage of development, {year}",
                                rows=stats.by_stage),
             "label": "Stage", "rows": stats.by_stage},
            {"id": "topic", "heading": "By topic area",
             "caption": f"AI use cases by topic area, {year} inventory",
             "chart": bar_chart(title=f"AI use cases by topic area, {year}",
                                rows=stats.by_topic),
             "label": "Topic area", "rows": stats.by_topic},
        ]
    return render(request, "usecases/statistics.html", {
        "form": form, "year": year, "stats": stats, "charts": charts,
    })
