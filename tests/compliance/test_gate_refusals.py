"""The readiness gate on a switch's incoming leg, and every refusal audited (``compliance.gate_refused``) in a
change of its own after the refused one rolled back: at entry (what the GUI's dealing dialog calls), at
approval and settlement, and once per refused row of a refused import — and the refused data not written."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.services.compliance.readiness import NotReady
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.services.portfolio.imports import ImportRejected
from tests.support.portfolio_office import ADMIN, BACK, D2, PM, PM2, Office, build_office
from tests.support.readiness import MAKER

ROWS = "ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n"


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return build_office(tmp_path)  # Ann and Bob are ready


def refusals(office: Office) -> list[dict]:
    return office.services.ctx.store.collection("audit").find({"action": "compliance.gate_refused"},
                                                              sort=[("seq", 1)])


def subscription(office: Office, investor_id: str, amount: str = "1000") -> TransactionRequest:
    return TransactionRequest("subscription", office.eur.class_id, investor_id, D2, D2, D2, amount=amount)


def unready(office: Office, investor_id: str) -> None:
    """The investor's file goes back to "needs update" (a document sent back), so it is not ready."""
    case = office.services.kyc.case_of(MAKER, investor_id)
    assert case is not None
    office.services.kyc.move_item(MAKER, case.case_id, case.version, case.items[0].code, "revision_requested",
                                  reason="document expired")


def holding(office: Office, investor_id: str) -> None:
    entered = office.p.dealing.enter(PM, subscription(office, investor_id))
    approved = office.p.dealing.approve(PM2, entered.transaction_id, entered.version)
    office.p.dealing.settle(BACK, approved.transaction_id, approved.version)


def test_a_refused_entry_is_audited_once_with_who_what_and_why_and_nothing_is_written(office: Office) -> None:
    carl = office.p.investors.create_investor(ADMIN, "INV-3", "Carl Newman", "individual")
    with pytest.raises(NotReady):
        office.p.dealing.enter(PM, subscription(office, carl.investor_id, "2500"))
    assert office.p.dealing.count(PM) == 0
    [entry] = refusals(office)
    assert (entry["actor"], entry["entity"], entry["entity_id"]) == ("maria", "investor", carl.investor_id)
    assert entry["after"] == {"source": "entry", "kind": "subscription", "ref": None, "amount": Decimal("2500"),
                              "units": None, "currency": "EUR",
                              "reason": "KYC case open; subscription agreement not signed"}
    assert "Carl" not in str(entry)  # the audit chain cannot be erased: no name in it
    assert not [e for e in office.services.ctx.store.collection("audit").find({"action": "transaction.enter"})
                if e["entity_id"] not in {t.transaction_id for t in office.p.dealing.page(PM)}]
    # the officer sees it in the investor's file
    [seen] = office.services.readiness.refusals(MAKER, carl.investor_id)
    assert (seen.by, seen.source, seen.kind, seen.amount, seen.currency) == ("maria", "entry", "subscription",
                                                                             Decimal("2500"), "EUR")
    # a preview while typing is no attempt: not audited
    with pytest.raises(NotReady):
        office.p.dealing.preview_request(PM, subscription(office, carl.investor_id))
    assert len(refusals(office)) == 1


def test_a_switch_into_another_class_is_gated_whole_and_audited(office: Office) -> None:
    ann = office.ann.investor_id
    holding(office, ann)
    switch = TransactionRequest("switch", office.eur.class_id, ann, D2, D2, D2, units="2",
                                target_class_id=office.usd.class_id)
    entered = office.p.dealing.enter(PM, switch)  # ready: accepted
    unready(office, ann)
    with pytest.raises(NotReady, match=r"Investor INV-1 .* KYC case needs update"):
        office.p.dealing.enter(PM, switch)
    with pytest.raises(NotReady, match="KYC case needs update"):
        office.p.dealing.approve(PM2, entered.transaction_id, entered.version)
    assert office.p.dealing.get(PM, entered.transaction_id).status == "pending"  # the approval rolled back
    assert [(e["actor"], e["after"]["source"], e["after"]["kind"], e["after"]["units"], e["after"]["ref"])
            for e in refusals(office)] == [("maria", "entry", "switch", Decimal("2"), None),
                                           ("peter", "approval", "switch", Decimal("2"), entered.ref)]
    # money out is not gated: she may still redeem
    redeem = TransactionRequest("redemption", office.eur.class_id, ann, D2, D2, D2, units="1")
    assert office.p.dealing.enter(PM, redeem).status == "pending"
    assert len(refusals(office)) == 2


def test_a_refused_settlement_is_audited_and_leaves_the_deal_approved(office: Office) -> None:
    bob = office.bob.investor_id
    entered = office.p.dealing.enter(PM, subscription(office, bob))
    approved = office.p.dealing.approve(PM2, entered.transaction_id, entered.version)
    unready(office, bob)
    with pytest.raises(NotReady):
        office.p.dealing.settle(BACK, approved.transaction_id, approved.version)
    assert office.p.dealing.get(PM, approved.transaction_id).status == "approved"
    [entry] = refusals(office)
    assert (entry["actor"], entry["after"]["source"], entry["after"]["ref"]) == ("lena", "settlement", approved.ref)


def test_a_refused_import_audits_each_refused_row_and_writes_none(office: Office) -> None:
    office.p.investors.create_investor(ADMIN, "INV-3", "Carl Newman", "individual")
    text = ROWS + ("IMP-1,subscription,GLB-A-EUR,INV-1,2023-01-03,2023-01-03,2023-01-03,500\n"
                   "IMP-2,subscription,GLB-A-EUR,INV-3,2023-01-03,2023-01-03,2023-01-03,700\n"
                   "IMP-3,subscription,GLB-A-EUR,INV-3,2023-01-03,2023-01-03,2023-01-03,800\n")
    with pytest.raises(ImportRejected):
        office.p.imports.import_transactions(PM, text)
    assert office.p.dealing.count(PM) == 0
    assert [(e["after"]["source"], e["after"]["ref"], e["after"]["amount"]) for e in refusals(office)] == [
        ("import", "IMP-2", Decimal("700")), ("import", "IMP-3", Decimal("800"))]
    # a file refused for another reason only (a bad class) audits no gate refusal
    with pytest.raises(ImportRejected):
        office.p.imports.import_transactions(PM, ROWS + "IMP-4,subscription,NOPE,INV-1,2023-01-03,2023-01-03,"
                                                        "2023-01-03,500\n")
    assert len(refusals(office)) == 2
