"""The CRM tab: the pipeline board and the prospects list, New prospect, Move to…, Convert to investor.

Every read and write goes through ``ProspectService`` / ``StageService`` on the background runner; the tab
redraws from what they return and on ``session.signals.data_changed`` for the CRM topics. ``crm.read`` shows
the tab (``TabDecl.permission``); ``crm.manage`` enables creating, moving and converting.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.crm.stages import Stage, StageKind
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.prospects import BoardColumn, Funnel, Prospect
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.background import show_error
from fidus_desktop.ui.common.keys import enter_opens, find_goes_to, refresh_on_f5
from fidus_desktop.ui.common.labels import WrappingLabel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.crm.activities import ActivitiesPanel
from fidus_desktop.ui.crm.board import Board
from fidus_desktop.ui.crm.commissions_view import CommissionsView
from fidus_desktop.ui.crm.detail import ProspectDetailDialog
from fidus_desktop.ui.crm.dialogs import LostReasonDialog, MergeDialog, NewProspectDialog
from fidus_desktop.ui.crm.funnel_view import FunnelView
from fidus_desktop.ui.crm.google_panel import GooglePage, add_google_actions, attach_to_detail
from fidus_desktop.ui.crm.list_model import ProspectTableModel
from fidus_desktop.ui.crm.my_day import MyDayView
from fidus_desktop.ui.session import UiSession

TOPICS = {"crm_prospect", "crm_pipeline", "*"}
WIDTHS = {0: 200, 1: 200, 3: 130}  # name, organisation, expected amount: the rest fit their default
ALL_STAGES = "All stages"
ANY = "Any"
FILTERS = ("owner", "source", "country")  # list filters whose choices are the values in use


class CrmTab(QWidget):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crmTab")
        self.session = session
        self.editable = allowed(session.actor.role, CrmPermission.MANAGE)
        self.stages: list[Stage] = []
        self.reasons: list[str] = []
        self.lost_dialog: LostReasonDialog | None = None
        self.new_dialog: NewProspectDialog | None = None
        self.detail_dialog: ProspectDetailDialog | None = None
        self.merge_dialog: MergeDialog | None = None

        self.new_button = QPushButton("New prospect…")
        self.new_button.setObjectName("newProspect")
        self.move_button = QPushButton("Move to…")
        self.move_button.setObjectName("moveTo")
        self.move_button.setToolTip("Move the selected prospect to another stage (or drag its card)")
        self.convert_button = QPushButton("Convert to investor")
        self.convert_button.setObjectName("convert")
        for button in (self.new_button, self.move_button, self.convert_button):
            button.setEnabled(self.editable)
        if not self.editable:
            self.new_button.setToolTip("Creating and moving prospects needs the crm.manage permission")
        self.message = QLabel()
        self.message.setObjectName("message")
        self.new_button.clicked.connect(self.open_new_prospect)
        self.move_button.clicked.connect(lambda: self._menu_for_selected(self.move_button))
        self.convert_button.clicked.connect(lambda: self._on_selected(self.convert))

        self.board = Board()
        self.board.moved.connect(self.request_move)
        self.board.menu_requested.connect(lambda p, pos: self.card_menu(p).popup(pos))
        self.board.opened.connect(self.open_detail)

        self.model = ProspectTableModel(session)
        self.table = QTableView()
        self.table.setObjectName("prospectsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSortingEnabled(True)
        for column, width in WIDTHS.items():
            self.table.setColumnWidth(column, width)
        enter_opens(self.table, lambda index: self.open_detail(self.model.prospect(index.row()).prospect_id))
        self.table.horizontalHeader().setSortIndicatorShown(False)  # oldest first until a header is clicked
        self.stage_filter = QComboBox()
        self.stage_filter.setObjectName("stageFilter")
        self.filters = {name: QComboBox() for name in FILTERS}
        self.overdue_only = QCheckBox("Overdue follow-ups only")
        self.overdue_only.setObjectName("overdueOnly")
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        filter_row = QHBoxLayout()
        filter_row.addWidget(QLabel("Stage"))
        filter_row.addWidget(self.stage_filter)
        for name, combo in self.filters.items():
            combo.setObjectName(f"{name}Filter")
            combo.setMinimumContentsLength(10)
            combo.currentTextChanged.connect(lambda _: self.load_list())
            filter_row.addWidget(QLabel(name.capitalize()))
            filter_row.addWidget(combo)
        filter_row.addWidget(self.overdue_only)
        filter_row.addStretch(1)
        self.stage_filter.currentTextChanged.connect(lambda _: self.load_list())
        self.overdue_only.toggled.connect(lambda _: self.load_list())
        self.export = TableExport(self.table, "Prospects", session.runner)
        filter_row.addWidget(self.export.button)
        list_layout.addLayout(filter_row)
        self.list_empty = WrappingLabel(objectName="listEmpty")
        self.list_empty.hide()
        list_layout.addWidget(self.list_empty)
        list_layout.addWidget(self.table)
        self.model.loaded.connect(self._list_loaded)

        self.views = QTabWidget()
        self.views.setObjectName("crmViews")
        self.views.addTab(self.board, "Board")
        self.views.addTab(list_page, "List")
        self.funnel = FunnelView(session.runner)
        self.views.addTab(self.funnel, "Funnel")
        self.my_day = MyDayView(session)
        self.my_day.open_prospect.connect(self.open_detail)
        self.my_day.message.connect(self.message.setText)
        self.views.addTab(self.my_day, "My day")
        self.commissions = CommissionsView(session)
        self.commissions.message.connect(self.message.setText)
        self.views.addTab(self.commissions, "Commissions")
        reminders = session.jobs.get("crm_reminders")
        if reminders is not None:
            reminders.reminded.connect(self.message.setText)
        self.google = GooglePage(session)
        self.views.addTab(self.google, "Google")
        toolbar = QHBoxLayout()
        for button in (self.new_button, self.move_button, self.convert_button):
            toolbar.addWidget(button)
        toolbar.addWidget(self.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(toolbar)
        layout.addWidget(self.views, 1)
        session.signals.data_changed.connect(self._data_changed)  # here and other workstations (session watcher)
        refresh_on_f5(self, lambda: (self.reload(), self.load_list()))
        find_goes_to(self, self.list_filter)
        self.reload()

    # -- loading ------------------------------------------------------------------------------------------
    def _data_changed(self, topic: str) -> None:
        if topic in TOPICS:
            self.reload()

    def reload(self) -> None:
        services, actor = self.session.services, self.session.actor

        def load() -> tuple[list[BoardColumn], list[str], Funnel, dict[str, list[str]]]:
            return (services.prospects.board(actor), services.crm_stages.lost_reasons(),
                    services.prospects.funnel(actor), services.prospects.filter_choices(actor))

        self.session.runner.submit(load, owner=self, key="board", on_done=self._show,
                                   on_error=lambda exc: show_error(exc, self))

    def _show(self, loaded: tuple[list[BoardColumn], list[str], Funnel, dict[str, list[str]]]) -> None:
        columns, self.reasons, funnel, choices = loaded
        self.funnel.show_funnel(funnel)
        self.stages = [c.stage for c in columns]
        self.board.show_columns(columns, self.session.today(), self.editable)
        wanted = self.stage_filter.currentText() or ALL_STAGES
        _refill(self.stage_filter, [ALL_STAGES, *(s.name for s in self.stages)], wanted)
        for name, combo in self.filters.items():
            _refill(combo, [ANY, *choices[name]], combo.currentText() or ANY)
        self.load_list()

    def list_filters(self) -> dict[str, Any]:
        """The list's filters as ``ProspectService.list`` takes them (unset ones left out)."""
        chosen: dict[str, Any] = {name: combo.currentText() for name, combo in self.filters.items()
                                  if combo.currentText() not in ("", ANY)}
        if self.stage_filter.currentText() not in ("", ALL_STAGES):
            chosen["stage"] = self.stage_filter.currentText()
        if self.overdue_only.isChecked():
            chosen["overdue_on"] = self.session.today()
        return chosen

    def list_filter(self) -> QComboBox:
        """Ctrl+F: the list of prospects, at its first filter (the board has none)."""
        self.views.setCurrentIndex(self.views.indexOf(self.table.parentWidget()))
        return self.stage_filter

    def load_list(self) -> None:
        """The list's first page for the filters chosen (the model asks the service in the worker)."""
        self.model.set_filter(self.list_filters())

    def _list_loaded(self, total: int) -> None:
        """An empty list says why: the filters, or no prospect at all yet (and who may add one)."""
        who = ("add one with New prospect…" if self.editable
               else "a user with the crm.manage permission adds them")
        self.list_empty.setText(
            "" if total else "No prospect matches these filters: set a filter back to its first choice, or clear "
            "Overdue follow-ups only." if self.list_filters() else "No prospects yet. A prospect is a person or an "
            f"organisation the office hopes will invest, followed from Lead to Won or Lost; {who}.")
        self.list_empty.setVisible(not total)

    # -- the selected prospect -----------------------------------------------------------------------------
    def selected(self) -> Prospect | None:
        if self.views.currentIndex() == 1:
            rows = self.table.selectionModel().selectedRows()
            return self.model.prospect(rows[0].row()) if rows else None
        return self.board.selected()

    def _on_selected(self, action: Any) -> None:
        prospect = self.selected()
        if prospect is None:
            self.message.setText("Select a prospect first.")
            return
        action(prospect)

    def _menu_for_selected(self, anchor: QWidget) -> None:
        prospect = self.selected()
        if prospect is None:
            self.message.setText("Select a prospect first.")
            return
        self.card_menu(prospect).popup(anchor.mapToGlobal(QPoint(0, anchor.height())))

    def card_menu(self, prospect: Prospect) -> QMenu:
        """Move to… every other stage, and Convert to investor when the prospect is won."""
        menu = QMenu(self)
        menu.setObjectName("cardMenu")
        move = menu.addMenu("Move to…")
        move.setObjectName("moveMenu")
        for stage in self.stages:
            if stage.name == prospect.stage:
                continue
            action = move.addAction(stage.name)
            action.setObjectName(f"move_{stage.name}")
            action.setEnabled(self.editable and not prospect.investor_id)
            action.triggered.connect(lambda _=False, s=stage: self.request_move(prospect.prospect_id, s.name))
        convert = QAction("Convert to investor", menu)
        convert.setObjectName("convertAction")
        convert.setEnabled(self.editable and self._is_won(prospect) and not prospect.investor_id)
        convert.triggered.connect(lambda: self.convert(prospect))
        menu.addAction(convert)
        merge = menu.addAction("Merge a duplicate into this…")
        merge.setObjectName("mergeAction")
        merge.setEnabled(self.editable)
        merge.triggered.connect(lambda: self.find_duplicates(prospect))
        details = menu.addAction("Details and history…")
        details.setObjectName("detailsAction")
        details.triggered.connect(lambda: self.open_detail(prospect.prospect_id))
        add_google_actions(menu.addMenu("Google"), self.session, prospect, self, self.open_detail)
        return menu

    def open_detail(self, prospect_id: str) -> None:
        """The prospect as stored now and its stage changes, read in the worker."""
        prospects, actor = self.session.services.prospects, self.session.actor
        self.session.runner.submit(lambda: (prospects.get(actor, prospect_id), prospects.history(actor, prospect_id)),
                                   owner=self, key="detail", on_done=self._show_detail,
                                   on_error=lambda exc: show_error(exc, self))

    def _show_detail(self, loaded: tuple[Prospect, list[Any]]) -> None:
        activities = ActivitiesPanel(self.session, loaded[0].prospect_id)
        activities.message.connect(self.message.setText)
        self.detail_dialog = ProspectDetailDialog(*loaded, self.session.runner, parent=self,
                                                  sections=[("Activities", activities)])
        attach_to_detail(self.detail_dialog, self.session, loaded[0])
        self.detail_dialog.open()

    def _is_won(self, prospect: Prospect) -> bool:
        return any(s.name == prospect.stage and s.kind is StageKind.WON for s in self.stages)

    # -- changing ------------------------------------------------------------------------------------------
    def request_move(self, prospect_id: str, stage_name: str) -> None:
        """Move a prospect; a lost stage first asks for the reason."""
        if not self.editable:
            return
        stage = next((s for s in self.stages if s.name == stage_name), None)
        if stage is not None and stage.kind is StageKind.LOST:
            prospect = self.board.prospect(prospect_id)
            name = prospect.display_name if prospect else "the prospect"
            self.lost_dialog = LostReasonDialog(name, self.reasons, self)
            self.lost_dialog.accepted.connect(
                lambda: self._move(prospect_id, stage_name, self.lost_dialog.reason.currentText(),
                                   self.lost_dialog.note.text()))
            self.lost_dialog.open()
            return
        self._move(prospect_id, stage_name, None, None)

    def _move(self, prospect_id: str, stage: str, reason: str | None, note: str | None) -> None:
        services, actor = self.session.services, self.session.actor
        self.session.runner.submit(
            lambda: services.prospects.move(actor, prospect_id, stage, reason=reason, note=note or None),
            owner=self, changes=("crm_prospect",),
            on_done=lambda p: self.message.setText(f"{p.display_name} moved to {p.stage}."), on_error=self._refused)

    def convert(self, prospect: Prospect) -> None:
        services, actor = self.session.services, self.session.actor

        def run() -> str:
            investor_id = services.prospects.convert(actor, prospect.prospect_id)
            return services.portfolio.investors.get(actor, investor_id).number

        self.session.runner.submit(
            run, owner=self, changes=("crm_prospect", "investor"),
            on_done=lambda number: self.message.setText(f"{prospect.display_name} is now investor {number}."),
            on_error=self._refused)

    def find_duplicates(self, prospect: Prospect) -> None:
        """Look for the prospect's duplicates in the worker, then ask which to merge into it."""
        prospects, actor = self.session.services.prospects, self.session.actor

        def others() -> list[Prospect]:
            group = next((g for g in prospects.duplicate_groups(actor)
                          if any(p.prospect_id == prospect.prospect_id for p in g)), [])
            return [p for p in group if p.prospect_id != prospect.prospect_id and not p.investor_id]

        self.session.runner.submit(others, owner=self, key="duplicates",
                                   on_done=lambda found: self._offer_merge(prospect, found),
                                   on_error=lambda exc: show_error(exc, self))

    def _offer_merge(self, keep: Prospect, duplicates: list[Prospect]) -> None:
        if not duplicates:
            self.message.setText(f"No other prospect shares {keep.display_name}'s e-mail, phone or name.")
            return
        self.merge_dialog = MergeDialog(keep, duplicates, self)
        self.merge_dialog.accepted.connect(lambda: self._merge(keep, self.merge_dialog.chosen()))
        self.merge_dialog.open()

    def _merge(self, keep: Prospect, duplicate_id: str) -> None:
        services, actor = self.session.services, self.session.actor
        self.session.runner.submit(
            lambda: services.prospects.merge(actor, keep.prospect_id, duplicate_id), owner=self,
            changes=("crm_prospect", "crm_activity"),
            on_done=lambda p: self.message.setText(f"Merged the duplicate into {p.display_name}."),
            on_error=self._refused)

    def open_new_prospect(self) -> None:
        self.new_dialog = NewProspectDialog(self.session, self.stages, self)
        self.new_dialog.accepted.connect(
            lambda: self.message.setText(f"{self.new_dialog.result_value.display_name} added to the pipeline."))
        self.new_dialog.open()

    def _refused(self, exc: BaseException) -> None:
        show_error(exc, self)
        self.reload()  # the board shows the prospect where it really is


def _refill(combo: QComboBox, items: list[str], wanted: str) -> None:
    """New choices, keeping the one selected when it is still there, without a reload per change."""
    combo.blockSignals(True)
    combo.clear()
    combo.addItems(items)
    combo.setCurrentText(wanted if wanted in items else items[0])
    combo.blockSignals(False)


def crm_tab(session: UiSession) -> CrmTab:
    return CrmTab(session)
