"""`cophub search --queries FILE`: many queries in one process, results in the file's order."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cophub.search import embeddings
from cophub.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def indexed(make_event, make_group_with):
    make_event("Fraud detection webinar", description="Finding fraud in claims")
    make_event("Chatbots for benefits questions", description="Answering claimants")
    make_group_with("fraud", name="Fraud analytics", summary="Claims analytics")
    search_index_rebuild()


@pytest.fixture
def queries_file(tmp_path):
    def write(text: str):
        path = tmp_path / "queries.txt"
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def test_one_json_line_per_query_in_the_files_order(indexed, queries_file):
    path = queries_file("chatbots\nfraud analytics\n  claims  \n")
    out, _ = run("search", "--queries", path, "--json")
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["query"] for line in lines] == ["chatbots", "fraud analytics", "claims"]
    assert [r["title"] for r in lines[0]["results"]] == ["Chatbots for benefits questions"]
    # The same objects as a single `cophub search --json` prints, query by query.
    for line in lines:
        single, _ = run("search", line["query"], "--json")
        assert line["results"] == json.loads(single)
        assert set(line) == {"query", "results"}


def test_blank_lines_are_skipped(indexed, queries_file):
    out, _ = run("search", "--queries", queries_file("\nfraud\n\n   \nchatbots"), "--json")
    assert [json.loads(line)["query"] for line in out.splitlines()] == ["fraud", "chatbots"]


def test_a_file_of_blank_lines_prints_nothing_and_says_so(indexed, queries_file):
    out, err = run("search", "--queries", queries_file("\n\n"), "--json")
    assert out == "" and "has no queries" in err


def test_without_json_each_query_heads_its_table(indexed, queries_file):
    out, _ = run("search", "--queries", queries_file("chatbots\nzzqx\n"), "--type", "event")
    assert out.splitlines() == [
        "# chatbots", "1 result(s); the first 1:",
        next(line for line in out.splitlines() if "Chatbots for benefits" in line),
        "# zzqx", "No results.",
    ]


def test_the_provider_is_made_once_for_every_query(indexed, queries_file, monkeypatch):
    made, embedded = [], []

    class Counting(embeddings.Hashing):
        def __init__(self):
            super().__init__()
            made.append(self)

        def embed(self, texts):
            embedded.append(list(texts))
            return super().embed(texts)

    monkeypatch.setattr(embeddings, "_make_provider", Counting)
    monkeypatch.setattr(embeddings, "_provider", None)
    path = queries_file("fraud detection\nchatbots for benefits\nclaims analytics\n")
    out, _ = run("search", "--queries", path, "--json")
    assert len(out.splitlines()) == 3
    assert len(made) == 1  # one model for the whole file
    assert len(embedded) == 3  # and one query vector for each line


@pytest.mark.parametrize("make_path, message", [
    (lambda tmp: str(tmp / "missing.txt"), "No such queries file"),
    (lambda tmp: str(tmp), "is a folder"),
    (lambda tmp: (tmp / "latin1.txt").write_bytes(b"caf\xe9\n") and str(tmp / "latin1.txt"),
     "is not UTF-8 text"),
])
def test_an_unreadable_file_exits_2_with_a_clear_message(indexed, tmp_path, make_path,
                                                         message):
    with pytest.raises(CommandError, match=message) as error:
        run("search", "--queries", make_path(tmp_path), "--json")
    assert error.value.returncode == 2


@pytest.mark.parametrize("args", [
    ["fraud", "--queries", "q.txt"],
    ["--stdin", "--queries", "q.txt"],
    ["fraud", "--stdin"],
])
def test_queries_come_one_way_only(indexed, args):
    with pytest.raises(CommandError, match="Give the queries one way") as error:
        run("search", *args)
    assert error.value.returncode == 2


def test_stdin_still_prints_one_json_list_per_input_line(indexed, monkeypatch):
    monkeypatch.setattr("sys.stdin", StringIO("fraud\n\nchatbots\n"))
    out, _ = run("search", "--stdin", "--json", "--type", "event")
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 3 and lines[1] == []  # blank lines answered, so lines pair up
    assert [r["title"] for r in lines[2]] == ["Chatbots for benefits questions"]
