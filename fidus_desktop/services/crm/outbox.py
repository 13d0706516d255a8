"""The Google outbox: every Google action is a stored job first, run later by a worker.

A job has a natural key (``key``, unique): queueing the same action again returns the job already there, so a
double click, a retried command or a second workstation never makes a second e-mail, event or upload. A
worker ``claim``s one of its user's due jobs (a version check makes two workers take different jobs), runs it
against that user's Google account outside any transaction, and records the outcome; what a failure means is
``domain.crm.outbox``'s decision (retry 429/5xx/no answer with backoff and jitter, stop for a person on
401/403/other 4xx). A worker that dies leaves its job RUNNING; once its lease has passed another worker takes
it again, and since the first attempt may have reached Google, every attempt after the first asks Google
first (``executors``): an e-mail is looked up by its Message-ID, an event by its id, a Drive item by its key.
"""

from __future__ import annotations

import builtins
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fidus_desktop.domain.crm.outbox import Decision, JobStatus, Outcome, after_failure
from fidus_desktop.errors import UserError
from fidus_desktop.integrations.google.port import GoogleError, GoogleNotConfigured, GoogleNotConnected
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.store.errors import ConcurrencyError, DuplicateKey
from fidus_desktop.store.port import Document

log = logging.getLogger(__name__)

OUTBOX = "crm_outbox"
LEASE = timedelta(minutes=10)  # a RUNNING job older than this was left by a worker that died
SHOWN = ["key", "kind", "party_id", "owner", "summary", "status", "attempts", "next_attempt_at", "reason",
         "needs_reconnect", "result", "created_at", "updated_at"]  # a job without its payload (attachments)


class JobKind(StrEnum):
    SEND_EMAIL = "gmail.send"
    MEETING = "calendar.create"
    RESCHEDULE = "calendar.reschedule"
    CANCEL_MEETING = "calendar.cancel"
    DRIVE_FOLDER = "drive.folder"
    DRIVE_UPLOAD = "drive.upload"


@dataclass(frozen=True)
class OutboxJob:
    """A queued Google action as the tab and ``fidus crm outbox`` show it (the payload stays in the store)."""

    job_id: str
    key: str
    kind: JobKind
    party_id: str | None
    owner: str  # whose Google account runs it
    summary: str
    status: JobStatus
    attempts: int
    next_attempt_at: datetime | None
    reason: str  # why it failed or waits; empty when all is well
    needs_reconnect: bool
    result: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> OutboxJob:
        return cls(doc["_id"], doc["key"], JobKind(doc["kind"]), doc.get("party_id"), doc["owner"],
                   doc.get("summary", ""), JobStatus(doc["status"]), doc.get("attempts", 0),
                   doc.get("next_attempt_at"), doc.get("reason") or "", bool(doc.get("needs_reconnect")),
                   doc.get("result") or {}, doc["created_at"], doc["updated_at"], doc["version"])


@dataclass(frozen=True)
class DrainReport:
    done: int = 0
    retrying: int = 0
    failed: int = 0
    reconnect: bool = False  # a job stopped because the consent is gone: "Reconnect Google"

    def __add__(self, other: DrainReport) -> DrainReport:
        return DrainReport(self.done + other.done, self.retrying + other.retrying, self.failed + other.failed,
                           self.reconnect or other.reconnect)


Executor = Callable[[Document, bool], dict[str, Any]]
"""Runs a job's payload against Google; the flag says an earlier attempt may have reached Google (check first)."""


