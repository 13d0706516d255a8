"""Investment readiness: the rules (checked against an independent statement of them), the facts the service
gathers, the override with four eyes, and the gate on every path that gives an investor new units: entering,
importing, approving and settling a subscription, and a transfer to another investor."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.compliance.kyc import CaseStatus
from fidus_desktop.domain.compliance.readiness import Override, ReadinessFacts, assess
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.readiness import NotReady
from fidus_desktop.services.compliance.screening import Disposition
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.services.portfolio.imports import ImportRejected
from tests.compliance.conftest import sdn_excerpt
from tests.support.portfolio_office import ADMIN, BACK, D2, PM, PM2, Office, build_office
from tests.support.readiness import CHECKER, MAKER, approve_file, make_ready

TODAY = date.today()
PUTIN = "35096"


# -- the rules ---------------------------------------------------------------------------------------
def test_an_approved_case_and_a_signed_agreement_make_an_investor_ready() -> None:
    facts = ReadinessFacts(CaseStatus.APPROVED, agreement_received=TODAY)
    assert assess(facts, TODAY).ready
    assert assess(facts, TODAY).summary() == "ready"
    missing = assess(ReadinessFacts(CaseStatus.IN_REVIEW, review_due=TODAY - timedelta(days=1), open_alerts=2),
                     TODAY)
    assert not missing.ready
    assert missing.blocking == ("KYC case in review", f"KYC review overdue since {TODAY - timedelta(days=1)}",
                                "2 screening alerts undecided", "subscription agreement not signed")
    assert assess(ReadinessFacts(None), TODAY).blocking == ("no KYC case", "subscription agreement not signed")


def test_an_override_covers_gaps_until_it_expires_but_never_a_sanctions_match() -> None:
    override = Override("onboarding call done, passport copy follows", TODAY, "olga", "omar")
    facts = ReadinessFacts(CaseStatus.OPEN, override=override)
    assert assess(facts, TODAY).ready
    assert assess(facts, TODAY).overridden
    assert "ready by override until" in assess(facts, TODAY).summary()
    assert not assess(facts, TODAY + timedelta(days=1)).ready  # expired
    asked = ReadinessFacts(CaseStatus.OPEN, override=Override("x" * 12, TODAY, "olga", None))
    assert not assess(asked, TODAY).ready  # not confirmed yet
    sanctioned = ReadinessFacts(CaseStatus.APPROVED, sanctions_matches=1, agreement_received=TODAY,
                                override=override)
    assert assess(sanctioned, TODAY).blocking == ("1 confirmed sanctions match (no override possible)",)
    pep = ReadinessFacts(CaseStatus.APPROVED, other_matches=1, agreement_received=TODAY, override=override)
    assert assess(pep, TODAY).ready
    assert assess(pep, TODAY).overridden


@given(status=st.sampled_from([None, *CaseStatus]), lapsed=st.booleans(), overdue=st.booleans(),
       open_alerts=st.integers(0, 2), sanctions=st.integers(0, 1), peps=st.integers(0, 1), agreement=st.booleans(),
       override=st.sampled_from(["none", "asked", "in_force", "expired"]))
def test_readiness_follows_the_issue_rule(status: CaseStatus | None, lapsed: bool, overdue: bool, open_alerts: int,
                                          sanctions: int, peps: int, agreement: bool, override: str) -> None:
    """Independent statement: ready ⇔ no sanctions match ∧ (file complete ∨ an override confirmed and current)."""
    confirmed = {"none": None, "asked": None, "in_force": "omar", "expired": "omar"}[override]
    until = TODAY - timedelta(days=1) if override == "expired" else TODAY + timedelta(days=5)
    facts = ReadinessFacts(status, ("Identity document expired on 2020-01-01",) if lapsed else (),
                           TODAY - timedelta(days=3) if overdue else TODAY + timedelta(days=3), open_alerts,
                           sanctions, peps, TODAY if agreement else None,
                           None if override == "none" else Override("reason text", until, "olga", confirmed))
    complete = (status is CaseStatus.APPROVED and not lapsed and not overdue and not open_alerts and not peps
                and agreement)
    result = assess(facts, TODAY)
    assert result.ready == (not sanctions and (complete or override == "in_force"))
    assert bool(result.blocking) == (not result.ready)
    assert bool(result.gaps) == (not complete or bool(sanctions))


# -- the service and the gate ------------------------------------------------------------------------
@pytest.fixture
def office(tmp_path: Path) -> Office:
    return build_office(tmp_path)  # Ann and Bob are ready


def subscription(office: Office, investor_id: str, ref: str | None = None) -> TransactionRequest:
    return TransactionRequest("subscription", office.eur.class_id, investor_id, D2, D2, D2, amount="1000", ref=ref)


def new_investor(office: Office, number: str = "INV-3", name: str = "Carl Newman") -> str:
    return office.p.investors.create_investor(ADMIN, number, name, "individual").investor_id


def test_a_new_investor_cannot_subscribe_and_is_told_why(office: Office) -> None:
    carl = new_investor(office)
    view = office.services.readiness.readiness(PM, carl)
    assert not view.ready
    assert view.readiness.blocking == ("KYC case open", "subscription agreement not signed")
    with pytest.raises(NotReady) as refused:
        office.p.dealing.enter(PM, subscription(office, carl))
    assert str(refused.value) == (
        "investor_id: Investor INV-3 (Carl Newman) is not ready to invest: KYC case open; subscription agreement not "
        "signed. A compliance officer completes the file (`fidus kyc readiness --investor INV-3`) or, with a "
        "second officer, records an override.")
    assert office.p.dealing.count(PM) == 0  # nothing written
    approve_file(office.services, carl)
    with pytest.raises(NotReady, match="not ready to invest: subscription agreement not signed"):
        office.p.dealing.enter(PM, subscription(office, carl))
    office.services.readiness.record_agreement(BACK, carl, TODAY)
    assert office.p.dealing.enter(PM, subscription(office, carl)).status == "pending"


def test_readiness_lost_after_entry_stops_approval_and_settlement(office: Office) -> None:
    dealing, kyc = office.p.dealing, office.services.kyc
    entered = dealing.enter(PM, subscription(office, office.ann.investor_id))
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    kyc.move_item(MAKER, case.case_id, case.version, "identity", "revision_requested", reason="passport renewed")
    with pytest.raises(NotReady, match=r"Investor INV-1 .* KYC case needs update"):
        dealing.approve(PM2, entered.transaction_id, entered.version)
    assert dealing.get(PM, entered.transaction_id).status == "pending"
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    office.services.readiness.request_override(MAKER, office.ann.investor_id, "renewal in progress, old ok",
                                               TODAY + timedelta(days=30))
    office.services.readiness.confirm_override(CHECKER, office.ann.investor_id)
    approved = dealing.approve(PM2, entered.transaction_id, entered.version)
    office.services.readiness.revoke_override(CHECKER, office.ann.investor_id, "renewal refused by the investor")
    with pytest.raises(NotReady, match="KYC case needs update"):
        dealing.settle(BACK, approved.transaction_id, approved.version)
    assert dealing.get(PM, entered.transaction_id).status == "approved"


def test_a_transfer_is_gated_on_the_receiver_and_redemptions_are_not_gated(office: Office) -> None:
    dealing = office.p.dealing
    entered = dealing.enter(PM, subscription(office, office.ann.investor_id))
    approved = dealing.approve(PM2, entered.transaction_id, entered.version)
    dealing.settle(BACK, approved.transaction_id, approved.version)
    carl = new_investor(office)
    transfer = TransactionRequest("transfer", office.eur.class_id, office.ann.investor_id, D2, D2, D2, units="5",
                                  target_investor_id=carl)
    with pytest.raises(NotReady, match="INV-3"):
        office.p.dealing.enter(PM, transfer)
    back = TransactionRequest("transfer", office.eur.class_id, office.ann.investor_id, D2, D2, D2, units="5",
                              target_investor_id=office.bob.investor_id)
    assert office.p.dealing.enter(PM, back).status == "pending"
    # Ann no longer ready: she may still redeem (money out is not gated), not subscribe
    case = office.services.kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    office.services.kyc.move_item(MAKER, case.case_id, case.version, "address", "revision_requested", reason="moved")
    redeem = TransactionRequest("redemption", office.eur.class_id, office.ann.investor_id, D2, D2, D2, units="1")
    assert office.p.dealing.enter(PM, redeem).status == "pending"


def test_an_import_refuses_the_rows_of_investors_not_ready_and_writes_nothing(office: Office) -> None:
    new_investor(office)
    text = ("ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n"
            "IMP-1,subscription,GLB-A-EUR,INV-1,2023-01-03,2023-01-03,2023-01-03,500\n"
            "IMP-2,subscription,GLB-A-EUR,INV-3,2023-01-03,2023-01-03,2023-01-03,500\n")
    with pytest.raises(ImportRejected) as refused:
        office.p.imports.import_transactions(PM, text)
    assert "line 3" in str(refused.value)
    assert "Investor INV-3 (Carl Newman) is not ready to invest" in str(refused.value)
    assert "line 2" not in str(refused.value)
    assert office.p.dealing.count(PM) == 0


def test_an_override_needs_two_compliance_officers_a_reason_and_a_near_expiry(office: Office) -> None:
    readiness, carl = office.services.readiness, new_investor(office)
    with pytest.raises(PermissionDenied):
        readiness.request_override(BACK, carl, "back office may not ask for this", TODAY + timedelta(days=5))
    with pytest.raises(ValidationError, match="at least 10 characters"):
        readiness.request_override(MAKER, carl, "because", TODAY + timedelta(days=5))
    with pytest.raises(ValidationError, match="not plausible"):
        readiness.request_override(MAKER, carl, "documents promised next week", TODAY + timedelta(days=800))
    with pytest.raises(ValidationError, match="has passed"):
        readiness.request_override(MAKER, carl, "documents promised next week", TODAY - timedelta(days=1))
    asked = readiness.request_override(MAKER, carl, "documents promised next week", TODAY + timedelta(days=5))
    assert asked.override_pending
    assert not asked.ready
    with pytest.raises(PermissionDenied, match="olga asked for this override; a second officer confirms it"):
        readiness.confirm_override(MAKER, carl)
    with pytest.raises(PermissionDenied):
        readiness.confirm_override(PM, carl)
    confirmed = readiness.confirm_override(CHECKER, carl)
    assert confirmed.ready
    assert confirmed.readiness.overridden
    assert not confirmed.override_pending
    assert office.p.dealing.enter(PM, subscription(office, carl)).status == "pending"
    actions = [d["action"] for d in office.services.ctx.store.collection("audit").find(sort=[("seq", 1)])
               if d["action"].startswith("readiness.")]
    assert actions[-2:] == ["readiness.override_request", "readiness.override_confirm"]
    with pytest.raises(ValidationError, match="No override awaits confirmation"):
        readiness.confirm_override(CHECKER, carl)


def test_a_confirmed_sanctions_match_cannot_be_overridden(office: Office) -> None:
    services = office.services
    services.screening_lists.import_file(ADMIN, "ofac", sdn_excerpt(PUTIN), "sdn.csv")
    putin = new_investor(office, "INV-7", "Vladimir Vladimirovich Putin")
    assert "1 screening alert undecided" in services.readiness.readiness(PM, putin).readiness.blocking
    [alert] = services.screening.list_alerts(MAKER, investor_id=putin)
    alert = services.screening.decide(MAKER, alert.alert_id, alert.version, Disposition.TRUE_MATCH, "same person")
    services.screening.confirm(CHECKER, alert.alert_id, alert.version, True, "agreed: listed under RUSSIA-EO14024")
    services.readiness.request_override(MAKER, putin, "the board wants him as an investor", TODAY)
    view = services.readiness.confirm_override(CHECKER, putin)
    assert not view.ready
    assert view.readiness.blocking[0] == "1 confirmed sanctions match (no override possible)"
    with pytest.raises(NotReady, match="confirmed sanctions match"):
        office.p.dealing.enter(PM, subscription(office, putin))


def test_everyone_who_sees_investors_sees_readiness_and_only_officers_change_it(office: Office) -> None:
    readiness, carl = office.services.readiness, new_investor(office)
    for actor in (PM, BACK, MAKER, ADMIN):
        assert not readiness.readiness(actor, carl).ready
    with pytest.raises(PermissionDenied):
        readiness.record_agreement(PM, carl, TODAY)
    with pytest.raises(ValidationError, match="not plausible"):
        readiness.record_agreement(BACK, carl, TODAY + timedelta(days=2))
    with pytest.raises(ValidationError, match="not a stored document of this investor"):
        readiness.record_agreement(BACK, carl, TODAY, document_id="nope")
    make_ready(office.services, carl)
    assert [v.investor.number for v in readiness.of_investors(PM) if v.ready] == ["INV-1", "INV-2", "INV-3"]


def test_a_prospect_converted_in_the_crm_is_screened_gets_a_case_and_is_not_ready(office: Office) -> None:
    services = office.services
    services.screening_lists.import_file(ADMIN, "ofac", sdn_excerpt(PUTIN), "sdn.csv")
    prospect = services.prospects.create(ADMIN, {"first_name": "Vladimir", "last_name": "Putin"})
    services.prospects.move(ADMIN, prospect.prospect_id, "Won")
    investor_id = services.prospects.convert(ADMIN, prospect.prospect_id)
    assert services.kyc.case_of(MAKER, investor_id) is not None
    assert len(services.screening.list_alerts(MAKER, investor_id=investor_id)) == 1
    view = services.readiness.readiness(PM, investor_id)
    assert view.readiness.blocking == ("KYC case open", "1 screening alert undecided",
                                       "subscription agreement not signed")
    with pytest.raises(NotReady):
        office.p.dealing.enter(PM, subscription(office, investor_id))


def test_an_import_asks_the_gate_once_per_investor_of_the_file(office: Office) -> None:
    asked: list[tuple[str, str]] = []
    office.p.dealing.add_unit_gate(lambda investor_id, field: asked.append((investor_id, field)))
    text = "ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n" + "".join(
        f"IMP-{n},subscription,GLB-A-EUR,INV-{1 + n % 2},2023-01-03,2023-01-03,2023-01-03,100\n" for n in range(6))
    assert office.p.imports.import_transactions(PM, text).inserted == 6
    assert sorted(asked) == sorted([(office.ann.investor_id, "investor_id"), (office.bob.investor_id, "investor_id")])


def test_an_agreement_signed_through_an_envelope_counts_as_signed(office: Office) -> None:
    """The signing feature records a completed subscription agreement in ``signed_agreements``
    (services/envelopes.py); readiness reads it like an agreement an officer recorded."""
    carl = new_investor(office)
    approve_file(office.services, carl)
    assert office.services.readiness.readiness(PM, carl).readiness.blocking == ("subscription agreement not signed",)
    signed_at = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    office.services.ctx.store.collection("signed_agreements").insert({
        "investor_id": carl, "envelope_id": "env-1", "kind": "subscription_agreement", "signed_at": signed_at,
        "document_ids": []})
    view = office.services.readiness.readiness(PM, carl)
    assert (view.ready, view.agreement_received) == (True, date(2026, 11, 30))
    office.services.readiness.record_agreement(BACK, carl, "2026-10-01")  # an older paper copy: the later date
    assert office.services.readiness.readiness(PM, carl).agreement_received == date(2026, 11, 30)
