"""The real ``GoogleWorkspace``: Gmail v1, Calendar v3 and Drive v3 through google-api-python-client.

Services are built from the discovery documents the library ships (``static_discovery=True``): no network
call before the first real request, and the exact same code path runs against ``HttpMockSequence`` in
tests. One instance belongs to one worker thread at a time (httplib2 connections are not thread-safe).
Every failure leaves as ``GoogleError`` with the HTTP status the outbox's policy decides on: an expired or
revoked consent (``invalid_grant`` while refreshing) is a 401.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from typing import Any

import httplib2
from google.auth.exceptions import RefreshError, TransportError
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaInMemoryUpload

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

log = logging.getLogger(__name__)

FOLDER_MIME = "application/vnd.google-apps.folder"
APP_KEY = "fidus_key"  # the appProperties entry a folder or file is found by
RAW_LIMIT = 4 * 1024 * 1024  # larger messages go through Gmail's upload endpoint (up to 35 MB)
MAX_LISTED = 500  # messages read on a first sync with an address (newest first)
DRIVE_FIELDS = "id,name,webViewLink,appProperties"
RECONNECT = ("Google access was revoked or has expired: reconnect Google (Admin › Google, or "
             "`fidus google connect`), then retry.")


class GoogleApi:
    """``http`` makes the transport: an ``AuthorizedHttp`` over the user's credentials, or a mock in tests."""

    def __init__(self, http: Callable[[], Any]) -> None:
        self._http = http
        self._services: dict[str, Any] = {}

    def _service(self, name: str, version: str) -> Any:
        if name not in self._services:
            self._services[name] = build(name, version, http=self._http(), static_discovery=True,
                                         cache_discovery=False)
        return self._services[name]

    # -- Gmail -------------------------------------------------------------------------------------------
    def account(self) -> Account:
        profile = _run(self._gmail().users().getProfile(userId="me"))
        return Account(profile["emailAddress"])

    def _gmail(self) -> Any:
        return self._service("gmail", "v1")

    def send_email(self, email: OutgoingEmail) -> SentEmail:
        raw = _mime(email)
        messages = self._gmail().users().messages()
        if len(raw) <= RAW_LIMIT:
            request = messages.send(userId="me", body={"raw": base64.urlsafe_b64encode(raw).decode("ascii")})
        else:
            request = messages.send(userId="me", body={},
                                    media_body=MediaInMemoryUpload(raw, mimetype="message/rfc822", resumable=False))
        sent = _run(request)
        return SentEmail(sent["id"], sent.get("threadId", ""))

    def find_sent(self, message_id: str) -> SentEmail | None:
        found = _run(self._gmail().users().messages().list(userId="me", q=f"rfc822msgid:{message_id}",
                                                           includeSpamTrash=True, maxResults=1))
        first = (found.get("messages") or [None])[0]
        return SentEmail(first["id"], first.get("threadId", "")) if first else None

    def messages_with(self, address: str, since_history_id: str | None = None) -> MailPage:
        """Messages from or to ``address``: all of them (newest ``MAX_LISTED``) the first time, then only those
        added since ``since_history_id``. A history id Gmail no longer keeps (404) starts over."""
        users = self._gmail().users()
        if since_history_id:
            try:
                ids, history_id = self._added_since(since_history_id)
            except GoogleError as exc:
                if exc.status != 404:
                    raise
            else:
                found = (self._metadata(i) for i in ids)
                return MailPage(tuple(m for m in found if m and _involves(m, address)), history_id)
        history_id = str(_run(users.getProfile(userId="me"))["historyId"])  # before listing: nothing slips between
        ids = []
        for page in _pages(lambda token: users.messages().list(userId="me", q=f"from:{address} OR to:{address}",
                                                                maxResults=100, pageToken=token)):
            ids += [m["id"] for m in page.get("messages", [])]
            if len(ids) >= MAX_LISTED:
                break
        found = (self._metadata(i) for i in ids[:MAX_LISTED])
        return MailPage(tuple(m for m in found if m), history_id)

    def _added_since(self, start: str) -> tuple[list[str], str]:
        history = self._gmail().users().history()
        ids: list[str] = []
        latest = start
        for page in _pages(lambda token: history.list(userId="me", startHistoryId=start,
                                                      historyTypes="messageAdded", pageToken=token)):
            latest = str(page.get("historyId", latest))
            for record in page.get("history", []):
                ids += [added["message"]["id"] for added in record.get("messagesAdded", [])]
        return list(dict.fromkeys(ids)), latest

    def _metadata(self, gmail_id: str) -> MailMessage | None:
        try:
            doc = _run(self._gmail().users().messages().get(
                userId="me", id=gmail_id, format="metadata", metadataHeaders=["From", "To", "Cc", "Subject", "Date"]))
        except GoogleError as exc:
            if exc.status == 404:  # deleted since it was listed
                return None
            raise
        headers = {h["name"].lower(): h["value"] for h in doc.get("payload", {}).get("headers", [])}
        return MailMessage(doc["id"], doc.get("threadId", ""), headers.get("from", ""),
                           ", ".join(v for v in (headers.get("to"), headers.get("cc")) if v),
                           headers.get("subject", ""), _date(headers.get("date")), doc.get("snippet", ""))

    # -- Calendar ----------------------------------------------------------------------------------------
    def _events(self) -> Any:
        return self._service("calendar", "v3").events()

    def create_meeting(self, meeting: MeetingRequest) -> Meeting:
        """Insert the event with a Google Meet conference; a second insert with the same id (a retry after a
        lost answer) is refused by Calendar with 409, and the first event is returned."""
        body = {
            "id": meeting.event_id, "summary": meeting.summary, "description": meeting.description,
            "start": {"dateTime": meeting.start.isoformat(), "timeZone": meeting.time_zone},
            "end": {"dateTime": meeting.end.isoformat(), "timeZone": meeting.time_zone},
            "attendees": [{"email": a} for a in meeting.attendees],
            "conferenceData": {"createRequest": {"requestId": meeting.event_id,
                                                 "conferenceSolutionKey": {"type": "hangoutsMeet"}}},
        }
        try:
            event = _run(self._events().insert(calendarId="primary", body=body, conferenceDataVersion=1,
                                               sendUpdates="all"))
        except GoogleError as exc:
            if exc.status != 409:
                raise
            event = _run(self._events().get(calendarId="primary", eventId=meeting.event_id))
        return _meeting(event)

    def reschedule_meeting(self, event_id: str, start: datetime, end: datetime, time_zone: str = "UTC") -> Meeting:
        body = {"start": {"dateTime": start.isoformat(), "timeZone": time_zone},
                "end": {"dateTime": end.isoformat(), "timeZone": time_zone}}
        return _meeting(_run(self._events().patch(calendarId="primary", eventId=event_id, body=body,
                                                  sendUpdates="all")))

    def cancel_meeting(self, event_id: str) -> None:
        try:
            _run(self._events().delete(calendarId="primary", eventId=event_id, sendUpdates="all"))
        except GoogleError as exc:
            if exc.status != 410:  # already cancelled: the outcome wanted
                raise

    # -- Drive -------------------------------------------------------------------------------------------
    def _files(self) -> Any:
        return self._service("drive", "v3").files()

    def _find(self, app_key: str, *conditions: str) -> DriveItem | None:
        query = " and ".join([f"appProperties has {{ key='{APP_KEY}' and value='{_quoted(app_key)}' }}",
                              "trashed=false", *conditions])
        found = _run(self._files().list(q=query, spaces="drive", pageSize=1, fields=f"files({DRIVE_FIELDS})"))
        files = found.get("files") or []
        return _item(files[0]) if files else None

    def ensure_folder(self, name: str, app_key: str, parent_id: str | None = None) -> DriveItem:
        existing = self._find(app_key, f"mimeType='{FOLDER_MIME}'")
        if existing:
            return existing
        body: dict[str, Any] = {"name": name, "mimeType": FOLDER_MIME, "appProperties": {APP_KEY: app_key}}
        if parent_id:
            body["parents"] = [parent_id]
        return _item(_run(self._files().create(body=body, fields=DRIVE_FIELDS)))

    def upload(self, upload: Upload) -> DriveItem:
        existing = self._find(upload.app_key, f"'{_quoted(upload.folder_id)}' in parents")
        if existing:
            return existing
        body = {"name": upload.filename, "parents": [upload.folder_id], "appProperties": {APP_KEY: upload.app_key}}
        media = MediaInMemoryUpload(upload.data, mimetype=upload.mime_type, resumable=False)
        return _item(_run(self._files().create(body=body, media_body=media, fields=DRIVE_FIELDS)))


