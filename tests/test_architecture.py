"""Dependencies point inward: the import rules of docs/DEVELOPERS.md, checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "fidus_desktop"
QT = ("PySide6", "pyqtgraph", "shiboken6")
DRIVERS = ("pymongo", "bson", "sqlite3")
OUTER = ("fidus_desktop.ui", "fidus_desktop.cli", "fidus_desktop.bootstrap", "fidus_desktop.features")
RULES: dict[str, tuple[str, ...]] = {
    "domain": (*QT, *DRIVERS, "fidus_desktop.store", "fidus_desktop.services", "fidus_desktop.integrations", *OUTER),
    "security": (*QT, *DRIVERS, "fidus_desktop.store", "fidus_desktop.services", *OUTER),
    # Views reach data through services only: no storage (its error types aside), no MT5/Google adapter.
    "ui": (*DRIVERS, "fidus_desktop.store", "fidus_desktop.integrations"),
    "services": (*QT, *OUTER),
    "store": (*QT, "fidus_desktop.services", "fidus_desktop.integrations", *OUTER),
    "integrations": (*QT, "fidus_desktop.store", "fidus_desktop.services", "fidus_desktop.reports", *OUTER),
    "reports": (*QT, *OUTER),
    "cli": (*QT, "fidus_desktop.integrations"),
    # A feature's declaration names its tab and commands by dotted path: declaring never imports Qt or the CLI.
    "features": (*QT, *DRIVERS, "fidus_desktop.ui", "fidus_desktop.cli"),
}
ALLOWED: dict[str, tuple[str, ...]] = {"ui": ("fidus_desktop.store.errors",)}
# One deliberate exception: the role matrix is gathered from the features' declarations on first use.
EXCEPTIONS = {("fidus_desktop/services/permissions.py", "fidus_desktop.features")}


def runtime_imports(path: Path) -> set[str]:
    """Imports outside ``if TYPE_CHECKING:`` blocks (type-only imports create no import-time dependency)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = [n for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)]
    skipped = {id(n) for node in type_only for n in ast.walk(node)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(package + ".") for package in packages)


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        where = path.relative_to(PACKAGE.parent).as_posix()
        for name in sorted(runtime_imports(path)):
            allowed = within(name, ALLOWED.get(layer, ())) or (where, name) in EXCEPTIONS
            if within(name, RULES[layer]) and not allowed:
                found.append(f"{where} imports {name}")
    return found


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_inward(layer: str) -> None:
    assert violations(layer) == []


def test_every_package_has_rules() -> None:
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert packages - set(RULES) == {"config"}  # settings, paths, logging, secrets: used by every layer


def test_the_checker_sees_a_forbidden_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "fidus_desktop" / "domain"
    bad.mkdir(parents=True)
    (bad / "leak.py").write_text("from PySide6.QtCore import QObject\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "fidus_desktop")
    assert violations("domain") == ["fidus_desktop/domain/leak.py imports PySide6.QtCore"]


def test_the_ui_may_name_storage_errors_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ui = tmp_path / "fidus_desktop" / "ui"
    ui.mkdir(parents=True)
    (ui / "view.py").write_text("from fidus_desktop.store.errors import StorageError\n"
                                "from fidus_desktop.store.uri import open_store\n"
                                "from fidus_desktop.integrations.mt5 import RealTerminal\n")
    monkeypatch.setattr(__import__(__name__), "PACKAGE", tmp_path / "fidus_desktop")
    assert violations("ui") == ["fidus_desktop/ui/view.py imports fidus_desktop.integrations.mt5",
                                "fidus_desktop/ui/view.py imports fidus_desktop.store.uri"]
