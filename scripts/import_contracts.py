"""An import-linter contract that forbids import cycles between modules, and a command that
prints them. Imports placed inside functions count (grimp reads every import statement).

import-linter's own `acyclic_siblings` contract only compares siblings (it finds a cycle
between two apps, or two modules of one package, but not one between a package's `__init__`
and its own submodules), so this contract is written here: Tarjan's algorithm over the graph
import-linter already built.

Usage: `python scripts/import_contracts.py [PACKAGE]` prints every cycle in PACKAGE (default
cophub); `make lint` runs the contract through `lint-imports` (pyproject.toml).
"""

import sys

from importlinter import Contract, ContractCheck, fields, output

EXCLUDED = (".tests", ".migrations", ".conftest")


def find_cycles(graph, package: str, excluded=EXCLUDED) -> list[list[str]]:
    """The strongly connected components of more than one module under `package`."""
    modules = {m for m in graph.modules
               if (m == package or m.startswith(package + "."))
               and not any(part in m for part in excluded)}
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & modules) for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for module in sorted(modules):
        if module not in index:
            visit(module)
    return sorted(found)


class NoCyclesContract(Contract):
    """No module under `packages` is in an import cycle (modules whose dotted name contains
    one of `exclude`, e.g. `.tests`, are left out)."""

    type_name = "no_cycles"

    packages = fields.ListField(subfield=fields.StringField())
    exclude = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:
        excluded = tuple(self.exclude or EXCLUDED)
        cycles = [c for p in self.packages for c in find_cycles(graph, p, excluded)]
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles, "graph": graph})

    def render_broken_contract(self, check: ContractCheck) -> None:
        graph = check.metadata["graph"]
        for cycle in check.metadata["cycles"]:
            output.print_error(f"Cycle of {len(cycle)} modules:", bold=True)
            members = set(cycle)
            for importer in cycle:
                for imported in sorted(graph.find_modules_directly_imported_by(importer)
                                       & members):
                    lines = sorted({d["line_number"] for d in graph.get_import_details(
                        importer=importer, imported=imported)})
                    output.print(f"  {importer} -> {imported} (l. {', '.join(map(str, lines))})")
            output.new_line()


if __name__ == "__main__":
    from grimp import build_graph

    target = sys.argv[1] if len(sys.argv) > 1 else "cophub"
    for cycle in find_cycles(build_graph(target.split(".")[0], cache_dir=None), target):
        print(" <-> ".join(cycle))
