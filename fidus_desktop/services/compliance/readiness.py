"""Investment readiness: the one place that says whether an investor may receive new units, and why not.

Every path that gives an investor new units asks ``require_ready`` through the dealing service's unit gate
(wired by the compliance feature): entering a subscription or a transfer in the GUI or the CLI, importing a
transactions file, approving and settling one. The rules are the domain's (``domain.compliance.readiness``);
this service gathers the facts (the KYC case, screening alerts, the signed agreement, an override), records
the agreement received and the override with four eyes, and audits each change.

The signed subscription agreement: an envelope completed in the signing feature records it
(``signed_agreements``); an agreement signed on paper is recorded by an officer with the date it was received
(``record_agreement``), optionally linking the stored document. Either counts; the later date is shown.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fidus_desktop.domain.compliance.kyc import lapsed
from fidus_desktop.domain.compliance.readiness import Override, Readiness, ReadinessFacts, assess
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.kyc import CASES, KycCase
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.screening import ALERTS, AlertStatus, Disposition
from fidus_desktop.services.documents import DOCUMENTS
from fidus_desktop.services.envelopes import SIGNED_AGREEMENTS
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.services.personal_data import KYC_RETENTION, PersonCollection, Retention
from fidus_desktop.services.portfolio._common import parse_date
from fidus_desktop.services.portfolio.investors import INVESTORS, Investor
from fidus_desktop.store.port import Document

log = logging.getLogger(__name__)
READINESS = "investor_readiness"
READINESS_PERSONAL_DATA = PersonCollection(
    READINESS, "investor_id", ("override_reason", "revoke_reason"),
    Retention(KYC_RETENTION.years_setting, KYC_RETENTION.default_years, KYC_RETENTION.ends_field,
              owner=(INVESTORS, "investor_id")))
"""The agreement date and an override's reasons are part of the investor's KYC file."""
OVERRIDE_MAX_DAYS = 366
"""An override is a bridge, not a status: it lapses within a year at most."""
MIN_REASON = 10


class NotReady(ValidationError):
    """New units refused: the investor is not ready to invest (the message says why and what to do)."""


@dataclass(frozen=True)
class InvestorReadiness:
    investor: Investor
    readiness: Readiness
    agreement_received: date | None
    override_pending: bool  # an override awaits its second officer

    @property
    def ready(self) -> bool:
        return self.readiness.ready


def _override(doc: Document | None) -> Override | None:
    if not doc or not doc.get("override_reason"):
        return None
    return Override(doc["override_reason"], doc["override_expires_on"], doc["override_requested_by"],
                    doc.get("override_confirmed_by"))


class ReadinessService(Service):
    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.records = ctx.store.collection(READINESS)
        self.investors = ctx.store.collection(INVESTORS)
        self.cases = ctx.store.collection(CASES)
        self.alerts = ctx.store.collection(ALERTS)
        self.documents = ctx.store.collection(DOCUMENTS)
        self.signed = ctx.store.collection(SIGNED_AGREEMENTS)

    def ensure_indexes(self) -> None:
        self.records.ensure_index(["investor_id"], unique=True)

    # -- reading -------------------------------------------------------------------------------------
    @staticmethod
    def _require_read(actor: Actor) -> None:
        """Readiness is shown wherever an investor is: compliance and anyone who reads investors see it."""
        if not allowed(actor.role, KycPermission.READ):
            require(actor, Permission.INVESTORS_READ)

    def readiness(self, actor: Actor, investor_id: str) -> InvestorReadiness:
        """The readiness of one investor, with every gap."""
        self._require_read(actor)
        found = self.of_investors(actor, [investor_id])
        if not found:
            raise ValidationError({"investor": f"There is no investor with id {investor_id}."})
        return found[0]

    def of_investors(self, actor: Actor, investor_ids: Iterable[str] | None = None) -> list[InvestorReadiness]:
        """Readiness of the given investors (all when None), by investor number; one read of each collection."""
        self._require_read(actor)
        ids = None if investor_ids is None else sorted(set(investor_ids))
        scope: Document = {} if ids is None else {"investor_id": {"$in": ids}}
        investors = self.investors.find({} if ids is None else {"_id": {"$in": ids}}, sort=[("number", 1)])
        cases = {d["investor_id"]: d for d in self.cases.find(scope)}
        records = {d["investor_id"]: d for d in self.records.find(scope)}
        signed: dict[str, date] = {}
        for doc in self.signed.find(scope, projection=["investor_id", "signed_at"]):
            day = doc["signed_at"].date() if isinstance(doc["signed_at"], datetime) else doc["signed_at"]
            signed[doc["investor_id"]] = max(day, signed.get(doc["investor_id"], day))
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"open": 0, "sanctions": 0, "other": 0})
        for alert in self.alerts.find({**scope, "$or": [{"status": {"$ne": AlertStatus.CLOSED.value}},
                                                          {"disposition": Disposition.TRUE_MATCH.value}]}):
            bucket = counts[alert["investor_id"]]
            if alert["status"] != AlertStatus.CLOSED.value:
                bucket["open"] += 1
            elif alert.get("programmes", ["unknown"]):  # alerts stored before programmes were kept: sanctions
                bucket["sanctions"] += 1
            else:
                bucket["other"] += 1
        today = self.now().date()
        return [self._view(Investor.from_doc(doc), cases.get(doc["_id"]), records.get(doc["_id"]),
                           signed.get(doc["_id"]), counts.get(doc["_id"]), today) for doc in investors]

    @staticmethod
    def _view(investor: Investor, case_doc: Document | None, record: Document | None, signed: date | None,
              alerts: dict[str, int] | None, today: date) -> InvestorReadiness:
        case = KycCase.from_doc(case_doc) if case_doc else None
        alerts = alerts or {"open": 0, "sanctions": 0, "other": 0}
        override = _override(record)
        facts = ReadinessFacts(
            case_status=case.status if case else None,
            lapsed=tuple(f"{i.requirement.label} expired on {i.expires_on}"
                         for i in lapsed([e.item for e in case.items], today)) if case else (),
            review_due=case_doc.get("next_review") if case_doc else None,
            open_alerts=alerts["open"], sanctions_matches=alerts["sanctions"], other_matches=alerts["other"],
            agreement_received=max(filter(None, (record.get("agreement_received_on") if record else None, signed)),
                                   default=None),
            override=override)
        return InvestorReadiness(investor, assess(facts, today), facts.agreement_received,
                                 override is not None and override.confirmed_by is None)

    # -- the gate ------------------------------------------------------------------------------------
    def require_ready(self, investor_id: str, field: str = "investor") -> None:
        """Refuse new units for an investor who is not ready (``NotReady`` says why and what to do). Called by
        the dealing service for every subscription and transfer in, whoever enters it: a rule, not a view, so
        it reads as the system. ``field`` names the request field the message is about."""
        found = self.of_investors(Actor.system("investment readiness"), [investor_id])
        if not found or found[0].ready:
            return  # an unknown investor is the dealing service's own refusal
        view = found[0]
        number = view.investor.number
        log.info("New units refused for investor %s: not ready", number)
        raise NotReady({field: (
            f"Investor {number} ({view.investor.name}) is not ready to invest: {'; '.join(view.readiness.blocking)}. "
            f"A compliance officer completes the file (`fidus kyc readiness --investor {number}`) or, with a "
            "second officer, records an override.")})

    # -- changes -------------------------------------------------------------------------------------
    def _investor(self, investor_id: str) -> Document:
        doc = self.investors.get(investor_id)
        if doc is None:
            raise ValidationError({"investor": f"There is no investor with id {investor_id}."})
        return doc

    def _change(self, actor: Actor, permission: KycPermission, investor_id: str, action: str,
                changes: Any) -> InvestorReadiness:
        """Apply ``changes(before) -> fields`` to the investor's readiness record (made on first use) in one
        audited transaction; a record changed meanwhile by someone else is refused (version)."""

        def write(rec: ChangeRecorder) -> None:
            investor = self._investor(investor_id)
            before = self.records.find_one({"investor_id": investor_id})
            fields = changes(before or {})
            if before is None:
                after = self.records.insert({"investor_id": investor_id, "investor_number": investor["number"],
                                             **fields})
            else:
                after = self.records.update(before["_id"], fields, expected_version=before["version"])
            rec.record(action, "investor_readiness", after["_id"],
                       before=_image(before) if before else None, after={"investor_id": investor_id, **_image(after)})

        self.change(actor, permission, write)
        return self.readiness(actor, investor_id)

    def record_agreement(self, actor: Actor, investor_id: str, received_on: Any,
                         document_id: str | None = None) -> InvestorReadiness:
        """Record the date the signed subscription agreement was received (``kyc.manage``), optionally linking
        the stored document of the same investor."""
        day = parse_date(received_on, "received_on", "The date the signed agreement was received",
                         today=self.now().date(), ahead_days=0)
        linked = (document_id or "").strip() or None
        if linked is not None:
            doc = self.documents.get(linked)
            if doc is None or doc.get("owner_id") != investor_id:
                raise ValidationError({"document": f"Document {linked} is not a stored document of this investor; "
                                                   "see `fidus documents list`."})
        return self._change(actor, KycPermission.MANAGE, investor_id, "readiness.agreement", lambda before: {
            "agreement_received_on": day, "agreement_document_id": linked, "agreement_recorded_by": actor.username})

    def request_override(self, actor: Actor, investor_id: str, reason: Any, expires_on: Any) -> InvestorReadiness:
        """Ask for an override (``kyc.approve``): in force once a second officer confirms it, until ``expires_on``
        (at most a year ahead)."""
        why = self.required_text(reason, "reason", "The reason for the override", max_length=2000)
        if len(why) < MIN_REASON:
            raise ValidationError({"reason": f"Say why the investor may invest before the file is complete "
                                             f"(at least {MIN_REASON} characters)."})
        today = self.now().date()
        until = parse_date(expires_on, "expires_on", "The override's expiry date", today=today,
                           ahead_days=OVERRIDE_MAX_DAYS)
        if until < today:
            raise ValidationError({"expires_on": f"The override's expiry date {until} has passed; give a later date."})
        return self._change(actor, KycPermission.APPROVE, investor_id, "readiness.override_request", lambda before: {
            "override_reason": why, "override_expires_on": until, "override_requested_by": actor.username,
            "override_requested_by_id": actor.user_id, "override_requested_at": self.now(),
            "override_confirmed_by": None, "override_confirmed_at": None, "revoke_reason": None})

    def confirm_override(self, actor: Actor, investor_id: str) -> InvestorReadiness:
        """As a second officer (``kyc.approve``, not the one who asked), put the override in force."""
        def changes(before: Document) -> Document:
            if not before.get("override_reason") or before.get("override_confirmed_by"):
                raise ValidationError({"override": "No override awaits confirmation for this investor."})
            if before["override_requested_by_id"] == actor.user_id:
                raise PermissionDenied(f"{actor.username} asked for this override; a second officer confirms it "
                                       "(four eyes).")
            return {"override_confirmed_by": actor.username, "override_confirmed_by_id": actor.user_id,
                    "override_confirmed_at": self.now()}

        return self._change(actor, KycPermission.APPROVE, investor_id, "readiness.override_confirm", changes)

    def revoke_override(self, actor: Actor, investor_id: str, reason: Any) -> InvestorReadiness:
        """End an override (asked or in force) before its expiry, with a reason (``kyc.approve``)."""
        why = self.required_text(reason, "reason", "The reason for revoking the override", max_length=2000)

        def changes(before: Document) -> Document:
            if not before.get("override_reason"):
                raise ValidationError({"override": "This investor has no override to revoke."})
            return {"override_reason": None, "override_expires_on": None, "override_requested_by": None,
                    "override_requested_by_id": None, "override_confirmed_by": None, "override_confirmed_by_id": None,
                    "revoke_reason": why, "revoked_by": actor.username}

        return self._change(actor, KycPermission.APPROVE, investor_id, "readiness.override_revoke", changes)


def _image(doc: Document) -> Document:
    """What the audit entry keeps of a readiness record (dates and who, not the free-text reasons)."""
    return {k: doc.get(k) for k in ("agreement_received_on", "agreement_document_id", "override_expires_on",
                                    "override_requested_by", "override_confirmed_by", "revoked_by")}
