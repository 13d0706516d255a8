"""KYC checklists, item moves with their checks, expiry, and the approval rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fidus_desktop.domain.compliance import kyc

TODAY = date(2026, 12, 6)


def approved_file(kind: str = "individual") -> list[kyc.Item]:
    items = []
    for item in kyc.checklist(kind):
        received = kyc.move_item(item, kyc.ItemStatus.RECEIVED, today=TODAY, document_date=TODAY - timedelta(days=10),
                                 expires_on=TODAY + timedelta(days=400) if item.requirement.expires else None)
        items.append(kyc.move_item(received, kyc.ItemStatus.APPROVED, today=TODAY))
    return items


def test_checklists_by_investor_kind() -> None:
    assert [i.requirement.code for i in kyc.checklist("individual")] == [
        "identity", "address", "source_of_funds", "source_of_wealth", "bank_statement", "suitability"]
    assert "ubo" in {i.requirement.code for i in kyc.checklist("corporate")}
    with pytest.raises(kyc.KycError, match="no KYC checklist for investor kind 'trust'"):
        kyc.checklist("trust")


def test_received_documents_are_checked_for_expiry_and_age() -> None:
    identity, address = kyc.checklist("individual")[:2]
    with pytest.raises(kyc.KycError, match="enter the expiry date"):
        kyc.move_item(identity, kyc.ItemStatus.RECEIVED, today=TODAY)
    with pytest.raises(kyc.KycError, match="expired on 2026-12-01"):
        kyc.move_item(identity, kyc.ItemStatus.RECEIVED, today=TODAY, expires_on=date(2026, 12, 1))
    with pytest.raises(kyc.KycError, match="more than 92 days ago"):
        kyc.move_item(address, kyc.ItemStatus.RECEIVED, today=TODAY, document_date=date(2026, 8, 1))
    with pytest.raises(kyc.KycError, match="cannot become approved"):
        kyc.move_item(address, kyc.ItemStatus.APPROVED, today=TODAY)


def test_a_rejection_needs_a_reason() -> None:
    item = kyc.move_item(kyc.checklist("individual")[2], kyc.ItemStatus.RECEIVED, today=TODAY)
    with pytest.raises(kyc.KycError, match="say why"):
        kyc.move_item(item, kyc.ItemStatus.REJECTED, today=TODAY, reason=" ")
    assert kyc.move_item(item, kyc.ItemStatus.REJECTED, today=TODAY, reason="Unsigned").reason == "Unsigned"


def test_approval_needs_every_item_a_band_and_no_open_alert() -> None:
    items = approved_file()
    assert kyc.approval_problems(items, risk_band="low", open_alerts=0, today=TODAY) == []
    assert kyc.move_case(kyc.CaseStatus.IN_REVIEW, kyc.CaseStatus.APPROVED) is kyc.CaseStatus.APPROVED
    problems = kyc.approval_problems([*items[:-1], kyc.checklist("individual")[-1]], risk_band=None, open_alerts=2,
                                     today=TODAY)
    assert problems == ["Suitability questionnaire is missing", "no risk band: score the investor first",
                        "2 screening alert(s) still open"]
    with pytest.raises(kyc.KycError, match="cannot be approved yet: Suitability questionnaire is missing"):
        kyc.move_case(kyc.CaseStatus.IN_REVIEW, kyc.CaseStatus.APPROVED, problems)


def test_a_lapsed_identity_document_puts_the_case_back_to_needs_update() -> None:
    items = approved_file()
    later = TODAY + timedelta(days=400)
    assert [i.requirement.code for i in kyc.expiring(items, later - timedelta(days=20), timedelta(days=30))] == [
        "identity"]
    assert [i.requirement.code for i in kyc.lapsed(items, later)] == ["identity"]
    assert "Identity document expired on" in kyc.approval_problems(items, risk_band="low", open_alerts=0,
                                                                   today=later)[0]
    assert kyc.move_case(kyc.CaseStatus.APPROVED, kyc.CaseStatus.NEEDS_UPDATE) is kyc.CaseStatus.NEEDS_UPDATE
