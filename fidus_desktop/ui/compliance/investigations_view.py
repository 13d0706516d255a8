"""Investigations: the cases (a lazy table paged through the service, filtered by status, investor and text,
exportable whole) and the case shown beside them with its notes, attachments (previewed inside the app), linked
investors and transactions and its history; the steps (start, propose the outcome, a second officer's
confirmation or sending back, reopening) and the suspicious-activity report draft saved as PDF or CSV, readable
by its owner only.

Only compliance officers see this page (``investigations.read``: no tipping off). The buttons follow the status
and four eyes (the officer who proposed the closure is not offered its confirmation); the service checks the
same again. The case shown is the one last selected or opened (``select``, from a screening alert or a Portfolio
transaction): it stays on screen when a refreshed list no longer holds it (a case just closed while the list
shows open ones)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.compliance.investigations import CHANGEABLE, InvestigationStatus
from fidus_desktop.reports.sar import sar_csv, sar_pdf
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.compliance.investigations import (
    NOT_CLOSED,
    Investigation,
    InvestigationPermission,
    Note,
)
from fidus_desktop.services.documents import StoredDocument
from fidus_desktop.services.permissions import allowed
from fidus_desktop.services.portfolio.dealing import TransactionView
from fidus_desktop.services.portfolio.investors import Investor
from fidus_desktop.ui.common.keys import enter_opens, find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, LazyTableModel, SortSpec
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.file_panel import words
from fidus_desktop.ui.compliance.investigation_dialogs import (
    INVESTIGATION_CHANGES,
    LinkDialog,
    OpenInvestigationDialog,
    ProposeCloseDialog,
    TextDialog,
)
from fidus_desktop.ui.compliance.preview import DocumentPreview
from fidus_desktop.ui.errors import describe_error, show_error
from fidus_desktop.ui.portfolio.documents_panel import FILE_FILTER, file_size
from fidus_desktop.ui.session import UiSession

RELOAD_ON = frozenset({"investigation", "document", "*"})
SAR_FILTERS = "PDF (*.pdf);;CSV (*.csv)"
PAGE = 100


def outcome_text(case: Investigation) -> str:
    if case.outcome is not None:
        return words(case.outcome)
    if case.proposed_outcome is not None:
        return f"proposed: {words(case.proposed_outcome)}"
    return ""


COLUMNS: list[Column[Investigation]] = [
    Column("Ref", lambda c: c.ref, sort_key="ref"),
    Column("Title", lambda c: c.title, sort_key="title", tooltip=lambda c: str(c.summary)),
    Column("Status", lambda c: words(c.status), sort_key="status"),
    Column("Investors", lambda c: str(len(c.investor_ids)), align=RIGHT, value=lambda c: len(c.investor_ids)),
    Column("Trans.", lambda c: str(len(c.transaction_ids)), align=RIGHT, value=lambda c: len(c.transaction_ids),
           tooltip=lambda c: f"{len(c.transaction_ids)} linked transaction(s)"),
    Column("Opened", lambda c: f"{c.opened_at:%Y-%m-%d}", sort_key="opened_at", value=lambda c: c.opened_at),
    Column("By", lambda c: c.opened_by, sort_key="opened_by"),
    Column("Outcome", outcome_text),
]


@dataclass(frozen=True)
class CaseFilter:
    """What the list shows: a status (``NOT_CLOSED``, one status, or "" for any), an investor number, a text."""

    status: str = NOT_CLOSED
    investor_number: str = ""
    text: str = ""


@dataclass(frozen=True)
class CaseDetail:
    """A case with what it links, read in the worker."""

    case: Investigation
    investors: tuple[Investor, ...]
    transactions: tuple[TransactionView, ...]
    attachments: tuple[StoredDocument, ...]


def load_detail(session: UiSession, ref: str) -> CaseDetail:
    """Runs in the worker: the case, its linked investors and transactions, its attachments."""
    services, actor = session.services, session.actor
    case = services.investigations.get(actor, ref)
    investors = tuple(services.portfolio.investors.get(actor, i) for i in case.investor_ids)
    transactions = tuple(services.portfolio.dealing.get(actor, t) for t in case.transaction_ids)
    return CaseDetail(case, investors, transactions, tuple(services.investigations.attachments(actor, case)))


def cases_model(session: UiSession) -> LazyTableModel[Investigation]:
    """The case list, a page at a time from ``InvestigationService.count`` / ``page`` (in the worker)."""
    services, actor = session.services, session.actor

    def filters(flt: CaseFilter) -> dict[str, Any] | None:
        """The service's filters; None when the typed investor number matches nobody (an empty list)."""
        found: dict[str, Any] = {"status": flt.status or None, "text": flt.text}
        if flt.investor_number:
            investor = services.portfolio.investors.by_number(flt.investor_number)
            if investor is None:
                return None
            found["investor_id"] = investor.investor_id
        return found

    def count(flt: CaseFilter) -> int:
        query = filters(flt)
        return services.investigations.count(actor, query) if query is not None else 0

    def fetch(flt: CaseFilter, sort: SortSpec | None, offset: int, limit: int, _after: Any) -> list[Investigation]:
        query = filters(flt)
        return services.investigations.page(actor, query, sort, offset, limit) if query is not None else []

    return LazyTableModel(COLUMNS, count=count, fetch=fetch, runner=session.runner, initial_filter=CaseFilter(),
                          page_size=PAGE)


