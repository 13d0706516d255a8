"""The Compliance tab driven by clicks: an investor's KYC file from a document recorded and previewed to a
second officer's approval, four eyes in the buttons, My queue with its counts and the side-by-side alert view,
and a full re-screen with its progress."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QFileDialog, QPushButton
from pytestqt.qtbot import QtBot
from reportlab.pdfgen.canvas import Canvas

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.kyc import CaseStatus, ItemStatus
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.lists import ImportCancelled
from fidus_desktop.services.compliance.queue import Section
from fidus_desktop.services.permissions import Role
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.compliance.tab import ComplianceTab
from fidus_desktop.ui.session import UiSession
from tests.compliance.conftest import sdn_excerpt
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")
LENA = Actor("back-1", "lena", Role.BACK_OFFICE, "test")


def two_page_pdf() -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out)
    for text in ("Passport of Anna Berg", "Page two"):
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def png() -> bytes:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(QColor("navy"))
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


@pytest.fixture
def office(app_context: AppContext, admin: Actor) -> AppContext:
    app_context.services.keys.kdf = CHEAP_KDF
    app_context.services.keys.init(admin, PASSPHRASE)
    app_context.services.portfolio.investors.create_investor(admin, "INV-1", "Anna Berg", "individual")
    return app_context


def tab(qtbot: QtBot, ctx: AppContext, actor: Actor) -> ComplianceTab:
    widget = ComplianceTab(UiSession(ctx, actor, InlineRunner()))
    qtbot.addWidget(widget)
    widget.resize(1280, 720)
    widget.show()
    return widget


def click(qtbot: QtBot, parent: ComplianceTab, name: str) -> None:
    button = parent.findChild(QPushButton, name)
    assert button is not None, f"no button {name}"
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def open_file(view: ComplianceTab, number: str) -> None:
    assert view.files is not None
    view.pages.setCurrentWidget(view.files)
    rows = [r.investor.number for r in view.files.model.records]
    view.files.view.selectRow(rows.index(number))


def approve_rest(ctx: AppContext, actor: Actor, skip: str) -> None:
    kyc = ctx.services.kyc
    case = kyc.case_for(actor, "INV-1")
    for entry in case.items:
        if entry.code != skip:
            case = kyc.move_item(actor, case.case_id, case.version, entry.code, ItemStatus.RECEIVED,
                                 document_date=kyc.now().date().isoformat())
            case = kyc.move_item(actor, case.case_id, case.version, entry.code, ItemStatus.APPROVED)


def test_a_kyc_file_from_a_recorded_document_to_a_second_officers_approval(
    qtbot: QtBot, office: AppContext, tmp_path: Path
) -> None:
    view = tab(qtbot, office, OLGA)
    open_file(view, "INV-1")
    panel = view.files.panel  # type: ignore[union-attr]
    assert "Anna Berg" in panel.header.text()
    assert "Case <b>open</b>" in panel.header.text()
    assert "Identity document is missing" in panel.problems.text()
    assert not panel.item_buttons["approve"].isEnabled()  # nothing received yet

    scan = tmp_path / "passport.pdf"
    scan.write_bytes(two_page_pdf())
    codes = [e.code for e in panel.items.records]
    panel.items_view.selectRow(codes.index("identity"))
    click(qtbot, view, "item_record")
    dialog = panel.dialog
    assert dialog.item.currentData() == "identity"
    qtbot.keyClicks(dialog.path, str(scan))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.fields["expires_on"].isVisible()
    assert dialog.isVisible()
    assert "expiry date" in dialog.errors["item"].text()
    assert office.services.documents.count_for(OLGA, "investor", panel.file.investor.investor_id) == 0  # nothing stored
    expiry = office.services.kyc.now().date().replace(year=office.services.kyc.now().year + 5)
    qtbot.keyClicks(dialog.expires_on, expiry.isoformat())
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    identity = panel.items.records[codes.index("identity")]
    assert identity.item.status is ItemStatus.RECEIVED
    assert identity.item.expires_on == expiry
    assert panel.items.data(panel.items.index(codes.index("identity"), 5)) == "passport.pdf"

    # the document is previewed inside the app, page by page
    panel.tabs.setCurrentIndex(1)
    panel.documents_view.selectRow(0)
    assert not panel.preview.image.pixmap().isNull()
    assert panel.preview.page_label.text() == "Page 1 of 2"
    qtbot.mouseClick(panel.preview.next_page, Qt.MouseButton.LeftButton)
    assert panel.preview.page_label.text() == "Page 2 of 2"
    assert not panel.preview.next_page.isEnabled()

    panel.tabs.setCurrentIndex(0)
    panel.items_view.selectRow(codes.index("identity"))
    click(qtbot, view, "item_approve")
    assert panel.items.records[codes.index("identity")].item.status is ItemStatus.APPROVED
    approve_rest(office, OLGA, skip="identity")
    view.files.reload()  # type: ignore[union-attr]  # (the change watcher does this for changes made elsewhere)

    click(qtbot, view, "risk_band")
    band = panel.dialog
    band.band.setCurrentIndex(band.band.findData("low"))
    qtbot.keyClicks(band.reason, "Salaried resident, domestic funds")
    qtbot.mouseClick(band.ok_button, Qt.MouseButton.LeftButton)
    assert "<b>Low</b>" in panel.risk_label.text()
    assert "Before approval" not in panel.problems.text()

    click(qtbot, view, "case_submit")
    assert "Case <b>in review</b>" in panel.header.text()
    assert not panel.case_buttons["approve"].isEnabled()  # four eyes: the submitter does not decide
    assert "second officer" in panel.case_buttons["approve"].toolTip()

    checker = tab(qtbot, office, OMAR)
    assert checker.queue is not None
    assert checker.queue.queue.count(Section.CASES) == 1
    assert checker.pages.tabText(0) == "My &queue (1)"
    checker.queue.tabs.setCurrentIndex(1)
    cases_view = checker.queue.views[Section.CASES]
    cases_view.doubleClicked.emit(checker.queue.models[Section.CASES].index(0, 0))
    assert checker.pages.currentWidget() is checker.files
    click(qtbot, checker, "case_approve")
    assert office.services.kyc.case_for(OMAR, "INV-1").status is CaseStatus.APPROVED
    assert "Case <b>approved</b>" in checker.files.panel.header.text()  # type: ignore[union-attr]


def test_an_image_is_previewed_and_a_damaged_file_says_so(qtbot: QtBot, office: AppContext, admin: Actor) -> None:
    investor = office.services.portfolio.investors.by_number("INV-1")
    assert investor is not None
    office.services.documents.attach(admin, "investor", investor.investor_id, "address.png", png())
    office.services.documents.attach(admin, "investor", investor.investor_id, "broken.pdf", b"%PDF-1.4 not really")
    view = tab(qtbot, office, LENA)
    open_file(view, "INV-1")
    panel = view.files.panel  # type: ignore[union-attr]
    names = [d.name for d in panel.documents.records]
    panel.documents_view.selectRow(names.index("address.png"))
    assert panel.preview.image.pixmap().width() > 0
    assert panel.preview.page_label.text() == ""
    panel.documents_view.selectRow(names.index("broken.pdf"))
    assert "cannot be previewed" in panel.preview.image.text()
    # back office records documents but approves no case and confirms no override
    assert panel.item_buttons["record"].isEnabled()
    assert not panel.case_buttons["approve"].isEnabled()
    assert not panel.risk_buttons["confirm"].isEnabled()


def test_my_queue_and_the_alert_side_by_side(qtbot: QtBot, office: AppContext, admin: Actor) -> None:
    office.services.screening_lists.import_file(admin, "ofac", sdn_excerpt("3754"), "sdn.csv")
    office.services.portfolio.investors.create_investor(admin, "INV-2", "Musa Mohamed Abu Marzuk", "individual")
    maker = tab(qtbot, office, OLGA)
    assert maker.queue is not None
    alerts = maker.queue.models[Section.ALERTS]
    assert [i.part for i in alerts.records] == ["decide"]
    assert maker.queue.tabs.tabText(0) == "&Alerts to decide (1)"
    maker.queue.views[Section.ALERTS].doubleClicked.emit(alerts.index(0, 0))
    assert maker.pages.currentWidget() is maker.screening
    comparison = maker.screening.comparison
    investor_side, entry_side = comparison.investor.text(), comparison.entry.text()
    assert "Musa</span>" in investor_side
    assert "INV-2" in investor_side
    assert "entry 3754" in entry_side
    assert "MARZOOK</span>" in entry_side
    assert "sdn.csv" in entry_side
    assert "↔" in comparison.why.text()
    qtbot.keyClicks(maker.screening.reason, "Different person: born 1990, passport seen")
    click(qtbot, maker, "screening_false_positive")

    assert maker.queue.queue.count(Section.ALERTS) == 0  # the maker waits for a colleague
    assert "awaits a second officer" in maker.queue.models[Section.ALERTS].records[0].part
    maker.queue.mine_only.setChecked(True)
    assert maker.queue.models[Section.ALERTS].rowCount() == 0
    checker = tab(qtbot, office, OMAR)
    assert checker.queue is not None
    assert checker.queue.queue.count(Section.ALERTS) == 1
    assert "confirm or send back" in checker.queue.models[Section.ALERTS].records[0].part


def test_a_full_rescreen_shows_progress_and_a_cancelled_run_stops_between_investors(
    qtbot: QtBot, office: AppContext, admin: Actor
) -> None:
    office.services.screening_lists.import_file(admin, "ofac", sdn_excerpt("3754"), "sdn.csv")
    office.services.portfolio.investors.create_investor(admin, "INV-2", "Musa Mohamed Abu Marzuk", "individual")
    view = tab(qtbot, office, OLGA)
    click(qtbot, view, "screeningRun")
    assert view.screening.progress.maximum() == 2
    assert view.screening.progress.value() == 2
    assert view.screening.run_note.text().startswith("Screened 2 investor(s): 1 hit(s)")
    assert not view.screening.cancel_button.isVisible()
    assert view.screening.run_button.isEnabled()

    seen: list[int] = []
    summary = office.services.screening.run(OLGA, progress=lambda done, total: seen.append(done),
                                            cancelled=lambda: len(seen) >= 1)
    assert summary.cancelled
    assert summary.screened == 1
    assert seen == [1]
    runs = office.store.collection("audit").find({"action": "screening.run"})
    assert [(r["after"]["cancelled"], r["after"]["screened"]) for r in runs][-1] == (True, 1)


def test_an_ownership_tree_entered_in_the_dialog_gives_the_beneficial_owners(
    qtbot: QtBot, office: AppContext, admin: Actor
) -> None:
    office.services.portfolio.investors.create_investor(admin, "INV-3", "Acme Holdings Ltd", "corporate")
    view = tab(qtbot, office, OLGA)
    open_file(view, "INV-1")
    panel = view.files.panel  # type: ignore[union-attr]
    assert not panel.tabs.isTabVisible(panel.owners_index)  # a person has no owners to enter
    open_file(view, "INV-3")
    assert panel.tabs.isTabVisible(panel.owners_index)
    assert "No ownership entered" in panel.owners_label.text()
    click(qtbot, view, "owners_edit")
    dialog = panel.dialog
    assert dialog.table.item(0, 3).text() == "Acme Holdings Ltd"  # the first row starts at the investor
    rows = [("Mid Co", "company", "80", "Acme Holdings Ltd"), ("Eva", "person", "40", "Mid Co"),
            ("Max", "person", "60", "Mid Co"), ("Ivo", "person", "20", "Acme Holdings Ltd")]
    dialog.table.setRowCount(0)
    for row in rows:
        dialog.add_row(*row)
    dialog.table.item(1, 2).setText("140")  # a typo: refused under the table, nothing saved
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "at most 1" in dialog.errors["holdings"].text()
    assert dialog.isVisible()
    dialog.table.item(1, 2).setText("40")
    dialog.table.item(0, 4).setText("lu")  # Mid Co's country of incorporation: screening's country evidence
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert panel.edges.records[0].country == "LU"
    owners = {o.person: o.share for o in panel.owners.records}
    assert owners == {"Max": Decimal("0.48"), "Eva": Decimal("0.32")}  # Ivo's 20 % is under 25 %
    assert panel.edges.rowCount() == 4
    assert "through 1 level(s) of companies" in panel.owners_label.text()


def test_a_cancelled_import_writes_nothing_and_an_import_reports_what_it_did(
    qtbot: QtBot, office: AppContext, admin: Actor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ImportCancelled, match="cancelled before anything was written"):
        office.services.screening.import_list(admin, "ofac", sdn_excerpt("3754"), "sdn.csv", cancelled=lambda: True)
    assert office.services.screening_lists.versions(admin) == []
    listed = tmp_path / "sdn.csv"
    listed.write_bytes(sdn_excerpt("3754"))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(listed), ""))
    view = tab(qtbot, office, OLGA)
    click(qtbot, view, "screeningImport")
    assert view.screening.run_note.text().startswith("Imported sdn.csv: 150 entries (150 added")
    assert "Screened 1 investor(s): 0 hit(s)" in view.screening.run_note.text()
    assert view.screening.import_button.isEnabled()
    assert not view.screening.progress.isVisible()


def test_my_queue_says_since_when_a_case_waits(qtbot: QtBot, office: AppContext, admin: Actor) -> None:
    office.services.portfolio.investors.create_investor(admin, "INV-3", "Anna Berg", "individual")
    kyc = office.services.kyc
    case = kyc.case_for(OLGA, "INV-3")
    case = kyc.submit(OLGA, case.case_id, case.version)
    assert case.submitted_at is not None
    checker = tab(qtbot, office, OMAR)
    assert checker.queue is not None
    cases = checker.queue.models[Section.CASES]
    assert cases.data(cases.index(0, 1)) == "Case in review, submitted by olga"
    assert cases.data(cases.index(0, 2)) == f"{case.submitted_at.astimezone():%Y-%m-%d %H:%M}"
