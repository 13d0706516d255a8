"""Dependencies point inward: the import rules of docs/DEVELOPERS.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fidus_desktop"
QT = ("PySide6", "pyqtgraph", "shiboken6")
DRIVERS = ("pymongo", "bson", "sqlite3")
RULES: dict[str, tuple[str, ...]] = {
    "domain": (*QT, *DRIVERS, "fidus_desktop.store", "fidus_desktop.services", "fidus_desktop.ui"),
    "security": (*QT, *DRIVERS, "fidus_desktop.store", "fidus_desktop.services", "fidus_desktop.ui"),
    "ui": (*DRIVERS, "fidus_desktop.store.sqlite", "fidus_desktop.store.mongo"),
    "services": (*QT, "fidus_desktop.ui"),
    "store": (*QT, "fidus_desktop.services", "fidus_desktop.ui"),
    "reports": (*QT, "fidus_desktop.ui"),
    "cli": QT,
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def violations(layer: str) -> list[str]:
    forbidden = RULES[layer]
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for name in imported_modules(path):
            if any(name == bad or name.startswith(bad + ".") for bad in forbidden):
                found.append(f"{path.relative_to(PACKAGE.parent)} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_inward(layer: str) -> None:
    assert violations(layer) == []


def test_the_checker_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "fidus_desktop" / "domain"
    bad.mkdir(parents=True)
    (bad / "leak.py").write_text("from PySide6.QtCore import QObject\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "fidus_desktop")
    assert violations("domain") == ["fidus_desktop/domain/leak.py imports PySide6.QtCore"]