class InvestigationsView(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("investigations")
        self.session = session
        self.wanted: str | None = None  # a case to highlight once the list holds it
        self.model = cases_model(session)
        self.search = QLineEdit(objectName="caseSearch", placeholderText="Reference or title")
        self.search.setClearButtonEnabled(True)
        self.investor = QLineEdit(objectName="caseInvestor", placeholderText="Investor number")
        self.investor.setClearButtonEnabled(True)
        self.investor.setToolTip("Only the cases linking this investor, e.g. INV-00017")
        self.status = QComboBox(objectName="caseStatus")
        self.status.addItem("Not closed", NOT_CLOSED)
        self.status.addItem("Any status", "")
        for status in InvestigationStatus:
            self.status.addItem(words(status).capitalize(), status.value)
        self.view = QTableView(objectName="investigationList")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.export = TableExport(self.view, "Investigations", session.runner)
        self.count = QLabel(objectName="caseCount")
        self.new_button = QPushButton("&New investigation…", objectName="investigation_new")
        self.new_button.setEnabled(allowed(session.actor.role, InvestigationPermission.MANAGE))
        self.new_button.clicked.connect(self.new_case)
        self.panel = CasePanel(session)
        self.dialog: Any = None

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.investor, 1)
        filters.addWidget(self.status)
        left_layout.addLayout(filters)
        left_layout.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count, 1)
        bottom.addWidget(self.new_button)
        bottom.addWidget(self.export.button)
        left_layout.addLayout(bottom)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(self.panel)
        split.setSizes([560, 720])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

        self.search.textChanged.connect(self.apply_filters)
        self.investor.editingFinished.connect(self.apply_filters)
        self.status.currentIndexChanged.connect(self.apply_filters)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(lambda exc: self.count.setText(f"Could not load: {describe_error(exc)}"))
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._row_chosen())
        enter_opens(self.view, self.open_row)
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.reload)
        find_goes_to(self, lambda: self.search)
        self.model.set_filter(self.current_filter())

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.reload()

    def current_filter(self) -> CaseFilter:
        return CaseFilter(self.status.currentData(), self.investor.text().strip(), self.search.text().strip())

    def apply_filters(self) -> None:
        if self.current_filter() != self.model.current_filter:
            self.model.set_filter(self.current_filter())

    def reload(self) -> None:
        """The same query again, and the case shown (after a change)."""
        self.model.refresh()
        self.load_case()

    def _loaded(self, total: int) -> None:
        self.count.setText(f"{total:,} investigation(s)")
        self.view.resizeColumnsToContents()  # one page of rows: cheap, and the list fits its half
        if self.wanted and not self._highlight(self.wanted):
            self._show_only(self.wanted)  # a list loaded after ``select`` that does not hold the case

    def selected_ref(self) -> str | None:
        """The case shown beside the list."""
        return self.panel.ref

    def _row_ref(self) -> str | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()).ref if rows else None

    def _row_chosen(self) -> None:
        ref = self._row_ref()
        if ref is not None and ref != self.panel.ref:
            self.panel.ref = ref
            self.load_case()

    def open_row(self, index: QModelIndex) -> None:
        """Enter or a double-click: show the row's case and go to its pages (notes first)."""
        if index.isValid():
            ref = self.model.row_at(index.row()).ref
            if ref != self.panel.ref:
                self.panel.ref = ref
                self.load_case()
            self.panel.tabs.setFocus(Qt.FocusReason.OtherFocusReason)

    def select(self, ref: str) -> None:
        """Show case ``ref`` and highlight its row; filters that hide it are cleared to the reference itself."""
        self.panel.ref = ref
        self.load_case()
        if not self._highlight(ref):
            self.wanted = ref
            if not self.model.busy:  # else when the list in flight has loaded (``_loaded``)
                self._show_only(ref)

    def _show_only(self, ref: str) -> None:
        """Filters that find case ``ref`` (its reference, any status, any investor); once: if even they do not
        hold it, the case stays shown beside the list without a row."""
        if self.current_filter() == CaseFilter("", "", ref):
            self.wanted = None
            return
        for box in (self.search, self.investor, self.status):
            box.blockSignals(True)
        self.search.setText(ref)
        self.investor.clear()
        self.status.setCurrentIndex(self.status.findData(""))
        for box in (self.search, self.investor, self.status):
            box.blockSignals(False)
        self.apply_filters()

    def _highlight(self, ref: str) -> bool:
        refs = [self.model.row_at(row).ref for row in range(self.model.rowCount())]
        if ref not in refs:
            return False
        self.wanted = None
        self.view.selectRow(refs.index(ref))
        self.view.scrollTo(self.model.index(refs.index(ref), 0))
        return True

    def load_case(self) -> None:
        ref, session = self.panel.ref, self.session
        if ref is None:
            self.panel.show_case(None)
            return
        session.runner.submit(lambda: load_detail(session, ref), owner=self, key="case", on_done=self._show_case,
                              on_error=lambda exc: show_error(exc, self))

    def _show_case(self, detail: CaseDetail) -> None:
        if detail.case.ref == self.panel.ref:
            self.panel.show_case(detail)

    def new_case(self, *, investors: str = "", transactions: str = "", alert_id: str | None = None) -> None:
        """Open a case (from an alert: its investor is linked by the service; from a transaction: its parties)."""
        self.dialog = OpenInvestigationDialog(self.session, self, investors=investors, transactions=transactions,
                                              alert_id=alert_id)
        self.dialog.accepted.connect(lambda: self.select(self.dialog.result_value.ref))
        self.dialog.open()


