"""The demo indexes what the other demos made; the real use case inventory searches well."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings

from cophub.core.access import ANONYMOUS
from cophub.search import demo
from cophub.search.models import SearchDocument
from cophub.search.selectors import search_run, search_similar

pytestmark = pytest.mark.django_db


def test_the_demo_indexes_everything(make_event, make_group_with):
    make_group_with("g", name="Demo group")
    make_event("Demo event")
    out = StringIO()
    demo.build(context={"out": out})
    assert "Search: 2 documents indexed" in out.getvalue()
    assert SearchDocument.objects.count() == 2


@pytest.mark.shared_data
def test_the_real_inventory(settings_inventory):
    # (Vectors here come from the hashing provider, not the model: lexical is what counts.)
    fraud = search_run(viewer=ANONYMOUS, query="fraud detection", types=["usecase"],
                       mode="lexical")
    assert fraud.total > 100
    assert sum("fraud" in (h.title + h.snippet_html).lower() for h in fraud.hits[:10]) >= 8
    assert search_run(viewer=ANONYMOUS, query="fraud detection").total >= fraud.total
    foia = search_run(viewer=ANONYMOUS, query="FOIA", types=["usecase"], mode="lexical")
    assert foia.hits and all("foia" in (h.title + h.snippet_html).lower() for h in foia.hits)
    typo = search_run(viewer=ANONYMOUS, query="fraud detecton", types=["usecase"])
    assert typo.corrected_query == "fraud detection"
    agencies = {v.value for g in fraud.facets if g.name == "agency" for v in g.values}
    assert "Department of Veterans Affairs" in agencies or len(agencies) >= 5
    first = fraud.hits[0]
    others = search_similar(type_name="usecase", object_id=first.object_id, viewer=ANONYMOUS,
                            limit=5, exclude_facets={"agency": first.facets[0][1]})
    assert len(others) == 5
    assert all(h.facets[0][1] != first.facets[0][1] for h in others)


@pytest.fixture
def settings_inventory():
    source = Path(settings.COPHUB_USECASES_CSV_REAL)
    if not source.exists():
        pytest.skip(f"{source} is not here")
    from cophub.usecases.importing import inventory_import

    report = inventory_import(source=str(source), year=2025, index=True)
    assert report.rows == 3611
    return report
