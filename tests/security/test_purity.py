"""The security package stays pure like the domain: services call it, it calls no database or GUI."""

from __future__ import annotations

import ast
from pathlib import Path

import fidus_desktop.security

FORBIDDEN = (
    "PySide6",
    "pymongo",
    "bson",
    "sqlite3",
    "fidus_desktop.store",
    "fidus_desktop.services",
    "fidus_desktop.ui",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_security_imports_no_qt_database_or_outer_layers() -> None:
    package = Path(fidus_desktop.security.__file__).parent
    offenders = {
        f"{path.name}: {name}"
        for path in package.glob("*.py")
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not offenders
