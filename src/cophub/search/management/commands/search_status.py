"""`cophub search-status [--json]`: whether semantic search is on, how far embedding is,
and what is indexed."""

import json

from django.core.management.base import BaseCommand

from cophub.search.registry import search_types
from cophub.search.selectors import semantic_status
from cophub.search.services import search_index_counts, search_vectors_fill_running


class Command(BaseCommand):
    help = ("Show the search index: semantic search on or off (and why), how many documents "
            "have their vector, documents per type.")

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, json: bool, **options):
        counts = search_index_counts()
        types = {name: counts.get(name, {"documents": 0, "with_vectors": 0})
                 for name in search_types()}
        status = semantic_status(documents=sum(t["documents"] for t in types.values()),
                                 embedded=sum(t["with_vectors"] for t in types.values()))
        filling = status.on and status.embedded < status.documents
        running = filling and search_vectors_fill_running()
        if json:
            self.stdout.write(_dumps({
                "semantic": status.on, "status": status.text,
                "documents": status.documents, "embedded": status.embedded,
                "semantic_ready": status.ready, "embedding_now": running, "types": types}))
            return
        self.stdout.write(status.text)
        if filling:
            self.stdout.write("The worker is embedding the others now." if running else
                              "No worker is embedding the others now; `cophub worker` (or "
                              "`cophub serve`) embeds them while it runs.")
        for name, entry in types.items():
            self.stdout.write(f"{name}: {entry['documents']} documents, "
                              f"{entry['with_vectors']} with vectors")


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
