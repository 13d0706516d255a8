"""The Investigations list pages through the service: the first page loads, scrolling fetches the next
(``fetchMore``), the status and investor filters re-query, the export writes every matching case (not only the
loaded pages), and Enter on a row opens that case beside the list."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.ui.compliance.investigations_view import CaseFilter, InvestigationsView
from fidus_desktop.ui.compliance.tab import ComplianceTab
from tests.ui.test_compliance_tab import OLGA, OMAR, office, tab  # noqa: F401

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def page_of(view: ComplianceTab) -> InvestigationsView:
    assert view.investigations is not None
    view.pages.setCurrentWidget(view.investigations)
    return view.investigations


@pytest.fixture
def cases(office: AppContext, admin) -> AppContext:  # noqa: F811 - the fixtures imported above
    """Seven cases: INV-1 in the odd ones, INV-2 in the even ones; INQ-000007 closed."""
    office.services.portfolio.investors.create_investor(admin, "INV-2", "Bruno Keller", "individual")
    service = office.services.investigations
    for i in range(1, 8):
        case = service.open(OLGA, f"Case {i}", "Deals above the declared volume.",
                            investors=["INV-1" if i % 2 else "INV-2"])
    case = service.propose_close(OLGA, case, "no_suspicion", "Explained by an inheritance.")
    service.confirm_close(OMAR, case)
    return office


def test_the_list_pages_filters_exports_and_opens_with_enter(
    qtbot: QtBot, cases: AppContext, tmp_path: Path
) -> None:
    view = tab(qtbot, cases, OLGA)
    page = page_of(view)
    model = page.model
    assert (model.total, model.rowCount()) == (6, 6)  # not closed, newest first
    assert page.count.text() == "6 investigation(s)"
    model.page_size = 2
    page.status.setCurrentIndex(page.status.findData(""))  # any status: a new query, one page
    assert (model.total, model.rowCount()) == (7, 2)
    assert [model.row_at(r).ref for r in range(2)] == ["INQ-000007", "INQ-000006"]
    assert model.canFetchMore()
    model.fetchMore()  # what the view does when scrolled to the end
    assert [model.row_at(r).ref for r in range(model.rowCount())] == [f"INQ-00000{i}" for i in (7, 6, 5, 4)]

    page.export.choose_path = lambda kind: tmp_path / f"cases.{kind}"  # type: ignore[method-assign]
    next(a for a in page.export.button.menu().actions() if "CSV" in a.text()).trigger()
    with (tmp_path / "cases.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Ref", "Title", "Status"]
    assert [r[0] for r in rows[1:]] == [f"INQ-00000{i}" for i in range(7, 0, -1)]  # every case, not 4 loaded

    page.investor.setText("INV-2")
    page.investor.editingFinished.emit()
    assert model.current_filter == CaseFilter("", "INV-2", "")
    assert [model.row_at(r).ref for r in range(model.rowCount())] == ["INQ-000006", "INQ-000004"]
    model.fetchMore()
    assert [model.row_at(r).ref for r in range(model.rowCount())] == ["INQ-000006", "INQ-000004", "INQ-000002"]
    page.status.setCurrentIndex(page.status.findData("closed"))
    assert model.total == 0  # the closed case is about INV-1
    page.investor.setText("INV-404")
    page.investor.editingFinished.emit()
    assert model.total == 0
    page.investor.clear()
    page.investor.editingFinished.emit()
    assert [model.row_at(r).ref for r in range(model.rowCount())] == ["INQ-000007"]

    page.view.setCurrentIndex(model.index(0, 0))
    page.view.setFocus()
    qtbot.keyClick(page.view, Qt.Key.Key_Return)
    assert page.selected_ref() == "INQ-000007"
    assert "<b>INQ-000007</b> · Case 7" in page.panel.header.text()
    assert "Explained by an inheritance." in page.panel.header.text()


def test_opening_a_case_the_filters_hide_shows_it_and_finds_its_row(
    qtbot: QtBot, cases: AppContext
) -> None:
    view = tab(qtbot, cases, OLGA)
    page = page_of(view)
    page.select("INQ-000007")  # closed: the default list does not hold it
    assert page.selected_ref() == "INQ-000007"
    assert page.search.text() == "INQ-000007"
    assert page.status.currentData() == ""
    assert [page.model.row_at(r).ref for r in range(page.model.rowCount())] == ["INQ-000007"]
    assert page.view.selectionModel().selectedRows()[0].row() == 0


def test_a_case_asked_for_while_the_list_loads_is_found_once_it_has_loaded(
    qtbot: QtBot, cases: AppContext
) -> None:
    view = tab(qtbot, cases, OLGA)
    page = page_of(view)
    page.model._fetching = True  # a query in flight, as with the real worker pool
    page.select("INQ-000007")
    assert page.search.text() == ""  # not yet: the filters are left alone while the list loads
    page.model._fetching = False
    page.model.refresh()  # the query in flight arrives: the default list does not hold the closed case
    assert page.search.text() == "INQ-000007"
    assert page.view.selectionModel().selectedRows()[0].row() == 0
    assert page.selected_ref() == "INQ-000007"
