"""`cophub serve`: everything one machine needs, as child processes of one command.

- web: gunicorn with threaded workers, serving `cophub.config.wsgi:application`
- worker: `cophub worker` (background tasks and periodic jobs)
- every process an app registers in its `processes.py` (core/processes.py), each a cophub
  command run as `python -m cophub <command>`

The first SIGINT or SIGTERM asks every child to stop gracefully (SIGTERM: gunicorn finishes
its requests, the worker its current task); a second one kills them. If any child exits on
its own, the others are stopped too and `serve` exits with that child's code, so a process
supervisor (systemd, a container runtime) sees the failure and restarts the whole set.
Children run in their own process groups so a terminal's Ctrl-C reaches them once, through
`serve`; a supervisor that must kill hard should kill the whole cgroup (systemd's default),
since a SIGKILLed `serve` cannot stop its children.

Without `COPHUB_SITE_URL`, every child is given `http://<host>:<port>` (core.links
`served_site_url`), so links in the mail the worker sends lead to the server started here.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from cophub.core.links import served_site_url
from cophub.core.processes import load_processes

GRACE_SECONDS = 35  # longer than gunicorn's graceful timeout (30 s) and one SMTP send


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def serve_children(*, bind: str, workers: int, threads: int, access_log: bool) -> list[Child]:
    """The web server, the worker, and every registered process that is wanted now."""
    gunicorn = [
        sys.executable, "-m", "gunicorn", "cophub.config.wsgi:application",
        "--config", "python:cophub.config.gunicorn",  # no `Server: gunicorn` header
        "--bind", bind,
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--error-logfile", "-",
        # The control socket defaults to one path per user, which two cophub instances
        # on one host would fight over; serve is the controller here.
        "--no-control-socket",
        # Search pages carry the query in the URL; the largest request line gunicorn
        # allows (8190 bytes, default 4094) lets long pasted queries reach the page,
        # which says how much of them it used.
        "--limit-request-line", "8190",
    ]
    if access_log:
        gunicorn += ["--access-logfile", "-"]
    children = [
        Child("web", gunicorn),
        Child("worker", [sys.executable, "-m", "cophub", "worker"]),
    ]
    for registered in load_processes().values():
        if registered.wanted:
            children.append(Child(registered.name,
                                  [sys.executable, "-m", "cophub", *registered.argv]))
    return children


class Command(BaseCommand):
    help = ("Run the web server, the task worker and the processes apps register, for one "
            "machine.")

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--workers", type=int, default=2, help="Web worker processes.")
        parser.add_argument("--threads", type=int, default=4, help="Threads per web worker.")
        parser.add_argument(
            "--access-log", action="store_true", help="Log every request to standard output."
        )

    def handle(self, *, host, port, workers, threads, access_log, **options):
        call_command("collectstatic", interactive=False, verbosity=0)

        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        children = serve_children(bind=bind, workers=workers, threads=threads,
                                  access_log=access_log)
        env = os.environ.copy()
        if not env.get("COPHUB_SITE_URL", "").strip():
            # Links in e-mail, invitations and feeds are built from the site URL; with none
            # configured it is the address served here, for every child (the worker sends
            # the mail), so `--port 8001` links to port 8001.
            env["COPHUB_SITE_URL"] = served_site_url(host=host, port=port)
        self.stdout.write(f"Links in e-mail and invitations start with "
                          f"{env['COPHUB_SITE_URL']} (COPHUB_SITE_URL)")

        exit_code = self._supervise(children, url=f"http://{bind}/", env=env)
        if exit_code:
            raise CommandError(f"cophub serve stopped (exit code {exit_code})",
                               returncode=exit_code)

    def _supervise(self, children: list[Child], *, url: str, env: dict | None = None) -> int:
        signals_received = []

        def on_signal(signum, frame):
            signals_received.append(signum)
            # First signal: graceful stop. Second: the person means it.
            forward = signal.SIGTERM if len(signals_received) == 1 else signal.SIGKILL
            for child in children:
                if child.running:
                    child.process.send_signal(forward)

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in children:
                # Own process group: a Ctrl-C in the terminal reaches serve only, and serve
                # decides what each child gets, instead of every process seeing it twice.
                child.process = subprocess.Popen(child.argv, env=env or os.environ.copy(),
                                                 process_group=0)
            self.stdout.write(f"cophub is serving {url} (Ctrl-C to stop)")
            self.stdout.flush()

            exited = None
            while exited is None and not signals_received:
                exited = next((c for c in children if not c.running), None)
                time.sleep(0.2)
            return self._stop(children, exited=exited, signals_received=signals_received)
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
            for child in children:  # whatever happened above, leave no orphans
                if child.running:
                    child.process.kill()

    def _stop(self, children: list[Child], *, exited: Child | None, signals_received) -> int:
        if exited is not None:
            code = exited.process.returncode
            self.stderr.write(f"cophub serve: {exited.name} exited with code {code}; "
                              "stopping the others")
            for child in children:
                if child.running:
                    child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for child in children:
            try:
                child.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"cophub serve: {child.name} did not stop; killing it")
                child.process.kill()
                child.process.wait()
        if exited is not None:
            code = exited.process.returncode
            return code if code > 0 else 1  # any exit of its own accord is a failure
        return 0
