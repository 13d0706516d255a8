"""Follow-ups in the CRM tab driven with qtbot: logging an activity from the prospect's details, My day with
Done (the chained step appears) and Snooze, opening the prospect from My day, the reminder preference, and the
reminder session job (shown once, missed ones at start, in the status bar)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QCheckBox, QComboBox, QMainWindow, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.crm.activities import ActivitiesPanel
from fidus_desktop.ui.crm.reminders import ReminderJob
from fidus_desktop.ui.crm.tab import CrmTab
from fidus_desktop.ui.session import UiSession
from tests.support.forms import click, field_error, submit_form

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(app_context: AppContext, admin: Actor, inline_runner: InlineRunner) -> UiSession:
    prospects, activities = app_context.services.prospects, app_context.services.crm_activities
    ann = prospects.create(admin, {"first_name": "Ann", "last_name": "Smith"}).prospect_id
    now = datetime.now().astimezone()
    activities.log(admin, ann, {"kind": "call", "title": "Intro call", "due": now - timedelta(days=1)})
    activities.log(admin, ann, {"kind": "meeting", "title": "Far away", "due": now + timedelta(days=40)})
    return UiSession(app_context, admin, inline_runner)


def open_tab(qtbot: QtBot, session: UiSession) -> CrmTab:
    tab = CrmTab(session)
    qtbot.addWidget(tab)
    tab.resize(1280, 700)
    tab.show()
    tab.views.setCurrentWidget(tab.my_day)
    return tab


def titles(tab: CrmTab) -> list[str]:
    model = tab.my_day.model
    return [model.record(r).activity.title for r in range(model.rowCount())]


def test_my_day_lists_overdue_in_red_and_done_plans_the_next(qtbot: QtBot, session: UiSession) -> None:
    tab = open_tab(qtbot, session)
    assert titles(tab) == ["Intro call"]
    assert tab.my_day.summary.text().startswith("1 overdue")
    assert tab.my_day.model.data(tab.my_day.model.index(0, 0), Qt.ItemDataRole.ForegroundRole).color().name() \
        == "#c0392b"
    tab.my_day.findChild(QCheckBox, "includeLater").setChecked(True)
    assert titles(tab) == ["Intro call", "Far away"]
    tab.my_day.table.selectRow(0)
    click(qtbot, tab.my_day.findChild(QPushButton, "activityDone"))
    assert "Intro call done. Planned next: Send proposal" in tab.message.text()
    assert titles(tab) == ["Send proposal", "Far away"]


def test_snooze_moves_an_activity_out_of_today(qtbot: QtBot, session: UiSession) -> None:
    tab = open_tab(qtbot, session)
    tab.my_day.table.selectRow(0)
    snooze = tab.my_day.findChild(QPushButton, "activitySnooze")
    snooze.menu().findChild(QAction, "snooze_next").trigger()
    assert "Intro call moved to" in tab.message.text()
    assert titles(tab) == []
    assert tab.my_day.summary.text().startswith("Nothing due")


def test_nothing_selected_says_so(qtbot: QtBot, session: UiSession) -> None:
    tab = open_tab(qtbot, session)
    click(qtbot, tab.my_day.findChild(QPushButton, "activityDone"))
    assert tab.message.text() == "Select an activity first."


def test_double_click_opens_the_prospect_with_its_activities_and_logs_one(qtbot: QtBot,
                                                                         session: UiSession) -> None:
    tab = open_tab(qtbot, session)
    table = tab.my_day.table
    rect = table.visualRect(tab.my_day.model.index(0, 3))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    dialog = tab.detail_dialog
    assert dialog.windowTitle() == "Ann Smith"
    activities = dialog.findChild(ActivitiesPanel, "activitiesPanel")
    assert [activities.model.record(r).title for r in range(activities.model.rowCount())] == [
        "Intro call", "Far away"]
    click(qtbot, activities.findChild(QPushButton, "logActivity"))
    log = activities.dialog
    log.kind.setCurrentIndex(log.kind.findData("document_request"))
    submit_form(qtbot, log, due="not a day")
    assert field_error(log, "due")
    submit_form(qtbot, log, due=datetime.now().date().isoformat(), title="Passport copy")
    assert not log.isVisible()
    assert "Passport copy" in [activities.model.record(r).title for r in range(activities.model.rowCount())]
    assert "Passport copy saved." in tab.message.text()


def test_reminder_preference_is_saved_per_user(qtbot: QtBot, session: UiSession) -> None:
    tab = open_tab(qtbot, session)
    lead = tab.my_day.findChild(QComboBox, "reminderLead")
    assert lead.currentText() == "15 minutes before"
    index = lead.findData(60)
    lead.setCurrentIndex(index)
    lead.activated.emit(index)
    assert session.services.crm_activities.reminder_lead(session.actor) == 60
    assert tab.message.text() == "Reminders: 1 hour before."


def test_reminders_show_once_including_those_missed_while_closed(qtbot: QtBot, session: UiSession) -> None:
    window = QMainWindow()
    qtbot.addWidget(window)
    job = ReminderJob(session, window, interval_ms=10)
    shown: list[str] = []
    job.reminded.connect(shown.append)
    job.start()  # the first look finds the overdue call (its time passed while "closed")
    assert len(shown) == 1
    assert shown[0].startswith("Follow-up due: Intro call (Ann Smith), due ")
    assert window.statusBar().currentMessage() == "Follow-up due: see My day in the CRM tab"
    job.check()
    assert len(shown) == 1  # shown once
    job.stop()
    assert not job.timer.isActive()


def test_readers_cannot_change_activities(qtbot: QtBot, app_context: AppContext, session: UiSession) -> None:
    officer = Actor("u-james", "james", Role.COMPLIANCE_OFFICER, workstation="test")
    tab = open_tab(qtbot, UiSession(app_context, officer, session.runner))
    assert titles(tab) == []
    assert not tab.my_day.findChild(QPushButton, "activityDone").isEnabled()
