"""The main window's tabs, in order. A feature replaces its placeholder factory with its real tab here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from fidus_desktop.ui.admin.tab import AdminTab
from fidus_desktop.ui.placeholder import NotAvailablePanel
from fidus_desktop.ui.portfolio.tab import portfolio_tab
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.tab import trading_tab

TabFactory = Callable[[UiSession], QWidget]


@dataclass(frozen=True)
class TabSpec:
    name: str  # stable id used by --tab and saved as the last tab
    title: str
    factory: TabFactory
    admin_only: bool = False


def _placeholder(title: str, what: str) -> TabFactory:
    return lambda session: NotAvailablePanel(title, what)


TABS: list[TabSpec] = [
    TabSpec("portfolio", "Portfolio", portfolio_tab),
    TabSpec("trading", "Trading", trading_tab),
    TabSpec("crm", "CRM", _placeholder("CRM", "Pipeline, follow-ups and Google Workspace integration.")),
    TabSpec("compliance", "Compliance", _placeholder("Compliance", "KYC/AML files, risk scoring and screening.")),
    TabSpec("signing", "Signing", _placeholder("Signing", "Signature capture, signed PDFs and validation.")),
    TabSpec("admin", "Admin", AdminTab, admin_only=True),
]


def tab_names() -> list[str]:
    return [spec.name for spec in TABS]
