"""The shape of the code (STYLE.md): one package per feature, dependencies pointing inward, no cycles.

- feature packages never import an entry point (bot, API, web pages, sandbox, CLI, scheduler) or Flask;
- `rules.py` and the other pure modules import neither Flask nor SQLAlchemy nor any feature's tables;
- no module imports another package's private (`_name`) names;
- entry points never import tables: they call the features' services and queries;
- no import cycle among server, bot and miniapp_api modules, and none between feature packages;
- no folder under server/ holds more than 15 modules directly.
"""
from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOP_PACKAGES = ("server", "bot", "miniapp_api")
FEATURES = ("audit", "cases", "chat", "deputies", "files", "halls", "linkage", "operations", "people", "places",
            "privacy", "pushes", "replies", "statistics")
INNER = ("core", "wechat", *FEATURES)  # what entry points build on
ENTRY_POINTS = ("bot", "miniapp_api", "server.web", "server.sandbox", "server.cli", "server.jobs", "server.console")
PURE_MODULES = ("server/cases/rules.py", "server/cases/states.py", "server/cases/deadlines.py",
                "server/cases/tracking.py", "server/halls/rules.py", "server/people/rules.py",
                "server/places/rules.py", "server/cases/duplicates.py", "server/statistics/rules.py",
                "server/audit/rules.py", "server/linkage/rules.py", "server/deputies/rules.py")
MAX_MODULES_PER_FOLDER = 15


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> Iterator[Path]:
    for top in TOP_PACKAGES:
        yield from sorted((ROOT / top).rglob("*.py"))


MODULES = {module_name(path): path for path in source_files()}


def imports_of(path: Path) -> Iterator[tuple[str, str | None]]:
    """(module, imported name or None) for every import in the file, at any depth, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                yield base, alias.name


def project_targets(path: Path) -> Iterator[str]:
    """The project modules a file imports (`from pkg import module` counts as importing the module)."""
    for module, name in imports_of(path):
        if name and f"{module}.{name}" in MODULES:
            yield f"{module}.{name}"
        elif module in MODULES:
            yield module


def under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def test_feature_packages_never_import_entry_points_or_flask():
    offences = []
    for name, path in MODULES.items():
        if not under(name, tuple(f"server.{package}" for package in INNER)):
            continue
        for module, _ in imports_of(path):
            if module == "werkzeug.security":  # password hashing only, no web
                continue
            if under(module, ENTRY_POINTS + ("flask", "werkzeug", "flask_openapi3")):
                offences.append(f"{name} imports {module}")
    assert offences == []


def test_rules_are_pure_python():
    offences = []
    for relative in PURE_MODULES:
        for module, _ in imports_of(ROOT / relative):
            if (under(module, ("flask", "sqlalchemy", "werkzeug", "server.tables"))
                    or module.endswith((".models", ".service", ".queries", ".jobs"))):
                offences.append(f"{relative} imports {module}")
    assert offences == []


def test_no_module_imports_private_names_of_another_package():
    offences = []
    for name, path in MODULES.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for module, imported in imports_of(path):
            if (imported and imported.startswith("_") and not imported.startswith("__")
                    and under(module, TOP_PACKAGES) and not under(module, (package,))):
                offences.append(f"{name} imports {module}.{imported}")
    assert offences == []


def test_entry_points_never_import_tables():
    offences = []
    for name, path in MODULES.items():
        if not under(name, ENTRY_POINTS):
            continue
        for target in project_targets(path):
            if target == "server.tables" or target.endswith(".models"):
                offences.append(f"{name} imports {target}")
    assert offences == []


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm; the components with more than one member are the cycles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def module_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in MODULES.items():
        for target in project_targets(path):
            # a package's __init__ is imported with any of its modules: that is not a dependency of the package
            if target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def test_no_import_cycles_among_modules():
    assert strongly_connected(module_graph()) == []


def test_no_import_cycles_between_feature_packages():
    def feature(module: str) -> str | None:
        parts = module.split(".")
        return parts[1] if parts[0] == "server" and len(parts) > 1 and parts[1] in FEATURES else None

    graph: dict[str, set[str]] = defaultdict(set)
    for name, targets in module_graph().items():
        for target in targets:
            if feature(name) and feature(target) and feature(name) != feature(target):
                graph[feature(name)].add(feature(target))
    assert strongly_connected(graph) == []


def test_no_folder_under_server_holds_more_than_fifteen_modules():
    crowded = {}
    for folder in [ROOT / "server", *sorted(p for p in (ROOT / "server").rglob("*") if p.is_dir())]:
        count = len([p for p in folder.glob("*.py") if p.name != "__init__.py"])
        if count > MAX_MODULES_PER_FOLDER:
            crowded[str(folder.relative_to(ROOT))] = count
    assert crowded == {}


def test_the_checks_see_the_code():
    """Guards the guards: the walk finds the packages and a known import edge."""
    assert {"server.cases.service", "server.chat.inbound", "bot.webhook", "miniapp_api.routes.cases"} <= set(MODULES)
    assert "server.chat" in module_graph()["bot.journal"]
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
