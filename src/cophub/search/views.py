"""The search page: one box across every searchable type, with type and facet filters,
pages, spelling suggestions and help when nothing matches. Everything shown comes from
`search_run`, which only ever sees what the person may see."""

from urllib.parse import urlencode

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse

from .forms import SearchForm
from .registry import search_types
from .selectors import search_run, search_semantic_status

FACET_PREFIX = "f."


def search_view(request):
    form = SearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        types = form.cleaned_data["type"]
        facets = {}
        if len(types) == 1:
            facets = {name: request.GET.getlist(f"{FACET_PREFIX}{name}")
                      for name in search_types()[types[0]].facets}
        results = search_run(viewer=request.viewer, query=form.cleaned_data["q"],
                             types=types, facets=facets, page=request.GET.get("page", 1),
                             exact=form.cleaned_data["exact"])
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    params = [(k, v) for k in request.GET if k != "page" for v in request.GET.getlist(k)]
    return render(request, "search/search.html", {
        "form": form,
        "results": results,
        "query": query,
        "query_string": urlencode(params),
        "exact_url": "?" + urlencode([(k, v) for k, v in params if k != "exact"]
                                     + [("exact", "on")]),
        "all_types_url": "?" + urlencode({"q": query}),
        "browse_links": _browse_links(),
        "facet_prefix": FACET_PREFIX,
        # For operators only: whether semantic search is on, and how far embedding is.
        "operator_status": search_semantic_status() if request.user.is_staff else None,
    })


def _browse_links() -> list[tuple[str, str]]:
    links = [("Communities and their groups", reverse("home"))]
    for search_type in search_types().values():
        if search_type.browse_url and search_type.browse_url != "home":
            try:
                links.append((search_type.label, reverse(search_type.browse_url)))
            except NoReverseMatch:
                continue
    return links