def _run(request: Any) -> Any:
    """Execute one request; every failure becomes a ``GoogleError`` with its HTTP status (None: no answer)."""
    try:
        return request.execute(num_retries=0)  # the outbox retries, with backoff, across restarts
    except HttpError as exc:
        raise _http_error(exc) from exc
    except RefreshError as exc:
        raise GoogleError(401, f"invalid_grant: {exc}", RECONNECT) from exc
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise GoogleError(None, type(exc).__name__) from exc


def _http_error(exc: HttpError) -> GoogleError:
    status = int(exc.resp.status)
    reason = str(getattr(exc, "reason", "") or "").strip() or exc.resp.reason
    if status == 401:
        return GoogleError(status, reason, RECONNECT)
    if status == 403 and ("scope" in reason.lower() or "insufficient" in reason.lower()):
        return GoogleError(status, reason, "Google refused: FIDUS lacks a permission (scope) it needs. Reconnect "
                                           "Google and grant every permission asked for.")
    return GoogleError(status, reason)


def _pages(request_for: Callable[[str | None], Any]) -> Iterator[dict[str, Any]]:
    token: str | None = None
    while True:
        page = _run(request_for(token))
        yield page
        token = page.get("nextPageToken")
        if not token:
            return


def _mime(email: OutgoingEmail) -> bytes:
    message = EmailMessage()
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    for attachment in email.attachments:
        main, _, sub = attachment.mime_type.partition("/")
        message.add_attachment(attachment.data, maintype=main or "application", subtype=sub or "octet-stream",
                               filename=attachment.filename)
    return message.as_bytes()


def _involves(message: MailMessage, address: str) -> bool:
    wanted = address.strip().lower()
    return wanted in message.sender.lower() or wanted in message.recipients.lower()


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _meeting(event: dict[str, Any]) -> Meeting:
    video = [e["uri"] for e in event.get("conferenceData", {}).get("entryPoints", [])
             if e.get("entryPointType") == "video"]
    return Meeting(event["id"], event.get("htmlLink", ""), event.get("hangoutLink") or (video[0] if video else None),
                   event.get("status", "confirmed"))


def _item(doc: dict[str, Any]) -> DriveItem:
    return DriveItem(doc["id"], doc.get("name", ""), doc.get("webViewLink", ""),
                     (doc.get("appProperties") or {}).get(APP_KEY, ""))


def _quoted(value: str) -> str:
    """A value inside a Drive query's single quotes."""
    return value.replace("\\", "\\\\").replace("'", "\\'")
