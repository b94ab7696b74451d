"""The shape of the code, held as tests: the rooms a newcomer is told about in the README stay true.

- `advisor/` reaches the engine only through its three front doors (`engine`, `engine.documents`,
  `engine.templating`), so the engine's modules can move and change inside without breaking the advisor.
- The engine's two lower rooms (documents, templating) import nothing of the rule engine above them.
- No module imports, directly or through others, a module that imports it (function-local imports count: a
  circle hidden inside a function is still a circle).
- No module of engine/ or advisor/ is over 400 lines, and only the command line (advisor/cli/) imports click.

Read from the source with `ast`, so nothing is imported or run.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "advisor")
DOORS = frozenset({"engine", "engine.documents", "engine.templating"})
LOWER_ROOMS = ("engine.documents", "engine.templating")
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> list[tuple[str, int]]:
    """Every module of the project that `name` imports (anywhere in the file), with the line of the import."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from package import module` imports the module; `from module import name` the module itself.
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                       for alias in node.names]
        else:
            continue
        found.extend((target, node.lineno) for target in targets if target.split(".")[0] in PACKAGES)
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def test_the_model_of_the_house_sees_every_room():
    # A guard for the tests below: they would pass vacuously if the walk found nothing.
    assert {"engine", "engine.documents", "engine.templating", "advisor.cli.main", "advisor.plan.assembly",
            "advisor.reports.render", "advisor.profile.reading", "advisor.batch.run"} <= set(MODULES)
    assert any(target == "engine" for target, _ in IMPORTS["advisor.api"])


def test_advisor_reaches_the_engine_only_through_its_front_doors():
    side_doors = [f"{MODULES[name].relative_to(ROOT)}:{line}: imports {target}"
                  for name, found in IMPORTS.items() if name.startswith("advisor")
                  for target, line in found if target.startswith("engine") and target not in DOORS]
    assert side_doors == []


def test_documents_and_templating_import_nothing_of_the_rule_engine():
    upward = [f"{MODULES[name].relative_to(ROOT)}:{line}: imports {target}"
              for name, found in IMPORTS.items() for room in LOWER_ROOMS if name.startswith(room)
              for target, line in found if not target.startswith(room)]
    assert upward == []


def _circles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    graph = {name: sorted({target for target, _ in found if target in MODULES and target != name})
             for name, found in IMPORTS.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in graph[node]:
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return circles


def test_no_module_imports_one_that_imports_it():
    assert _circles() == []


def test_no_module_is_over_400_lines():
    long = {str(path.relative_to(ROOT)): count for path in MODULES.values()
            if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_only_the_command_line_imports_click():
    users = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(n.split(".")[0] == "click" for n in names) and not name.startswith("advisor.cli"):
                users.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert users == []
