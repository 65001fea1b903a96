"""`cophub import-usecases PATH_OR_URL`: load OMB's AI use case inventory (the individually
reported use cases CSV) and index it for search."""

import resource

from django.core.management.base import BaseCommand, CommandError

from cophub.usecases.importing import InventoryImportError, inventory_import, year_from_name

SHOWN = 50  # lines listed per kind of result; --verbosity 2 lists them all


class Command(BaseCommand):
    help = ("Import OMB's consolidated AI use case inventory (the individually reported use "
            "cases CSV) from a file path or an http(s) URL.")

    def add_arguments(self, parser):
        parser.add_argument("source", help="path to the CSV file, or an http(s) URL")
        parser.add_argument("--year", type=int, default=None,
                            help="inventory year (default: the four-digit year in the file "
                                 "name)")
        parser.add_argument("--no-index", action="store_true",
                            help="do not update the search index (for tests)")
        parser.add_argument("--measure", action="store_true",
                            help="print wall time and peak memory (max RSS) at the end")

    def handle(self, *args, source: str, year: int | None, no_index: bool, measure: bool,
               verbosity: int = 1, **options):
        year = year or year_from_name(source)
        if year is None:
            raise CommandError("The file name has no four-digit year: give the inventory "
                               "year with --year (for example --year 2025).")
        try:
            report = inventory_import(source=source, year=year, index=not no_index)
        except InventoryImportError as exc:
            # CommandError makes the console script exit non-zero with the message on stderr.
            raise CommandError(str(exc)) from exc
        limit = None if verbosity >= 2 else SHOWN
        out = self.stdout.write
        out(f"{report.year} inventory: {report.rows} rows read; created "
            f"{len(report.created)}, updated {len(report.updated)}, moved "
            f"{len(report.moved)}, unchanged {report.unchanged}, removed "
            f"{len(report.removed)}, rejected {len(report.rejected)}")
        self._list("Updated (changed columns):",
                   [f"{key}: {', '.join(cols)}" for key, cols in report.updated], limit)
        self._list("Moved to another row:",
                   [f"{old} (row {old_row}) → {new} (row {new_row})"
                    for old, new, old_row, new_row in report.moved], limit)
        self._list("Removed (not in this file):", report.removed, limit)
        self._list("Kept although not in this file (some rows could not be read):",
                   report.kept, limit)
        self._list("Rejected rows:", [f"line {line}: {reason}"
                                      for line, reason in report.rejected], limit)
        if report.empty_rows:
            out(f"Skipped {len(report.empty_rows)} empty row(s) (lines "
                f"{', '.join(map(str, report.empty_rows[:20]))}"
                f"{', …' if len(report.empty_rows) > 20 else ''}).")
        self._list("Notes:", report.notes, limit)
        if report.agencies_created:
            out(f"New agencies: {report.agencies_created}")
        self._list("Agencies not mapped to a .gov registry organization:",
                   report.unmapped_agencies, limit)
        if report.index is None:
            out("Search index not updated (--no-index).")
        else:
            i = report.index
            out(f"Indexed {i['written']} use case(s) for search in {i['seconds']:.1f} s: "
                f"removed {i['removed']}, {i['unchanged']} already up to date, "
                f"{i['embedded']} embedded, {i['reused']} vectors reused.")
        if measure:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            out(f"import-usecases: {report.rows} rows in {report.seconds:.1f} s, peak memory "
                f"{peak_kib / 1024:.0f} MiB")

    def _list(self, title: str, lines: list[str], limit: int | None) -> None:
        if not lines:
            return
        self.stdout.write(title)
        for line in lines[:limit]:
            self.stdout.write(f"  {line}")
        if limit is not None and len(lines) > limit:
            self.stdout.write(f"  … and {len(lines) - limit} more (--verbosity 2 lists all)")
