"""E-mail templates: fields checked when saved, replaced by name with a version check, deleted, audited;
``fidus crm templates``; the e-mail dialog fills subject and text from one and saves a new one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.store.errors import ConcurrencyError
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.crm.google_dialogs import EmailDialog
from fidus_desktop.ui.session import UiSession
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run
from tests.support.forms import click
from tests.support.google import GoogleOffice, google_office

db = test_cli.db


@pytest.fixture
def office(tmp_path: Path, secrets: SecretStore) -> Iterator[GoogleOffice]:
    with google_office(tmp_path, secrets) as made:
        yield made


def test_saved_checked_replaced_and_deleted(office: GoogleOffice) -> None:
    templates, maria = office.ctx.services.crm_mail_templates, office.manager
    with pytest.raises(ValidationError) as caught:
        templates.save(maria, "Intro", "Hello {frist_name}", "Dear {nmae}")
    assert set(caught.value.problems) == {"subject", "body"}
    first = templates.save(maria, "Intro", "Hello {first_name}", "Dear {name}")
    templates.save(maria, "Intro", "Hi {first_name}", "Dear {name},", version=first.version)
    with pytest.raises(ConcurrencyError):
        templates.save(maria, "Intro", "Stale edit", "", version=first.version)
    assert [(t.name, t.subject) for t in templates.list(maria)] == [("Intro", "Hi {first_name}")]
    officer = Actor("u-co", "olga", Role.COMPLIANCE_OFFICER, workstation="test")
    with pytest.raises(PermissionDenied):
        templates.save(officer, "Mine", "x", "")
    assert templates.list(officer)
    templates.delete(maria, "Intro")
    assert templates.list(maria) == []
    with pytest.raises(ValidationError, match="no template"):
        templates.delete(maria, "Intro")


def test_the_email_dialog_uses_and_saves_templates(office: GoogleOffice, qtbot: QtBot) -> None:
    office.ctx.services.crm_mail_templates.save(office.manager, "Intro", "Hello {first_name}", "Dear {name}")
    session = UiSession(office.ctx, office.manager, InlineRunner())
    prospect = office.ctx.services.prospects.get(office.manager, office.prospect_id)
    dialog = EmailDialog(session, prospect)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.template.setCurrentText("Intro")
    assert dialog.findChild(QLineEdit, "subject").text() == "Hello {first_name}"
    dialog.findChild(QPlainTextEdit, "body").setPlainText("Dear {name}, here is the proposal.")
    click(qtbot, dialog.findChild(QPushButton, "saveTemplate"))
    dialog.name_dialog.textValueSelected.emit("Proposal")
    assert [t.name for t in office.ctx.services.crm_mail_templates.list(office.manager)] == ["Intro", "Proposal"]
    click(qtbot, dialog.findChild(QPushButton, "ok"))
    office.google.run_outbox(office.manager)
    assert [(e.subject, e.body) for e in office.fake.sent] == [
        ("Hello Anna", "Dear Anna Muster, here is the proposal.")]


def test_templates_from_the_command_line(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = tmp_path / "intro.txt"
    body.write_text("Dear {name},\nwelcome.", encoding="utf-8")
    code, out = run(db, capsys, "crm", "templates", "save", "Intro", "--subject", "Hello {frist_name}",
                    "--body-file", str(body))
    assert code == 2
    assert "{frist_name} is not a merge field" in out
    assert run(db, capsys, "crm", "templates", "save", "Intro", "--subject", "Hello {first_name}",
               "--body-file", str(body))[0] == 0
    code, out = run(db, capsys, "crm", "templates", "list")
    assert "Hello {first_name}" in out
    assert run(db, capsys, "crm", "templates", "delete", "Intro")[0] == 0
    assert "No e-mail templates yet" in run(db, capsys, "crm", "templates", "list")[1]
