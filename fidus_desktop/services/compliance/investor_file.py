"""What a compliance officer reads and records at the desk: an investor's KYC file in one piece, the alert
view that puts the investor next to the list entry, and a document recorded against a checklist item.

The file gathers what the KYC, screening and document services already hold (case, checklist, risk band and
the scoring run behind it, review date, documents, alerts); nothing here decides anything. Recording a
document checks the item move first, then stores the file and links it, so a refused date never leaves a
stored document behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from fidus_desktop.domain.compliance.kyc import ItemStatus, KycError, move_item
from fidus_desktop.domain.compliance.lists import ListEntry
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.kyc import CASES, DOCUMENT_VALID_DAYS, RISK_RUNS, KycCase, KycService
from fidus_desktop.services.compliance.lists import ListService
from fidus_desktop.services.compliance.ownership import Ownership, OwnershipService
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.compliance.screening import ALERTS, Alert, ScreeningService
from fidus_desktop.services.documents import DocumentService, StoredDocument
from fidus_desktop.services.permissions import Permission, allowed, require
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio._common import parse_date
from fidus_desktop.services.portfolio.investors import Investor


@dataclass(frozen=True)
class RiskFactor:
    name: str
    points: int
    why: str


@dataclass(frozen=True)
class RiskRun:
    """The scoring run behind the case's band: score, model version and each factor with its points."""

    score: int
    band: str
    model_version: str
    scored_at: datetime
    scored_by: str
    enhanced_due_diligence: bool
    factors: tuple[RiskFactor, ...]


@dataclass(frozen=True)
class PendingOverride:
    band: str
    reason: str
    requested_by: str
    requested_by_id: str


@dataclass(frozen=True)
class InvestorFile:
    """One investor's KYC file as the officer reads it (``case`` None: no case opened yet)."""

    investor: Investor
    case: KycCase | None
    problems: tuple[str, ...]
    expiring: tuple[str, ...]
    next_review: date | None
    risk_reason: str | None
    risk_set_by: str | None
    risk_run: RiskRun | None
    override: PendingOverride | None
    decision_reason: str | None
    documents: tuple[StoredDocument, ...]
    alerts: tuple[Alert, ...]
    ownership: Ownership | None = None  # corporate investors: the entered tree and its beneficial owners

    @property
    def open_alerts(self) -> int:
        return sum(1 for a in self.alerts if a.is_open)


@dataclass(frozen=True)
class WordPair:
    investor_word: str
    list_word: str
    similarity: Decimal


@dataclass(frozen=True)
class AlertComparison:
    """An alert's two sides: what the office holds on the investor and what the list says about the entry."""

    alert: Alert
    investor: Investor
    date_of_birth: str  # the date, "not on file", or why it is not shown
    entry: ListEntry | None  # None: the entry is in no stored version any more
    list_version: str  # file and import date of the version the entry was read from
    pairs: tuple[WordPair, ...]
    factors: tuple[str, ...]
    name_score: Decimal | None


