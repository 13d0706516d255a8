"""Google in the CRM tab, driven with qtbot over FakeGoogle: the connection bar (not configured, connect,
reconnect), E-mail… and Schedule meeting… from a prospect's details, the outbox worker sending from the
session, Retry/Cancel on the Google page, and a reader's disabled actions."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.settings import Settings
from fidus_desktop.domain.crm.outbox import JobStatus
from fidus_desktop.features.registry import settings_schema
from fidus_desktop.integrations.google.port import MailMessage
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.google import GoogleService
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.ui.background import InlineRunner, Runner
from fidus_desktop.ui.crm.google_dialogs import EmailDialog, MeetingDialog
from fidus_desktop.ui.crm.google_outbox import OutboxWorker, consent
from fidus_desktop.ui.crm.google_panel import GooglePage, ProspectGooglePanel
from fidus_desktop.ui.crm.google_status import GoogleStatusItem
from fidus_desktop.ui.crm.tab import CrmTab
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, field_error
from tests.support.google import FakeConnector


@pytest.fixture
def connector() -> FakeConnector:
    return FakeConnector()


@pytest.fixture
def session(app_context: AppContext, admin: Actor, inline_runner: InlineRunner, connector: FakeConnector,
            qtbot: QtBot) -> UiSession:
    services = app_context.services
    services.google = GoogleService(services.ctx, services.crm_outbox, connector,
                                     investors=services.portfolio.investors)
    services.prospects.create(admin, {"first_name": "Anna", "last_name": "Muster", "email": "anna@example.com",
                                      "expected_amount": "250000", "currency": "EUR"})
    made = UiSession(app_context, admin, inline_runner)
    worker = made.jobs["google_outbox"] = OutboxWorker(made, interval_ms=3_600_000)
    worker.start()
    return made


def anna(session: UiSession):
    return session.services.prospects.list(session.actor)[0]


def panel(qtbot: QtBot, session: UiSession) -> ProspectGooglePanel:
    made = ProspectGooglePanel(session, anna(session))
    qtbot.addWidget(made)
    made.show()
    return made


def page(qtbot: QtBot, session: UiSession) -> GooglePage:
    made = GooglePage(session)
    qtbot.addWidget(made)
    made.show()
    return made


def button(widget, name: str) -> QPushButton:
    found = widget.findChild(QPushButton, name)
    assert found is not None, name
    return found


def test_not_configured_says_so_and_offers_nothing(qtbot: QtBot, session: UiSession, connector: FakeConnector) -> None:
    connector.problem_text = "Google is not configured for this office."
    shown = page(qtbot, session)
    assert shown.connection.label.text().startswith("Google: not configured for this office.")
    assert not button(shown, "googleConnect").isEnabled()
    assert not button(shown, "googleDisconnect").isEnabled()


def test_connect_then_an_email_from_the_details_is_sent_by_the_session_worker(
        qtbot: QtBot, session: UiSession, connector: FakeConnector, tmp_path: Path) -> None:
    shown = page(qtbot, session)
    assert "not connected" in shown.connection.label.text()
    click(qtbot, button(shown, "googleConnect"))
    assert shown.connection.label.text() == "Google: connected as manager@office.example."
    details = panel(qtbot, session)
    click(qtbot, button(details, "google_email"))
    dialog = details.dialog
    assert isinstance(dialog, EmailDialog)
    dialog.findChild(QLineEdit, "subject").setText("Your proposal, {first_name}")
    dialog.findChild(QPlainTextEdit, "body").setPlainText("Dear {name},\nplease find the terms attached.")
    terms = tmp_path / "terms.pdf"
    terms.write_bytes(b"%PDF-1.7 terms")
    dialog.add_file(terms)
    click(qtbot, dialog.findChild(QPushButton, "ok"))
    (sent,) = connector.google.sent
    assert sent.subject == "Your proposal, Anna"
    assert [a.filename for a in sent.attachments] == ["terms.pdf"]
    assert details.message.text() == "Queued: E-mail: Your proposal, Anna."
    assert [(e.kind, e.status) for e in details.model.records] == [("e-mail sent", "done")]
    assert "1 done" in shown.counts.text()


def test_a_bad_merge_field_is_shown_under_the_text(qtbot: QtBot, session: UiSession) -> None:
    session.services.google.connect(session.actor)
    details = panel(qtbot, session)
    click(qtbot, button(details, "google_email"))
    dialog = details.dialog
    dialog.findChild(QLineEdit, "subject").setText("Hello")
    dialog.findChild(QPlainTextEdit, "body").setPlainText("Dear {frist_name}")
    click(qtbot, dialog.findChild(QPushButton, "ok"))
    assert "{frist_name} is not a merge field" in field_error(dialog, "body")
    assert dialog.isVisible()


def test_a_meeting_gets_a_meet_link_in_the_timeline(qtbot: QtBot, session: UiSession,
                                                    connector: FakeConnector) -> None:
    session.services.google.connect(session.actor)
    details = panel(qtbot, session)
    click(qtbot, button(details, "google_meeting"))
    dialog = details.dialog
    assert isinstance(dialog, MeetingDialog)
    dialog.zone.setCurrentText("Europe/Berlin")
    click(qtbot, dialog.findChild(QPushButton, "ok"))
    (meeting,) = connector.google.meetings.values()
    assert meeting.attendees == ("anna@example.com",)
    assert str(meeting.start.tzinfo) == "Europe/Berlin"
    (entry,) = details.model.records
    assert entry.link.startswith("https://meet.google.com/")
    details.table.selectRow(0)
    click(qtbot, button(details, "google_move_meeting"))
    moving = details.dialog
    assert isinstance(moving, MeetingDialog)
    assert not moving.summary.isEnabled()
    moving.start.setDateTime(moving.start.dateTime().addDays(1))
    click(qtbot, moving.findChild(QPushButton, "ok"))
    assert connector.google.meetings[meeting.event_id].start == meeting.start + timedelta(days=1)
    row = next(i for i, e in enumerate(details.model.records) if e.kind == "meeting")
    details.table.selectRow(row)
    click(qtbot, button(details, "google_cancel_meeting"))
    assert meeting.event_id in connector.google.cancelled


def test_a_failed_job_is_retried_from_the_google_page(qtbot: QtBot, session: UiSession,
                                                      connector: FakeConnector) -> None:
    session.services.google.connect(session.actor)
    connector.google.fail_next(400)
    session.services.google.drive_folder(session.actor, anna(session).prospect_id)
    session.jobs["google_outbox"].kick()
    shown = page(qtbot, session)
    (job,) = shown.model.records
    assert job.status is JobStatus.FAILED
    assert job.reason.startswith("HTTP 400")
    shown.table.selectRow(0)
    click(qtbot, button(shown, "outboxRetry"))
    (job,) = shown.model.records
    assert job.status is JobStatus.DONE
    details = panel(qtbot, session)
    assert button(details, "google_drive").text() == "Open &Drive folder"


def test_revoked_consent_turns_into_reconnect(qtbot: QtBot, session: UiSession, connector: FakeConnector) -> None:
    session.services.google.connect(session.actor)
    connector.google.fail_next(401)
    session.services.google.drive_folder(session.actor, anna(session).prospect_id)
    shown = page(qtbot, session)
    session.jobs["google_outbox"].kick()
    assert "reconnect needed" in shown.connection.label.text()
    reconnect = button(shown, "googleConnect")
    assert reconnect.text() == "&Reconnect Google…"
    click(qtbot, reconnect)
    assert shown.connection.label.text() == "Google: connected as manager@office.example."
    assert [j.status for j in shown.model.records] == [JobStatus.DONE]


def test_a_reader_sees_the_outbox_but_cannot_act(qtbot: QtBot, app_context: AppContext, session: UiSession) -> None:
    reader = UiSession(app_context, Actor("u-co", "olga", Role.COMPLIANCE_OFFICER, workstation="test"),
                       session.runner)
    details = panel(qtbot, reader)
    assert not button(details, "google_email").isEnabled()
    assert not button(page(qtbot, reader), "outboxRetry").isEnabled()


def test_the_card_menu_offers_email_and_meeting(qtbot: QtBot, session: UiSession) -> None:
    tab = CrmTab(session)
    qtbot.addWidget(tab)
    menu = tab.card_menu(anna(session))
    assert menu.findChild(QAction, "emailAction").isEnabled()
    assert menu.findChild(QAction, "meetingAction").isEnabled()
    assert tab.views.tabText(tab.views.count() - 1) == "Google"


def test_an_administrator_points_the_workstation_at_the_client_file(
        qtbot: QtBot, session: UiSession, tmp_path: Path) -> None:
    shown = page(qtbot, session)
    session.services.google.settings = Settings.load(tmp_path / "settings.toml", settings_schema())
    bad = tmp_path / "web.json"
    bad.write_text(json.dumps({"web": {"client_id": "x", "token_uri": "https://oauth2.googleapis.com/token"}}))
    with pytest.raises(ValidationError, match="Desktop app"):
        session.services.google.configure(session.actor, str(bad))
    good = tmp_path / "client.json"
    good.write_text(json.dumps({"installed": {"client_id": "x", "client_secret": "s",
                                              "token_uri": "https://oauth2.googleapis.com/token"}}))
    shown.client_file.use(str(good))
    assert Settings.load(tmp_path / "settings.toml", settings_schema()).get("google.oauth_client_file") == str(good)
    assert shown.client_file.label.text().endswith(f"{good} — usable.")
    officer = Actor("u-co", "olga", Role.COMPLIANCE_OFFICER, workstation="test")
    with pytest.raises(PermissionDenied):
        session.services.google.configure(officer, str(good))


def test_opening_a_connected_prospect_reads_its_mail_once(qtbot: QtBot, session: UiSession,
                                                           connector: FakeConnector) -> None:
    session.services.google.connect(session.actor)
    connector.google.inbox.append(MailMessage("g1", "t1", "Anna <anna@example.com>", "manager@office.example",
                                              "Question about fees", datetime(2026, 3, 1, 9, tzinfo=UTC), "Hello"))
    details = panel(qtbot, session)
    assert [(e.kind, e.title) for e in details.model.records] == [("e-mail", "Question about fees")]
    assert details.message.text() == "1 new message(s) from Gmail."


def test_the_status_bar_says_reconnect_and_one_click_fixes_it(qtbot: QtBot, session: UiSession,
                                                               connector: FakeConnector) -> None:
    item = GoogleStatusItem(session)
    qtbot.addWidget(item)
    worker = session.jobs["google_outbox"]
    worker.kick()
    assert item.text() == "Google: not connected"
    assert not item.isEnabled()
    session.services.google.connect(session.actor)
    connector.google.fail_next(401)
    session.services.google.drive_folder(session.actor, anna(session).prospect_id)
    worker.kick()
    assert item.text() == "Google: reconnect…"
    click(qtbot, item)
    assert item.text() == "Google: connected"
    assert [j.status for j in session.services.crm_outbox.list(session.actor)] == [JobStatus.DONE]


def test_waiting_for_consent_does_not_hold_up_other_work(qtbot: QtBot, app_context: AppContext,
                                                        session: UiSession) -> None:
    """A pool of one thread: while the consent flow waits for the browser, another load still runs."""
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    threaded = SimpleNamespace(services=app_context.services, actor=session.actor, runner=Runner(pool))
    answered = threading.Event()
    google = app_context.services.google
    real = google.connect
    google.connect = lambda actor: (answered.wait(10), real(actor))[1]
    results: list[object] = []
    threaded.runner.submit(consent(threaded), owner=None, on_done=results.append)
    threaded.runner.submit(lambda: "other work", owner=None, on_done=results.append)
    qtbot.waitUntil(lambda: results == ["other work"], timeout=5000)
    answered.set()
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    assert results[1].connected
    pool.waitForDone(5000)
