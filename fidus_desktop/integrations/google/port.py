"""The ``GoogleWorkspace`` port: the few Gmail, Calendar and Drive calls the CRM makes, for one user.

Every write can be repeated safely, which the outbox relies on (a retry must never send twice):

- an e-mail carries a ``Message-ID`` the caller chose; ``find_sent`` looks it up in Gmail before a resend;
- an event has an id the caller derived from its job (Calendar refuses a second event with that id, and the
  adapter then returns the first);
- a Drive folder or file carries the caller's key in its ``appProperties`` and is looked up by it first.

The real adapter is ``api.GoogleApi``; ``fake.FakeGoogle`` is the test double (tests and benchmarks only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from fidus_desktop.errors import UserError

GMAIL_SEND = "https://www.googleapis.com/auth/gmail.send"
GMAIL_READ = "https://www.googleapis.com/auth/gmail.readonly"
CALENDAR_EVENTS = "https://www.googleapis.com/auth/calendar.events"
DRIVE_FILE = "https://www.googleapis.com/auth/drive.file"  # only the files and folders FIDUS creates
SCOPES = (GMAIL_SEND, GMAIL_READ, CALENDAR_EVENTS, DRIVE_FILE)
SCOPE_USES = {GMAIL_SEND: "send e-mail", GMAIL_READ: "read the messages exchanged with a prospect",
              CALENDAR_EVENTS: "schedule meetings", DRIVE_FILE: "keep documents in Drive folders"}


class GoogleError(UserError):
    """Google refused or did not answer. ``status`` is the HTTP status (None: no answer, a network error);
    the outbox's policy (``domain.crm.outbox``) decides from it whether to retry."""

    def __init__(self, status: int | None, detail: str, message: str | None = None) -> None:
        self.status, self.detail = status, detail
        super().__init__(message or (f"Google answered HTTP {status}: {detail}" if status is not None
                                     else f"Google could not be reached: {detail}. Check the network; "
                                          "the outbox retries by itself."))


class GoogleNotConfigured(UserError):
    """The office has not set up its OAuth client (``google.oauth_client_file``)."""


class GoogleNotConnected(UserError):
    """This user has not connected a Google account, or its consent was revoked (reconnect)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime_type: str
    data: bytes


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    body: str  # plain text
    message_id: str  # "<…@…>", chosen by the caller so a resend can be checked first
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class SentEmail:
    gmail_id: str
    thread_id: str


@dataclass(frozen=True)
class MailMessage:
    """A message exchanged with an address, as the timeline shows it (headers and snippet, no body)."""

    gmail_id: str
    thread_id: str
    sender: str
    recipients: str
    subject: str
    sent_at: datetime | None
    snippet: str


@dataclass(frozen=True)
class MailPage:
    """Messages found and the mailbox's history id to continue from next time (incremental reading)."""

    messages: tuple[MailMessage, ...]
    history_id: str


@dataclass(frozen=True)
class MeetingRequest:
    event_id: str  # 5-1024 characters of a-v and 0-9 (Calendar's rule); derived from the job's key
    summary: str
    start: datetime
    end: datetime
    attendees: tuple[str, ...]
    description: str = ""
    time_zone: str = "UTC"


@dataclass(frozen=True)
class Meeting:
    event_id: str
    html_link: str
    meet_link: str | None  # None while Google is still creating the conference
    status: str = "confirmed"


@dataclass(frozen=True)
class DriveItem:
    file_id: str
    name: str
    web_link: str
    app_key: str = ""


@dataclass(frozen=True)
class Upload:
    folder_id: str
    filename: str
    mime_type: str
    data: bytes
    app_key: str  # the natural key the file is found by when an upload is repeated


@dataclass(frozen=True)
class Account:
    email: str
    scopes: tuple[str, ...] = field(default=SCOPES)


class GoogleWorkspace(Protocol):
    """One signed-in user's Google account."""

    def account(self) -> Account: ...

    def send_email(self, email: OutgoingEmail) -> SentEmail: ...

    def find_sent(self, message_id: str) -> SentEmail | None: ...

    def messages_with(self, address: str, since_history_id: str | None = None) -> MailPage: ...

    def create_meeting(self, meeting: MeetingRequest) -> Meeting: ...

    def reschedule_meeting(self, event_id: str, start: datetime, end: datetime, time_zone: str = "UTC") -> Meeting: ...

    def cancel_meeting(self, event_id: str) -> None: ...

    def ensure_folder(self, name: str, app_key: str, parent_id: str | None = None) -> DriveItem: ...

    def upload(self, upload: Upload) -> DriveItem: ...
