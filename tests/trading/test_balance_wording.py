"""Balance-affecting deals classified as an office would, on comment wording seen at real brokers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from fidus_desktop.domain.trading.analytics import is_external_flow
from fidus_desktop.domain.trading.balance_rules import DEFAULT_RULES, BalanceCategory
from fidus_desktop.domain.trading.models import Deal, DealKind, Entry

C = BalanceCategory


@pytest.mark.parametrize(("comment", "amount", "category"), [
    ("Deposit", 5000, C.CLIENT_DEPOSIT),
    ("Deposit via wire transfer", 25000, C.CLIENT_DEPOSIT),
    ("Bank transfer", 10000, C.CLIENT_DEPOSIT),
    ("Wire transfer in #88231", 7500, C.CLIENT_DEPOSIT),
    ("Skrill deposit 4411", 300, C.CLIENT_DEPOSIT),
    ("Credit card deposit", 1000, C.CLIENT_DEPOSIT),
    ("Withdrawal", -2000, C.CLIENT_WITHDRAWAL),
    ("Withdrawal by bank transfer", -15000, C.CLIENT_WITHDRAWAL),
    ("Transfer to bank account", -4000, C.CLIENT_WITHDRAWAL),
    ("Payout request #5521", -800, C.CLIENT_WITHDRAWAL),
    ("Withdrawal to separation account", -3000, C.PROFIT_WITHDRAWAL),
    ("Profit share Q2", -1200, C.PROFIT_WITHDRAWAL),
    ("Transfer to 54321", -1000, C.INTERNAL_TRANSFER),
    ("Transfer from 12345", 1000, C.INTERNAL_TRANSFER),
    ("Internal transfer deposit", 2500, C.INTERNAL_TRANSFER),
    ("From #5001001 to #5001002", -500, C.INTERNAL_TRANSFER),
    ("Transfer between accounts", 750, C.INTERNAL_TRANSFER),
    ("Balance transfer", 100, C.INTERNAL_TRANSFER),
    ("Rebate", 12.5, C.FEE_REBATE),
    ("Commission refund", 40, C.FEE_REBATE),
    ("Something else", 50, C.UNCLASSIFIED),
])
def test_comment_rules_specific_first(comment: str, amount: float, category: BalanceCategory) -> None:
    assert DEFAULT_RULES.classify(comment, Decimal(str(amount))).category is category


def deal(kind: DealKind, profit: str, raw_type: int | None = None) -> Deal:
    zero = Decimal(0)
    return Deal(1, 1, 0, datetime(2024, 6, 3, tzinfo=UTC), kind, None, Entry.IN, 0, "", zero, zero, Decimal(profit),
                zero, zero, zero, "USD", "", raw_type=raw_type)


@pytest.mark.parametrize(("kind", "category"), [
    (DealKind.CREDIT, C.CREDIT), (DealKind.BONUS, C.BONUS), (DealKind.CORRECTION, C.CORRECTION),
    (DealKind.CHARGE, C.CHARGE), (DealKind.OTHER, C.UNCLASSIFIED),
])
def test_every_balance_affecting_type_is_classified_and_is_no_trading_profit(
    kind: DealKind, category: BalanceCategory
) -> None:
    item = deal(kind, "-25", raw_type=40 if kind is DealKind.OTHER else None)
    [(_, verdict)] = DEFAULT_RULES.classify_deals([item])
    assert verdict.category is category
    assert is_external_flow(item)


def test_trades_and_an_unknown_type_that_moved_no_money_are_not_cash_flows() -> None:
    assert DEFAULT_RULES.classify_deals([deal(DealKind.TRADE, "10"), deal(DealKind.OTHER, "0", raw_type=40)]) == []


def test_bonus_correction_and_charge_are_not_counted_as_trading_profit() -> None:
    from fidus_desktop.domain.trading.analytics import true_pnl

    start = deal(DealKind.BALANCE, "10000")
    start = Deal(**{**{f: getattr(start, f) for f in start.__slots__}, "comment": "Deposit"})  # type: ignore[arg-type]
    extras = [deal(DealKind.BONUS, "500"), deal(DealKind.CORRECTION, "-40"), deal(DealKind.CHARGE, "-10")]
    classified = DEFAULT_RULES.classify_deals([start, *extras])
    equity = Decimal("10000") + Decimal("450") + Decimal("123.45")  # deposit + broker money + what trading earned
    assert true_pnl(equity, Decimal(0), classified).pnl == Decimal("123.45")
