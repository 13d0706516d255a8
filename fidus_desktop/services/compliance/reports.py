"""The compliance reports' figures: the KYC status of every investor (with readiness), reviews overdue or due
soon, documents expired or expiring, screening hits with their dispositions, and the risk distribution.

One service computes them from the KYC, readiness and screening services; ``reports/kyc_report.py`` only lays
them out (PDF, CSV, XLSX). Reading needs ``kyc.read`` and ``screening.read`` (compliance, back office).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.domain.compliance.risk import BAND_ORDER
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.services.compliance.kyc import KycService
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.compliance.readiness import ReadinessService
from fidus_desktop.services.compliance.screening import ScreeningService
from fidus_desktop.services.permissions import require

REVIEW_HORIZON = timedelta(days=60)
"""Reviews due within this are listed with the overdue ones (time to collect the documents)."""
DOCUMENT_HORIZON = timedelta(days=30)
NO_BAND = "none"


@dataclass(frozen=True)
class StatusRow:
    number: str
    name: str
    kind: str
    case_status: str  # "no case" when none was opened
    risk_band: str | None
    ready: bool
    readiness: str
    open_alerts: int
    missing: int
    next_review: date | None


@dataclass(frozen=True)
class ReviewRow:
    number: str
    name: str
    risk_band: str | None
    next_review: date
    days_overdue: int  # negative: due in that many days


@dataclass(frozen=True)
class DocumentRow:
    number: str
    name: str
    item: str
    expires_on: date
    days_left: int  # 0 or negative: lapsed


@dataclass(frozen=True)
class HitRow:
    number: str
    list_name: str
    entry_id: str
    matched_name: str
    score: Decimal
    status: str
    disposition: str | None
    decided_by: str | None
    raised_at: datetime
    entry_removed: str | None


@dataclass(frozen=True)
class KycReport:
    as_of: date
    status: tuple[StatusRow, ...]
    reviews: tuple[ReviewRow, ...]
    documents: tuple[DocumentRow, ...]
    hits: tuple[HitRow, ...]
    distribution: tuple[tuple[str, int], ...]  # band (low … critical, then "none") → investors

    @property
    def case_counts(self) -> dict[str, int]:
        return dict(Counter(r.case_status for r in self.status))


class ComplianceReportService(Service):
    def __init__(self, ctx: ServiceContext, kyc: KycService, readiness: ReadinessService,
                 screening: ScreeningService) -> None:
        super().__init__(ctx)
        self.kyc, self.readiness, self.screening = kyc, readiness, screening

    def kyc_report(self, actor: Actor) -> KycReport:
        require(actor, KycPermission.READ)
        require(actor, ScreeningPermission.READ)
        today = self.now().date()
        views = self.kyc.status(actor)
        ready = {r.investor.investor_id: r for r in self.readiness.of_investors(actor)}
        cases = {d["investor_id"]: d for d in self.kyc.cases.find({})}  # next review dates
        status, reviews, documents = [], [], []
        for view in views:
            investor, case = view.investor, view.case
            readiness = ready[investor.investor_id]
            review = cases.get(investor.investor_id, {}).get("next_review")
            status.append(StatusRow(investor.number, investor.name, investor.kind,
                                    case.status.value if case else "no case",
                                    case.risk_band.value if case and case.risk_band else None, readiness.ready,
                                    readiness.readiness.summary(), view.open_alerts,
                                    len(view.problems) if case else 0, review))
            if review is not None and review <= today + REVIEW_HORIZON:
                reviews.append(ReviewRow(investor.number, investor.name,
                                         case.risk_band.value if case and case.risk_band else None, review,
                                         (today - review).days))
            for entry in case.items if case else ():
                item = entry.item
                if (item.expires_on is not None and item.status in (ItemStatus.APPROVED, ItemStatus.RECEIVED)
                        and item.expires_on <= today + DOCUMENT_HORIZON):
                    documents.append(DocumentRow(investor.number, investor.name, item.requirement.label,
                                                 item.expires_on, (item.expires_on - today).days))
        hits = [HitRow(a.investor_number, a.list_name, a.entry_id, a.matched_name, a.score, a.status.value,
                       a.disposition.value if a.disposition else None, a.decided_by, a.raised_at, a.entry_removed)
                for a in self.screening.list_alerts(actor)]
        bands = Counter(r.risk_band or NO_BAND for r in status)
        distribution = tuple((b, bands.get(b, 0)) for b in [*(b.value for b in BAND_ORDER), NO_BAND])
        return KycReport(today, tuple(status), tuple(sorted(reviews, key=lambda r: (r.next_review, r.number))),
                         tuple(sorted(documents, key=lambda r: (r.expires_on, r.number))),
                         tuple(sorted(hits, key=lambda h: (h.number, h.raised_at))), distribution)
