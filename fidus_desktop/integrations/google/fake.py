"""``FakeGoogle``: an in-memory ``GoogleWorkspace`` for tests, the UI's tests and the outbox benchmark.

It keeps what was "sent" so a test can count it, honours the same idempotency rules as Google (a second
event with the same id is refused, Drive items are found by their key, a Message-ID can be looked up), and
can be told to fail: ``fail_next(status, times)`` or ``lose_answer_next()`` (Google acted, the answer is lost).
It is never wired into the product.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from datetime import datetime

from fidus_desktop.integrations.google.port import (
    Account,
    DriveItem,
    GoogleError,
    MailMessage,
    MailPage,
    Meeting,
    MeetingRequest,
    OutgoingEmail,
    SentEmail,
    Upload,
)


@dataclass
class FakeGoogle:
    email: str = "manager@office.example"
    sent: list[OutgoingEmail] = field(default_factory=list)
    inbox: list[MailMessage] = field(default_factory=list)
    meetings: dict[str, MeetingRequest] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    items: dict[str, DriveItem] = field(default_factory=dict)
    uploads: list[Upload] = field(default_factory=list)
    _failures: list[int | None] = field(default_factory=list)
    _lose_answers: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, status: int | None, times: int = 1) -> None:
        self._failures += [status] * times

    def lose_answer_next(self, times: int = 1) -> None:
        self._lose_answers += times

    def _gate(self) -> None:
        if self._failures:
            status = self._failures.pop(0)
            raise GoogleError(status, "invalid_grant" if status == 401 else "injected by the test")

    def _answer(self) -> None:
        """Called after the action: raise as if the answer was lost on the way back."""
        if self._lose_answers:
            self._lose_answers -= 1
            raise GoogleError(None, "TimeoutError")

    def account(self) -> Account:
        self._gate()
        return Account(self.email)

    def send_email(self, email: OutgoingEmail) -> SentEmail:
        with self._lock:
            self._gate()
            self.sent.append(email)
            number = len(self.sent)
            self._answer()
        return SentEmail(f"m{number}", f"t{number}")

    def find_sent(self, message_id: str) -> SentEmail | None:
        self._gate()
        for number, email in enumerate(self.sent, 1):
            if email.message_id == message_id:
                return SentEmail(f"m{number}", f"t{number}")
        return None

    def messages_with(self, address: str, since_history_id: str | None = None) -> MailPage:
        self._gate()
        start = int(since_history_id or 0)
        wanted = address.lower()
        found = [m for m in self.inbox[start:] if wanted in m.sender.lower() or wanted in m.recipients.lower()]
        return MailPage(tuple(found), str(len(self.inbox)))

    def create_meeting(self, meeting: MeetingRequest) -> Meeting:
        self._gate()
        self.meetings.setdefault(meeting.event_id, meeting)
        self._answer()
        return self._meeting(meeting.event_id)

    def _meeting(self, event_id: str) -> Meeting:
        status = "cancelled" if event_id in self.cancelled else "confirmed"
        return Meeting(event_id, f"https://calendar.google.com/event?eid={event_id}",
                       f"https://meet.google.com/{event_id[:3]}-{event_id[3:7]}-{event_id[7:10]}", status)

    def reschedule_meeting(self, event_id: str, start: datetime, end: datetime, time_zone: str = "UTC") -> Meeting:
        self._gate()
        if event_id not in self.meetings:
            raise GoogleError(404, "notFound")
        self.meetings[event_id] = replace(self.meetings[event_id], start=start, end=end, time_zone=time_zone)
        return self._meeting(event_id)

    def cancel_meeting(self, event_id: str) -> None:
        self._gate()
        self.cancelled.add(event_id)

    def ensure_folder(self, name: str, app_key: str, parent_id: str | None = None) -> DriveItem:
        self._gate()
        number = len(self.items) + 1
        item = self.items.setdefault(app_key, DriveItem(f"f{number}", name,
                                                        f"https://drive.google.com/drive/folders/f{number}", app_key))
        self._answer()
        return item

    def upload(self, upload: Upload) -> DriveItem:
        self._gate()
        if upload.app_key not in self.items:
            self.uploads.append(upload)
            number = len(self.items) + 1
            self.items[upload.app_key] = DriveItem(f"d{number}", upload.filename,
                                                   f"https://drive.google.com/file/d/d{number}/view", upload.app_key)
        self._answer()
        return self.items[upload.app_key]
