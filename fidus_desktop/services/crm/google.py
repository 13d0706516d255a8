"""Google Workspace from the CRM: connecting one's account, and e-mail, meetings and Drive for a prospect or
an investor (a *party*: a prospect's id, or an investor's id or number).

Every write is queued in the outbox (``services/crm/outbox.py``) under a natural key and run by a worker with
the user's own Google account; nothing here talks to Google on the caller's thread except ``connect``
(the consent flow) and ``sync_mail`` (reading, run by the tab's worker). Which adapter is used is the
composition root's choice (``features/crm.py``): the real one over the office's OAuth client, or a test double.

Natural keys: an e-mail is keyed by the prospect and a hash of its recipient, subject, text and attachments
(the same e-mail to the same person is sent once; change the text to send another); a meeting by the
prospect, its start and title; an upload by the prospect and the file's content and name; a prospect's Drive
folder by the prospect. The key also derives the e-mail's Message-ID and the event's id, which is how a
retry finds what an interrupted attempt already did.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fidus_desktop.config.settings import Settings
from fidus_desktop.domain.crm.mail_merge import MergeError, render
from fidus_desktop.errors import UserError
from fidus_desktop.integrations.google.port import (
    Attachment,
    GoogleWorkspace,
    MeetingRequest,
    OutgoingEmail,
    Upload,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.outbox import DrainReport, Executor, JobKind, Outbox, OutboxJob
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio.investors import Investor, InvestorService
from fidus_desktop.store.port import Document

if TYPE_CHECKING:
    from fidus_desktop.services.crm.activities import ActivityService

ACCOUNTS = "crm_google_accounts"
MAIL = "crm_mail"  # messages exchanged with a party, read from Gmail (headers and snippet)
MAIL_STATE = "crm_mail_state"  # per user and party: the Gmail history id to continue from
LINKS = "crm_google_links"  # a party's Drive folder
# What each job, message, state and link is about: a prospect's or an investor's id (both UUIDs, never equal).
PARTY_DEPENDENTS = (("crm_outbox", "party_id"), (MAIL, "party_id"), (MAIL_STATE, "party_id"), (LINKS, "party_id"))
MAX_ATTACHMENTS_BYTES = 10 * 1024 * 1024


class Connector(Protocol):
    """Makes and removes users' Google connections (``integrations.google.oauth.GoogleConnector``)."""

    client_file: str

    def problem(self) -> str | None: ...

    def connect(self, username: str) -> Any: ...

    def stored(self, username: str) -> Any: ...

    def workspace(self, username: str) -> GoogleWorkspace: ...

    def disconnect(self, username: str) -> bool: ...


@dataclass(frozen=True)
class GoogleStatus:
    """What the status line and ``fidus google status`` say about the user's Google connection."""

    configured: bool
    problem: str  # why Google cannot be used here (not configured), else empty
    connected: bool
    email: str
    missing: tuple[str, ...]  # uses of the scopes the user did not grant
    needs_reconnect: bool
    reason: str

    @property
    def summary(self) -> str:
        if not self.configured:
            return "Google: not configured for this office"
        if not self.connected:
            return "Google: not connected"
        if self.needs_reconnect:
            return f"Google: reconnect needed ({self.email})"
        if self.missing:
            return f"Google: connected as {self.email}, but may not {', '.join(self.missing)}"
        return f"Google: connected as {self.email}"


@dataclass(frozen=True)
class Party:
    """Who an action is for: a prospect or an investor, with what e-mails, folders and merge fields need."""

    kind: str  # "prospect" | "investor"
    party_id: str
    email: str | None
    folder_name: str
    values: dict[str, object]  # merge fields


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "e-mail sent", "e-mail", "meeting", "document", "drive folder", …
    title: str
    detail: str
    link: str
    status: str  # the outbox job's status, or "in Gmail" for mail read from Gmail
    job_id: str = ""  # the outbox job behind it (empty for mail read from Gmail)
    meeting: bool = False  # a scheduled meeting: it can be moved or cancelled


