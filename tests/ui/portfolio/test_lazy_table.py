"""The generic lazy table: pages through a service, re-queries for sort and filter, drops stale answers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from fidus_desktop.ui.background import InlineRunner, Runner, _Ticket
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, LazyTableModel

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@dataclass(frozen=True)
class Row:
    n: int
    name: str


class FakeService:
    """count/page over 1,050 rows, filtering by name prefix, sorting by ``n``; records every call."""

    def __init__(self, size: int = 1050) -> None:
        self.rows = [Row(i, f"row{i % 7}") for i in range(size)]
        self.calls: list[tuple[object, ...]] = []

    def matching(self, query: str | None) -> list[Row]:
        return [r for r in self.rows if not query or r.name.startswith(query)]

    def count(self, query: str | None) -> int:
        self.calls.append(("count", query))
        return len(self.matching(query))

    def page(self, query: str | None, sort: list[tuple[str, int]] | None, offset: int, limit: int,
             after: Row | None = None) -> list[Row]:
        self.calls.append(("page", query, sort, offset, limit))
        rows = self.matching(query)
        if sort:
            rows = sorted(rows, key=lambda r: r.n, reverse=sort[0][1] < 0)
        return rows[offset:offset + limit]


COLUMNS = [Column("N", lambda r: str(r.n), sort_key="n", align=RIGHT), Column("Name", lambda r: r.name)]


def make(service: FakeService, runner: Runner | None = None) -> LazyTableModel[Row]:
    return LazyTableModel(COLUMNS, count=service.count, fetch=service.page, runner=runner or InlineRunner(),
                          page_size=100)


def test_first_page_then_more_on_demand(qtmodeltester) -> None:
    service = FakeService()
    model = make(service)
    model.refresh()
    assert (model.rowCount(), model.total) == (100, 1050)
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 200
    assert model.index(150, 0).data() == "150"
    assert model.index(0, 0).data(Qt.ItemDataRole.TextAlignmentRole) == int(RIGHT)
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"
    qtmodeltester.check(model, force_py=True)


def test_fetches_until_the_end_and_stops() -> None:
    service = FakeService()
    model = make(service)
    model.refresh()
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 1050
    assert [c for c in service.calls if c[0] == "page"][-1][3:] == (1000, 50)


def test_filter_and_sort_requery_the_service_not_the_loaded_rows() -> None:
    service = FakeService()
    model = make(service)
    model.refresh()
    model.set_filter("row3")
    assert model.total == 150
    assert all(model.row_at(i).name == "row3" for i in range(model.rowCount()))
    service.calls.clear()
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert service.calls[1] == ("page", "row3", [("n", -1)], 0, 100)
    assert model.row_at(0).n == 1046
    service.calls.clear()
    model.sort(1, Qt.SortOrder.AscendingOrder)  # "Name" has no service sort field: nothing happens
    assert service.calls == []


def test_refresh_keeps_the_loaded_window() -> None:
    service = FakeService()
    model = make(service)
    model.refresh()
    model.fetchMore()
    service.rows.insert(0, Row(-1, "row0"))
    model.refresh()
    assert (model.rowCount(), model.total, model.row_at(0).n) == (200, 1051, -1)


class DeferredRunner(InlineRunner):
    """Holds started jobs until ``run``: answers arrive late and out of order, as from a worker."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[tuple[int, Callable[[], object], _Ticket]] = []

    def _start(self, ticket_id: int, fn: Callable[[], object], ticket: _Ticket) -> None:
        self.jobs.append((ticket_id, fn, ticket))

    def run(self, index: int) -> None:
        super()._start(*self.jobs.pop(index))


def test_a_late_answer_to_an_old_query_is_dropped() -> None:
    service = FakeService()
    runner = DeferredRunner()
    model = make(service, runner)
    model.set_filter("row1")
    model.set_filter("row2")
    assert model.busy
    assert not model.canFetchMore()
    runner.run(1)  # the newer query answers first
    runner.run(0)  # then the old one: ignored
    assert model.total == 150
    assert model.row_at(0).name == "row2"


def test_a_service_error_is_reported_and_leaves_the_table_empty() -> None:
    def refuse(query: object) -> int:
        raise PermissionError("no")

    model = LazyTableModel(COLUMNS, count=refuse, fetch=FakeService().page, runner=InlineRunner())
    errors: list[BaseException] = []
    model.failed.connect(errors.append)
    model.refresh()
    assert model.rowCount() == 0
    assert isinstance(errors[0], PermissionError)


def test_a_view_scrolls_through_pages(qtbot: QtBot) -> None:
    service = FakeService()
    model = make(service)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    model.refresh()
    view.resize(400, 300)
    view.show()
    view.scrollToBottom()
    qtbot.wait(10)
    assert model.rowCount() > 100