class Outbox(Service):
    def __init__(self, ctx: ServiceContext, rng: random.Random | None = None) -> None:
        super().__init__(ctx)
        self.jobs = ctx.store.collection(OUTBOX)
        self.rng = rng or random.Random()

    def ensure_indexes(self) -> None:
        self.jobs.ensure_index(["key"], unique=True)
        self.jobs.ensure_index(["owner", "status", "next_attempt_at"])
        self.jobs.ensure_index(["party_id", "created_at"])

    # -- queueing -------------------------------------------------------------------------------------------
    def enqueue(self, actor: Actor, kind: JobKind, key: str, payload: Document, *, summary: str,
                party_id: str | None = None) -> tuple[OutboxJob, bool]:
        """Queue an action once: the job, and False when ``key`` was queued before (nothing new queued)."""
        require(actor, CrmPermission.GOOGLE)
        existing = self.jobs.find_one({"key": key})
        if existing is not None:
            return OutboxJob.from_doc(existing), False
        now = self.now()
        doc = {"key": key, "kind": kind.value, "party_id": party_id, "owner": actor.username,
               "summary": summary, "payload": payload, "status": JobStatus.QUEUED.value, "attempts": 0,
               "reached": False, "next_attempt_at": now, "reason": None, "needs_reconnect": False, "result": None,
               "created_at": now, "updated_at": now, "created_by": actor.username}
        try:
            def write(rec: ChangeRecorder) -> Document:
                stored = self.jobs.insert(doc)
                rec.record("crm.outbox_queue", "crm_outbox", stored["_id"], after=_audit_image(stored))
                return stored

            stored = self.change(actor, CrmPermission.GOOGLE, write)
        except DuplicateKey:  # queued by another workstation a moment ago
            return OutboxJob.from_doc(self.jobs.find_one({"key": key}) or {}), False
        return OutboxJob.from_doc(stored), True

    # -- reading --------------------------------------------------------------------------------------------
    def list(self, actor: Actor, *, status: JobStatus | None = None, party_id: str | None = None,
             limit: int = 500) -> builtins.list[OutboxJob]:
        """Newest first."""
        require(actor, CrmPermission.READ)
        query: dict[str, Any] = {}
        if status is not None:
            query["status"] = status.value
        if party_id is not None:
            query["party_id"] = party_id
        return [OutboxJob.from_doc(d) for d in self.jobs.find(query, sort=[("created_at", -1), ("_id", -1)],
                                                              limit=limit, projection=SHOWN)]

    def get(self, actor: Actor, job_id: str) -> OutboxJob:
        require(actor, CrmPermission.READ)
        return OutboxJob.from_doc(self._require(job_id))

    def counts(self, actor: Actor) -> dict[str, int]:
        """Jobs per status (the tab's summary line)."""
        require(actor, CrmPermission.READ)
        return {s.value: self.jobs.count({"status": s.value}) for s in JobStatus}

    def payload(self, job_id: str) -> Document:
        return dict(self._require(job_id)["payload"])

    # -- a person's decisions -------------------------------------------------------------------------------
    def retry(self, actor: Actor, job_id: str) -> OutboxJob:
        """Queue a failed job again now, with a fresh count of attempts (an e-mail is still checked first)."""
        return self._set(actor, job_id, (JobStatus.FAILED,), "crm.outbox_retry",
                         {"status": JobStatus.QUEUED.value, "attempts": 0, "next_attempt_at": self.now(),
                          "reason": None, "needs_reconnect": False})

    def cancel(self, actor: Actor, job_id: str) -> OutboxJob:
        """Give up a job not yet done (a running one is left to finish)."""
        return self._set(actor, job_id, (JobStatus.QUEUED, JobStatus.FAILED), "crm.outbox_cancel",
                         {"status": JobStatus.CANCELLED.value, "next_attempt_at": None})

    def requeue_reconnect(self, actor: Actor) -> int:
        """After ``actor`` reconnected Google: queue again their jobs that stopped for want of consent."""
        stopped = self.jobs.find({"owner": actor.username, "status": JobStatus.FAILED.value, "needs_reconnect": True})
        for doc in stopped:
            self.retry(actor, doc["_id"])
        return len(stopped)

    def _set(self, actor: Actor, job_id: str, allowed_from: tuple[JobStatus, ...], action: str,
             changes: Document) -> OutboxJob:
        def write(rec: ChangeRecorder) -> Document:
            before = self._require(job_id)
            if JobStatus(before["status"]) not in allowed_from:
                raise ValidationError({"job": f"The job is {before['status']}; only a "
                                              f"{' or '.join(s.value for s in allowed_from)} job can be changed so."})
            after = self.jobs.update(job_id, {**changes, "updated_at": self.now()}, expected_version=before["version"])
            rec.record(action, "crm_outbox", job_id, before={"status": before["status"]},
                       after={"status": after["status"]})
            return after

        after = self.change(actor, CrmPermission.GOOGLE, write)
        return OutboxJob.from_doc(after)

    # -- the worker -----------------------------------------------------------------------------------------
    def claim(self, actor: Actor) -> Document | None:
        """Take ``actor``'s next due job (or one a dead worker left past its lease); None when nothing is due."""
        require(actor, CrmPermission.GOOGLE)
        now = self.now()
        fields = ["status", "attempts", "reached", "next_attempt_at"]
        # Two indexed queries rather than one $or, and without the payloads: a claim is one small read.
        orphaned = self.jobs.find({"owner": actor.username, "status": JobStatus.RUNNING.value,
                                   "claimed_at": {"$lt": now - LEASE}}, limit=5, projection=fields)
        due = orphaned or self.jobs.find({"owner": actor.username, "status": JobStatus.QUEUED.value,
                                          "next_attempt_at": {"$lte": now}},
                                         sort=[("next_attempt_at", 1), ("_id", 1)], limit=5, projection=fields)
        for doc in due:
            try:
                return self.jobs.update(doc["_id"], {
                    "status": JobStatus.RUNNING.value, "claimed_at": now, "attempts": doc.get("attempts", 0) + 1,
                    "reached": bool(doc.get("reached")) or doc["status"] == JobStatus.RUNNING.value
                    or doc.get("attempts", 0) > 0, "updated_at": now}, expected_version=doc["version"])
            except ConcurrencyError:
                continue  # another worker took it
        return None

    def run_next(self, actor: Actor, executors: dict[JobKind, Executor]) -> DrainReport | None:
        """Claim and run one job; None when none is due."""
        doc = self.claim(actor)
        if doc is None:
            return None
        try:
            result = executors[JobKind(doc["kind"])](doc, bool(doc.get("reached")))
        except GoogleError as exc:
            return self._failed(actor, doc, after_failure(exc.status, exc.detail, doc["attempts"], self.now(),
                                                          self.rng))
        except (GoogleNotConnected, GoogleNotConfigured) as exc:
            return self._failed(actor, doc, Decision(Outcome.RECONNECT, str(exc)))
        except UserError as exc:  # the payload itself is refused (e.g. an attachment too large)
            return self._failed(actor, doc, Decision(Outcome.NEEDS_PERSON, str(exc)))
        except Exception as exc:
            log.exception("Outbox job %s failed unexpectedly", doc["_id"])
            decision = Decision(Outcome.NEEDS_PERSON, f"an unexpected problem ({type(exc).__name__}); details in the "
                                                      "log. Retry, or cancel the job.")
            return self._failed(actor, doc, decision)

        def write(rec: ChangeRecorder) -> None:
            after = self.jobs.update(doc["_id"], {"status": JobStatus.DONE.value, "result": result, "reason": None,
                                                  "next_attempt_at": None, "updated_at": self.now()},
                                     expected_version=doc["version"])
            rec.record("crm.outbox_done", "crm_outbox", doc["_id"], after=_audit_image(after))

        self.change(actor, CrmPermission.GOOGLE, write)
        return DrainReport(done=1)

    def _failed(self, actor: Actor, doc: Document, decision: Decision) -> DrainReport:
        retry = decision.outcome is Outcome.RETRY
        reason = decision.reason

        def write(rec: ChangeRecorder) -> None:
            self.jobs.update(doc["_id"], {
                "status": (JobStatus.QUEUED if retry else JobStatus.FAILED).value, "reason": reason,
                "next_attempt_at": decision.next_attempt_at if retry else None,
                "needs_reconnect": decision.outcome is Outcome.RECONNECT, "updated_at": self.now()},
                expected_version=doc["version"])
            if not retry:
                rec.record("crm.outbox_failed", "crm_outbox", doc["_id"],
                           after={"status": JobStatus.FAILED.value, "reason": reason})

        self.change(actor, CrmPermission.GOOGLE, write)
        if retry:
            return DrainReport(retrying=1)
        return DrainReport(failed=1, reconnect=decision.outcome is Outcome.RECONNECT)

    def drain(self, actor: Actor, executors: dict[JobKind, Executor], *, limit: int | None = None) -> DrainReport:
        """Run ``actor``'s due jobs one after another until none is due (or ``limit`` ran); stops early when the
        consent is gone, since every further job would fail the same way."""
        report = DrainReport()
        ran = 0
        while limit is None or ran < limit:
            step = self.run_next(actor, executors)
            if step is None:
                break
            report, ran = report + step, ran + 1
            if step.reconnect:
                break
        return report

    def _require(self, job_id: str) -> Document:
        doc = self.jobs.get(job_id) if job_id else None
        if doc is None:
            raise ValidationError({"job": f"There is no outbox job {job_id!r}; see `fidus crm outbox` for the ids."})
        return doc


def _audit_image(doc: Document) -> Document:
    """What the audit keeps of a job: never its payload (addresses, text, attachments are personal data)."""
    return {k: doc.get(k) for k in ("key", "kind", "party_id", "owner", "status", "result") if k in doc}