def client_file_problem(path: str) -> str | None:
    """Why the office's OAuth client file is not usable (``fidus doctor``), None when it is."""
    from fidus_desktop.integrations.google.oauth import client_config

    try:
        client_config(path)
    except UserError as exc:
        return str(exc)
    return None


def _digest(*parts: object) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def event_id(key: str) -> str:
    """A Calendar event id from a job key: base32hex (a-v, 0-9) as Calendar requires."""
    return "fidus" + base64.b32hexencode(hashlib.sha256(key.encode()).digest()[:20]).decode().lower().rstrip("=")


def message_id(key: str) -> str:
    return f"<{_digest(key)[:40]}@fidus-desktop>"


class GoogleService(Service):
    def __init__(self, ctx: ServiceContext, outbox: Outbox, connector: Connector,
                 workspace_for: Callable[[str], GoogleWorkspace] | None = None,
                 settings: Settings | None = None, investors: InvestorService | None = None,
                 activities: ActivityService | None = None) -> None:
        """``activities``: when given, a meeting queued for Calendar is also planned as an activity."""
        super().__init__(ctx)
        self.investors = investors
        self.activities = activities
        self.outbox = outbox
        self.connector = connector
        self.settings = settings
        self._workspace_for = workspace_for or connector.workspace
        self.accounts = ctx.store.collection(ACCOUNTS)
        self.mail = ctx.store.collection(MAIL)
        self.mail_state = ctx.store.collection(MAIL_STATE)
        self.links = ctx.store.collection(LINKS)
        self.prospects = ctx.store.collection("crm_prospects")

    def ensure_indexes(self) -> None:
        self.accounts.ensure_index(["username"], unique=True)
        self.mail.ensure_index(["party_id", "gmail_id"], unique=True)
        self.mail_state.ensure_index(["username", "party_id"], unique=True)
        self.links.ensure_index(["party_id"], unique=True)

    # -- the office's OAuth client -------------------------------------------------------------------------
    def client_file(self, actor: Actor) -> tuple[str, str | None]:
        """The OAuth client file this workstation uses and what is wrong with it (None: usable)."""
        require(actor, CrmPermission.READ)
        return self.connector.client_file, self.connector.problem()

    def configure(self, actor: Actor, path: str) -> str:
        """Point this workstation at the office's OAuth client file (checked first; written to the settings
        file, ``google.oauth_client_file``). An administrator's task (``settings.manage``)."""
        require(actor, Permission.SETTINGS_MANAGE)
        path = self.required_text(path, "client_file", "The OAuth client file", max_length=1000)
        problem = client_file_problem(path)
        if problem:
            raise ValidationError({"client_file": problem})
        if self.settings is None:
            raise ValidationError({"client_file": "There is no settings file to write to here; set "
                                                  "google.oauth_client_file in it by hand."})
        self.settings.set("google.oauth_client_file", path)
        self.settings.save()  # the file first, as before: the change that records it may run more than once
        self.connector.client_file = path
        self.change(actor, Permission.SETTINGS_MANAGE, lambda rec: rec.record(
            "google.configure", "settings", "google.oauth_client_file", after={"file": path}))
        return path

    # -- the connection -------------------------------------------------------------------------------------
    def status(self, actor: Actor) -> GoogleStatus:
        require(actor, CrmPermission.READ)
        problem = self.connector.problem()
        if problem:
            return GoogleStatus(False, problem, False, "", (), False, "")
        token = self.connector.stored(actor.username)
        account = self.accounts.find_one({"username": actor.username}) or {}
        if token is None:
            return GoogleStatus(True, "", False, "", (), False, "")
        return GoogleStatus(True, "", True, token.email, tuple(token.missing_scopes()),
                            bool(account.get("needs_reconnect")), account.get("reason") or "")

    def connect(self, actor: Actor) -> GoogleStatus:
        """Run the consent flow (a browser window; minutes) and record the connection; jobs that stopped for
        want of consent are queued again."""
        require(actor, CrmPermission.GOOGLE)
        token = self.connector.connect(actor.username)

        def write(rec: ChangeRecorder) -> None:
            self._account(actor, {"email": token.email, "scopes": list(token.scopes), "connected_at": self.now(),
                                  "needs_reconnect": False, "reason": None})
            rec.record("google.connect", "google_account", actor.username,
                       after={"scopes": list(token.scopes), "missing": token.missing_scopes()})

        self.change(actor, CrmPermission.GOOGLE, write)
        self.outbox.requeue_reconnect(actor)
        return self.status(actor)

    def disconnect(self, actor: Actor) -> bool:
        """Revoke the consent and forget the token; queued jobs wait for the next connection. True when Google
        confirmed the revocation."""
        require(actor, CrmPermission.GOOGLE)
        revoked = self.connector.disconnect(actor.username)

        def write(rec: ChangeRecorder) -> None:
            self._account(actor, {"disconnected_at": self.now(), "needs_reconnect": False, "reason": None})
            rec.record("google.disconnect", "google_account", actor.username, after={"revoked_at_google": revoked})

        self.change(actor, CrmPermission.GOOGLE, write)
        return revoked

    def _account(self, actor: Actor, changes: Document) -> None:
        doc = self.accounts.find_one({"username": actor.username})
        if doc is None:
            self.accounts.insert({"username": actor.username, **changes})
        else:
            self.accounts.update(doc["_id"], changes, expected_version=doc["version"])

    def workspace(self, actor: Actor) -> GoogleWorkspace:
        """The user's Google account (``GoogleNotConnected`` says how to connect it)."""
        require(actor, CrmPermission.GOOGLE)
        return self._workspace_for(actor.username)

    # -- queueing actions for a prospect --------------------------------------------------------------------
    def send_email(self, actor: Actor, party_id: str, subject: str, body: str,
                   attachments: Sequence[tuple[str, bytes]] = ()) -> tuple[OutboxJob, bool]:
        """Queue an e-mail to the prospect, merge fields filled in; False: the same e-mail was queued before."""
        require(actor, CrmPermission.GOOGLE)
        party = self._party(actor, party_id)
        party_id = party.party_id  # an investor named by number: its id
        to = party.email
        if not to:
            raise ValidationError({"to": f"The {party.kind} has no e-mail address; add one first."})
        subject, body = self.required_text(subject, "subject", "The subject", max_length=500), body or ""
        try:
            subject, body = render(subject, party.values), render(body, party.values)
        except MergeError as exc:
            raise ValidationError({"body": str(exc)}) from None
        files = [{"filename": name, "mime_type": mimetypes.guess_type(name)[0] or "application/octet-stream",
                  "data": data} for name, data in attachments]
        if sum(len(f["data"]) for f in files) > MAX_ATTACHMENTS_BYTES:
            raise ValidationError({"attachments": f"The attachments exceed {MAX_ATTACHMENTS_BYTES // 2**20} MB; "
                                                  "put large documents in the Drive folder instead."})
        key = "gmail:" + _digest(party_id, to, subject, body, *(_digest(f["filename"], f["data"]) for f in files))
        payload = {"to": to, "subject": subject, "body": body, "message_id": message_id(key), "attachments": files}
        return self.outbox.enqueue(actor, JobKind.SEND_EMAIL, key, payload, party_id=party_id,
                                   summary=f"E-mail: {subject}")

    def send_notice(self, actor: Actor, key: str, to: str, subject: str, body: str, *,
                    party_id: str | None = None) -> tuple[OutboxJob, bool]:
        """Queue an e-mail the app writes itself (an envelope's reminder to a signer) to ``to``, under the
        caller's natural ``key``; ``party_id`` puts it on that party's timeline. False: queued before."""
        require(actor, CrmPermission.GOOGLE)
        to = self.required_text(to, "to", "The recipient's e-mail address", max_length=320)
        if "@" not in to:
            raise ValidationError({"to": f"{to!r} is not an e-mail address."})
        subject = self.required_text(subject, "subject", "The subject", max_length=500)
        key = self.required_text(key, "key", "The e-mail's key", max_length=300)
        payload = {"to": to, "subject": subject, "body": body or "", "message_id": message_id(key), "attachments": []}
        return self.outbox.enqueue(actor, JobKind.SEND_EMAIL, key, payload, party_id=party_id,
                                   summary=f"E-mail: {subject}")

    def schedule_meeting(self, actor: Actor, party_id: str, summary: str, start: datetime, end: datetime, *,
                         description: str = "", time_zone: str = "UTC") -> tuple[OutboxJob, bool]:
        """Queue a Calendar event with the prospect or investor as attendee and a Google Meet link."""
        require(actor, CrmPermission.GOOGLE)
        party = self._party(actor, party_id)
        party_id = party.party_id  # an investor named by number: its id
        summary = self.required_text(summary, "summary", "The title")
        self._check_times(start, end, time_zone)
        if not party.email:
            raise ValidationError({"to": f"The {party.kind} has no e-mail address to invite; add one first."})
        key = "calendar:" + _digest(party_id, start.isoformat(), summary)
        payload = {"event_id": event_id(key), "summary": summary, "description": description or "",
                   "start": start, "end": end, "time_zone": time_zone, "attendees": [party.email]}

        def queue() -> tuple[OutboxJob, bool]:  # the invitation and its activity together, or neither
            queued = self.outbox.enqueue(actor, JobKind.MEETING, key, payload, party_id=party_id,
                                         summary=f"Meeting: {summary}, {_local(start, time_zone)}")
            if queued[1] and self.activities is not None:
                self.activities.record_meeting(actor, party.kind, party_id, summary, start)
            return queued

        return self.store.atomic(queue)

    def reschedule_meeting(self, actor: Actor, job_id: str, start: datetime, end: datetime,
                           time_zone: str = "UTC") -> tuple[OutboxJob, bool]:
        meeting = self._meeting_job(actor, job_id)
        self._check_times(start, end, time_zone)
        key = f"calendar-move:{meeting.job_id}:{start.isoformat()}:{end.isoformat()}"
        payload = {"event_id": self.outbox.payload(job_id)["event_id"], "start": start, "end": end,
                   "time_zone": time_zone}
        return self.outbox.enqueue(actor, JobKind.RESCHEDULE, key, payload, party_id=meeting.party_id,
                                   summary=f"Move meeting to {_local(start, time_zone)}")

    def meeting_times(self, actor: Actor, job_id: str) -> tuple[datetime, datetime, str]:
        """A meeting's start, end and time zone as last asked for (its newest move not cancelled, else its own)."""
        require(actor, CrmPermission.READ)
        meeting = self.outbox.payload(job_id)
        moves = [d for d in self.outbox.jobs.find({"kind": JobKind.RESCHEDULE.value,
                                                   "payload.event_id": meeting["event_id"]},
                                                  sort=[("created_at", -1), ("_id", -1)])
                 if d["status"] != "cancelled"]
        latest = moves[0]["payload"] if moves else meeting
        zone = ZoneInfo(latest["time_zone"])
        return latest["start"].astimezone(zone), latest["end"].astimezone(zone), latest["time_zone"]

    def cancel_meeting(self, actor: Actor, job_id: str) -> tuple[OutboxJob, bool]:
        meeting = self._meeting_job(actor, job_id)
        return self.outbox.enqueue(actor, JobKind.CANCEL_MEETING, f"calendar-cancel:{meeting.job_id}",
                                   {"event_id": self.outbox.payload(job_id)["event_id"]},
                                   party_id=meeting.party_id, summary=f"Cancel {meeting.summary}")

    def drive_folder(self, actor: Actor, party_id: str) -> tuple[OutboxJob, bool]:
        """Queue the party's Drive folder (made once; later calls return the same job)."""
        require(actor, CrmPermission.GOOGLE)
        party = self._party(actor, party_id)
        party_id = party.party_id  # an investor named by number: its id
        name = party.folder_name
        return self.outbox.enqueue(actor, JobKind.DRIVE_FOLDER, f"drive-folder:{party_id}",
                                   {"name": name, "app_key": f"{party.kind}:{party_id}"}, party_id=party_id,
                                   summary=f"Drive folder: {name}")

    def upload(self, actor: Actor, party_id: str, filename: str, data: bytes) -> tuple[OutboxJob, bool]:
        """Queue a document for the party's Drive folder (the folder is made first when missing)."""
        require(actor, CrmPermission.GOOGLE)
        filename = self.required_text(filename, "filename", "The file name")
        if not data:
            raise ValidationError({"file": f"{filename} is empty; choose the document again."})
        if len(data) > MAX_ATTACHMENTS_BYTES:
            raise ValidationError({"file": f"{filename} is larger than {MAX_ATTACHMENTS_BYTES // 2**20} MB."})
        party = self._party(actor, party_id)
        party_id = party.party_id  # an investor named by number: its id
        key = "drive-upload:" + _digest(party_id, filename, data)
        payload = {"folder_name": party.folder_name, "folder_key": f"{party.kind}:{party_id}", "filename": filename,
                   "mime_type": mimetypes.guess_type(filename)[0] or "application/octet-stream", "data": data,
                   "app_key": key}
        return self.outbox.enqueue(actor, JobKind.DRIVE_UPLOAD, key, payload, party_id=party_id,
                                   summary=f"Upload {filename}")

    def folder_link(self, actor: Actor, party_id: str) -> str | None:
        """The party's Drive folder once made (None: not yet)."""
        require(actor, CrmPermission.READ)
        doc = self.links.find_one({"party_id": self._party(actor, party_id).party_id})
        return doc["link"] if doc else None

    # -- running the outbox ---------------------------------------------------------------------------------
    def run_outbox(self, actor: Actor, *, limit: int | None = None) -> DrainReport:
        """Run the user's due jobs with their Google account. Not connected: nothing runs (jobs wait)."""
        report = self.outbox.drain(actor, self.executors(self.workspace(actor)), limit=limit)
        if report.reconnect:
            def write(rec: ChangeRecorder) -> None:
                self._account(actor, {"needs_reconnect": True, "reason": "Google refused the stored consent."})
                rec.record("google.reconnect_needed", "google_account", actor.username)

            self.change(actor, CrmPermission.GOOGLE, write)
        return report

    def executors(self, google: GoogleWorkspace) -> dict[JobKind, Executor]:
        """What each kind of job does with Google; ``reached``: an earlier attempt may have got through."""

        def send(doc: Document, reached: bool) -> dict[str, Any]:
            p = doc["payload"]
            found = google.find_sent(p["message_id"]) if reached else None
            sent = found or google.send_email(OutgoingEmail(
                p["to"], p["subject"], p["body"], p["message_id"],
                tuple(Attachment(a["filename"], a["mime_type"], a["data"]) for a in p["attachments"])))
            return {"gmail_id": sent.gmail_id, "thread_id": sent.thread_id, "found_after_retry": found is not None}

        def meeting(doc: Document, reached: bool) -> dict[str, Any]:
            p = doc["payload"]
            zone = ZoneInfo(p["time_zone"])  # the store keeps times in UTC; Calendar shows them in the meeting's zone
            made = google.create_meeting(MeetingRequest(p["event_id"], p["summary"], p["start"].astimezone(zone),
                                                        p["end"].astimezone(zone), tuple(p["attendees"]),
                                                        p["description"], p["time_zone"]))
            return {"event_id": made.event_id, "link": made.html_link, "meet_link": made.meet_link}

        def move(doc: Document, reached: bool) -> dict[str, Any]:
            p = doc["payload"]
            zone = ZoneInfo(p["time_zone"])
            moved = google.reschedule_meeting(p["event_id"], p["start"].astimezone(zone), p["end"].astimezone(zone),
                                              p["time_zone"])
            return {"event_id": moved.event_id, "link": moved.html_link, "meet_link": moved.meet_link}

        def cancel(doc: Document, reached: bool) -> dict[str, Any]:
            google.cancel_meeting(doc["payload"]["event_id"])
            return {"event_id": doc["payload"]["event_id"]}

        def folder(doc: Document, reached: bool) -> dict[str, Any]:
            p = doc["payload"]
            return self._remember_folder(doc["party_id"], google.ensure_folder(p["name"], p["app_key"]))

        def upload(doc: Document, reached: bool) -> dict[str, Any]:
            p = doc["payload"]
            made = google.ensure_folder(p["folder_name"], p["folder_key"])
            self._remember_folder(doc["party_id"], made)
            item = google.upload(Upload(made.file_id, p["filename"], p["mime_type"], p["data"], p["app_key"]))
            return {"file_id": item.file_id, "link": item.web_link, "folder_id": made.file_id}

        return {JobKind.SEND_EMAIL: send, JobKind.MEETING: meeting, JobKind.RESCHEDULE: move,
                JobKind.CANCEL_MEETING: cancel, JobKind.DRIVE_FOLDER: folder, JobKind.DRIVE_UPLOAD: upload}

    def _remember_folder(self, party_id: str, item: Any) -> dict[str, Any]:
        if party_id and self.links.find_one({"party_id": party_id}) is None:
            self.links.insert({"party_id": party_id, "folder_id": item.file_id, "link": item.web_link})
        return {"folder_id": item.file_id, "link": item.web_link}

    # -- reading mail and the timeline ----------------------------------------------------------------------
    def sync_mail(self, actor: Actor, party_id: str) -> int:
        """Read the messages exchanged with the party's address into the timeline: all of them the first
        time, then what Gmail added since (by history id). Returns how many new messages were stored."""
        require(actor, CrmPermission.GOOGLE)
        party = self._party(actor, party_id)
        party_id, address = party.party_id, party.email
        if not address:
            return 0
        state = self.mail_state.find_one({"username": actor.username, "party_id": party_id})
        page = self.workspace(actor).messages_with(address, state["history_id"] if state else None)

        def keep() -> int:  # read again inside: a change run again, or another sync, may have stored some
            known = {d["gmail_id"] for d in self.mail.find({"party_id": party_id}, projection=["gmail_id"])}
            new = [m for m in page.messages if m.gmail_id not in known]
            for m in new:
                self.mail.insert({"party_id": party_id, "gmail_id": m.gmail_id, "thread_id": m.thread_id,
                                  "sender": m.sender, "recipients": m.recipients, "subject": m.subject,
                                  "sent_at": m.sent_at, "snippet": m.snippet, "read_by": actor.username})
            current = self.mail_state.find_one({"username": actor.username, "party_id": party_id})
            if current is None:
                self.mail_state.insert({"username": actor.username, "party_id": party_id,
                                        "history_id": page.history_id})
            else:
                self.mail_state.update(current["_id"], {"history_id": page.history_id},
                                       expected_version=current["version"])
            return len(new)

        return self.store.atomic(keep)

    def timeline(self, actor: Actor, party_id: str) -> list[TimelineEntry]:
        """The party's Google items, newest first: queued and done e-mails, meetings, uploads, mail read."""
        require(actor, CrmPermission.READ)
        party_id = self._party(actor, party_id).party_id
        entries = [TimelineEntry(job.updated_at, _KIND_LABEL[job.kind], job.summary, job.reason or _detail(job),
                                 job.result.get("meet_link") or job.result.get("link") or "", job.status.value,
                                 job.job_id, job.kind is JobKind.MEETING)
                   for job in self.outbox.list(actor, party_id=party_id)]
        for m in self.mail.find({"party_id": party_id}):
            entries.append(TimelineEntry(m.get("sent_at") or self.now(), "e-mail", m["subject"] or "(no subject)",
                                         f"{m['sender']} → {m['recipients']}: {m['snippet']}", "", "in Gmail"))
        return sorted(entries, key=lambda e: e.at, reverse=True)

    # -- helpers --------------------------------------------------------------------------------------------
    def _party(self, actor: Actor, party_id: str) -> Party:
        """The prospect with this id, else the investor with this id or number (as ``actor`` may see them)."""
        doc = self.prospects.get(party_id) if party_id else None
        if doc is not None:
            person = " ".join(p for p in (doc.get("first_name"), doc.get("last_name")) if p)
            name = person or doc.get("organisation") or "Prospect"
            folder = f"{name} ({doc['organisation']})" if person and doc.get("organisation") else name
            return Party("prospect", doc["_id"], doc.get("email"), folder, _merge_values(doc))
        investor = self._investor(actor, party_id)
        if investor is None:
            raise ValidationError({"prospect": f"There is no prospect or investor {party_id!r}; see `fidus crm "
                                               "prospects list` or `fidus investors list`."})
        return Party("investor", investor.investor_id, investor.email, f"{investor.name} ({investor.number})",
                     {"name": investor.name})

    def _investor(self, actor: Actor, party_id: str) -> Investor | None:
        if self.investors is None or not party_id:
            return None
        by_number = self.investors.by_number(party_id)
        if by_number is not None:
            return self.investors.get(actor, by_number.investor_id)  # permission and scope checked there
        if self.investors.investors.get(party_id) is None:
            return None
        return self.investors.get(actor, party_id)

    def _meeting_job(self, actor: Actor, job_id: str) -> OutboxJob:
        require(actor, CrmPermission.GOOGLE)
        job = self.outbox.get(actor, job_id)
        if job.kind is not JobKind.MEETING:
            raise ValidationError({"job": "Only a meeting can be rescheduled or cancelled."})
        return job

    @staticmethod
    def _check_times(start: datetime, end: datetime, time_zone: str) -> None:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationError({"start": "Give the meeting's times with their time zone."})
        if end <= start:
            raise ValidationError({"end": "The meeting must end after it starts."})
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": f"{time_zone!r} is not a time zone such as Europe/Berlin."}) from None


_KIND_LABEL = {JobKind.SEND_EMAIL: "e-mail sent", JobKind.MEETING: "meeting", JobKind.RESCHEDULE: "meeting moved",
               JobKind.CANCEL_MEETING: "meeting cancelled", JobKind.DRIVE_FOLDER: "drive folder",
               JobKind.DRIVE_UPLOAD: "document"}


def _detail(job: OutboxJob) -> str:
    if job.status.value == "queued" and job.attempts:
        return f"retrying (attempt {job.attempts + 1})"
    return {"queued": "waiting for the outbox", "running": "being sent", "done": "done",
            "cancelled": "cancelled"}.get(job.status.value, "")


def _local(at: datetime, time_zone: str) -> str:
    return f"{at.astimezone(ZoneInfo(time_zone)):%Y-%m-%d %H:%M} ({time_zone})"


def _merge_values(prospect: Document) -> dict[str, object]:
    person = " ".join(p for p in (prospect.get("first_name"), prospect.get("last_name")) if p)
    return {"name": person or prospect.get("organisation"), **{f: prospect.get(f) for f in (
        "first_name", "last_name", "organisation", "job_title", "expected_amount", "currency", "next_step", "stage",
        "owner")}}

