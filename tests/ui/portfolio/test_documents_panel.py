"""The documents panel driven by clicks: Attach… (file dialog), the lazy list, Save a copy… (audited),
Delete, refused files, read-only roles and a locked workstation."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.personal_data import LOCKED_TEXT, Vault
from fidus_desktop.ui.portfolio.documents_panel import DocumentsPanel, file_size
from tests.support.cost import CHEAP_KDF
from tests.support.files import PDF, PNG
from tests.support.keys_office import PASSPHRASE
from tests.support.portfolio_office import ADMIN, PM, Office
from tests.ui.portfolio.test_investor_dialog import session_of

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def keyed(office: Office) -> Office:
    office.services.keys.kdf = CHEAP_KDF
    office.services.keys.init(ADMIN, PASSPHRASE)
    return office


def panel_for(qtbot: QtBot, office: Office, actor: Actor = ADMIN) -> DocumentsPanel:
    panel = DocumentsPanel(session_of(office, actor), "investor", office.ann.investor_id)
    qtbot.addWidget(panel)
    panel.show()
    return panel


def click(qtbot: QtBot, panel: DocumentsPanel, name: str) -> None:
    button = panel.findChild(QPushButton, f"{name}Button")
    assert button.isEnabled(), f"{name} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose_open(monkeypatch: pytest.MonkeyPatch, path: Path | str) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))


def rows(panel: DocumentsPanel) -> list[list[str]]:
    model = panel.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def select_first(qtbot: QtBot, panel: DocumentsPanel) -> None:
    where = panel.view.visualRect(panel.model.index(0, 0)).center()
    qtbot.mouseClick(panel.view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert panel.selected() is not None


def test_attach_lists_the_file_and_save_a_copy_writes_the_same_bytes(
    qtbot: QtBot, keyed: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "contract.pdf"
    source.write_bytes(PDF)
    panel = panel_for(qtbot, keyed)
    assert rows(panel) == []
    choose_open(monkeypatch, source)
    click(qtbot, panel, "attach")
    assert panel.message.text() == "Stored contract.pdf (encrypted)."
    assert [row[:3] + row[4:] for row in rows(panel)] == [["contract.pdf", "application/pdf", "2.4 MB", "admin"]]

    select_first(qtbot, panel)
    copy = tmp_path / "copy.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(copy), ""))
    click(qtbot, panel, "save")
    assert copy.read_bytes() == PDF
    assert panel.message.text() == f"Saved a copy of 2.4 MB to {copy}."
    entry = keyed.services.ctx.audit.last()
    assert (entry["action"], entry["entity"]) == ("personal_data.read", "document")


def test_a_refused_file_shows_why_and_stores_nothing(
    qtbot: QtBot, keyed: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "passport.pdf"
    fake.write_bytes(PNG)
    panel = panel_for(qtbot, keyed)
    choose_open(monkeypatch, fake)
    click(qtbot, panel, "attach")
    assert "its content is not a application/pdf file" in panel.message.text()
    assert rows(panel) == []
    assert keyed.services.documents.count_for(ADMIN, "investor", keyed.ann.investor_id) == 0


def test_delete_asks_and_removes_the_row(
    qtbot: QtBot, keyed: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyed.services.documents.attach(ADMIN, "investor", keyed.ann.investor_id, "scan.png", PNG)
    panel = panel_for(qtbot, keyed)
    assert len(rows(panel)) == 1
    select_first(qtbot, panel)
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.No)
    click(qtbot, panel, "delete")
    assert len(rows(panel)) == 1
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    click(qtbot, panel, "delete")
    assert rows(panel) == []
    assert panel.message.text() == "Deleted scan.png."


def test_a_portfolio_manager_sees_the_list_but_may_not_change_or_open(qtbot: QtBot, keyed: Office) -> None:
    keyed.services.documents.attach(ADMIN, "investor", keyed.ann.investor_id, "scan.png", PNG)
    panel = panel_for(qtbot, keyed, PM)
    assert rows(panel)[0][0] == "scan.png"
    select_first(qtbot, panel)
    assert not any(panel.buttons[name].isEnabled() for name in ("attach", "save", "delete"))


def test_a_workstation_without_the_key_shows_the_locked_message(qtbot: QtBot, keyed: Office) -> None:
    keyed.services.documents.attach(ADMIN, "investor", keyed.ann.investor_id, "scan.png", PNG)
    ctx = keyed.services.ctx
    keyed.services.documents.vault = Vault(ctx, KeyService(ctx, SecretStore(InMemoryKeyring())))
    panel = panel_for(qtbot, keyed)
    assert panel.message.text().startswith(LOCKED_TEXT)
    assert rows(panel)[0][0] == "scan.png"  # the names are not encrypted
    select_first(qtbot, panel)
    assert not panel.buttons["attach"].isEnabled()
    assert not panel.buttons["save"].isEnabled()


def test_file_sizes_read_naturally() -> None:
    assert [file_size(n) for n in (812, 14_540, 2_560_009)] == ["812 B", "14.2 KB", "2.4 MB"]


def test_the_investor_dialog_has_a_documents_tab(qtbot: QtBot, keyed: Office) -> None:
    from fidus_desktop.ui.portfolio.investor_dialog import InvestorDialog

    keyed.services.documents.attach(ADMIN, "investor", keyed.ann.investor_id, "scan.png", PNG)
    dialog = InvestorDialog(session_of(keyed, ADMIN), keyed.ann.investor_id)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    panel = dialog.tabs.widget(titles.index("Documents"))
    assert isinstance(panel, DocumentsPanel)
    assert rows(panel)[0][0] == "scan.png"