class CasePanel(QWidget):
    """One investigation: header, summary, the step buttons and its pages."""

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("investigationCase")
        self.session = session
        self.ref: str | None = None  # the case chosen; ``detail`` is what was last read of it
        self.detail: CaseDetail | None = None
        self.dialog: Any = None
        self.saved: QMessageBox | None = None
        self.may_manage = allowed(session.actor.role, InvestigationPermission.MANAGE)
        self.header = QLabel("Select an investigation.", objectName="caseHeader", wordWrap=True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.summary = WrappingLabel(objectName="caseSummary")
        self.buttons: dict[str, QPushButton] = {}
        steps = QHBoxLayout()
        work = QHBoxLayout()
        for bar, name, text, handler in (
                (steps, "start", "S&tart", self.start), (steps, "propose", "&Propose closure…", self.propose),
                (steps, "confirm", "&Confirm closure", self.confirm), (steps, "send_back", "Send &back…",
                                                                       self.send_back),
                (steps, "reopen", "Re&open…", self.reopen), (steps, "sar", "S&AR draft…", self.save_sar),
                (work, "note", "Add &note…", self.add_note), (work, "attach", "Attac&h file…", self.attach),
                (work, "link", "&Link…", self.link)):
            button = QPushButton(text, objectName=f"investigation_{name}")
            button.clicked.connect(handler)
            bar.addWidget(button)
            self.buttons[name] = button
        steps.addStretch()
        work.addStretch()

        self.notes: RecordTableModel[Note] = RecordTableModel([
            Column("At", lambda n: f"{n.at.astimezone():%Y-%m-%d %H:%M}", value=lambda n: n.at),
            Column("By", lambda n: n.by), Column("Note", lambda n: str(n.text), tooltip=lambda n: str(n.text))])
        self.notes_view = record_view(self.notes, "caseNotes", stretch=2)
        self.notes_view.setWordWrap(True)  # a note is read whole
        self.attachments: RecordTableModel[StoredDocument] = RecordTableModel([
            Column("Name", lambda d: d.name), Column("Size", lambda d: file_size(d.size), align=RIGHT),
            Column("Stored", lambda d: f"{d.uploaded_at:%Y-%m-%d}", value=lambda d: d.uploaded_at),
            Column("By", lambda d: d.uploaded_by)])
        self.attachments_view = record_view(self.attachments, "caseAttachments", stretch=0)
        self.preview = DocumentPreview(session)
        self.investors: RecordTableModel[Investor] = RecordTableModel([
            Column("Investor", lambda i: i.number), Column("Name", lambda i: i.name), Column("Kind", lambda i: i.kind)])
        self.investors_view = record_view(self.investors, "caseInvestors", stretch=1)
        self.transactions: RecordTableModel[TransactionView] = RecordTableModel([
            Column("Transaction", lambda t: t.ref), Column("Kind", lambda t: t.kind),
            Column("Trade date", lambda t: f"{t.trade_date:%Y-%m-%d}", value=lambda t: t.trade_date),
            Column("Amount", lambda t: f"{t.amount:,.2f} {t.currency}" if t.amount is not None else "", align=RIGHT,
                   value=lambda t: t.amount),
            Column("Status", lambda t: t.status)])
        self.transactions_view = record_view(self.transactions, "caseTransactions", stretch=0)
        self.history: RecordTableModel[dict] = RecordTableModel([
            Column("At", lambda h: f"{h['at'].astimezone():%Y-%m-%d %H:%M}", value=lambda h: h["at"]),
            Column("By", lambda h: h["by"]), Column("Step", lambda h: h["step"])])
        self.history_view = record_view(self.history, "caseHistory", stretch=2)

        self.tabs = QTabWidget(objectName="caseTabs")
        self.tabs.addTab(self._page(self.notes_view, "Investigation notes"), "No&tes")
        attachments = QSplitter(Qt.Orientation.Horizontal)
        attachments.addWidget(self._page(self.attachments_view, "Investigation attachments"))
        attachments.addWidget(self.preview)
        self.tabs.addTab(attachments, "Attach&ments")
        linked = QSplitter(Qt.Orientation.Vertical)
        linked.addWidget(self._page(self.investors_view, "Linked investors"))
        linked.addWidget(self._page(self.transactions_view, "Linked transactions"))
        self.tabs.addTab(linked, "Lin&ked")
        self.tabs.addTab(self._page(self.history_view, "Investigation history"), "Histor&y")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.summary)
        layout.addLayout(steps)
        layout.addLayout(work)
        layout.addWidget(self.tabs, 1)
        self.attachments_view.selectionModel().selectionChanged.connect(
            lambda *_: self.preview.show_document(selected(self.attachments_view, self.attachments)))
        self.show_case(None)

    def _page(self, view: QTableView, title: str) -> QWidget:
        export = TableExport(view, title, self.session.runner)
        page = QWidget()
        layout = QVBoxLayout(page)
        bar = QHBoxLayout()
        bar.addStretch()
        bar.addWidget(export.button)
        layout.addLayout(bar)
        layout.addWidget(view, 1)
        return page

    @property
    def case(self) -> Investigation | None:
        return self.detail.case if self.detail else None

    def show_case(self, detail: CaseDetail | None) -> None:
        same = detail is not None and self.case is not None and detail.case.ref == self.case.ref
        self.detail = detail
        case = detail.case if detail else None
        self.notes.set_records(case.notes if case else ())
        self.notes_view.resizeRowsToContents()
        self.attachments.set_records(detail.attachments if detail else ())
        self.investors.set_records(detail.investors if detail else ())
        self.transactions.set_records(detail.transactions if detail else ())
        self.history.set_records(list(case.history) if case else ())
        if not same:
            self.preview.show_document(None)
        self.header.setText(self._header_text(case))
        self.summary.setText(str(case.summary) if case else "")
        self._enable()

    @staticmethod
    def _header_text(case: Investigation | None) -> str:
        if case is None:
            return "Select an investigation, or open a new one."
        lines = [f"<b>{case.ref}</b> · {escape(case.title)}",
                 f"<b>{words(case.status).capitalize()}</b> · opened {case.opened_at:%Y-%m-%d} by {case.opened_by}"]
        if case.outcome is not None:
            lines.append(f"Outcome <b>{words(case.outcome)}</b> proposed by {case.proposed_by}, confirmed by "
                         f"{case.closed_by}: {escape(str(case.outcome_reason or ''))}")
        elif case.proposed_outcome is not None:
            lines.append(f"Closure proposed by {case.proposed_by} as <b>{words(case.proposed_outcome)}</b> — "
                         f"awaits a second officer: {escape(str(case.outcome_reason or ''))}")
        return "<br>".join(lines)

    def _enable(self) -> None:
        case, manage = self.case, self.may_manage
        status = case.status if case else None
        mine = case is not None and case.proposed_by == self.session.actor.username
        awaiting = manage and status is InvestigationStatus.AWAITING_CLOSURE
        self.buttons["start"].setEnabled(manage and status is InvestigationStatus.OPEN)
        self.buttons["propose"].setEnabled(manage and status in CHANGEABLE)
        for name in ("confirm", "send_back"):
            self.buttons[name].setEnabled(awaiting and not mine)
            self.buttons[name].setToolTip("You proposed this closure: a second officer decides it (four eyes)."
                                          if awaiting and mine else "")
        self.buttons["reopen"].setEnabled(manage and status is InvestigationStatus.CLOSED)
        self.buttons["sar"].setEnabled(manage and case is not None)
        for name in ("note", "attach", "link"):
            self.buttons[name].setEnabled(manage and status in CHANGEABLE)

    # -- actions ---------------------------------------------------------------------------------------
    def _run(self, call: Callable[[Any, Any, Investigation], Any]) -> None:
        case = self.case
        if case is None:
            return
        service, actor = self.session.services.investigations, self.session.actor
        self.session.runner.submit(lambda: call(service, actor, case), owner=self, changes=INVESTIGATION_CHANGES,
                                   on_error=lambda exc: show_error(exc, self))

    def _open(self, dialog: Any) -> None:
        self.dialog = dialog
        dialog.open()

    def _text(self, title: str, ok: str, field: str, label: str, hint: str,
              call: Callable[[Any, Any, Investigation, str], Any]) -> None:
        case = self.case
        if case is None:
            return
        service, actor = self.session.services.investigations, self.session.actor
        self._open(TextDialog(self.session, title, ok, field, label, hint,
                              lambda text: call(service, actor, case, text), self))

    def start(self) -> None:
        self._run(lambda service, actor, case: service.start(actor, case))

    def confirm(self) -> None:
        self._run(lambda service, actor, case: service.confirm_close(actor, case, agree=True))

    def send_back(self) -> None:
        self._text("Send the closure back", "Send &back", "reason", "Reason", "What still needs investigating",
                   lambda service, actor, case, text: service.confirm_close(actor, case, agree=False, reason=text))

    def reopen(self) -> None:
        self._text("Reopen the investigation", "Re&open", "reason", "Reason", "What new facts reopen it",
                   lambda service, actor, case, text: service.reopen(actor, case, text))

    def add_note(self) -> None:
        self._text("Add a note", "&Add", "note", "Note", "What was done or found (dated and signed with your name)",
                   lambda service, actor, case, text: service.add_note(actor, case, text))

    def propose(self) -> None:
        if self.case is not None:
            self._open(ProposeCloseDialog(self.session, self.case, self))

    def link(self) -> None:
        if self.case is not None:
            self._open(LinkDialog(self.session, self.case, self))

    def choose_attachment(self) -> Path | None:
        """Ask which file to attach (a separate method so tests can answer it)."""
        path, _ = QFileDialog.getOpenFileName(self, "Attach a file to the investigation", "", FILE_FILTER)
        return Path(path) if path else None

    def attach(self) -> None:
        path = self.choose_attachment()
        if path is not None:
            self._run(lambda service, actor, case: service.attach(actor, case, path.name, path.read_bytes()))

    def choose_sar_path(self) -> Path | None:
        """Ask where to save the draft; the chosen filter gives the format (a separate method for tests)."""
        case = self.case
        suggested = str(Path.home() / f"sar-draft-{case.ref if case else ''}.pdf")
        path, chosen = QFileDialog.getSaveFileName(self, "Save the SAR draft", suggested, SAR_FILTERS)
        if not path:
            return None
        out = Path(path)
        if out.suffix.lower() not in (".pdf", ".csv"):
            out = out.with_name(out.name + (".csv" if chosen.startswith("CSV") else ".pdf"))
        return out

    def save_sar(self) -> None:
        """Draft the report from the case (audited) and write it owner-only, in the worker."""
        case, path = self.case, self.choose_sar_path()
        if case is None or path is None:
            return
        service, actor = self.session.services.investigations, self.session.actor

        def write() -> Path:
            draft = service.sar_draft(actor, case)
            write_private(path, sar_pdf(draft) if path.suffix.lower() == ".pdf" else sar_csv(draft))
            return path

        self.session.runner.submit(write, owner=self, on_done=self._saved, on_error=lambda exc: show_error(exc, self))

    def _saved(self, path: Path) -> None:
        self.saved = QMessageBox(QMessageBox.Icon.Information, "SAR draft saved",
                                 f"The report draft was saved to {path} (readable by you only). Complete it and "
                                 "file it through the financial intelligence unit's channel; FIDUS files nothing.",
                                 QMessageBox.StandardButton.Ok, self)
        self.saved.setObjectName("sarSaved")
        self.saved.open()
