"""The Reports page driven by clicks: the KYC report read when the page is first shown, its sections as tables
with their counts, re-read when compliance data changes, and saved whole as PDF and Excel, owner-only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from tests.ui.test_compliance_tab import LENA, OLGA, click, office, tab  # noqa: F401 - the fixture

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_the_kyc_report_shown_by_section_and_saved_as_pdf_and_excel(
    qtbot: QtBot, office: AppContext, admin, tmp_path: Path  # noqa: F811 - the fixture imported above
) -> None:
    view = tab(qtbot, office, OLGA)
    page = view.reports
    assert page is not None
    assert page.report is None  # nothing read until the page is shown
    assert not page.buttons["pdf"].isEnabled()
    view.pages.setCurrentWidget(page)
    assert page.report is not None
    assert "1 investors (1 open); 0 ready to invest" in page.summary.text()
    assert page.sections.tabText(0) == "KYC status (1)"
    status = page.models["status"]
    assert status.data(status.index(0, 0)) == "INV-1"
    assert status.data(status.index(0, 5)) == "no"

    office.services.portfolio.investors.create_investor(admin, "INV-2", "Bruno Costa", "individual")
    page.data_arrived()  # (the change watcher calls this for a change made elsewhere)
    assert page.sections.tabText(0) == "KYC status (2)"

    for kind in ("pdf", "xlsx"):
        out = tmp_path / f"kyc-report.{kind}"
        page.choose_path = lambda _kind, out=out: out  # type: ignore[method-assign]
        click(qtbot, view, f"report_{kind}")
        assert page.saved is not None
        assert str(out) in page.saved.text()
        if os.name == "posix":
            assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert (tmp_path / "kyc-report.pdf").read_bytes().startswith(b"%PDF")
    book = load_workbook(tmp_path / "kyc-report.xlsx", read_only=True)
    assert len(book.sheetnames) == 5
    numbers = [row[0] for row in book[book.sheetnames[0]].iter_rows(min_row=2, values_only=True)]
    assert numbers == ["INV-1", "INV-2"]


def test_back_office_reads_the_report_too(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, LENA)
    assert view.reports is not None
    view.pages.setCurrentWidget(view.reports)
    assert view.reports.report is not None
