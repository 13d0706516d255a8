"""E-mail and meeting dialogs for a prospect: each queues one job in the Google outbox (in the worker).

Queuing is all they do; the session's outbox worker sends (``google_outbox.py``), so a dialog closes at once
even offline, and the prospect's Google page shows the job pending, done or failed with its reason.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from fidus_desktop.domain.crm.mail_merge import FIELDS
from fidus_desktop.services.crm.mail_templates import MailTemplate
from fidus_desktop.services.crm.outbox import OutboxJob
from fidus_desktop.services.crm.prospects import Prospect
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

OUTBOX_CHANGES = frozenset({"crm_outbox"})
NO_TEMPLATE = "(none)"


def local_zone() -> str:
    """The workstation's IANA time zone (e.g. Europe/Berlin), UTC when Qt cannot tell."""
    zone = bytes(QTimeZone.systemTimeZoneId().data()).decode(errors="ignore")
    return zone if zone in available_timezones() else "UTC"


class EmailDialog(ServiceFormDialog):
    """Subject, text with merge fields ({first_name} …) and attachments; queued under a natural key, so
    pressing Send twice queues one e-mail."""

    changes = OUTBOX_CHANGES

    def __init__(self, session: UiSession, prospect: Prospect, parent: QWidget | None = None) -> None:
        super().__init__(session, f"E-mail to {prospect.display_name}", "&Send", parent)
        self.setObjectName("emailDialog")
        self.prospect = prospect
        to = QLabel(prospect.email or "(no e-mail address)")
        to.setObjectName("to_label")
        self.add_field("to", "To", to)
        self.template = self.add_field("template", "Template", QComboBox())
        self.template.addItem(NO_TEMPLATE)
        self.template.currentTextChanged.connect(self.use_template)
        self.templates: dict[str, MailTemplate] = {}
        self.subject = self.add_field("subject", "Subject", QLineEdit())
        self.body = self.add_field("body", "Text", QPlainTextEdit())
        self.body.setPlaceholderText("Dear {first_name}, …")
        hint = QLabel("Merge fields: " + " ".join("{" + f + "}" for f in FIELDS))
        hint.setWordWrap(True)
        self.form.addRow("", hint)
        self.attachments = QListWidget()
        self.attachments.setMaximumHeight(70)
        attach = QPushButton("&Attach…")
        attach.setObjectName("attach")
        attach.clicked.connect(self.choose_files)
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.attachments, 1)
        box.addWidget(attach)
        self.add_field("attachments", "Attachments", row)
        self.files: list[Path] = []
        save = self.buttons.addButton("Save as &template…", QDialogButtonBox.ButtonRole.ActionRole)
        save.setObjectName("saveTemplate")
        save.clicked.connect(self.ask_template_name)
        self.name_dialog: QInputDialog | None = None
        templates, actor = session.services.crm_mail_templates, session.actor
        session.runner.submit(lambda: templates.list(actor), owner=self, key="templates", on_done=self.show_templates,
                              on_error=lambda exc: self.show_problems({"template": describe_error(exc)}))

    def show_templates(self, templates: list[MailTemplate]) -> None:
        self.templates = {t.name: t for t in templates}
        self.template.addItems(list(self.templates))

    def use_template(self, name: str) -> None:
        """Fill subject and text from the template (merge fields are filled in when sending)."""
        chosen = self.templates.get(name)
        if chosen is not None:
            self.subject.setText(chosen.subject)
            self.body.setPlainText(chosen.body)

    def ask_template_name(self) -> None:
        self.name_dialog = QInputDialog(self)
        self.name_dialog.setObjectName("templateName")
        self.name_dialog.setWindowTitle("Save as template")
        self.name_dialog.setLabelText("Template name (an existing one is replaced)")
        self.name_dialog.textValueSelected.connect(self.save_template)
        self.name_dialog.open()

    def save_template(self, name: str) -> None:
        templates, actor = self.session.services.crm_mail_templates, self.session.actor
        subject, body = self.subject.text(), self.body.toPlainText()
        self.session.runner.submit(
            lambda: templates.save(actor, name, subject, body), owner=self, changes={"crm_mail_template"},
            on_done=self._template_saved, on_error=self._failed)

    def _template_saved(self, saved: MailTemplate) -> None:
        if saved.name not in self.templates:
            self.template.addItem(saved.name)
        self.templates[saved.name] = saved
        self.show_problems({})

    def choose_files(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, "Attach documents")
        for name in chosen:
            self.add_file(Path(name))

    def add_file(self, path: Path) -> None:
        self.files.append(path)
        self.attachments.addItem(path.name)

    def call(self) -> tuple[OutboxJob, bool]:
        attachments = [(p.name, p.read_bytes()) for p in self.files]  # in the worker, like the service call
        return self.session.services.google.send_email(self.session.actor, self.prospect.prospect_id,
                                                       self.subject.text(), self.body.toPlainText(), attachments)


