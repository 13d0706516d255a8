"""The main window's tabs, in feature order (``features.FEATURES``); nothing here names a feature.

A tab's widget module is imported and built when the tab is first shown (``LazyTab``), so start-up does
not pay for screens the user never opens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fidus_desktop.features.registry import tabs
from fidus_desktop.features.spec import TabDecl, resolve
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.session import UiSession

TabFactory = Callable[[UiSession], QWidget]


@dataclass(frozen=True)
class TabSpec:
    name: str  # stable id used by --tab and saved as the last tab
    title: str
    factory: TabFactory
    permission: str | None = None  # who sees the tab at all (None: every signed-in user)
    opens: tuple[str, ...] = ()  # record kinds its widget shows with ``open_record(kind, key)``

    def shown_to(self, session: UiSession) -> bool:
        return self.permission is None or allowed(session.actor.role, self.permission)


def _factory(decl: TabDecl) -> TabFactory:
    if not decl.factory:
        return lambda session: NotAvailablePanel(decl.title, decl.note)
    return lambda session: resolve(decl.factory)(session)


def tab_specs() -> list[TabSpec]:
    """Every feature's tab, in feature order."""
    return [TabSpec(d.name, d.title, _factory(d), d.permission, d.opens) for d in tabs()]


def tab_names() -> list[str]:
    return [spec.name for spec in tab_specs()]


class LazyTab(QWidget):
    """A tab's frame: its real widget (``content``) is built the first time the tab is shown."""

    def __init__(self, spec: TabSpec, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"tab_{spec.name}")
        self.spec, self.session = spec, session
        self.content: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

    def build(self) -> QWidget:
        """Build the content once (later calls return it)."""
        if self.content is None:
            self.content = self.spec.factory(self.session)
            self.layout().addWidget(self.content)
        return self.content