class InvestorFileService(Service):
    def __init__(self, ctx: ServiceContext, kyc: KycService, screening: ScreeningService, lists: ListService,
                 documents: DocumentService, portfolio: PortfolioServices, ownership: OwnershipService) -> None:
        super().__init__(ctx)
        self.kyc, self.screening, self.lists = kyc, screening, lists
        self.documents, self.investors, self.ownership = documents, portfolio.investors, ownership
        self.cases = ctx.store.collection(CASES)
        self.runs = ctx.store.collection(RISK_RUNS)
        self.alerts = ctx.store.collection(ALERTS)

    # -- the file ------------------------------------------------------------------------------------
    def file(self, actor: Actor, investor_id: str) -> InvestorFile:
        require(actor, KycPermission.READ)
        views = self.kyc.status(actor, investor_id)
        if not views:
            raise ValidationError({"investor": f"No investor with id {investor_id}; it may have been erased."})
        view = views[0]
        raw = self.cases.find_one({"investor_id": investor_id}) or {}
        run = self.runs.get(raw["risk_run_id"]) if raw.get("risk_run_id") else None
        wanted = raw.get("risk_override")
        documents = (tuple(self.documents.list_for(actor, "investor", investor_id))
                     if allowed(actor.role, Permission.INVESTORS_READ) else ())
        alerts = (tuple(self.screening.list_alerts(actor, investor_id=investor_id))
                  if allowed(actor.role, ScreeningPermission.READ) else ())
        return InvestorFile(
            view.investor, view.case, view.problems, view.expiring, raw.get("next_review"), raw.get("risk_reason"),
            raw.get("risk_set_by"), _run(run) if run else None,
            PendingOverride(wanted["band"], wanted["reason"], wanted["requested_by"], wanted["requested_by_id"])
            if wanted else None, raw.get("decision_reason"), documents, alerts,
            self.ownership.ownership(actor, investor_id) if view.investor.kind == "corporate" else None)

    def record_document(self, actor: Actor, case_id: str, version: int, code: str, *, name: str | None = None,
                        data: bytes | None = None, document_id: str | None = None, document_date: str = "",
                        expires_on: str = "") -> KycCase:
        """Mark checklist item ``code`` received with its document: a new file (``name``, ``data``, stored
        encrypted with the investor) or one already stored (``document_id``). The move is checked before the
        file is stored."""
        require(actor, KycPermission.MANAGE)
        if (data is None) == (document_id is None):
            raise ValidationError({"document": "Choose a file to attach or a document already stored."})
        case = self._case(case_id)
        entry = case.item(code)
        today = self.now().date()
        on_doc = parse_date(document_date, "document_date", "The document date", today=today) if document_date else None
        expiry = (parse_date(expires_on, "expires_on", "The expiry date", today=today, ahead_days=DOCUMENT_VALID_DAYS)
                  if expires_on else None)
        try:  # the same rule the KYC service applies, checked before the file is stored
            move_item(entry.item, ItemStatus.RECEIVED, today=self.now().date(), document_date=on_doc,
                      expires_on=expiry)
        except KycError as exc:
            raise ValidationError({"item": str(exc)}) from None
        if data is not None:
            document_id = self.documents.attach(actor, "investor", case.investor_id, name or "", data).document_id
        return self.kyc.move_item(actor, case_id, version, code, ItemStatus.RECEIVED, document_date=document_date,
                                  expires_on=expires_on, document_id=document_id)

    def _case(self, case_id: str) -> KycCase:
        doc = self.cases.get(case_id)
        if doc is None:
            raise ValidationError({"case": f"No KYC case {case_id}; reload the investor's file."})
        return KycCase.from_doc(doc)

    # -- the alert view ------------------------------------------------------------------------------
    def compare(self, actor: Actor, alert_id: str) -> AlertComparison:
        """The investor and the list entry of an alert side by side, with the word pairs that matched. The date
        of birth is shown to those who may read personal data (audited as a read), else said to be on file."""
        alert = self.screening.alert(actor, alert_id)
        raw = self.alerts.require(alert.alert_id)
        investor = self.investors.get(actor, alert.investor_id)
        entry, version_text = self._entry(alert)
        return AlertComparison(
            alert, investor, self._birth(actor, investor), entry, version_text,
            tuple(WordPair(q, w, Decimal(s)) for q, w, s in raw.get("pairs", [])), tuple(raw.get("factors", [])),
            raw.get("name_score"))

    def _entry(self, alert: Alert) -> tuple[ListEntry | None, str]:
        """The entry as the newest stored version of its list holds it."""
        for version in self.lists.versions(Actor.system("alert view"), alert.list_name):
            entry = self.lists.entry(version.version_id, alert.entry_id)
            if entry is not None:
                return entry, f"{version.file_name}, imported {version.imported_at:%Y-%m-%d}"
        return None, "no stored version of the list holds this entry any more"

    def _birth(self, actor: Actor, investor: Investor) -> str:
        if "date_of_birth" not in investor.on_file:
            return "not on file"
        if not allowed(actor.role, Permission.PERSONAL_DATA_READ):
            return "on file (your role may not read it)"
        opened = self.investors.reveal(actor, investor.investor_id, "date_of_birth")
        if isinstance(opened, Locked):
            return "on file (not readable on this workstation: no data key)"
        return str(opened)


def _run(doc: dict) -> RiskRun:
    return RiskRun(doc["score"], doc["band"], doc["model_version"], doc["scored_at"], doc["scored_by"],
                   bool(doc.get("enhanced_due_diligence")),
                   tuple(RiskFactor(f["name"], f["points"], f["why"]) for f in doc.get("factors", [])))