class MeetingDialog(ServiceFormDialog):
    """A Calendar event with the prospect invited and a Google Meet link; with ``moving`` (a meeting's outbox
    job), a new time for that meeting (the attendees get Google's update)."""

    changes = OUTBOX_CHANGES

    def __init__(self, session: UiSession, prospect: Prospect, parent: QWidget | None = None, *,
                 moving: str | None = None) -> None:
        super().__init__(session, f"{'Move the meeting' if moving else 'Meeting'} with {prospect.display_name}",
                         "&Move" if moving else "&Schedule", parent)
        self.setObjectName("meetingDialog")
        self.prospect, self.moving = prospect, moving
        self.summary = self.add_field("summary", "Title", QLineEdit(f"Meeting: {prospect.display_name}"))
        day = session.today() + timedelta(days=1)
        tomorrow = QDateTime(QDate(day.year, day.month, day.day), QTime(10, 0))
        self.start = self.add_field("start", "Starts", QDateTimeEdit(tomorrow))
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.minutes = self.add_field("end", "Minutes", QSpinBox())
        self.minutes.setRange(5, 600)
        self.minutes.setSingleStep(15)
        self.minutes.setValue(60)
        self.zone = self.add_field("time_zone", "Time zone", QComboBox())
        self.zone.setEditable(True)
        self.zone.addItems(sorted({local_zone(), "UTC", "Europe/London", "Europe/Berlin", "Europe/Zurich",
                                   "America/New_York", "Asia/Dubai", "Asia/Singapore"}))
        self.zone.setCurrentText(local_zone())
        self.description = self.add_field("description", "Agenda", QPlainTextEdit())
        self.description.setMaximumHeight(90)
        if moving:
            google, actor = session.services.google, session.actor
            session.runner.submit(lambda: google.meeting_times(actor, moving), owner=self, key="times",
                                  on_done=self.show_times, on_error=self._failed)
            self.summary.setEnabled(False)
            self.description.setEnabled(False)
        note = QLabel("Google Calendar tells the prospect the new time." if moving else
                      "Google Calendar invites the prospect and adds a Google Meet link.")
        note.setWordWrap(True)
        self.form.addRow("", note)

    def show_times(self, times: tuple[datetime, datetime, str]) -> None:
        """The moved meeting's current time, in its own zone, to start from."""
        start, end, zone = times
        self.zone.setCurrentText(zone)
        self.start.setDateTime(QDateTime(start.date(), start.time().replace(tzinfo=None)))
        self.minutes.setValue(max(5, int((end - start).total_seconds() // 60)))

    def local_problems(self) -> dict[str, str]:
        try:
            ZoneInfo(self.zone.currentText())
        except (KeyError, ValueError):
            return {"time_zone": f"{self.zone.currentText()!r} is not a time zone such as Europe/Berlin."}
        return {}

    def times(self) -> tuple[datetime, datetime, str]:
        zone = self.zone.currentText()
        naive = self.start.dateTime().toPython()
        start = naive.replace(second=0, microsecond=0, tzinfo=ZoneInfo(zone))
        return start, start + timedelta(minutes=self.minutes.value()), zone

    def call(self) -> Any:
        start, end, zone = self.times()
        if self.moving:
            return self.session.services.google.reschedule_meeting(self.session.actor, self.moving, start, end, zone)
        return self.session.services.google.schedule_meeting(
            self.session.actor, self.prospect.prospect_id, self.summary.text(), start, end,
            description=self.description.toPlainText(), time_zone=zone)
