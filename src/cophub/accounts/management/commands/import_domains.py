"""`cophub import-domains PATH_OR_URL`: load CISA's .gov registry (current-full.csv)."""

from django.core.management.base import BaseCommand, CommandError

from cophub.accounts.registry import RegistryImportError, registry_import

REJECTED_SHOWN = 50


class Command(BaseCommand):
    help = "Import CISA's .gov registry (current-full.csv) from a file path or an http(s) URL."

    def add_arguments(self, parser):
        parser.add_argument("source", help="path to current-full.csv, or an http(s) URL")

    def handle(self, *args, source: str, **options):
        try:
            report = registry_import(source=source)
        except RegistryImportError as exc:
            # CommandError makes the console script exit non-zero with the message on stderr.
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}, rejected {len(report.rejected)}"
        )
        for line, reason in report.rejected[:REJECTED_SHOWN]:
            self.stdout.write(f"  line {line}: {reason}")
        if len(report.rejected) > REJECTED_SHOWN:
            self.stdout.write(f"  … and {len(report.rejected) - REJECTED_SHOWN} more")
