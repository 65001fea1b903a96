"""`cophub demo`: load the demo data. Each app that has a `demo.py` with a
`build(*, context)` function adds its part, in INSTALLED_APPS order, so later apps extend
the demo without this command knowing them.

The data loads in seconds; embeddings for semantic search take minutes of CPU and are left
to the worker, which `cophub serve` runs, unless `--embed` asks for them now (the context's
`embed`, false by default, which an app's part reads), so a first start serves at once."""

import importlib
import resource
import time

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection, transaction


class Command(BaseCommand):
    help = "Load the demo data: every app's demo.py, in INSTALLED_APPS order."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=300,
                            help="How many members to create (default 300).")
        parser.add_argument("--seed", type=int, default=2020, help="Random seed.")
        parser.add_argument("--registry", default=None,
                            help="Path or URL of the .gov registry CSV, if it is not loaded yet.")
        parser.add_argument("--measure", action="store_true",
                            help="Print wall time and peak memory (max RSS) at the end.")
        parser.add_argument("--embed", action="store_true",
                            help="Compute the search vectors now (minutes for the AI use "
                                 "case inventory) instead of leaving them to the worker.")

    def handle(self, *args, members, seed, registry, measure, embed, **options):
        if members < 10:
            self.stderr.write("--members must be at least 10.")
            raise SystemExit(2)
        started = time.perf_counter()
        builders = []
        for config in apps.get_app_configs():
            if not config.name.startswith("cophub."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            builders.append(module)
        context = {"members": members, "seed": seed, "registry": registry,
                   "out": self.stdout, "style": self.style, "logins": [], "embed": embed}
        for module in builders:
            if getattr(module, "already_loaded", lambda: False)():
                self.stdout.write("The demo is already loaded.")
                module.print_logins(context)
                return
            with transaction.atomic():
                module.build(context=context)
        # Fresh tables have no planner statistics until autovacuum runs, and without them
        # PostgreSQL sorts whole tables on disk for the first pages people open.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
            elif connection.vendor == "sqlite":
                cursor.execute("PRAGMA optimize")
        for module in builders:
            if hasattr(module, "print_logins"):
                module.print_logins(context)
        if measure:
            peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
            self.stdout.write(f"demo: {members} members in {time.perf_counter() - started:.1f} s, "
                              f"peak memory {peak_kib / 1024:.0f} MiB")
