"""What the 1280x720 screenshots showed cut off or unclear: the risk model's wrapped country rows after the window
shrinks, a previewed page after its pane narrows, and an empty screening history that says why it is empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from tests.ui.test_compliance_tab import OLGA, office, open_file, tab, two_page_pdf  # noqa: F401 - the fixture

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_country_rows_grow_back_when_the_window_shrinks(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, OLGA)
    page = view.risk_model
    assert page is not None
    view.resize(1900, 700)
    view.pages.setCurrentWidget(page)
    qtbot.wait(10)
    view.resize(1260, 700)
    qtbot.waitUntil(lambda: all(page.countries_view.rowHeight(r) >= page.countries_view.sizeHintForRow(r)
                                for r in range(page.countries.rowCount())))
    assert page.countries_view.rowHeight(1) > page.countries_view.fontMetrics().height() * 2  # wrapped, in full


def test_a_previewed_page_fits_its_pane_after_a_resize(
    qtbot: QtBot, office: AppContext, tmp_path: Path  # noqa: F811
) -> None:
    investor = office.services.portfolio.investors.by_number("INV-1")
    assert investor is not None
    office.services.documents.attach(OLGA, "investor", investor.investor_id, "passport.pdf", two_page_pdf())
    view = tab(qtbot, office, OLGA)
    view.resize(1920, 1080)
    open_file(view, "INV-1")
    panel = view.files.panel  # type: ignore[union-attr]
    panel.tabs.setCurrentIndex(1)
    panel.documents_view.selectRow(0)
    preview = panel.preview
    wide = preview.image.pixmap().width()
    view.resize(1280, 720)
    QApplication.processEvents()
    viewport = preview.scroll_area.viewport().width()
    assert preview.image.pixmap().width() <= viewport
    assert preview.image.pixmap().width() < wide



def test_a_file_without_alerts_says_so_instead_of_an_empty_table(qtbot: QtBot, office: AppContext) -> None:  # noqa: F811
    view = tab(qtbot, office, OLGA)
    open_file(view, "INV-1")
    panel = view.files.panel  # type: ignore[union-attr]
    assert panel.alerts.rowCount() == 0
    assert "No screening alert for this investor" in panel.alerts_note.text()
