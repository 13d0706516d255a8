"""The Compliance tab: My queue (with the count of what awaits the officer), the investors' KYC files with their
readiness, screening (lists, alerts side by side with the list entry, full re-screen), investigations (for
compliance officers only), the KYC report shown and saved, the AML risk model's versions with its country-list
form, and the KYC checklists with their editor. A row opened in the queue shows the investor's file or the
alert."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from fidus_desktop.services.compliance.investigations import InvestigationPermission
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.common.keys import find_goes_to
from fidus_desktop.ui.compliance.checklists_view import ChecklistsView
from fidus_desktop.ui.compliance.investigations_view import InvestigationsView
from fidus_desktop.ui.compliance.kyc_files import KycFilesView
from fidus_desktop.ui.compliance.queue_view import QueueView
from fidus_desktop.ui.compliance.reports_view import ReportsView
from fidus_desktop.ui.compliance.risk_model_view import RiskModelView
from fidus_desktop.ui.compliance.screening_tab import ScreeningTab
from fidus_desktop.ui.session import UiSession

QUEUE_TITLE = "My &queue"


class ComplianceTab(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("complianceTab")
        self.session = session
        self.pages = QTabWidget(objectName="complianceTabs")
        self.queue: QueueView | None = None
        self.files: KycFilesView | None = None
        if allowed(session.actor.role, KycPermission.READ):
            self.queue = QueueView(session)
            self.files = KycFilesView(session)
            self.pages.addTab(self.queue, QUEUE_TITLE)
            self.pages.addTab(self.files, "&Investor files")
            self.queue.counted.connect(self._counted)
            self.queue.open_investor.connect(self.show_investor)
            self.queue.open_alert.connect(self.show_alert)
            self._counted(self.queue.queue.count())  # a queue loaded before the connection
        self.screening = ScreeningTab(session)
        self.pages.addTab(self.screening, "&Screening")
        self.investigations: InvestigationsView | None = None
        if allowed(session.actor.role, InvestigationPermission.READ):
            self.investigations = InvestigationsView(session)
            self.pages.addTab(self.investigations, "In&vestigations")
            self.screening.investigate.connect(self.investigate_alert)
        self.reports: ReportsView | None = None
        if allowed(session.actor.role, KycPermission.READ) and allowed(session.actor.role, ScreeningPermission.READ):
            self.reports = ReportsView(session)
            self.pages.addTab(self.reports, "Rep&orts")
        self.risk_model: RiskModelView | None = None
        if allowed(session.actor.role, KycPermission.READ):
            self.risk_model = RiskModelView(session)
            self.pages.addTab(self.risk_model, "Risk &model")
        self.checklists: ChecklistsView | None = None
        if allowed(session.actor.role, KycPermission.READ):
            self.checklists = ChecklistsView(session)
            self.pages.addTab(self.checklists, "&Checklists")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        # Ctrl+F on a page without a search box (queue, screening, reports) finds an investor; the pages with
        # their own (files, investigations) keep theirs, so the tab's is off there (two would cancel out).
        self.find = find_goes_to(self, self.investor_search)
        self.pages.currentChanged.connect(self._find_here)
        self._find_here()

    def investor_search(self) -> QWidget | None:
        if self.files is None:
            return None
        self.pages.setCurrentWidget(self.files)
        return self.files.search

    def _find_here(self) -> None:
        own = (self.files, self.investigations)
        self.find.setEnabled(self.files is not None and self.pages.currentWidget() not in own)

    def _counted(self, count: int) -> None:
        if self.queue is not None:
            self.pages.setTabText(self.pages.indexOf(self.queue), f"{QUEUE_TITLE} ({count})")

    def show_investor(self, investor_id: str) -> None:
        if self.files is not None:
            self.pages.setCurrentWidget(self.files)
            self.files.select(investor_id)

    def investigate_alert(self, alert_id: str) -> None:
        """Open an investigation from a screening alert: the Investigations page with the new-case form."""
        if self.investigations is not None:
            self.pages.setCurrentWidget(self.investigations)
            self.investigations.new_case(alert_id=alert_id)

    def open_record(self, kind: str, key: str) -> None:
        """Show a record another tab asked for (``SessionSignals.open_record``): an investigation by reference."""
        if kind == "investigation" and self.investigations is not None:
            self.pages.setCurrentWidget(self.investigations)
            self.investigations.select(key)

    def show_alert(self, alert_id: str) -> None:
        self.pages.setCurrentWidget(self.screening)
        self.screening.select_alert(alert_id)
