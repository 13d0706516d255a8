"""Investigation cases (``INQ-000001``): opened from a screening alert, for investors and transactions, or by
hand; notes, attachments (stored encrypted as documents of the case), links; the outcome proposed by one
compliance officer and confirmed by another; and the suspicious-activity report draft built from the case.

Only compliance officers hold ``investigations.read`` and ``investigations.manage``: an inquiry and a report to
the financial intelligence unit must not reach the person concerned (tipping off), so neither back office nor
the administrator sees them. Every change is audited (``investigation.*``) without the notes' text.

What prompted a case (``summary``), its notes and the conclusion (``outcome_reason``) are personal data about
the people it names: they are sealed by the ``Vault`` like the investors' sensitive fields (registered in
``INVESTIGATION_PERSONAL_DATA``, so key rotation re-seals them), and opened for investigation readers without a
per-read audit entry (only compliance officers read cases at all). A workstation without the data key shows
them locked and cannot open, note or close a case. The title stays in clear so the list and its filters work
without decrypting; keep names out of it. A data-protection export lists the cases naming the investor for an
exporter who may read investigations; erasure keeps a case while it is open and for
``privacy.investigation_retention_years`` (default 5) after it closed (AML record keeping), then pseudonymises
its text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeGuard

from fidus_desktop.domain.compliance.investigations import (
    InvestigationError,
    InvestigationStatus,
    Outcome,
    check_changeable,
    move,
)
from fidus_desktop.security.crypto import FIELD_TOKEN_VERSION
from fidus_desktop.services import sequences
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.screening import ALERTS
from fidus_desktop.services.documents import DocumentService, StoredDocument
from fidus_desktop.services.permissions import PermissionDenied, require
from fidus_desktop.services.personal_data import (
    ERASED,
    Locked,
    PersonalDataRegistry,
    PersonalField,
    PersonCollection,
    Retention,
    Vault,
    VaultLocked,
)
from fidus_desktop.services.portfolio.dealing import TRANSACTIONS
from fidus_desktop.services.portfolio.investors import INVESTORS
from fidus_desktop.store.port import Document, Filter

INVESTIGATIONS = "investigations"
OWNER = "investigation"  # the documents' owner entity for attachments
NOT_CLOSED = "not_closed"  # the list's default status filter
SORTABLE = frozenset({"ref", "title", "status", "opened_at", "opened_by"})
MAX_PAGE = 1000


class InvestigationPermission(StrEnum):
    READ = "investigations.read"
    MANAGE = "investigations.manage"  # open, note, attach, link, propose and confirm closure


SUMMARY = PersonalField(INVESTIGATIONS, "summary", "text", "investigation.summary")
OUTCOME_REASON = PersonalField(INVESTIGATIONS, "outcome_reason", "text", "investigation.outcome_reason")
NOTES = PersonalField(INVESTIGATIONS, "notes", "text", "investigation.note", item_field="text")
INVESTIGATION_RETENTION = Retention("privacy.investigation_retention_years", 5, "closed_at")
INVESTIGATION_PERSONAL_DATA = PersonalDataRegistry(
    fields=[SUMMARY, OUTCOME_REASON, NOTES],
    people=[PersonCollection(INVESTIGATIONS, "investor_ids", ("title", "summary", "notes", "outcome_reason"),
                             INVESTIGATION_RETENTION, in_list=True, permission=InvestigationPermission.READ)],
)


def is_sealed(value: str) -> bool:
    return value.startswith(f"{FIELD_TOKEN_VERSION}:")


def _plain(value: Any) -> TypeGuard[str]:
    """A text stored in clear (a case written before its texts were sealed)."""
    return isinstance(value, str) and not is_sealed(value)


Text = str | Locked  # a sealed text as read: ``Locked`` (shows "🔒 locked …") on a workstation without the key


@dataclass(frozen=True)
class Note:
    at: datetime
    by: str
    text: Text


@dataclass(frozen=True)
class Investigation:
    investigation_id: str
    ref: str
    title: str
    summary: Text
    status: InvestigationStatus
    investor_ids: tuple[str, ...]
    transaction_ids: tuple[str, ...]
    alert_ids: tuple[str, ...]
    opened_by: str
    opened_at: datetime
    notes: tuple[Note, ...]
    proposed_outcome: Outcome | None
    proposed_by: str | None
    outcome: Outcome | None
    outcome_reason: Text | None
    closed_by: str | None
    version: int
    history: tuple[dict, ...] = field(default_factory=tuple)

    @classmethod
    def from_doc(cls, doc: Document, opened: Mapping[str, Any]) -> Investigation:
        """``opened``: the sealed fields already opened (``summary``, ``outcome_reason``, ``notes``' texts)."""
        proposed, outcome = doc.get("proposed_outcome"), doc.get("outcome")
        return cls(doc["_id"], doc["ref"], doc["title"], opened["summary"], InvestigationStatus(doc["status"]),
                   tuple(doc["investor_ids"]), tuple(doc["transaction_ids"]), tuple(doc["alert_ids"]),
                   doc["opened_by"], doc["opened_at"],
                   tuple(Note(n["at"], n["by"], text) for n, text in zip(doc["notes"], opened["notes"], strict=True)),
                   Outcome(proposed) if proposed else None, doc.get("proposed_by"),
                   Outcome(outcome) if outcome else None, opened["outcome_reason"], doc.get("closed_by"),
                   doc["version"], tuple(doc.get("history", [])))

    def texts(self) -> list[Text]:
        return [self.summary, *(n.text for n in self.notes), *([self.outcome_reason] if self.outcome_reason else [])]


@dataclass(frozen=True)
class SarSubject:
    number: str
    name: str
    kind: str
    email: str | None


@dataclass(frozen=True)
class SarTransaction:
    ref: str
    kind: str
    status: str
    trade_date: date
    amount: Any
    units: Any
    currency: str
    investor_number: str


@dataclass(frozen=True)
class SarAlert:
    list_name: str
    entry_id: str
    matched_name: str
    score: Any
    status: str
    disposition: str | None
    investor_number: str


@dataclass(frozen=True)
class SarDraft:
    """What a suspicious-activity report needs from the case, for the reporting officer to complete and file
    through the financial intelligence unit's own channel (FIDUS files nothing)."""

    case: Investigation
    subjects: tuple[SarSubject, ...]
    transactions: tuple[SarTransaction, ...]
    alerts: tuple[SarAlert, ...]
    prepared_by: str
    prepared_at: datetime


class InvestigationService(Service):
    def __init__(self, ctx: ServiceContext, documents: DocumentService, vault: Vault) -> None:
        super().__init__(ctx)
        self.vault = vault
        self.cases = ctx.store.collection(INVESTIGATIONS)
        self.investors = ctx.store.collection(INVESTORS)
        self.transactions = ctx.store.collection(TRANSACTIONS)
        self.alerts = ctx.store.collection(ALERTS)
        self.documents = documents

    def ensure_indexes(self) -> None:
        self.cases.ensure_index(["ref"], unique=True)
        self.cases.ensure_index(["status", "opened_at"])
        self.cases.ensure_index(["opened_at"])

    # -- sealing -------------------------------------------------------------------------------------
    def _seal(self, text: str, spec: PersonalField) -> str:
        return self.vault.seal(text, spec.context)  # VaultLocked before anything is written

    def _open(self, token: Any, spec: PersonalField) -> Text | None:
        if token is None or not is_sealed(token):
            return token  # a case written before its texts were sealed: sealed on its next change
        return self.vault.open_token(token, spec.context)

    def _sealed_now(self, doc: Document, fields: Document) -> Document:
        """``fields`` plus the texts of ``doc`` still stored in clear (written before sealing), sealed now."""
        sealed = dict(fields)
        for spec in (SUMMARY, OUTCOME_REASON):
            value = sealed[spec.field] if spec.field in sealed else doc.get(spec.field)
            if _plain(value):
                sealed[spec.field] = self._seal(value, spec)
        notes: list[Document] = sealed[NOTES.field] if NOTES.field in sealed else doc["notes"]
        if any(_plain(n.get("text")) for n in notes):
            sealed[NOTES.field] = [{**n, "text": self._seal(n["text"], NOTES)} if _plain(n.get("text")) else n
                                   for n in notes]
        return sealed

    def _case(self, doc: Document) -> Investigation:
        """The case with its texts opened; texts cleared by an erasure read as ``[erased]``."""
        erased = doc.get("erased_at") is not None
        return Investigation.from_doc(doc, {
            "summary": ERASED if erased else self._open(doc["summary"], SUMMARY),
            "outcome_reason": self._open(doc.get("outcome_reason"), OUTCOME_REASON),
            "notes": [ERASED if erased else self._open(n["text"], NOTES) for n in doc["notes"]]})

    # -- reading -------------------------------------------------------------------------------------
    def get(self, actor: Actor, ref: str) -> Investigation:
        """The case with reference (``INQ-000001``) or id ``ref``."""
        require(actor, InvestigationPermission.READ)
        text = str(ref).strip()
        doc = self.cases.find_one({"ref": text.upper()}) or self.cases.get(text)
        if doc is None:
            raise ValidationError({"investigation": f"No investigation {text!r}; see `fidus investigation list`."})
        return self._case(doc)

    def list_cases(self, actor: Actor, *, open_only: bool = True, investor_id: str | None = None
                   ) -> list[Investigation]:
        """Cases, oldest first (open ones only unless ``open_only`` is False); for the CLI and the SAR tools —
        the Compliance tab pages through ``count`` and ``page``."""
        require(actor, InvestigationPermission.READ)
        query = self._query(status=NOT_CLOSED if open_only else None, investor_id=investor_id)
        return [self._case(d) for d in self.cases.find(query, sort=[("opened_at", 1), ("ref", 1)])]

    def count(self, actor: Actor, filters: Mapping[str, Any]) -> int:
        """How many cases ``page`` can show for ``filters`` (``status``, ``investor_id``, ``text``)."""
        require(actor, InvestigationPermission.READ)
        return self.cases.count(self._query(**filters))

    def page(self, actor: Actor, filters: Mapping[str, Any], sort: Sequence[tuple[str, int]] | None, offset: int,
             limit: int) -> list[Investigation]:
        """One page of cases (the lazy table's), sorted by one of ``SORTABLE`` (default: newest first)."""
        require(actor, InvestigationPermission.READ)
        order = list(sort or [("opened_at", -1)])
        for key, direction in order:
            if key not in SORTABLE or direction not in (1, -1):
                raise ValidationError({"sort": f"The investigations cannot be sorted by {key!r}."})
        if not 0 < limit <= MAX_PAGE or offset < 0:
            raise ValidationError({"limit": f"A page holds 1 to {MAX_PAGE} investigations."})
        docs = self.cases.find(self._query(**filters), sort=[*order, ("_id", 1)], skip=offset, limit=limit)
        return [self._case(d) for d in docs]

    def _query(self, *, status: str | None = None, investor_id: str | None = None, text: str | None = None
               ) -> Filter:
        """``status``: a status, ``NOT_CLOSED`` or None (any); ``investor_id``: cases linking that investor;
        ``text``: in the reference or the title."""
        query: list[Filter] = []
        if status == NOT_CLOSED:
            query.append({"status": {"$ne": InvestigationStatus.CLOSED.value}})
        elif status:
            try:
                query.append({"status": InvestigationStatus(status).value})
            except ValueError:
                raise ValidationError({"status": f"{status!r} is not an investigation status; use one of "
                                                 f"{', '.join(s.value for s in InvestigationStatus)}."}) from None
        if investor_id:
            query.append({"investor_ids": {"$contains": self.required_text(investor_id, "investor", "The investor")}})
        if text and str(text).strip():
            typed = str(text).strip()
            query.append({"$or": [{"ref": {"$icontains": typed}}, {"title": {"$icontains": typed}}]})
        return {"$and": query} if len(query) > 1 else (query[0] if query else {})

    def attachments(self, actor: Actor, case: Investigation) -> list[StoredDocument]:
        require(actor, InvestigationPermission.READ)
        return self.documents.list_for(actor, OWNER, case.investigation_id)

    # -- changes -------------------------------------------------------------------------------------
    def _investor_ids(self, refs: Sequence[str]) -> list[str]:
        ids = []
        for ref in refs:
            text = str(ref).strip()
            doc = self.investors.find_one({"number": text}) or self.investors.get(text)
            if doc is None:
                raise ValidationError({"investor": f"No investor {text!r}; give an investor number."})
            ids.append(doc["_id"])
        return ids

    def _transaction_ids(self, refs: Sequence[str]) -> tuple[list[str], list[str]]:
        """Transaction ids and the investors they concern (both parties of a transfer)."""
        ids, parties = [], []
        for ref in refs:
            text = str(ref).strip()
            doc = self.transactions.find_one({"ref": text}) or self.transactions.get(text)
            if doc is None:
                raise ValidationError({"transaction": f"No transaction {text!r}; give its reference (GLB-000042)."})
            ids.append(doc["_id"])
            parties += [i for i in (doc["investor_id"], doc.get("target_investor_id")) if i]
        return ids, parties

    def open(self, actor: Actor, title: Any, summary: Any, *, investors: Sequence[str] = (),
             transactions: Sequence[str] = (), alert_id: str | None = None) -> Investigation:
        """Open a case about investors (numbers), transactions (references) and/or a screening alert; the
        alert's investor and the transactions' parties are linked too."""
        require(actor, InvestigationPermission.MANAGE)
        heading = self.required_text(title, "title", "The investigation's title")
        text = self._seal(self.required_text(summary, "summary", "What prompted the investigation", max_length=5000),
                          SUMMARY)
        investor_ids = self._investor_ids(investors)
        transaction_ids, parties = self._transaction_ids(transactions)
        alert_ids = []
        if alert_id:
            alert = self.alerts.get(str(alert_id).strip())
            if alert is None:
                raise ValidationError({"alert": f"No alert {alert_id}; see `fidus screening alerts`."})
            alert_ids.append(alert["_id"])
            investor_ids.append(alert["investor_id"])
        investor_ids = list(dict.fromkeys(investor_ids + parties))
        if not (investor_ids or transaction_ids):
            raise ValidationError({"investor": "Name the investor, transaction or alert the investigation is about."})

        def write(rec: ChangeRecorder) -> Document:
            ref = f"INQ-{sequences.next_number(self.store, 'investigation_ref'):06d}"
            stored = self.cases.insert({
                "ref": ref, "title": heading, "summary": text, "status": InvestigationStatus.OPEN.value,
                "investor_ids": investor_ids, "transaction_ids": transaction_ids, "alert_ids": alert_ids,
                "opened_by": actor.username, "opened_by_id": actor.user_id, "opened_at": self.now(), "notes": [],
                "proposed_outcome": None, "proposed_by": None, "proposed_by_id": None, "outcome": None,
                "outcome_reason": None, "closed_by": None,
                "history": [{"at": self.now(), "by": actor.username, "step": "opened"}]})
            rec.record("investigation.open", "investigation", stored["_id"],
                       after={"ref": ref, "investors": len(investor_ids), "transactions": len(transaction_ids),
                              "alerts": len(alert_ids)})
            return stored

        stored = self.change(actor, InvestigationPermission.MANAGE, write)
        return self._case(stored)

    def _change(self, actor: Actor, case: Investigation, action: str, changes: Any, step: str) -> Investigation:
        def write(rec: ChangeRecorder) -> Document:
            before = self.cases.require(case.investigation_id)
            try:
                fields = changes(before)
            except InvestigationError as exc:
                raise ValidationError({"investigation": str(exc)}) from None
            fields["history"] = [*before.get("history", []), {"at": self.now(), "by": actor.username, "step": step}]
            fields = self._sealed_now(before, fields)
            after = self.cases.update(case.investigation_id, fields, expected_version=case.version)
            rec.record(action, "investigation", case.investigation_id, before={"status": before["status"]},
                       after={"status": after["status"], "step": step})
            return after

        after = self.change(actor, InvestigationPermission.MANAGE, write)
        return self._case(after)

    def _note(self, actor: Actor, text: str) -> Document:
        return {"at": self.now(), "by": actor.username, "text": self._seal(text, NOTES)}

    def add_note(self, actor: Actor, case: Investigation, text: Any) -> Investigation:
        note = self._note(actor, self.required_text(text, "note", "The note", max_length=10_000))

        def changes(before: Document) -> Document:
            check_changeable(InvestigationStatus(before["status"]))
            return {"notes": [*before["notes"], note]}

        return self._change(actor, case, "investigation.note", changes, "note added")

    def attach(self, actor: Actor, case: Investigation, name: str, data: bytes) -> StoredDocument:
        """Store a file with the case (encrypted, like every document) and note it in the case's history."""
        require(actor, InvestigationPermission.MANAGE)
        try:
            check_changeable(case.status)
        except InvestigationError as exc:
            raise ValidationError({"investigation": str(exc)}) from None
        stored = self.documents.attach(actor, OWNER, case.investigation_id, name, data)
        # The file's name (often a person's) stays out of the history: the attachments list shows it.
        self._change(actor, case, "investigation.attach", lambda before: {}, "file attached")
        return stored

    def link(self, actor: Actor, case: Investigation, *, investors: Sequence[str] = (),
             transactions: Sequence[str] = ()) -> Investigation:
        investor_ids = self._investor_ids(investors)
        transaction_ids, parties = self._transaction_ids(transactions)

        def changes(before: Document) -> Document:
            check_changeable(InvestigationStatus(before["status"]))
            return {"investor_ids": list(dict.fromkeys([*before["investor_ids"], *investor_ids, *parties])),
                    "transaction_ids": list(dict.fromkeys([*before["transaction_ids"], *transaction_ids]))}

        return self._change(actor, case, "investigation.link", changes,
                            f"linked {len(investor_ids)} investor(s), {len(transaction_ids)} transaction(s)")

    def start(self, actor: Actor, case: Investigation) -> Investigation:
        return self._change(actor, case, "investigation.start", lambda before: {
            "status": move(InvestigationStatus(before["status"]), InvestigationStatus.INVESTIGATING).value},
            "investigating")

    def propose_close(self, actor: Actor, case: Investigation, outcome: Any, reason: Any) -> Investigation:
        """Propose the outcome (a second officer confirms it)."""
        try:
            chosen = Outcome(str(outcome).strip().lower())
        except ValueError:
            raise ValidationError({"outcome": f"{outcome!r} is not an outcome; use one of "
                                              f"{', '.join(o.value for o in Outcome)}."}) from None
        why = self._seal(self.required_text(reason, "reason", "The reason for the outcome", max_length=5000),
                         OUTCOME_REASON)
        return self._change(actor, case, "investigation.propose_close", lambda before: {
            "status": move(InvestigationStatus(before["status"]), InvestigationStatus.AWAITING_CLOSURE).value,
            "proposed_outcome": chosen.value, "proposed_by": actor.username, "proposed_by_id": actor.user_id,
            "outcome_reason": why}, f"closure proposed: {chosen.value}")

    def confirm_close(self, actor: Actor, case: Investigation, *, agree: bool = True,
                      reason: str | None = None) -> Investigation:
        """As a second officer, close the case with the proposed outcome, or send it back (``agree=False``)."""
        require(actor, InvestigationPermission.MANAGE)
        if case.status is not InvestigationStatus.AWAITING_CLOSURE:
            raise ValidationError({"investigation": f"{case.ref} is {case.status.value.replace('_', ' ')}; no "
                                                    "closure awaits confirmation."})
        doc = self.cases.require(case.investigation_id)
        if doc["proposed_by_id"] == actor.user_id:
            raise PermissionDenied(f"{actor.username} proposed this closure; a second officer confirms it "
                                   "(four eyes).")
        if agree:
            return self._change(actor, case, "investigation.close", lambda before: {
                "status": move(InvestigationStatus(before["status"]), InvestigationStatus.CLOSED).value,
                "outcome": before["proposed_outcome"], "closed_by": actor.username, "closed_at": self.now()},
                f"closed: {doc['proposed_outcome']}")
        why = self._note(actor, "Closure sent back: " + self.required_text(
            reason, "reason", "Why the closure is sent back", max_length=5000))
        return self._change(actor, case, "investigation.send_back", lambda before: {
            "status": move(InvestigationStatus(before["status"]), InvestigationStatus.INVESTIGATING).value,
            "proposed_outcome": None, "proposed_by": None, "proposed_by_id": None, "outcome_reason": None,
            "notes": [*before["notes"], why]}, "closure sent back (reason in the notes)")

    def reopen(self, actor: Actor, case: Investigation, reason: Any) -> Investigation:
        """Reopen a closed case; the reason becomes a (sealed) note, and the retention clock stops again."""
        why = self._note(actor, "Reopened: " + self.required_text(
            reason, "reason", "Why the investigation is reopened", max_length=5000))
        return self._change(actor, case, "investigation.reopen", lambda before: {
            "status": move(InvestigationStatus(before["status"]), InvestigationStatus.INVESTIGATING).value,
            "outcome": None, "closed_by": None, "closed_at": None, "proposed_outcome": None, "proposed_by": None,
            "proposed_by_id": None, "notes": [*before["notes"], why]}, "reopened (reason in the notes)")

    # -- the suspicious-activity report draft ----------------------------------------------------------
    def sar_draft(self, actor: Actor, case: Investigation) -> SarDraft:
        """The report's content from the case; drafting it is audited (``investigation.sar_draft``)."""
        require(actor, InvestigationPermission.MANAGE)
        case = self.get(actor, case.investigation_id)  # as stored now, its texts opened
        if any(isinstance(text, Locked) for text in case.texts()):
            raise VaultLocked(f"The notes of {case.ref} are sealed and this workstation holds no data key to open "
                              "them; enrol it (File → Data key for this workstation…) to draft the report.")
        investors = {d["_id"]: d for d in self.investors.find({"_id": {"$in": list(case.investor_ids)}})}
        number = {i: d["number"] for i, d in investors.items()}
        txs = self.transactions.find({"_id": {"$in": list(case.transaction_ids)}}, sort=[("trade_date", 1)])
        for doc in txs:
            for i in (doc["investor_id"], doc.get("target_investor_id")):
                if i and i not in number and (found := self.investors.get(i)):
                    number[i] = found["number"]
        alerts = self.alerts.find({"_id": {"$in": list(case.alert_ids)}}, sort=[("raised_at", 1)])
        draft = SarDraft(
            case, tuple(SarSubject(d["number"], d["name"], d["kind"], d.get("email"))
                        for d in sorted(investors.values(), key=lambda d: d["number"])),
            tuple(SarTransaction(d["ref"], d["kind"], d["status"], d["trade_date"], d.get("amount"), d.get("units"),
                                 d["currency"], number.get(d["investor_id"], "?")) for d in txs),
            tuple(SarAlert(a["list_name"], a["entry_id"], a["matched_name"], a["score"], a["status"],
                           a.get("disposition"), a["investor_number"]) for a in alerts),
            actor.username, self.now())

        def write(rec: ChangeRecorder) -> None:
            rec.record("investigation.sar_draft", "investigation", case.investigation_id,
                       after={"ref": case.ref, "subjects": len(draft.subjects),
                              "transactions": len(draft.transactions)})

        self.change(actor, InvestigationPermission.MANAGE, write)
        return draft
