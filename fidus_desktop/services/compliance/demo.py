"""The demo office's investment readiness: every demo investor holding units has an approved KYC file (every
item approved, a risk band, submitted by back office and approved by the compliance officer) and a signed
subscription agreement on record, as the issue asks ("demo investors with holdings are ready").

Investors without units get an open, incomplete file (some documents received, the rest missing) unless they
already have a case (the CRM demo's converted prospect got one when it was created).

One investigation is opened by the compliance officer on the investor with the largest subscriptions.

Order 40: after the portfolio (20, whose holdings it reads) and the CRM (30). Written in bulk with one audit
entry, like the portfolio demo.
"""

from __future__ import annotations

from datetime import date, timedelta

from fidus_desktop.domain.compliance.kyc import CaseStatus, Item, ItemStatus, checklist
from fidus_desktop.domain.compliance.risk import Band
from fidus_desktop.services.compliance.kyc import CaseItem, KycService, item_doc
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.permissions import Permission
from fidus_desktop.store.port import Document

MAKER, CHECKER = "lena.fischer", "james.okafor"  # back office collects the file, compliance approves it
REVIEW_YEARS = {Band.LOW: 3, Band.MEDIUM: 2}


def approved_items(kind: str, kyc: KycService, today: date, n: int) -> list[Document]:
    """Every item of the kind's checklist approved, with plausible, current document dates."""
    items = []
    for item in checklist(kind, kyc.requirements):
        req = item.requirement
        issued = today - timedelta(days=20 + n % 60)
        items.append(item_doc(CaseItem(Item(
            req, ItemStatus.APPROVED, issued if req.max_age_days or req.expires else None,
            today + timedelta(days=400 + 37 * (n % 50)) if req.expires else None), updated_by=MAKER)))
    return items


def incomplete_items(kind: str, kyc: KycService, today: date, n: int) -> list[Document]:
    """The first ``n % 3`` items of the checklist received (dated), the rest missing."""
    items = []
    for i, item in enumerate(checklist(kind, kyc.requirements)):
        req = item.requirement
        if i < n % 3:
            item = Item(req, ItemStatus.RECEIVED, today - timedelta(days=5) if req.max_age_days or req.expires
                        else None, today + timedelta(days=900) if req.expires else None)
        items.append(item_doc(CaseItem(item, updated_by=MAKER if i < n % 3 else None)))
    return items


def demo_readiness(run: DemoRun) -> None:
    services, now = run.services, run.services.kyc.now()
    today, kyc = now.date(), services.kyc
    holders = {a["investor_id"] for a in services.portfolio.investors.accounts.find({}) if a["units"] > 0}
    maker_id = run.made[MAKER].user_id if MAKER in run.made else MAKER
    have_case = {d["investor_id"]: d for d in kyc.cases.find({"investor_id": {"$in": sorted(holders)}})}
    cases, updates, records = [], [], []
    for n, investor in enumerate(services.portfolio.investors.investors.find(
            {"_id": {"$in": sorted(holders)}}, sort=[("number", 1)])):
        band = Band.MEDIUM if investor["kind"] == "corporate" or n % 7 == 0 else Band.LOW
        fields = {
            "status": CaseStatus.APPROVED.value, "items": approved_items(investor["kind"], kyc, today, n),
            "risk_band": band.value, "risk_reason": "assessed at onboarding (demo)", "risk_set_by": CHECKER,
            "next_review": today + timedelta(days=365 * REVIEW_YEARS[band] - 30 * (n % 12)),
            "submitted_by": MAKER, "submitted_by_id": maker_id, "decided_by": CHECKER, "decided_at": now}
        if investor["_id"] in have_case:
            if have_case[investor["_id"]]["status"] != CaseStatus.OPEN.value:
                continue  # another builder's case in another state: leave it as built
            updates.append((have_case[investor["_id"]], fields))
        else:
            cases.append({"investor_id": investor["_id"], "investor_number": investor["number"],
                          "kind": investor["kind"], "opened_by": MAKER, "opened_at": now, **fields})
        records.append({"investor_id": investor["_id"], "investor_number": investor["number"],
                        "agreement_received_on": today - timedelta(days=30 + n % 300),
                        "agreement_document_id": None, "agreement_recorded_by": MAKER})
    with_case = {d["investor_id"] for d in kyc.cases.find({})} | {c["investor_id"] for c in cases}
    for n, investor in enumerate(services.portfolio.investors.investors.find({}, sort=[("number", 1)])):
        if investor["_id"] not in with_case:
            cases.append({"investor_id": investor["_id"], "investor_number": investor["number"],
                          "kind": investor["kind"], "status": CaseStatus.OPEN.value,
                          "items": incomplete_items(investor["kind"], kyc, today, n), "risk_band": None,
                          "risk_reason": None, "opened_by": MAKER, "opened_at": now, "submitted_by": None,
                          "submitted_by_id": None, "decided_by": None})
    with kyc.changing(run.actor, Permission.DEMO_LOAD) as rec:
        kyc.cases.insert_many(cases)
        for case, fields in updates:
            kyc.cases.update(case["_id"], fields, expected_version=case["version"])
        services.readiness.records.insert_many(records)
        counts = {"approved_cases": len(records), "agreements": len(records),
                  "open_cases": len(cases) + len(updates) - len(records)}
        rec.record("demo.load", "compliance", "demo", after=counts)
    run.made["readiness"] = counts
    if CHECKER in run.made:
        run.made["investigation"] = demo_investigation(run)


def demo_investigation(run: DemoRun) -> str:
    """One open investigation, as the compliance officer: the investor with the largest subscriptions, the
    two largest of them linked, with a note."""
    services = run.services
    officer = run.made[CHECKER].actor()
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
