"""The demo office's investment readiness: every demo investor holding units may invest, as the issue asks
("demo investors with holdings are ready"), and one investigation is open.

- A holder without a KYC case gets an approved file (every item approved with current dates, a low or medium
  band, collected by back office and approved by the compliance officer) and a signed agreement on record.
- A holder whose file another demo builder left in another state (incomplete, in review, needs update) keeps
  it as built, with the agreement recorded; a holder still not ready (that, or an open alert on a generated
  name) gets, when the office has two compliance officers, an override asked by one and confirmed by the
  other, through the readiness service, so the existing client may deal for 90 days; never over a confirmed
  sanctions match.
- Investors without units and without a case get an open, incomplete file (some documents received).
- Every received or approved item links a specimen PDF stored encrypted with the investor (`reports/specimen.py`)
  when the demo holds its data key.
- The compliance officer opens one investigation: the investor with the largest subscriptions, its two largest
  deals, a note (sealed: without the demo's data key, when the machine has no usable keyring, none is opened).

Order 45: after the portfolio (20, whose holdings it reads), the CRM (30) and any KYC demo (40). The files and
records are written in bulk with one audit entry, like the portfolio demo; the investigation through its
service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from fidus_desktop.domain.compliance.kyc import CaseStatus, Item, ItemStatus, Requirement
from fidus_desktop.domain.compliance.risk import Band
from fidus_desktop.reports.specimen import file_name, specimen_pdf
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder
from fidus_desktop.services.compliance.kyc import CaseItem, KycService, item_doc
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.services.personal_data import VaultLocked
from fidus_desktop.store.port import Document

MAKER = "lena.fischer"  # back office collects the file
REVIEW_YEARS = {Band.LOW: 3, Band.MEDIUM: 2}
OVERRIDE_DAYS = 90


Specimen = Callable[[str, Requirement], "str | None"]
"""Stores the specimen document of a requirement for an investor and gives its id (None: no data key)."""


def approved_items(kind: str, kyc: KycService, today: date, n: int, specimen: Specimen, investor_id: str
                   ) -> list[Document]:
    """Every item of the kind's checklist approved, with plausible, current document dates and its document."""
    items = []
    for item in kyc.checklist_of(kind):
        req = item.requirement
        issued = today - timedelta(days=20 + n % 60)
        items.append(item_doc(CaseItem(Item(
            req, ItemStatus.APPROVED, issued if req.max_age_days or req.expires else None,
            today + timedelta(days=400 + 37 * (n % 50)) if req.expires else None), specimen(investor_id, req),
            updated_by=MAKER)))
    return items


def incomplete_items(kind: str, kyc: KycService, today: date, n: int, specimen: Specimen, investor_id: str
                     ) -> list[Document]:
    """The first ``n % 3`` items of the checklist received (dated, with their document), the rest missing."""
    items = []
    for i, item in enumerate(kyc.checklist_of(kind)):
        req = item.requirement
        if i < n % 3:
            item = Item(req, ItemStatus.RECEIVED, today - timedelta(days=5) if req.max_age_days or req.expires
                        else None, today + timedelta(days=900) if req.expires else None)
            items.append(item_doc(CaseItem(item, specimen(investor_id, req), updated_by=MAKER)))
        else:
            items.append(item_doc(CaseItem(item)))
    return items


