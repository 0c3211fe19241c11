"""Dependencies point inward: the domain and the services never import Flask or the entry points."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "server/domain": ("flask", "sqlalchemy", "server.tables", "server.services", "bot", "miniapp_api"),
    "server/services": ("flask", "bot", "miniapp_api", "server.web", "werkzeug"),
}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def test_inner_layers_do_not_import_outer_ones():
    offences = []
    for folder, forbidden in FORBIDDEN.items():
        for path in (ROOT / folder).rglob("*.py"):
            for module in imported_modules(path):
                if module.split(".")[0] in forbidden or module.startswith(forbidden):
                    offences.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offences == []
