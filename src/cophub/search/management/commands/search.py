"""`cophub search QUERY …`: the ranked results exactly as one person would see them on
/search/ (anonymous by default), for scripts and evaluation.

Many queries in one process (the model loads once, the index is read once):
`--queries FILE` reads one query per line of a UTF-8 text file, skipping blank lines, and
prints each query's results in the file's order (with `--json`, one line per query:
`{"query": …, "results": [...]}`); `--stdin` reads standard input and prints one JSON list
per input line, blank lines included, so its output pairs with its input line by line."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cophub.accounts.models import User
from cophub.core.access import ANONYMOUS, viewer_for_user
from cophub.search import embeddings
from cophub.search.registry import search_types
from cophub.search.selectors import (
    MAX_PER_PAGE,
    MODES,
    SearchResults,
    search_run,
    search_semantic_status,
)


class Command(BaseCommand):
    help = ("Search as a person would (anonymous unless --as) and print the ranked results; "
            "--json prints a JSON list of {type, id, title, score, url, …}.")

    def add_arguments(self, parser):
        parser.add_argument("query", nargs="*", help="the words to search for")
        parser.add_argument("--type", action="append", dest="types", default=[],
                            metavar="TYPE",
                            help="only this type of result (repeatable): "
                                 + ", ".join(search_types()))
        parser.add_argument("--limit", type=int, default=10,
                            help=f"how many results (1–{MAX_PER_PAGE}, default 10)")
        parser.add_argument("--as", dest="as_email", metavar="EMAIL",
                            help="search as the person with this e-mail address")
        parser.add_argument("--mode", choices=MODES, default="hybrid",
                            help="hybrid (default), lexical (keywords) or semantic")
        parser.add_argument("--exact", action="store_true",
                            help="do not correct the spelling of short queries")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument("--queries", metavar="FILE",
                            help="search for each line of FILE (UTF-8 text, one query per "
                                 "line; blank lines are skipped), in order, in one process; "
                                 "with --json print one line per query: "
                                 '{"query": …, "results": [...]}')
        parser.add_argument("--stdin", action="store_true",
                            help="read one query per line from standard input and print one "
                                 "JSON list per line (JSON Lines): many queries, one process")

    def handle(self, *args, query, types, limit, as_email, mode, exact, json: bool,
               queries: str | None, stdin: bool, **options):
        registered = search_types()
        unknown = [t for t in types if t not in registered]
        if unknown:
            raise CommandError(f"Unknown type {unknown[0]!r}; the types are "
                               f"{', '.join(registered)}.", returncode=2)
        if not 1 <= limit <= MAX_PER_PAGE:
            raise CommandError(f"--limit must be between 1 and {MAX_PER_PAGE}.",
                               returncode=2)
        if sum((bool(query), bool(queries), stdin)) > 1:
            raise CommandError("Give the queries one way: as arguments, with --queries FILE "
                               "or on standard input (--stdin).", returncode=2)
        lines = _read_queries(queries) if queries else None
        viewer = ANONYMOUS
        if as_email:
            user = User.objects.filter(email__iexact=as_email.strip()).first()
            if user is None:
                raise CommandError(f"No account has the e-mail address {as_email!r}.",
                                   returncode=2)
            viewer = viewer_for_user(user)
        provider = embeddings.provider()
        if mode == "semantic" and not provider.on:
            raise CommandError(provider.status().text, returncode=2)
        if mode == "hybrid" and not provider.on:
            self.stderr.write(provider.status().text)
        elif mode == "hybrid" and not (status := search_semantic_status()).ready:
            self.stderr.write(status.text)

        def search(text: str) -> SearchResults:
            return search_run(viewer=viewer, query=text, types=types, mode=mode,
                              per_page=limit, exact=exact)

        if stdin:
            for line in self.stdin:
                results = search(line.strip())
                self.stdout.write(_dumps([hit.as_json() for hit in results.hits]))
                self.stdout.flush()
            return
        if lines is not None:
            if not lines:
                self.stderr.write(f"{queries} has no queries (every line is blank).")
            for text in lines:
                results = search(text)
                if json:
                    self.stdout.write(_dumps({"query": text, "results": [
                        hit.as_json() for hit in results.hits]}))
                else:
                    self.stdout.write(f"# {text}")
                    self._report(results, prefix=f"{text}: ")
                    self._print_table(results)
                self.stdout.flush()
            return
        results = search(" ".join(query))
        self._report(results)
        if json:
            self._print_json([hit.as_json() for hit in results.hits])
            return
        self._print_table(results)

    def _report(self, results: SearchResults, *, prefix: str = "") -> None:
        """What the search page would say above the results, on standard error."""
        for notice in results.notices:
            self.stderr.write(prefix + notice)
        if results.empty and not results.notices:
            self.stderr.write(prefix + "The query is empty: nothing to search for.")
        if results.corrected_query:
            self.stderr.write(f"{prefix}Showing results for: {results.corrected_query} "
                              "(--exact to search for what was typed)")

    def _print_table(self, results: SearchResults) -> None:
        if not results.hits:
            self.stdout.write("No results." if not results.empty else "")
            return
        self.stdout.write(f"{results.total} result(s); the first {len(results.hits)}:")
        for rank, hit in enumerate(results.hits, 1):
            title = hit.title if len(hit.title) <= 70 else hit.title[:69] + "…"
            self.stdout.write(f"{rank:>4}  {hit.score:7.4f}  {hit.type_name:<9} "
                              f"{hit.object_id:>7}  {title}")

    def _print_json(self, data) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))

    @property
    def stdin(self):
        return sys.stdin  # read when asked, so tests can replace sys.stdin


def _read_queries(path: str) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped, in order; exit 2 if unreadable."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"No such queries file: {path}", returncode=2) from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a folder, not a queries file.", returncode=2) from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text (byte {exc.start}): give one query per "
                           "line of plain text.", returncode=2) from None
    except OSError as exc:
        raise CommandError(f"Cannot read the queries file {path}: {exc.strerror}.",
                           returncode=2) from None
    return [line.strip() for line in text.splitlines() if line.strip()]


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
