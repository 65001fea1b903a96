"""`cophub search-rebuild [--type T]`: index every searchable object again."""

from django.core.management.base import BaseCommand, CommandError

from cophub.search import embeddings
from cophub.search.registry import search_types
from cophub.search.services import IndexReport, search_index_rebuild


class Command(BaseCommand):
    help = ("Rebuild the search index (all types, or --type T): stored vectors are reused "
            "where the text did not change; prints counts and time.")

    def add_arguments(self, parser):
        parser.add_argument("--type", action="append", dest="types", default=[],
                            metavar="TYPE", help="only this type (repeatable)")

    def handle(self, *args, types, **options):
        registered = search_types()
        unknown = [t for t in types if t not in registered]
        if unknown:
            raise CommandError(f"Unknown type {unknown[0]!r}; the types are "
                               f"{', '.join(registered)}.", returncode=2)
        self.stdout.write(embeddings.status().text)

        def progress(name: str, report: IndexReport) -> None:
            self.stdout.write(self._line(name, report))
            self.stdout.flush()

        total = search_index_rebuild(type_names=types or None, progress=progress)
        self.stdout.write(self.style.SUCCESS(self._line("total", total)))

    @staticmethod
    def _line(name: str, report: IndexReport) -> str:
        return (f"{name}: {report.written} written, {report.unchanged} unchanged, "
                f"{report.removed} removed; {report.embedded} embedded, {report.reused} "
                f"vectors reused ({report.seconds:.1f} s)")
