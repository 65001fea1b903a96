"""Long-running processes that `cophub serve` starts beside the web server and the worker.

An app that needs a process of its own (a mail server, a listener) registers the cophub
command that runs it in its `processes.py`, which `load_processes()` finds in every installed
app, the way periodic jobs are found in `tasks.py` (scheduler.py)::

    process("mailserver", ["mailserver"])

`serve` then runs `python -m cophub mailserver` as one more child: started with the others,
stopped with them, and if it exits on its own the whole set stops, so a supervisor restarts
it. `core` names no process of any app.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules

# Started by `serve` itself, always.
BUILT_IN = frozenset({"web", "worker"})


@dataclass(frozen=True)
class Process:
    name: str
    argv: tuple[str, ...]  # a cophub management command and its arguments
    when: Callable[[], bool] | None = None  # asked at start-up; None: always

    @property
    def wanted(self) -> bool:
        return self.when is None or bool(self.when())


registry: dict[str, Process] = {}


def process(name: str, argv: Sequence[str], *,
            when: Callable[[], bool] | None = None) -> Process:
    """Have `cophub serve` run the cophub command `argv` (e.g. `["mailserver"]`) as a child
    process called `name`, if `when()` (asked each time serve starts) is true or not given.
    Registering a name again replaces the earlier registration. Raises `ValueError` for an
    empty `argv` or one of the built-in names."""
    if name in BUILT_IN:
        raise ValueError(f"{name!r} is started by serve itself.")
    if not argv:
        raise ValueError("A process needs a command to run.")
    registry[name] = Process(name=name, argv=tuple(argv), when=when)
    return registry[name]


def load_processes() -> dict[str, Process]:
    """Import every installed app's `processes` module, where processes register
    themselves, and return the registry (in INSTALLED_APPS order)."""
    autodiscover_modules("processes")
    return registry
