"""The pipeline board: one column per stage; cards move by drag and drop or the "Move to…" menu.

A drop does not move the card itself: it asks the tab to move the prospect through the service, and the
board is redrawn from what the service then returns, so the board never shows a move that was refused.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.crm.prospects import BoardColumn, Prospect
from fidus_desktop.ui.crm.cards import OVERDUE_COLOUR, card_text, column_total_text, column_total_tip

MIME = "application/x-fidus-prospect"
ROLE = Qt.ItemDataRole.UserRole


class StageList(QListWidget):
    """A column's cards. Emits ``dropped(prospect_id, stage)`` when a card from another column lands here."""

    dropped = Signal(str, str)

    def __init__(self, stage: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stage = stage
        self.setObjectName(f"cards_{stage}")
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.setStyleSheet("QListWidget::item { border-bottom: 1px solid #d9d9d9; padding: 4px 2px; }"
                           "QListWidget::item:selected { background: #cfe2ff; color: black; }")

    def mimeTypes(self) -> list[str]:
        return [MIME]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            prospect: Prospect = items[0].data(ROLE)
            data.setData(MIME, prospect.prospect_id.encode())
        return data

    def dragEnterEvent(self, event: QDropEvent) -> None:  # type: ignore[override]
        if event.mimeData().hasFormat(MIME) and event.source() is not self:
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent  # type: ignore[assignment]

    def dropEvent(self, event: QDropEvent) -> None:
        if not event.mimeData().hasFormat(MIME) or event.source() is self:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)  # the source keeps its item until the reload
        event.accept()
        self.dropped.emit(bytes(event.mimeData().data(MIME).data()).decode(), self.stage)


class StageColumn(QFrame):
    """A stage's header (colour, name, count, and one total in the office's currency; the amounts per currency
    in its tooltip) above its cards."""

    def __init__(self, column: BoardColumn, today: date, editable: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        stage = column.stage
        self.setObjectName(f"column_{stage.name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumWidth(230)
        self.header = QLabel(f"{stage.name}  ({column.count:,})")
        self.header.setObjectName("header")
        self.header.setStyleSheet(f"background: {stage.colour}; color: white; font-weight: bold; padding: 4px;")
        self.header.setToolTip(f"{stage.kind.value} stage, probability {stage.probability:.0%}")
        self.base_total = QLabel(column_total_text(column.in_base, column.totals))
        self.base_total.setObjectName("baseTotal")
        self.base_total.setStyleSheet("font-weight: bold;")
        self.base_total.setWordWrap(True)
        if column.totals:
            self.base_total.setToolTip(column_total_tip(column.in_base, column.totals, stage.probability))
        self.cards = StageList(stage.name)
        self.cards.setDragEnabled(editable)
        self.cards.setAcceptDrops(editable)
        for prospect in column.prospects:
            item = QListWidgetItem(card_text(prospect, today))
            item.setData(ROLE, prospect)
            item.setToolTip(" · ".join(filter(None, [prospect.organisation, prospect.email, prospect.phone])))
            if prospect.overdue(today):
                item.setForeground(QBrush(QColor(OVERDUE_COLOUR)))
            self.cards.addItem(item)
        self.more = QLabel(f"and {column.count - len(column.prospects):,} more: see the List")
        self.more.setObjectName("more")
        self.more.setVisible(column.count > len(column.prospects))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.header)
        layout.addWidget(self.base_total)
        layout.addWidget(self.cards, 1)
        layout.addWidget(self.more)


class Board(QScrollArea):
    """The columns side by side; ``moved`` and ``menu_requested`` go to the tab, which owns the services."""

    moved = Signal(str, str)  # prospect id, stage
    menu_requested = Signal(object, QPoint)  # Prospect, global position
    opened = Signal(str)  # prospect id (a card double-clicked or Enter pressed on it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("board")
        self.setWidgetResizable(True)
        self.columns: dict[str, StageColumn] = {}

    def show_columns(self, columns: list[BoardColumn], today: date, editable: bool) -> None:
        inner = QWidget()
        row = QHBoxLayout(inner)
        self.columns = {}
        for column in columns:
            widget = StageColumn(column, today, editable)
            widget.cards.dropped.connect(self.moved)
            widget.cards.itemActivated.connect(lambda item: self.opened.emit(item.data(ROLE).prospect_id))
            widget.cards.itemSelectionChanged.connect(lambda cards=widget.cards: self._picked(cards))
            widget.cards.customContextMenuRequested.connect(
                lambda pos, cards=widget.cards: self._menu(cards, pos))
            row.addWidget(widget, 1)
            self.columns[column.stage.name] = widget
        self.setWidget(inner)

    def _menu(self, cards: StageList, pos: QPoint) -> None:
        item = cards.itemAt(pos) or cards.currentItem()  # the menu key opens it on the current card
        if item is not None:
            self.menu_requested.emit(item.data(ROLE), cards.viewport().mapToGlobal(pos))

    def _picked(self, cards: StageList) -> None:
        """One card is selected on the whole board: picking one in a column clears the others."""
        if not cards.selectedItems():
            return
        for column in self.columns.values():
            if column.cards is not cards:
                column.cards.clearSelection()

    def selected(self) -> Prospect | None:
        for column in self.columns.values():
            items = column.cards.selectedItems()
            if items:
                return items[0].data(ROLE)
        return None

    def _item(self, prospect_id: str) -> tuple[StageList, QListWidgetItem] | None:
        for column in self.columns.values():
            for row in range(column.cards.count()):
                item = column.cards.item(row)
                if item.data(ROLE).prospect_id == prospect_id:
                    return column.cards, item
        return None

    def prospect(self, prospect_id: str) -> Prospect | None:
        found = self._item(prospect_id)
        return found[1].data(ROLE) if found else None

    def select(self, prospect_id: str) -> bool:
        """Select a prospect's card (keyboard users and tests reach a card this way too)."""
        found = self._item(prospect_id)
        if found:
            found[0].setCurrentItem(found[1])
            found[0].setFocus()
        return found is not None
