"""The package's structure, read from its source (issue 23): layers that never look up.

- No module of the model (``bitslab.model``) imports delivery, the log or a view, not even
  under ``TYPE_CHECKING``; and the package has no import cycle at run time.
- Parts talk through their front doors: reads or writes of another object's private
  attribute (``other._name``) are at most :data:`PRIVATE_BUDGET` in the whole package, and
  each says why in a comment on its line.
- SimPy's private attributes are read in one module only, the agenda.
- Every D1 outcome is produced in the decision module alone.
- Modules stay under :data:`MAX_LINES` lines (one concept each).

``python tests/test_architecture.py`` prints the private reads and the import graph's layers.
"""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bitslab"
PRIVATE_BUDGET = 15
MAX_LINES = 400
#: Named-tuple methods start with an underscore so as not to clash with fields: public API.
NAMEDTUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make"})
#: SimPy 4's private attributes the agenda alone may read.
SIMPY_PRIVATE = frozenset({"_now", "_queue", "_eid", "_ok", "_value", "_processing_event"})
MODEL_MUST_NOT_IMPORT = ("bitslab.delivery", "bitslab.log", "bitslab.views", "bitslab.plots",
                         "bitslab.widgets", "bitslab.timeline", "bitslab.compare")  # fmt: skip
OUTCOMES = ("coalesced", "stale", "disabled", "not_on_demand", "filtered", "no_interface",
            "not_implemented", "app_down", "failed", "cmdline", "delivered")  # fmt: skip


@functools.cache
def modules() -> tuple[tuple[str, Path, ast.Module], ...]:
    """Every module of the package: its dotted name, path and syntax tree."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found.append((".".join(parts), path, ast.parse(path.read_text(encoding="utf-8"))))
    return tuple(found)


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


KNOWN = frozenset(name for name, _, _ in modules())


def imports(name: str, path: Path, tree: ast.Module, *, runtime: bool) -> set[str]:
    """The bitslab modules ``tree`` imports. ``runtime``: only those imported when the module
    is (module level, outside ``if TYPE_CHECKING``); otherwise every import anywhere."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and runtime and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = _package_of(name, path).split(".")
                    package = package[: len(package) - node.level + 1]
                    base = ".".join(package + ([node.module] if node.module else []))
                for alias in node.names:
                    target = f"{base}.{alias.name}"
                    found.add(target if target in KNOWN else base)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            if not runtime or isinstance(node, ast.If | ast.Try | ast.With):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit([n for n in inner if isinstance(n, ast.stmt)] + [
                            s for h in inner if isinstance(h, ast.ExceptHandler) for s in h.body
                        ])  # fmt: skip

    visit(tree.body)
    return {module for module in found if module in KNOWN and module != name}


def private_accesses() -> list[tuple[str, int, str, str]]:
    """``(path, line, expression, the line's text)`` for each ``other._name`` in the package."""
    found = []
    for _, path, tree in modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            attr = node.attr
            if not attr.startswith("_") or attr.startswith("__") or attr in NAMEDTUPLE_API:
                continue
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            rel = str(path.relative_to(PACKAGE.parent))
            found.append((rel, node.lineno, ast.unparse(node), lines[node.lineno - 1]))
    return found


def test_model_imports_no_delivery_log_or_view() -> None:
    """Layers never look up: the model knows nothing of who listens to its events."""
    bad = [
        f"{name} imports {target}"
        for name, path, tree in modules()
        if name.startswith("bitslab.model")
        for target in imports(name, path, tree, runtime=False)
        if target.startswith(MODEL_MUST_NOT_IMPORT)
    ]
    assert bad == []


def test_no_import_cycle_at_run_time() -> None:
    graph = {name: imports(name, path, tree, runtime=True) for name, path, tree in modules()}
    # A package's __init__ that re-exports its children is not a cycle with them: Python
    # imports the child while the package is half made, which is how re-exports work.
    for name in graph:
        graph[name] = {t for t in graph[name] if not name.startswith(t + ".")}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            assert visit(node) is None, " -> ".join(path)


def test_private_attributes_of_other_objects_are_few_and_explained() -> None:
    found = private_accesses()
    unexplained = [f"{p}:{n}: {expr}" for p, n, expr, text in found if "#" not in text]
    assert unexplained == [], "each read of another object's private attribute says why"
    assert len(found) <= PRIVATE_BUDGET, "\n".join(f"{p}:{n}: {e}" for p, n, e, _ in found)


def test_simpys_private_attributes_are_read_by_the_agenda_alone() -> None:
    bad = [
        f"{p}:{n}: {expr}"
        for p, n, expr, _ in private_accesses()
        if expr.rpartition(".")[2] in SIMPY_PRIVATE and not p.endswith("model/agenda.py")
    ]
    assert bad == []


def test_every_d1_outcome_is_produced_in_the_decision_module_alone() -> None:
    """D1: the delivery layer's other modules carry decisions out; they name no outcome."""
    bad = []
    for name, path, tree in modules():
        if not name.startswith("bitslab.delivery") or name == "bitslab.delivery.decision":
            continue
        for node in ast.walk(tree):
            named = (isinstance(node, ast.Constant) and node.value in OUTCOMES) or (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Outcome"
            )
            if named:
                where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', 0)}"
                bad.append(f"{where}: {ast.unparse(node)}")
    assert bad == []


@pytest.mark.parametrize("name", [name for name, _, _ in modules()])
def test_every_module_is_under_400_lines(name: str) -> None:
    path = next(path for module, path, _ in modules() if module == name)
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < MAX_LINES, f"{name} has {lines} lines: split it by concept"


if __name__ == "__main__":
    for p, n, expr, text in private_accesses():
        print(f"{p}:{n}: {expr}    {text.strip()}")
    print(len(private_accesses()), "reads or writes of another object's private attribute")
    sys.exit(0)
