"""`cophub serve` starts the web server, the worker and whatever apps register, and `core`
itself names no process, command or module of any other app."""

import ast
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.core.management import call_command

from cophub.core import processes
from cophub.core.management.commands import serve
from cophub.core.processes import load_processes, process

CORE = Path(processes.__file__).parent
PYTHON_COPHUB = [sys.executable, "-m", "cophub"]


@pytest.fixture
def registry():
    """An empty registry that autodiscovery does not refill, restored afterwards."""
    with mock.patch.dict(processes.registry, clear=True), \
            mock.patch.object(processes, "autodiscover_modules"):
        yield processes.registry


def started(**options) -> dict[str, list[str]]:
    """Run `cophub serve` up to the point where it starts its children; return them."""
    with mock.patch.object(serve, "call_command"), \
            mock.patch.object(serve.Command, "_supervise", return_value=0) as supervise:
        call_command("serve", **options)
    children = supervise.call_args.args[0]
    return {child.name: child.argv for child in children}


def test_serve_starts_only_the_web_server_and_the_worker_when_nothing_is_registered(registry):
    children = started()

    assert list(children) == ["web", "worker"]
    assert children["worker"] == [*PYTHON_COPHUB, "worker"]
    assert children["web"][1:4] == ["-m", "gunicorn", "cophub.config.wsgi:application"]


def test_serve_starts_each_registered_process_as_a_cophub_command(registry):
    process("listener", ["listen", "--port", "2526"])
    process("janitor", ["tidy"])

    children = started()

    assert list(children) == ["web", "worker", "listener", "janitor"]
    assert children["listener"] == [*PYTHON_COPHUB, "listen", "--port", "2526"]
    assert children["janitor"] == [*PYTHON_COPHUB, "tidy"]


def test_a_process_is_started_only_while_its_condition_holds(registry):
    wanted = []
    process("listener", ["listen"], when=lambda: bool(wanted))

    assert "listener" not in started()
    wanted.append(True)
    assert "listener" in started()


def test_registering_a_name_again_replaces_it(registry):
    process("listener", ["listen"])
    process("listener", ["listen", "--lmtp"])

    assert started()["listener"] == [*PYTHON_COPHUB, "listen", "--lmtp"]


@pytest.mark.parametrize("name, argv", [("web", ["runserver"]), ("worker", ["worker"]),
                                        ("listener", [])])
def test_built_in_names_and_empty_commands_are_refused(registry, name, argv):
    with pytest.raises(ValueError):
        process(name, argv)
    assert registry == {}


def test_processes_are_found_in_each_apps_processes_module(registry):
    load_processes()
    processes.autodiscover_modules.assert_called_once_with("processes")


def test_core_code_imports_no_other_cophub_app():
    """`core` is the bottom layer: apps plug in through registries (processes, periodic jobs,
    demo builders, signals), never by being named here. Imports inside functions count."""
    others = {config.name for config in apps.get_app_configs()
              if config.name.startswith("cophub.") and config.name != "cophub.core"}
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.relative_to(CORE).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            found += [f"{path.relative_to(CORE)}: {name}" for name in names
                      if any(name == app or name.startswith(app + ".") for app in others)]
    assert others  # the check has something to look for
    assert found == []
