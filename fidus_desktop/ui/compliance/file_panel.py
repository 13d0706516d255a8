"""One investor's KYC file: case status and what blocks its approval, the checklist, the documents with a
preview, the risk band with the factors behind it and the review date, and the screening history.

Actions call ``KycService`` / ``InvestorFileService`` in the worker; the buttons follow the permissions, the
case status and four eyes (the submitter is not offered approve or reject, the requester of a band override
not its confirmation), and the services check the same again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.compliance.kyc import CaseStatus, ItemStatus
from fidus_desktop.domain.compliance.ownership import BeneficialOwner
from fidus_desktop.services.compliance.investor_file import InvestorFile, RiskFactor
from fidus_desktop.services.compliance.kyc import CaseItem
from fidus_desktop.services.compliance.ownership import OwnerEdge, Ownership
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.readiness import GateRefusalRecord, InvestorReadiness
from fidus_desktop.services.compliance.screening import Alert
from fidus_desktop.services.documents import StoredDocument
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.kyc_dialogs import (
    KYC_CHANGES,
    OwnershipDialog,
    ReasonDialog,
    RecordDocumentDialog,
    RiskBandDialog,
)
from fidus_desktop.ui.compliance.preview import DocumentPreview
from fidus_desktop.ui.compliance.readiness_panel import (
    NOT_READY_COLOUR,
    READY_COLOUR,
    ReadinessPanel,
    readiness_verdict,
)
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.portfolio.documents_panel import file_size
from fidus_desktop.ui.session import UiSession

BAND_COLOURS = {"low": "#2e7d32", "medium": "#f9a825", "high": "#e65100", "critical": "#b00020"}


def words(value: Any) -> str:
    return str(value.value if hasattr(value, "value") else value).replace("_", " ")


def _day(value: Any) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def narrow(view: QTableView, widths: dict[int, int]) -> None:
    """Give long free-text columns a fixed width in characters (elided, full text as tooltip, resizable by hand),
    so the column that matters keeps its room at 1280 px."""
    header = view.horizontalHeader()
    for column, chars in widths.items():
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, view.fontMetrics().averageCharWidth() * chars)


def item_documents(file: InvestorFile) -> dict[str, str]:
    """Document id → the checklist items resting on it."""
    used: dict[str, list[str]] = {}
    for entry in file.case.items if file.case else ():
        if entry.document_id:
            used.setdefault(entry.document_id, []).append(entry.item.requirement.label)
    return {k: ", ".join(v) for k, v in used.items()}


class InvestorFilePanel(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("investorFile")
        self.session = session
        self.file: InvestorFile | None = None
        self.dialog: Any = None
        role = session.actor.role
        self.may_manage = allowed(role, KycPermission.MANAGE)
        self.may_approve = allowed(role, KycPermission.APPROVE)

        self.header = QLabel("Select an investor to open their KYC file.", objectName="fileHeader", wordWrap=True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.problems = WrappingLabel(objectName="fileProblems")
        self.problems.setStyleSheet("color: #8a4b00;")
        self.case_bar, self.case_buttons = self._buttons("case", [
            ("open", "&Open case", self.open_case), ("submit", "&Submit for review", self.submit),
            ("approve", "&Approve case", self.approve), ("send_back", "Send &back…", self.send_back),
            ("reject", "Re&ject…", self.reject)])

        self.items: RecordTableModel[CaseItem] = RecordTableModel([
            Column("Item", lambda e: e.item.requirement.label, tooltip=lambda e: e.item.requirement.label),
            Column("Status", lambda e: words(e.item.status)),
            Column("Document date", lambda e: _day(e.item.document_date), value=lambda e: e.item.document_date),
            Column("Expires", lambda e: _day(e.item.expires_on), value=lambda e: e.item.expires_on),
            Column("Reason", lambda e: e.item.reason or "", tooltip=lambda e: e.item.reason or None),
            Column("Document", lambda e: self._document_name(e.document_id),
                   tooltip=lambda e: self._document_name(e.document_id) or None),
            Column("By", lambda e: e.updated_by or "")])
        self.items_view = record_view(self.items, "checklist", stretch=0)
        narrow(self.items_view, {4: 12, 5: 20})  # reason and file name: the requirement's label comes first
        self.items_export = TableExport(self.items_view, "KYC checklist", session.runner)
        self.item_bar, self.item_buttons = self._buttons("item", [
            ("record", "&Record document…", self.record_document), ("approve", "Appro&ve item", self.approve_item),
            ("revision", "Ask for re&vision…", lambda: self.refuse_item(ItemStatus.REVISION_REQUESTED)),
            ("reject", "Reject i&tem…", lambda: self.refuse_item(ItemStatus.REJECTED))])

        self.documents: RecordTableModel[StoredDocument] = RecordTableModel([
            Column("Name", lambda d: d.name), Column("Type", lambda d: d.media_type.split("/")[-1]),
            Column("Size", lambda d: file_size(d.size), align=RIGHT),
            Column("Stored", lambda d: f"{d.uploaded_at:%Y-%m-%d}", value=lambda d: d.uploaded_at),
            Column("For", lambda d: self.used_for.get(d.document_id, ""),
                   tooltip=lambda d: self.used_for.get(d.document_id) or None)])
        self.used_for: dict[str, str] = {}
        self.documents_view = record_view(self.documents, "fileDocuments", stretch=0)
        narrow(self.documents_view, {4: 16})
        self.documents_export = TableExport(self.documents_view, "KYC documents", session.runner)
        self.preview = DocumentPreview(session)

        self.risk_label = QLabel(objectName="riskSummary", wordWrap=True)
        self.risk_label.setTextFormat(Qt.TextFormat.RichText)
        self.factors: RecordTableModel[RiskFactor] = RecordTableModel([
            Column("Factor", lambda f: words(f.name)), Column("Points", lambda f: str(f.points), align=RIGHT,
                                                              value=lambda f: f.points),
            Column("Why", lambda f: f.why)])
        self.factors_view = record_view(self.factors, "riskFactors", stretch=2)
        self.factors_export = TableExport(self.factors_view, "Risk factors", session.runner)
        self.risk_bar, self.risk_buttons = self._buttons("risk", [("band", "Set risk &band…", self.set_band),
                                                   ("confirm", "&Confirm override", self.confirm_override)])

        self.alerts: RecordTableModel[Alert] = RecordTableModel([
            Column("Raised", lambda a: f"{a.raised_at:%Y-%m-%d}", value=lambda a: a.raised_at),
            Column("About", lambda a: f"owner {a.owner}" if a.owner else "the investor"),
            Column("List", lambda a: a.list_name), Column("Entry", lambda a: a.entry_id),
            Column("Matched name", lambda a: a.matched_name),
            Column("Score", lambda a: f"{a.score:.2f}", align=RIGHT, value=lambda a: a.score),
            Column("Status", lambda a: words(a.status)),
            Column("Decision", lambda a: f"{words(a.disposition)} ({a.decided_by})" if a.disposition else "")])
        self.alerts_view = record_view(self.alerts, "fileAlerts", stretch=3)
        self.alerts_export = TableExport(self.alerts_view, "Screening history", session.runner)

        self.owners_label = QLabel(objectName="ownershipSummary", wordWrap=True)
        self.owners: RecordTableModel[BeneficialOwner] = RecordTableModel([
            Column("Beneficial owner", lambda o: o.person),
            Column("Effective share", lambda o: f"{o.share * 100:.2f} %", align=RIGHT, value=lambda o: o.share),
            Column("Through", lambda o: "; ".join(" → ".join(path) for path in o.paths))])
        self.owners_view = record_view(self.owners, "beneficialOwners", stretch=2)
        self.edges: RecordTableModel[OwnerEdge] = RecordTableModel([
            Column("Owner", lambda e: e.owner), Column("Is a", lambda e: e.kind),
            Column("Holds", lambda e: f"{(e.share * 100).normalize():f} %", align=RIGHT, value=lambda e: e.share),
            Column("Of", lambda e: e.company), Column("Owner's country", lambda e: e.country or "")])
        self.edges_view = record_view(self.edges, "ownershipEdges", stretch=3)
        self.owners_export = TableExport(self.owners_view, "Beneficial owners", session.runner)
        self.edges_export = TableExport(self.edges_view, "Ownership links", session.runner)
        self.edges_export.button.setText("Export &links")
        self.owners_bar, self.owners_buttons = self._buttons("owners", [
            ("edit", "&Edit ownership…", self.edit_ownership)])

        self.tabs = QTabWidget(objectName="fileTabs")
        self.tabs.addTab(self._page(self.item_bar, self.items_view, self.items_export), "Check&list")
        documents_split = QSplitter(Qt.Orientation.Horizontal)
        documents_split.addWidget(self._page(None, self.documents_view, self.documents_export))
        documents_split.addWidget(self.preview)
        documents_split.setSizes([500, 500])  # halves: the file names and the page both readable
        self.tabs.addTab(documents_split, "&Documents")
        risk_page = QWidget()
        risk_layout = QVBoxLayout(risk_page)
        risk_layout.addWidget(self.risk_label)
        self.risk_bar.addWidget(self.factors_export.button)
        risk_layout.addLayout(self.risk_bar)
        risk_layout.addWidget(self.factors_view, 1)
        self.tabs.addTab(risk_page, "&Risk")
        self.alerts_note = QLabel(objectName="fileAlertsNote", wordWrap=True)
        screening_bar = QHBoxLayout()
        screening_bar.addWidget(self.alerts_note, 1)
        self.tabs.addTab(self._page(screening_bar, self.alerts_view, self.alerts_export), "Scr&eening")
        owners_page = QWidget()
        owners_layout = QVBoxLayout(owners_page)
        self.owners_bar.addWidget(self.owners_export.button)
        self.owners_bar.addWidget(self.edges_export.button)
        owners_layout.addLayout(self.owners_bar)
        owners_layout.addWidget(self.owners_label)
        owners_layout.addWidget(self.owners_view, 1)
        owners_layout.addWidget(self.edges_view, 1)
        self.owners_index = self.tabs.addTab(owners_page, "&Owners")
        self.readiness = ReadinessPanel(session)
        self.readiness_index = self.tabs.addTab(self.readiness, "Rea&diness")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.problems)
        layout.addLayout(self.case_bar)
        layout.addWidget(self.tabs, 1)
        self.items_view.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        self.documents_view.selectionModel().selectionChanged.connect(
            lambda *_: self.preview.show_document(selected(self.documents_view, self.documents)))
        self.show_file(None)

    # -- building --------------------------------------------------------------------------------------
    @staticmethod
    def _buttons(group: str, specs: list[tuple[str, str, Callable[[], object]]]
                 ) -> tuple[QHBoxLayout, dict[str, QPushButton]]:
        bar = QHBoxLayout()
        buttons = {}
        for name, text, handler in specs:
            button = QPushButton(text, objectName=f"{group}_{name}")
            button.clicked.connect(handler)
            bar.addWidget(button)
            buttons[name] = button
        bar.addStretch()
        return bar, buttons

    @staticmethod
    def _page(bar: QHBoxLayout | None, view: QTableView, export: TableExport) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        top = bar or QHBoxLayout()
        if bar is None:
            top.addStretch()
        top.addWidget(export.button)
        layout.addLayout(top)
        layout.addWidget(view, 1)
        return page

    def _document_name(self, document_id: str | None) -> str:
        if not document_id or self.file is None:
            return ""
        return next((d.name for d in self.file.documents if d.document_id == document_id), "(not readable here)")

    # -- showing ---------------------------------------------------------------------------------------
    def show_file(self, file: InvestorFile | None, readiness: InvestorReadiness | None = None,
                  refusals: tuple[GateRefusalRecord, ...] = ()) -> None:
        """Show ``file`` and, when given, the investor's investment readiness (its own page and the header)
        with the dealing the readiness gate refused."""
        same = file is not None and self.file is not None \
            and file.investor.investor_id == self.file.investor.investor_id
        chosen_item = selected(self.items_view, self.items) if same else None
        self.file = file
        self.used_for = item_documents(file) if file else {}
        case = file.case if file else None
        self.items.set_records(case.items if case else ())
        self.documents.set_records(file.documents if file else ())
        self.alerts.set_records(file.alerts if file else ())
        self.alerts_note.setText("" if file is None or file.alerts else
                                 "No screening alert for this investor or its owners: no match at the threshold "
                                 "against the lists imported (the Screening page shows which; with none imported, "
                                 "nothing is screened).")
        self.factors.set_records(file.risk_run.factors if file and file.risk_run else ())
        tree = file.ownership if file else None
        self.owners.set_records(tree.owners if tree else ())
        self.edges.set_records(tree.edges if tree else ())
        self.owners_label.setText(self._ownership_text(tree))
        self.tabs.setTabVisible(self.owners_index, tree is not None)
        if chosen_item is not None:
            codes = [e.code for e in self.items.records]
            if chosen_item.code in codes:
                self.items_view.selectRow(codes.index(chosen_item.code))
        if not same:
            self.preview.show_document(None)
        self.readiness.show_readiness(readiness, file.documents if file else (), refusals)
        self.header.setText(self._header_text(file) + self._readiness_text(readiness))
        problems = self._problem_text(file)
        self.problems.setText(problems)
        self.problems.setVisible(bool(problems))
        self.risk_label.setText(self._risk_text(file))
        self._enable()

    @staticmethod
    def _header_text(file: InvestorFile | None) -> str:
        if file is None:
            return "Select an investor to open their KYC file."
        investor, case = file.investor, file.case
        title = f"<b>{investor.name}</b> · {investor.number} · {investor.kind}"
        if case is None:
            return f"{title}<br>No KYC case opened yet."
        band = case.risk_band.value if case.risk_band else None
        risk = (f"<span style='color:{BAND_COLOURS[band]}'><b>{band.capitalize()}</b></span>" if band
                else "not set")
        parts = [f"Case <b>{words(case.status)}</b>", f"risk {risk}",
                 f"next review {_day(file.next_review)}" if file.next_review else "no review date",
                 f"{file.open_alerts} open alert(s)"]
        if case.submitted_by:
            parts.append(f"submitted by {case.submitted_by}")
        if case.decided_by:
            parts.append(f"decided by {case.decided_by}")
        return f"{title}<br>{' · '.join(parts)}"

    @staticmethod
    def _readiness_text(view: InvestorReadiness | None) -> str:
        if view is None:
            return ""
        colour = READY_COLOUR if view.ready else NOT_READY_COLOUR
        why = f": {'; '.join(view.readiness.blocking)}" if view.readiness.blocking else ""
        return f"<br><span style='color:{colour}'><b>{readiness_verdict(view)}</b></span>{why}"

    @staticmethod
    def _problem_text(file: InvestorFile | None) -> str:
        if file is None or file.case is None:
            return ""
        lines = []
        if file.case.status is not CaseStatus.APPROVED and file.problems:
            lines.append("Before approval: " + "; ".join(file.problems) + ".")
        if file.expiring:
            lines.append("Reminders: " + "; ".join(file.expiring) + ".")
        if file.decision_reason and file.case.status in (CaseStatus.REJECTED, CaseStatus.OPEN):
            lines.append(f"Last decision: {file.decision_reason}")
        return "\n".join(lines)

    @staticmethod
    def _ownership_text(tree: Ownership | None) -> str:
        if tree is None:
            return ""
        if not tree.edges:
            return f"No ownership entered for {tree.root} yet: enter who holds it (Edit ownership…)."
        who = f"entered by {tree.entered_by} on {tree.entered_at:%Y-%m-%d}" if tree.entered_at else ""
        return (f"{len(tree.owners)} beneficial owner(s) of 25 % or more, through {tree.levels} level(s) of "
                f"companies; {who}. The holdings entered:")

    @staticmethod
    def _risk_text(file: InvestorFile | None) -> str:
        if file is None or file.case is None:
            return ""
        case, run = file.case, file.risk_run
        band = case.risk_band.value.capitalize() if case.risk_band else "No risk band yet"
        lines = [f"<b>{band}</b>"]
        if run is not None:
            lines.append(f"Score {run.score} of 100 with model {run.model_version}, scored {run.scored_at:%Y-%m-%d} "
                         f"by {run.scored_by}" + (" · enhanced due diligence required"
                                                  if run.enhanced_due_diligence else ""))
        if file.next_review:
            lines.append(f"Next review {_day(file.next_review)}")
        if file.risk_reason:
            lines.append(f"Reason: {file.risk_reason}" + (f" ({file.risk_set_by})" if file.risk_set_by else ""))
        if file.override:
            lines.append(f"Override to <b>{file.override.band}</b> asked by {file.override.requested_by}: "
                         f"{file.override.reason} — awaits a second officer")
        if run is None:
            lines.append("No scoring run: the band was set by an officer, so there is no factor breakdown.")
        return "<br>".join(lines)

    def _enable(self) -> None:
        file, me = self.file, self.session.actor.username
        case = file.case if file else None
        status = case.status if case else None
        mine_submitted = case is not None and case.submitted_by == me
        # Why a button is off, most basic reason first: nothing chosen, the role, then the case's state.
        chosen = "Select an investor first." if file is None else ""
        no_case = chosen or ("Open a KYC case first." if case is None else "")
        manage = "" if self.may_manage else "Your role may not edit KYC files."
        approve = "" if self.may_approve else "Your role may not decide KYC cases."
        state = f"The case is {words(status)}." if status is not None else ""
        open_states = (CaseStatus.OPEN, CaseStatus.NEEDS_UPDATE, CaseStatus.APPROVED)
        enable(self.case_buttons["open"], chosen or manage or ("The investor has a case already." if case else ""))
        enable(self.case_buttons["submit"], no_case or manage or ("" if status in open_states else state))
        decide = no_case or approve or ("" if status is CaseStatus.IN_REVIEW else state) or (
            "You submitted this case: a second officer decides it (four eyes)." if mine_submitted else "")
        for name in ("approve", "send_back", "reject"):
            enable(self.case_buttons[name], decide)
        editable = no_case or manage or ("" if status in open_states else state)
        entry: CaseItem | None = selected(self.items_view, self.items)
        enable(self.item_buttons["record"], editable)
        received = editable or ("Select a checklist item first." if entry is None else "" if entry.item.status
                                is ItemStatus.RECEIVED else "Nothing received for this item yet.")
        for name in ("approve", "revision", "reject"):
            enable(self.item_buttons[name], received)
        enable(self.risk_buttons["band"], no_case or manage)
        enable(self.owners_buttons["edit"], chosen or manage or (
            "" if file is not None and file.ownership is not None else "Ownership applies to corporate investors."))
        override = file.override if file else None
        enable(self.risk_buttons["confirm"], chosen or approve or (
            "No override is waiting for confirmation." if override is None else
            "You requested this override: a second officer confirms it (four eyes)."
            if override.requested_by_id == self.session.actor.user_id else ""))

    # -- actions ---------------------------------------------------------------------------------------
    def _case_call(self, call: Callable[[Any, Any, str, int], Any]) -> None:
        case = self.file.case if self.file else None
        if case is None:
            return
        kyc, actor = self.session.services.kyc, self.session.actor
        self.session.runner.submit(lambda: call(kyc, actor, case.case_id, case.version), owner=self,
                                   on_error=lambda exc: show_error(exc, self), changes=KYC_CHANGES)

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.open()

    def open_case(self) -> None:
        if self.file is None:
            return
        kyc, actor, investor_id = self.session.services.kyc, self.session.actor, self.file.investor.investor_id
        self.session.runner.submit(lambda: kyc.open_case(actor, investor_id), owner=self,
                                   on_error=lambda exc: show_error(exc, self), changes=KYC_CHANGES)

    def submit(self) -> None:
        self._case_call(lambda kyc, actor, case_id, version: kyc.submit(actor, case_id, version))

    def approve(self) -> None:
        self._case_call(lambda kyc, actor, case_id, version: kyc.approve(actor, case_id, version))

    def confirm_override(self) -> None:
        self._case_call(lambda kyc, actor, case_id, version: kyc.confirm_risk_override(actor, case_id, version))

    def _reason(self, title: str, ok: str, action: Callable[[Any, Any, str, int, str], Any]) -> None:
        case = self.file.case if self.file else None
        if case is None:
            return
        kyc, actor = self.session.services.kyc, self.session.actor
        self._open(ReasonDialog(self.session, title, ok,
                                lambda reason: action(kyc, actor, case.case_id, case.version, reason), self))

    def send_back(self) -> None:
        self._reason("Send the case back for more documents", "Send &back",
                     lambda kyc, actor, case_id, version, reason: kyc.reject(actor, case_id, version, reason,
                                                                             reopen=True))

    def reject(self) -> None:
        self._reason("Reject the KYC case", "Re&ject",
                     lambda kyc, actor, case_id, version, reason: kyc.reject(actor, case_id, version, reason))

    def record_document(self) -> None:
        if self.file is None or self.file.case is None:
            return
        entry = selected(self.items_view, self.items)
        self._open(RecordDocumentDialog(self.session, self.file.case, self.file.documents,
                                        entry.code if entry else None, self))

    def approve_item(self) -> None:
        entry = selected(self.items_view, self.items)
        if entry is not None:
            self._case_call(lambda kyc, actor, case_id, version: kyc.move_item(
                actor, case_id, version, entry.code, ItemStatus.APPROVED))

    def refuse_item(self, to: ItemStatus) -> None:
        entry = selected(self.items_view, self.items)
        if entry is None:
            return
        label = entry.item.requirement.label
        self._reason(f"{label}: {words(to)}", "&Reject" if to is ItemStatus.REJECTED else "Ask for &revision",
                     lambda kyc, actor, case_id, version, reason: kyc.move_item(
                         actor, case_id, version, entry.code, to, reason=reason))

    def edit_ownership(self) -> None:
        if self.file is not None and self.file.ownership is not None:
            self._open(OwnershipDialog(self.session, self.file.ownership, self))

    def set_band(self) -> None:
        if self.file is not None and self.file.case is not None:
            self._open(RiskBandDialog(self.session, self.file.case, self))