def demo_readiness(run: DemoRun) -> None:
    services, now = run.services, run.services.kyc.now()
    today, kyc = now.date(), services.kyc
    officers = sorted((u for u in run.made.values() if getattr(u, "role", None) is Role.COMPLIANCE_OFFICER),
                      key=lambda u: u.username)
    checker = officers[0].username if officers else "compliance"
    maker = run.made[MAKER].actor() if MAKER in run.made else run.actor
    maker_id = maker.user_id
    holders = {a["investor_id"] for a in services.portfolio.investors.accounts.find({}) if a["units"] > 0}
    existing = {d["investor_id"]: d for d in kyc.cases.find({})}
    with_files = services.documents.locked() is None  # the demo's data key (in memory) seals the specimens

    def load(rec: ChangeRecorder) -> dict[str, int]:
        def specimen(investor_id: str, req: Requirement) -> str | None:
            if not with_files:
                return None
            return services.documents.attach_within(rec, maker, "investor", investor_id, file_name(req),
                                                    specimen_pdf(req.label)).document_id

        cases, records = [], []
        for n, investor in enumerate(services.portfolio.investors.investors.find({}, sort=[("number", 1)])):
            held, case = investor["_id"] in holders, existing.get(investor["_id"])
            if case is None and held:
                band = Band.MEDIUM if investor["kind"] == "corporate" or n % 7 == 0 else Band.LOW
                cases.append({
                    "investor_id": investor["_id"], "investor_number": investor["number"], "kind": investor["kind"],
                    "opened_by": MAKER, "opened_at": now, "status": CaseStatus.APPROVED.value,
                    "items": approved_items(investor["kind"], kyc, today, n, specimen, investor["_id"]),
                    "risk_band": band.value, "risk_reason": "assessed at onboarding (demo)", "risk_set_by": checker,
                    "next_review": today + timedelta(days=365 * REVIEW_YEARS[band] - 30 * (n % 12)),
                    "submitted_by": MAKER, "submitted_by_id": maker_id, "decided_by": checker, "decided_at": now})
            elif case is None:
                cases.append({
                    "investor_id": investor["_id"], "investor_number": investor["number"], "kind": investor["kind"],
                    "status": CaseStatus.OPEN.value,
                    "items": incomplete_items(investor["kind"], kyc, today, n, specimen, investor["_id"]),
                    "risk_band": None, "risk_reason": None, "opened_by": MAKER, "opened_at": now,
                    "submitted_by": None, "submitted_by_id": None, "decided_by": None})
            if held:
                records.append({"investor_id": investor["_id"], "investor_number": investor["number"],
                                "agreement_received_on": today - timedelta(days=30 + n % 300),
                                "agreement_document_id": None, "agreement_recorded_by": MAKER})
        kyc.cases.insert_many(cases)
        services.readiness.records.insert_many(records)
        counts = {"cases": len(cases), "agreements": len(records)}
        rec.record("demo.load", "compliance", "readiness", after=counts)
        return counts

    counts = kyc.change(run.actor, Permission.DEMO_LOAD, load)
    counts["overrides"] = demo_overrides(run, officers, holders)
    run.made["readiness"] = counts
    if officers:
        try:
            run.made["investigation"] = demo_investigation(run, officers[0].actor())
        except VaultLocked as exc:  # no data key (no usable keyring): its texts cannot be sealed
            run.made["investigation"] = f"not opened: {exc}"


def demo_overrides(run: DemoRun, officers: list[Any], holders: set[str]) -> int:
    """Holders the files still leave not ready (a file another builder left incomplete, an open alert on a
    generated name) get an override asked by one officer and confirmed by another, for 90 days; never over a
    confirmed sanctions match. Needs two compliance officers."""
    if len(officers) < 2:
        return 0
    readiness, today = run.services.readiness, run.services.kyc.now().date()
    blocked = [v for v in readiness.of_investors(run.actor, sorted(holders))
               if not v.ready and not any("sanctions match" in b for b in v.readiness.blocking)]
    asker, confirmer = officers[0].actor(), officers[1].actor()
    for view in blocked:
        readiness.request_override(asker, view.investor.investor_id,
                                   "Existing client; the file is being completed (demo)",
                                   today + timedelta(days=OVERRIDE_DAYS))
        readiness.confirm_override(confirmer, view.investor.investor_id)
    return len(blocked)


def demo_investigation(run: DemoRun, officer: Actor) -> str:
    """One open investigation: the investor with the largest subscriptions, its two largest deals, a note."""
    services = run.services
    transactions = services.portfolio.dealing.transactions
    wanted = {"kind": "subscription", "status": "settled"}
    investor_id = transactions.find(wanted, sort=[("amount", -1)], limit=1)[0]["investor_id"]
    refs = [d["ref"] for d in transactions.find({**wanted, "investor_id": investor_id}, sort=[("amount", -1)],
                                                limit=2)]
    case = services.investigations.open(
        officer, "Large subscriptions from a new source of funds",
        "Subscriptions well above the volume declared at onboarding; source of funds to be evidenced.",
        transactions=refs)
    services.investigations.add_note(officer, case, "Asked the investor for the sale contract of the property "
                                                    "named as the source of funds.")
    return case.ref
