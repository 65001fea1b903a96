"""`cophub search-status [--json]`: whether semantic search is on, and what is indexed."""

import json

from django.core.management.base import BaseCommand

from cophub.search import embeddings
from cophub.search.registry import search_types
from cophub.search.services import search_index_counts


class Command(BaseCommand):
    help = "Show the search index: semantic search on or off (and why), documents per type."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, json: bool, **options):
        status = embeddings.status()
        counts = search_index_counts()
        types = {name: counts.get(name, {"documents": 0, "with_vectors": 0})
                 for name in search_types()}
        if json:
            self.stdout.write(_dumps({"semantic": status.on, "status": status.text,
                                      "types": types}))
            return
        self.stdout.write(status.text)
        for name, entry in types.items():
            self.stdout.write(f"{name}: {entry['documents']} documents, "
                              f"{entry['with_vectors']} with vectors")


def _dumps(data) -> str:
    return json.dumps(data, indent=2)
