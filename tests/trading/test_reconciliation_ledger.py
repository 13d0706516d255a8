"""Reconciliation against the real portfolio cash ledger (wired in bootstrap): match, unrecorded deal,
flow that never reached MT5, unclassified deal, a fund without a ledger, permissions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.trading.reconciliation import MismatchKind
from tests.support.permission_matrix import assert_permission_matrix
from tests.support.portfolio_office import BACK, D3, D4
from tests.support.reconciliation_office import FIRST, LAST, ReconciliationOffice, build_reconciliation_office


@pytest.fixture
def ro(tmp_path: Path) -> ReconciliationOffice:
    return build_reconciliation_office(tmp_path)


def test_ledger_flows_are_net_of_fees_one_per_settled_transaction(ro: ReconciliationOffice) -> None:
    flows = ro.office.p.cashflows.external_flows(BACK, ro.office.fund.fund_id, FIRST, LAST)
    assert flows is not None
    assert [(f.value_date, f.kind, f.currency) for f in flows] == [(D3, "subscription", "EUR"),
                                                                    (D4, "subscription", "EUR")]
    assert ro.ann_net < Decimal(10000), "the entry fee stays out of what reaches the account"
    assert ro.office.p.cashflows.external_flows(BACK, ro.office.fund.fund_id, date(2023, 1, 5), LAST) == [flows[1]]
    assert ro.office.p.cashflows.external_flows(BACK, ro.new_fund_id, FIRST, LAST) is None


def test_one_match_one_unrecorded_deal_one_missing_flow_one_unclassified(ro: ReconciliationOffice) -> None:
    fund_id = ro.office.fund.fund_id
    result = ro.office.services.trading.reconciliation.reconcile(BACK, fund_id, FIRST, LAST)
    assert result.configured
    assert [(m.ticket, m.amount, m.booked) for m in result.matched] == [(11, ro.ann_net, D3)]
    assert [(m.ticket, m.amount) for m in result.of_kind(MismatchKind.DEAL_NOT_RECORDED)] == [(12, Decimal(2500))]
    assert [m.flow_id for m in result.of_kind(MismatchKind.FLOW_NOT_IN_MT5)] == [ro.bob_transaction]
    assert [m.ticket for m in result.of_kind(MismatchKind.NEEDS_CLASSIFICATION)] == [13]
    assert len(result.mismatches) == 3, "the profit withdrawal is not a client flow"


def test_every_fund_and_the_one_without_a_ledger_says_not_configured(ro: ReconciliationOffice) -> None:
    reconciliation = ro.office.services.trading.reconciliation
    results = {r.logins: r for r in reconciliation.reconcile_all(BACK, FIRST, LAST)}
    assert set(results) == {(5001002,), (7002001,)}
    assert results[(5001002,)].configured
    unledgered = results[(7002001,)]
    assert not unledgered.configured
    assert "no cash ledger" in unledgered.not_configured
    assert (unledgered.matched, unledgered.mismatches) == ([], [])
    assert [r.logins for r in reconciliation.reconcile_all(BACK, FIRST, LAST, login=7002001)] == [(7002001,)]
    with pytest.raises(ValidationError, match="not set up"):
        reconciliation.reconcile_all(BACK, FIRST, LAST, login=123)
    with pytest.raises(ValidationError, match="before the first day"):
        reconciliation.reconcile_all(BACK, LAST, FIRST)


def test_only_back_office_and_admins_may_reconcile(ro: ReconciliationOffice) -> None:
    reconciliation = ro.office.services.trading.reconciliation
    assert_permission_matrix(lambda actor: reconciliation.reconcile_all(actor, FIRST, LAST), Permission.MT5_RECONCILE)


def test_a_mismatch_explained_with_a_note_stays_listed_but_is_no_longer_open(ro: ReconciliationOffice) -> None:
    reconciliation = ro.office.services.trading.reconciliation
    fund_id = ro.office.fund.fund_id
    [unrecorded] = reconciliation.reconcile(BACK, fund_id, FIRST, LAST).of_kind(MismatchKind.DEAL_NOT_RECORDED)
    assert unrecorded.key == "deal_not_recorded:5001002:12"
    with pytest.raises(ValidationError, match="note"):
        reconciliation.explain(BACK, unrecorded.key, "   ")
    with pytest.raises(ValidationError, match="does not name"):
        reconciliation.explain(BACK, "nonsense:1", "why")
    with pytest.raises(ValidationError, match="review queue"):
        reconciliation.explain(BACK, "needs_classification:5001002:13", "why")
    assert_permission_matrix(lambda actor: reconciliation.explain(actor, unrecorded.key, "Broker bonus, agreed"),
                             Permission.MT5_RECONCILE, state=lambda: reconciliation.notes.count())
    reconciliation.explain(BACK, unrecorded.key, "Broker bonus, booked by hand on 6 Jan")

    result = reconciliation.reconcile(BACK, fund_id, FIRST, LAST)
    [explained] = result.of_kind(MismatchKind.DEAL_NOT_RECORDED)
    assert (explained.note, explained.explained_by, explained.open) == ("Broker bonus, booked by hand on 6 Jan",
                                                                         "lena", False)
    assert len(result.mismatches) == 3
    assert unrecorded not in result.open_mismatches
    assert len(result.open_mismatches) == 2
    entries = [e for e in ro.office.services.ctx.audit.iter_chain() if e["action"] == "mt5.reconciliation.explain"]
    assert [e["after"]["note"] for e in entries][-1] == "Broker bonus, booked by hand on 6 Jan"
    assert entries[-1]["before"]["note"] == "Broker bonus, agreed", "a new note replaces the old one, audited"
