"""Balance classification + review queue, risk alerts raised once and acknowledged, reconciliation mismatches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fidus_desktop.domain.trading.balance_rules import BalanceCategory
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.classification import ReviewStatus
from fidus_desktop.services.trading.reconciliation import MismatchKind, RecordedCashFlow
from fidus_desktop.services.trading.sync import Poll
from tests.support.mt5_records import T0, balance, snapshot
from tests.support.simulated_accounts import sim_account_input


@pytest.fixture
def account(trading: TradingServices, pm: Actor):
    return trading.accounts.create(pm, sim_account_input(5001001, fund_id="fund-alpha", alert_thresholds={
        "margin_level_below": "200", "drawdown_above": "10"}))


def test_balance_deals_are_classified_and_unknown_ones_wait_for_review(
    trading: TradingServices, pm: Actor, account: object
) -> None:
    deals = [balance(1, "10000", "Deposit"), balance(2, "-1500", "Withdrawal to separation account"),
             balance(3, "250", "Mystery credit line")]
    result = trading.sync.record_poll(pm, account, Poll(snapshot("8750"), [], deals, watermark=T0))  # type: ignore[arg-type]
    assert (result.new_balance_deals, result.needs_review) == (3, 1)
    queue = trading.classification.review_queue(pm)
    assert [(i.ticket, i.category) for i in queue] == [(3, BalanceCategory.UNCLASSIFIED)]
    trading.sync.record_poll(pm, account, Poll(snapshot("8750"), [], deals, watermark=T0))  # type: ignore[arg-type]
    assert trading.classification.items.count() == 3, "re-polled deals are not classified twice"

    resolved = trading.classification.resolve(pm, 5001001, 3, "fee_rebate", "Broker goodwill payment")
    assert resolved.status is ReviewStatus.RESOLVED
    assert resolved.resolved_by == "maria.costa"
    assert trading.classification.review_queue(pm) == []
    entry = next(e for e in trading.accounts.ctx.audit.iter_chain() if e["action"] == "mt5.balance_deal.resolve")
    assert entry["after"]["category"] == "fee_rebate"
    assert entry["actor"] == "maria.costa"
    with pytest.raises(ValidationError, match="not a decision"):
        trading.classification.resolve(pm, 5001001, 2, "unclassified")


def test_changing_rules_reclassifies_but_keeps_decisions(
    trading: TradingServices, pm: Actor, account: object
) -> None:
    deals = [balance(1, "500", "Mystery credit line"), balance(2, "300", "Bonus wire")]
    trading.sync.record_poll(pm, account, Poll(snapshot("800"), [], deals, watermark=T0))  # type: ignore[arg-type]
    trading.classification.resolve(pm, 5001001, 2, "client_deposit")
    rules = [*trading.classification.rule_config(), {"category": "fee_rebate", "pattern": "mystery credit"}]
    assert trading.classification.set_rules(pm, rules) == 1
    items = {i.ticket: i for i in trading.classification.items_for(pm, 5001001)}
    assert items[1].category is BalanceCategory.FEE_REBATE
    assert items[1].status is ReviewStatus.AUTO
    assert items[2].status is ReviewStatus.RESOLVED
    with pytest.raises(ValidationError, match="rule"):
        trading.classification.set_rules(pm, [{"category": "fee_rebate", "match": "regex", "pattern": "("}])


def test_alerts_raise_once_clear_and_acknowledge_is_audited(
    trading: TradingServices, pm: Actor, back_office: Actor, account: object
) -> None:
    def poll(equity: str, level: str | None, minutes: int) -> None:
        when = T0 + timedelta(minutes=minutes)
        trading.sync.record_poll(pm, account, Poll(snapshot(equity, level, when), []))  # type: ignore[arg-type]

    poll("10000", "500", 0)
    poll("9500", "150", 1)  # margin alert
    poll("9400", "140", 2)  # still the same condition
    active = trading.risk.active(pm)
    assert [a.kind.value for a in active] == ["margin_level"]
    assert active[0].key == "mt5:5001001:margin_level"
    poll("8500", "300", 3)  # margin fine, drawdown 15 % > 10 %
    assert [a.kind.value for a in trading.risk.active(pm)] == ["drawdown"]
    history = trading.risk.history(pm)
    assert sorted(a.kind.value for a in history) == ["drawdown", "margin_level"]
    assert all(a.cleared_at is not None for a in history if a.kind.value == "margin_level")

    with pytest.raises(PermissionDenied):
        trading.risk.acknowledge(back_office, history[0].alert_id)
    acked = trading.risk.acknowledge(pm, trading.risk.active(pm)[0].alert_id)
    assert acked.acknowledged_by == "maria.costa"
    actions = [e["action"] for e in trading.accounts.ctx.audit.iter_chain()]
    assert actions.count("mt5.alert.raise") == 2
    assert "mt5.alert.acknowledge" in actions
    with pytest.raises(ValidationError, match="already acknowledged"):
        trading.risk.acknowledge(pm, acked.alert_id)


def test_reconciliation_lists_mismatches_both_ways(
    trading: TradingServices, pm: Actor, back_office: Actor, account: object
) -> None:
    deals = [balance(1, "10000", "Deposit", T0 - timedelta(days=2)),
             balance(2, "-2000", "Withdrawal", T0 - timedelta(days=1)),
             balance(3, "5000", "Deposit", T0),
             balance(4, "-700", "Withdrawal to separation account", T0),
             balance(5, "99", "Odd adjustment", T0)]
    trading.sync.record_poll(pm, account, Poll(snapshot("12399"), [], deals, watermark=T0))  # type: ignore[arg-type]
    flows = [RecordedCashFlow("cf-1", "fund-alpha", date(2024, 5, 31), Decimal(10000), "USD", "Sub A"),
             RecordedCashFlow("cf-2", "fund-alpha", date(2024, 6, 2), Decimal(-2000), "USD", "Red B"),
             RecordedCashFlow("cf-3", "fund-alpha", date(2024, 6, 1), Decimal(7000), "USD", "Sub C")]

    def source(actor: Actor, fund_id: str, first: date, last: date) -> list[RecordedCashFlow]:
        return [f for f in flows if f.fund_id == fund_id and first <= f.booked <= last]

    report = trading.reconciliation.reconcile(back_office, "fund-alpha", date(2024, 5, 25), date(2024, 6, 3),
                                              cash_flows=source)
    assert [(m.ticket, m.flow_id) for m in report.matched] == [(1, "cf-1"), (2, "cf-2")]
    kinds = sorted((m.kind, m.ticket or m.flow_id) for m in report.mismatches)
    assert kinds == sorted([(MismatchKind.DEAL_NOT_RECORDED, 3), (MismatchKind.FLOW_NOT_IN_MT5, "cf-3"),
                            (MismatchKind.NEEDS_CLASSIFICATION, 5)])
    with pytest.raises(ValidationError, match="No MT5 account"):
        trading.reconciliation.reconcile(back_office, "fund-x", date(2024, 6, 1), date(2024, 6, 3), cash_flows=source)
    unwired = trading.reconciliation.reconcile(back_office, "fund-alpha", date(2024, 6, 1), date(2024, 6, 3))
    assert not unwired.configured
    assert "no source of recorded fund cash flows" in unwired.not_configured
    assert unwired.mismatches == []
    with pytest.raises(PermissionDenied):
        trading.reconciliation.reconcile(pm, "fund-alpha", date(2024, 6, 1), date(2024, 6, 3), cash_flows=source)
