"""A generic lazy ``QAbstractTableModel`` for tables of any size served by a ``count``/``page`` service.

Why: the transactions table holds 100,000 rows and the Trading tab's deals 1,000,000; loading them all
freezes the GUI and fills memory. This model loads one page when shown and the next whenever the view
scrolls near the end (Qt's ``canFetchMore``/``fetchMore``), always in the worker. Sorting and filtering
re-query the service (indexed fields only), so they cost one page, not a full load.

API::

    columns = [Column("Ref", lambda t: t.ref, sort_key="ref"),
               Column("Amount", lambda t: fmt.amount(t.amount, t.currency), align=RIGHT)]
    model = LazyTableModel(columns,
                           count=lambda query: service.count(actor, query),
                           fetch=lambda query, sort, offset, limit, after: service.page(actor, query, sort, offset,
                                                                                        limit, after),
                           runner=session.runner, initial_filter=TransactionQuery())
    view.setModel(model); view.setSortingEnabled(True)
    model.set_filter(TransactionQuery(status="pending"))   # new query: count + first page
    model.refresh()                                         # same query again (data changed)
    model.row_at(3)                                         # the loaded row object

``count`` and ``fetch`` run in the worker; ``fetch`` gets the filter object unchanged (the model never
looks inside it), the sort as ``[(sort_key, 1 | -1)]`` or None for the service's default, an offset, a
limit of at most ``page_size`` and the cursor ``after``: the last row already loaded (None for the first
page). A service that can seek (keyset paging: the rows after that row's sort key and id, through an index)
uses ``after`` and ignores ``offset``, so a page deep in the table costs what the first one does; a service
that cannot form a cursor from the row pages by ``offset``. Results of an older query that arrive after a
newer one was asked for are dropped (a generation counter), so fast typing in a filter box never shows stale
rows. ``loaded(total)`` is emitted after each query, ``failed(exc)`` when the service refused (the view shows
it; rows stay empty).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal

from fidus_desktop.ui.background import Runner

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex
SortSpec = list[tuple[str, int]]
LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
DEFAULT_PAGE = 200
REFRESH_LIMIT = 1000  # rows a refresh reloads at most, so the view keeps its place without a full reload


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its header, the text of a row, and the service sort field (None: not sortable)."""

    title: str
    text: Callable[[R], str]
    sort_key: str | None = None
    align: Qt.AlignmentFlag = LEFT
    tooltip: Callable[[R], str | None] | None = None


class LazyTableModel(QAbstractTableModel, Generic[R]):
    loaded = Signal(int)  # total rows matching the current query
    failed = Signal(object)  # the exception the service raised

    def __init__(self, columns: Sequence[Column[R]], *, count: Callable[[Any], int],
                 fetch: Callable[[Any, SortSpec | None, int, int, R | None], list[R]], runner: Runner,
                 initial_filter: Any = None, page_size: int = DEFAULT_PAGE, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._count, self._fetch, self._runner = count, fetch, runner
        self._filter = initial_filter
        self._sort: SortSpec | None = None
        self._sort_column, self._sort_order = -1, Qt.SortOrder.AscendingOrder
        self.page_size = page_size
        self._rows: list[R] = []
        self._total = 0
        self._generation = 0
        self._fetching = False

    # -- querying ---------------------------------------------------------------------------------
    @property
    def total(self) -> int:
        """Rows matching the query (the loaded ones are ``rowCount()``)."""
        return self._total

    @property
    def current_filter(self) -> Any:
        return self._filter

    @property
    def busy(self) -> bool:
        return self._fetching

    def set_filter(self, query: Any) -> None:
        """Show the rows matching ``query``: count and first page, in the worker."""
        self._filter = query
        self._requery(self.page_size)

    def refresh(self) -> None:
        """Run the current query again (after a change), reloading as many rows as are loaded now."""
        self._requery(min(max(len(self._rows), self.page_size), REFRESH_LIMIT))

    def _requery(self, rows: int) -> None:
        self._generation += 1
        generation, query, sort = self._generation, self._filter, self._sort
        self._fetching = True

        def load() -> tuple[int, list[R]]:
            total = self._count(query)
            found: list[R] = []
            while len(found) < min(rows, total):
                page = self._fetch(query, sort, len(found), min(self.page_size, rows - len(found)),
                                   found[-1] if found else None)
                if not page:
                    break
                found.extend(page)
            return total, found

        self._runner.submit(load, owner=self, key="rows", on_done=lambda result: self._replace(generation, *result),
                            on_error=lambda exc: self._fail(generation, exc))

    def _replace(self, generation: int, total: int, rows: list[R]) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows, self._total, self._fetching = rows, total, False
        self.endResetModel()
        self.loaded.emit(total)

    def _fail(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows, self._total, self._fetching = [], 0, False
        self.endResetModel()
        self.failed.emit(exc)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's signature
        return not parent.isValid() and not self._fetching and len(self._rows) < self._total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's signature
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, query, sort, offset = self._generation, self._filter, self._sort, len(self._rows)
        limit, last = min(self.page_size, self._total - offset), self._rows[-1] if self._rows else None
        self._runner.submit(lambda: self._fetch(query, sort, offset, limit, last), owner=self, key="rows",
                            on_done=lambda page: self._append(generation, offset, page),
                            on_error=lambda exc: self._fail(generation, exc))

    def _append(self, generation: int, offset: int, page: list[R]) -> None:
        if generation != self._generation or offset != len(self._rows):
            return
        self._fetching = False
        if not page:  # the table shrank since it was counted: stop asking for more
            self._total = len(self._rows)
            return
        self.beginInsertRows(QModelIndex(), offset, offset + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Re-query sorted by the column's service field; columns without one keep the current order."""
        if not 0 <= column < len(self.columns) or self.columns[column].sort_key is None:
            return
        if (column, order) == (self._sort_column, self._sort_order) and self._sort is not None:
            return
        self._sort_column, self._sort_order = column, order
        direction = 1 if order == Qt.SortOrder.AscendingOrder else -1
        self._sort = [(self.columns[column].sort_key, direction)]  # type: ignore[list-item]
        self._requery(self.page_size)

    # -- reading ----------------------------------------------------------------------------------
    def row_at(self, row: int) -> R:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        column, row = self.columns[index.column()], self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.columns[section].title if 0 <= section < len(self.columns) else None
        return section + 1

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
