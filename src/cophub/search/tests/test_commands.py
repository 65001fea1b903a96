"""`cophub search`, `cophub search-rebuild`, `cophub search-status`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cophub.search.models import SearchDocument
from cophub.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def indexed(make_event, make_group_with):
    make_event("Fraud detection webinar", description="Finding fraud in claims")
    make_event("Government fraud briefing", access_level="government")
    make_group_with("fraud", name="Fraud analytics", summary="Claims analytics")
    search_index_rebuild()


def test_json_lists_type_id_title_score_and_url(indexed):
    out, _ = run("search", "fraud", "claims", "--json")
    results = json.loads(out)
    assert [r["title"] for r in results][:1] == ["Fraud detection webinar"]
    assert {r["title"] for r in results} == {"Fraud detection webinar", "Fraud analytics"}
    for result in results:
        assert set(result) >= {"type", "id", "title", "score", "url"}
        assert isinstance(result["id"], int) and isinstance(result["score"], float)
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_extra_fields_of_a_document_are_printed(indexed):
    # (Use cases carry these; a group never does, so the row is edited by hand here.)
    SearchDocument.objects.filter(title="Fraud analytics").update(
        extra={"inventory_id": "X-1", "inventory_year": 2025, "agency": "GSA",
               "source_row": 7})
    out, _ = run("search", "analytics", "--json", "--type", "group")
    (result,) = json.loads(out)
    assert result["inventory_id"] == "X-1" and result["source_row"] == 7
    assert result["type"] == "group"


def test_limit_type_and_mode(indexed):
    out, _ = run("search", "fraud", "--json", "--limit", "1")
    assert len(json.loads(out)) == 1
    out, _ = run("search", "fraud", "--json", "--type", "group")
    assert [r["type"] for r in json.loads(out)] == ["group"]
    out, _ = run("search", "fraud", "--json", "--mode", "lexical")
    assert len(json.loads(out)) == 2


def test_a_readable_table_without_json(indexed):
    out, _ = run("search", "fraud")
    assert "2 result(s)" in out and "Fraud detection webinar" in out


def test_as_a_person(indexed, gov_member):
    out, _ = run("search", "fraud", "--json", "--as", "MEMBER@va.gov")
    assert "Government fraud briefing" in {r["title"] for r in json.loads(out)}


@pytest.mark.parametrize("args, message", [
    (["--as", "nobody@example.com"], "No account has the e-mail address"),
    (["--type", "nonsense"], "Unknown type 'nonsense'"),
    (["--limit", "0"], "--limit must be between 1 and"),
])
def test_bad_arguments_exit_2_with_a_clear_message(indexed, args, message):
    with pytest.raises(CommandError, match=message) as error:
        run("search", "fraud", *args)
    assert error.value.returncode == 2


def test_semantic_mode_without_embeddings_exits_2(indexed, settings):
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    with pytest.raises(CommandError, match="Semantic search is off") as error:
        run("search", "fraud", "--mode", "semantic")
    assert error.value.returncode == 2
    out, err = run("search", "fraud", "--json")  # hybrid falls back to lexical, and says so
    assert len(json.loads(out)) == 2 and "Semantic search is off" in err


def test_empty_and_odd_queries(indexed):
    out, err = run("search", "--json")
    assert json.loads(out) == [] and "empty" in err
    out, err = run("search", '"*:^()', "--json")
    assert json.loads(out) == [] and "no letters or digits" in err
    out, err = run("search", "fraud " * 2_000, "--json")
    assert json.loads(out) and "very long" in err
    out, err = run("search", "frud", "--json")
    assert json.loads(out) and "Showing results for: fraud" in err


def test_many_queries_on_standard_input(indexed, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("fraud\n\nanalytics\n"))
    out, _ = run("search", "--stdin", "--json", "--type", "group")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [[r["title"] for r in line] for line in lines] == [
        ["Fraud analytics"], [], ["Fraud analytics"]]


def test_rebuild_prints_counts_and_time(indexed):
    out, _ = run("search_rebuild")
    assert "Semantic search is on (hashing" in out
    assert "event: 0 written, 2 unchanged, 0 removed; 0 embedded" in out
    assert "total: 0 written, 3 unchanged" in out
    out, _ = run("search_rebuild", "--type", "group")
    assert "group: 0 written, 1 unchanged" in out and "event:" not in out
    with pytest.raises(CommandError, match="Unknown type") as error:
        run("search_rebuild", "--type", "nonsense")
    assert error.value.returncode == 2


def test_status(indexed, settings):
    out, _ = run("search_status")
    assert "Semantic search is on" in out
    assert "event: 2 documents, 2 with vectors" in out
    out, _ = run("search_status", "--json")
    data = json.loads(out)
    assert data["semantic"] is True and data["types"]["group"] == {"documents": 1,
                                                                  "with_vectors": 1}
    settings.COPHUB_SEARCH_EMBEDDINGS = "local-ish"
    out, _ = run("search_status")
    assert "unknown value 'local-ish'" in out
