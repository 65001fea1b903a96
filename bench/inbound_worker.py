"""`cophub worker` with DKIM keys looked up here instead of in DNS, for bench/inbound.py.

    BENCH_DKIM_RECORD=record.txt BENCH_WORKER_STATS=stats.json \\
        .venv/bin/python bench/inbound_worker.py worker --no-scheduler

The file named by BENCH_DKIM_RECORD holds one DKIM key record (`v=DKIM1; k=rsa; p=…`). Every
`<SELECTOR>._domainkey.<domain>` gets that record, whatever the domain; any other name gets
nothing (as `lists/tests/auth_helpers.py: dns_with_test_key` serves the tests' key). The lookup
is installed as `cophub.lists.inbound.authentication.DNS_LOOKUP`, the hook that module offers
for hosts without DNS, after Django is set up and before the command runs, so the worker's
DKIM checks are the real ones (dkimpy verifies every signature) with no network.

It also counts, through django-tasks' `task_started`/`task_finished` signals, the CPU time
(`time.process_time`, all threads) spent inside `inbound_message_process_task`s, so the bench
can tell that cost from the worker's start-up and from the other tasks it runs afterwards.
When the process exits (on SIGTERM the worker finishes its task and leaves), the lookups and
that CPU time are written to BENCH_WORKER_STATS as JSON.

The arguments are `cophub`'s. Kept under bench/ so that nothing in src/ knows about it.
"""

import atexit
import json
import os
import sys
import time
from pathlib import Path

SELECTOR = "bench"  # bench/inbound.py signs with this selector
PROCESS_TASK = "cophub.lists.inbound.router.inbound_message_process_task"


def main() -> None:
    record = Path(os.environ["BENCH_DKIM_RECORD"]).read_bytes().strip()
    stats_path = Path(os.environ["BENCH_WORKER_STATS"])
    prefix = f"{SELECTOR}._domainkey."
    stats = {"dkim_key_lookups": 0, "process_tasks": 0, "process_tasks_cpu_s": 0.0}
    running: dict[str, float] = {}

    def lookup(name, timeout=5):
        stats["dkim_key_lookups"] += 1
        name = name.decode() if isinstance(name, bytes) else name
        return record if name.lower().startswith(prefix) else None

    def on_started(sender, task_result, **kwargs):
        if task_result.task.module_path == PROCESS_TASK:
            running[task_result.id] = time.process_time()

    def on_finished(sender, task_result, **kwargs):
        started = running.pop(task_result.id, None)
        if started is not None:
            stats["process_tasks"] += 1
            stats["process_tasks_cpu_s"] += time.process_time() - started

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cophub.config.settings")
    import django

    django.setup()
    # Only importable once the app registry is ready (the packages import their models).
    from django_tasks.signals import task_finished, task_started

    from cophub.lists.inbound import authentication

    authentication.DNS_LOOKUP = lookup
    task_started.connect(on_started, weak=False)
    task_finished.connect(on_finished, weak=False)
    atexit.register(lambda: stats_path.write_text(json.dumps(stats) + "\n"))

    from cophub.__main__ import main as cophub_main

    sys.argv = ["cophub", *sys.argv[1:]]
    cophub_main()


if __name__ == "__main__":
    main()
