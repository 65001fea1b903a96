"""`cophub search QUERY …`: the ranked results exactly as one person would see them on
/search/ (anonymous by default), for scripts and evaluation."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from cophub.accounts.models import User
from cophub.core.access import ANONYMOUS, viewer_for_user
from cophub.search import embeddings
from cophub.search.registry import search_types
from cophub.search.selectors import MAX_PER_PAGE, MODES, search_run


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
        parser.add_argument("--stdin", action="store_true",
                            help="read one query per line from standard input and print one "
                                 "JSON list per line (JSON Lines): many queries, one process")

    def handle(self, *args, query, types, limit, as_email, mode, exact, json: bool,
               stdin: bool, **options):
        registered = search_types()
        unknown = [t for t in types if t not in registered]
        if unknown:
            raise CommandError(f"Unknown type {unknown[0]!r}; the types are "
                               f"{', '.join(registered)}.", returncode=2)
        if not 1 <= limit <= MAX_PER_PAGE:
            raise CommandError(f"--limit must be between 1 and {MAX_PER_PAGE}.",
                               returncode=2)
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

        if stdin:
            if query:
                raise CommandError("Give the queries either as arguments or on standard "
                                   "input (--stdin), not both.", returncode=2)
            for line in self.stdin:
                results = search_run(viewer=viewer, query=line.strip(), types=types,
                                     mode=mode, per_page=limit, exact=exact)
                self.stdout.write(_dumps([hit.as_json() for hit in results.hits]))
                self.stdout.flush()
            return
        results = search_run(viewer=viewer, query=" ".join(query), types=types, mode=mode,
                             per_page=limit, exact=exact)
        for notice in results.notices:
            self.stderr.write(notice)
        if results.empty and not results.notices:
            self.stderr.write("The query is empty: nothing to search for.")
        if results.corrected_query:
            self.stderr.write(f"Showing results for: {results.corrected_query} "
                              "(--exact to search for what was typed)")
        if json:
            self._print_json([hit.as_json() for hit in results.hits])
            return
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


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
