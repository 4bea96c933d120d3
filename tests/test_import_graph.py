"""The package's modules import each other without a cycle, so each can be read bottom up."""

from __future__ import annotations

import ast
from pathlib import Path

import kraken_energy

PACKAGE = "kraken_energy"
ROOT = Path(kraken_energy.__file__).parent


def module_name(path: Path) -> str:
    """Return the dotted name of a module file of the package."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def imported(module: str, tree: ast.Module, is_package: bool, modules: set[str]) -> set[str]:
    """Return the modules that `module` imports when it runs (of `modules` or not).

    Imports inside functions count (a deferred import is still a dependency, and one is how a
    cycle hides); imports under `if TYPE_CHECKING:` do not (they never run). `from p import m`
    depends on the module `p.m` when there is one, else on `p`.
    """
    found: set[str] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]
    nodes: list[ast.AST] = [tree]
    while nodes:
        node = nodes.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            nodes.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - node.level + 1]
                target = ".".join([*anchor, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
        nodes.extend(ast.iter_child_nodes(node))
    return found


def import_graph() -> dict[str, set[str]]:
    """Map each module of the package to the package's modules it imports."""
    paths = sorted(ROOT.rglob("*.py"))
    names = {module_name(path): path for path in paths}
    graph: dict[str, set[str]] = {}
    for name, path in names.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        targets = imported(name, tree, path.name == "__init__.py", set(names))
        graph[name] = {target for target in targets if target in names and target != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """Return one import cycle (its modules, the first repeated at the end), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph[node]):
            cycle = visit(target)
            if cycle is not None:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle is not None:
            return cycle
    return None


def test_find_cycle_reports_a_cycle() -> None:
    """The cycle finder names the modules of a cycle, so the test below can fail."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_imports_inside_functions_count_and_type_checking_ones_do_not() -> None:
    """A deferred import is an edge of the graph; an import for type checking alone is not."""
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ._client import KrakenClient\n"
        "def f():\n    from ._measurements import plan\n"
    )
    modules = {"kraken_energy._client", "kraken_energy._measurements"}
    found = imported("kraken_energy._x", tree, is_package=False, modules=modules)
    assert "kraken_energy._measurements" in found
    assert "kraken_energy._client" not in found


def test_the_package_has_no_import_cycle() -> None:
    """No module of kraken_energy imports, directly or not, a module that imports it back."""
    graph = import_graph()
    assert "kraken_energy._client" in graph  # the walk found the package's modules
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph) or [])


def _type_checking_imports(tree: ast.Module) -> dict[str, str]:
    """Map each name imported under `if TYPE_CHECKING:` to the absolute module it comes from."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for stmt in node.body:
                if isinstance(stmt, ast.ImportFrom):
                    source = f"{PACKAGE}.{stmt.module}" if stmt.level else stmt.module or ""
                    found.update({alias.asname or alias.name: source for alias in stmt.names})
    return found


def test_each_lazy_name_loads_from_where_type_checkers_are_told() -> None:
    """`kraken_energy`'s lazy table and its TYPE_CHECKING imports name the same module per name,
    and every name of `__all__` resolves."""
    tree = ast.parse((ROOT / "__init__.py").read_text(encoding="utf-8"))

    told = _type_checking_imports(tree)

    assert told == kraken_energy._LAZY
    assert all(getattr(kraken_energy, name) is not None for name in kraken_energy.__all__)
