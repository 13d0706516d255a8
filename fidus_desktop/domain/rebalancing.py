"""Drift against target weights and a proposed trade list to bring a fund back to target.

Money is Decimal throughout (``Money``); weights are Decimal fractions (0.25 = 25 %).
The algorithm and its rules are described in docs/ANALYTICS.md, "Rebalancing".
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum

from fidus_desktop.domain.money import Money, round_money, to_decimal
from fidus_desktop.errors import UserError

WEIGHT_SUM_TOLERANCE = Decimal("0.000001")
ZERO = Decimal(0)
Groups = dict[str, list["Position"]]


class RebalanceError(UserError, ValueError):
    """Targets, positions or parameters that cannot produce a rebalancing proposal."""


class RebalanceMode(StrEnum):
    CASH_ONLY = "cash_only"  # invest available cash into underweight lines, never sell
    SELL_TO_REBALANCE = "sell_to_rebalance"  # sell overweights to buy underweights, no new cash
    BOTH = "both"  # sell overweights and buy underweights with the proceeds and the cash


class TargetLevel(StrEnum):
    INSTRUMENT = "instrument"
    ASSET_CLASS = "asset_class"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


@dataclass(frozen=True, slots=True)
class Position:
    """A holding (quantity may be 0 for an instrument the fund may buy) priced in the fund currency."""

    instrument_id: str
    quantity: Decimal
    price: Money
    asset_class: str = ""
    lot_size: Decimal = field(default=Decimal(1))

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantity", to_decimal(self.quantity, f"quantity of {self.instrument_id}"))
        object.__setattr__(self, "lot_size", to_decimal(self.lot_size, f"lot size of {self.instrument_id}"))
        if self.quantity < 0:
            raise RebalanceError(
                f"{self.instrument_id}: quantity {self.quantity} is negative; short positions "
                "cannot be rebalanced here."
            )
        if self.price.amount <= 0:
            raise RebalanceError(f"{self.instrument_id}: price {self.price} must be positive.")
        if self.lot_size <= 0:
            raise RebalanceError(
                f"{self.instrument_id}: lot size {self.lot_size} must be positive (1 for whole "
                "units, 0.0001 for fractional)."
            )

    @property
    def value(self) -> Decimal:
        return self.quantity * self.price.amount


@dataclass(frozen=True, slots=True)
class Drift:
    """One target line (instrument or asset class); weights are over the rebalancing base.

    ``drift`` = current weight - target weight (positive = overweight).
    """

    key: str
    target_weight: Decimal
    current_weight: Decimal
    drift: Decimal
    current_value: Money
    target_value: Money
    drift_value: Money


@dataclass(frozen=True, slots=True)
class Trade:
    instrument_id: str
    asset_class: str
    side: Side
    quantity: Decimal
    price: Money
    amount: Money


@dataclass(frozen=True, slots=True)
class RebalanceProposal:
    """Trades (sells first) and drifts before and after them; ``triggered`` says a line was out of band."""

    mode: RebalanceMode
    level: TargetLevel
    tolerance: Decimal
    triggered: bool
    drifts: tuple[Drift, ...]
    trades: tuple[Trade, ...]
    drifts_after: tuple[Drift, ...]
    cash_before: Money
    cash_after: Money


def _validate_targets(targets: Mapping[str, object]) -> dict[str, Decimal]:
    weights = {key: to_decimal(value, f"target weight of {key}") for key, value in targets.items()}
    negative = [key for key, weight in weights.items() if weight < 0]
    if negative:
        raise RebalanceError(f"Target weights cannot be negative: {', '.join(sorted(negative))}.")
    total = sum(weights.values(), ZERO)
    if abs(total - 1) > WEIGHT_SUM_TOLERANCE:
        hint = " They look like percentages: write 0.25 for 25 %." if abs(total - 100) <= 1 else ""
        raise RebalanceError(f"Target weights sum to {total}, not 1 (100 %).{hint}")
    return weights


def _groups(positions: Sequence[Position], weights: Mapping[str, Decimal], level: TargetLevel) -> Groups:
    """Map each target key to its positions; every position needs a target and every target a position."""
    counts = Counter(p.instrument_id for p in positions)
    duplicates = sorted(i for i, n in counts.items() if n > 1)
    if duplicates:
        raise RebalanceError(f"Instruments listed more than once: {', '.join(duplicates)}.")
    groups: dict[str, list[Position]] = {key: [] for key in weights}
    what = "instrument" if level is TargetLevel.INSTRUMENT else "asset class"
    for position in positions:
        key = position.instrument_id if level is TargetLevel.INSTRUMENT else position.asset_class
        if key not in groups:
            raise RebalanceError(
                f"{position.instrument_id} ({what} {key or 'not set'}) has no target weight; give it one "
                "(0 to sell it out)."
            )
        groups[key].append(position)
    unknown = sorted(key for key, members in groups.items() if not members)
    if unknown:
        raise RebalanceError(
            f"Unknown {what} in the targets: {', '.join(unknown)}; add it as a position "
            "(quantity 0 and a price) or remove the target."
        )
    return groups


def _check_currency(positions: Sequence[Position], *amounts: Money) -> str:
    currency = amounts[0].currency
    odd = sorted({p.instrument_id for p in positions if p.price.currency != currency})
    odd += [str(a) for a in amounts if a.currency != currency]
    if odd:
        raise RebalanceError(
            f"Everything must be priced in the fund currency {currency}; convert: {', '.join(odd)}."
        )
    return currency


def _drifts(
    groups: Groups,
    weights: Mapping[str, Decimal],
    values: Mapping[str, Decimal],
    base: Decimal,
    currency: str,
) -> tuple[Drift, ...]:
    result = []
    for key in groups:
        current = values[key]
        target = weights[key] * base
        current_weight = current / base
        result.append(
            Drift(
                key,
                weights[key],
                current_weight,
                current_weight - weights[key],
                Money(current, currency),
                Money(target, currency),
                Money(current - target, currency),
            )
        )
    return tuple(result)


def _split(amount: Decimal, members: list[Position]) -> list[tuple[Position, Decimal]]:
    """Share a line's trade among its instruments by current value (equally if the line holds nothing)."""
    total = sum((p.value for p in members), ZERO)
    if total == 0:
        return [(p, amount / len(members)) for p in members]
    return [(p, amount * p.value / total) for p in members]


def _lots(amount: Decimal, position: Position) -> Decimal:
    """Whole lots of ``position`` that ``amount`` buys, rounded down so nothing is overspent."""
    lots = (amount / position.price.amount / position.lot_size).to_integral_value(rounding=ROUND_FLOOR)
    return max(lots, ZERO) * position.lot_size


def _amount(quantity: Decimal, position: Position) -> Decimal:
    return round_money(quantity * position.price.amount, position.price.currency)


def _trade(position: Position, side: Side, quantity: Decimal, minimum: Decimal) -> Trade | None:
    """The trade, or None when it is empty or below the minimum trade size."""
    value = _amount(quantity, position)
    if quantity <= 0 or value < minimum:
        return None
    currency = position.price.currency
    return Trade(
        position.instrument_id, position.asset_class, side, quantity, position.price, Money(value, currency)
    )


def _sells(
    groups: Groups, weights: Mapping[str, Decimal], wanted: Mapping[str, Decimal], minimum: Decimal
) -> list[Trade]:
    """Sell ``wanted`` amounts in whole lots, never more than held; a zero-weight line is sold out."""
    trades = []
    for key, amount in wanted.items():
        for position, share in _split(amount, groups[key]):
            sell_out = weights[key] == 0
            quantity = position.quantity if sell_out else min(_lots(share, position), position.quantity)
            trade = _trade(position, Side.SELL, quantity, minimum)
            if trade:
                trades.append(trade)
    return trades


def _buys(groups: Groups, wanted: Mapping[str, Decimal], budget: Decimal, minimum: Decimal) -> list[Trade]:
    """Buy towards ``wanted`` amounts, scaled down pro rata if the budget is short; never exceeds it.

    Largest amounts are filled first, each rounded down to whole lots and to what is left.
    """
    total = sum(wanted.values(), ZERO)
    scale = min(Decimal(1), budget / total) if total > 0 else ZERO
    desired = [pair for key, amount in wanted.items() for pair in _split(amount * scale, groups[key])]
    desired.sort(key=lambda pair: (-pair[1], pair[0].instrument_id))
    trades, remaining = [], budget
    for position, share in desired:
        quantity = _lots(min(share, remaining), position)
        while quantity > 0 and _amount(quantity, position) > remaining:
            quantity -= position.lot_size
        trade = _trade(position, Side.BUY, quantity, minimum)
        if trade:
            trades.append(trade)
            remaining -= trade.amount.amount
    return trades


def _group_values(groups: Groups, trades: Sequence[Trade] = ()) -> dict[str, Decimal]:
    change: dict[str, Decimal] = {}
    for trade in trades:
        sign = 1 if trade.side is Side.BUY else -1
        change[trade.instrument_id] = change.get(trade.instrument_id, ZERO) + sign * trade.quantity
    return {
        key: sum(((p.quantity + change.get(p.instrument_id, ZERO)) * p.price.amount for p in members), ZERO)
        for key, members in groups.items()
    }


def propose_rebalance(
    positions: Sequence[Position],
    targets: Mapping[str, object],
    *,
    cash: Money,
    mode: RebalanceMode = RebalanceMode.BOTH,
    level: TargetLevel = TargetLevel.INSTRUMENT,
    tolerance: Decimal = Decimal("0.01"),
    min_trade: Money | None = None,
) -> RebalanceProposal:
    """Propose trades that bring each target line back to its weight.

    The base the weights apply to is holdings + ``cash`` (modes using cash) or holdings only
    (``sell_to_rebalance``). If any line drifts more than ``tolerance`` (absolute weight,
    0.01 = 1 percentage point) every line is traded to target; otherwise only new cash is
    invested (``cash_only``/``both``) and ``sell_to_rebalance`` proposes nothing.
    """
    mode, level = RebalanceMode(mode), TargetLevel(level)
    tolerance = to_decimal(tolerance, "tolerance")
    minimum = min_trade or Money.zero(cash.currency)
    currency = _check_currency(positions, cash, minimum)
    if cash.amount < 0:
        raise RebalanceError(f"Available cash {cash} is negative; settle the overdraft first.")
    if tolerance < 0 or minimum.amount < 0:
        raise RebalanceError("The tolerance band and the minimum trade size cannot be negative.")
    weights = _validate_targets(targets)
    groups = _groups(positions, weights, level)
    values = _group_values(groups)
    uses_cash = mode is not RebalanceMode.SELL_TO_REBALANCE
    base = sum(values.values(), ZERO) + (cash.amount if uses_cash else ZERO)
    if base <= 0:
        raise RebalanceError("There is nothing to rebalance: no holdings value and no cash.")
    drifts = _drifts(groups, weights, values, base, currency)
    triggered = any(abs(d.drift) > tolerance for d in drifts)
    gaps = {d.key: -d.drift_value.amount for d in drifts}
    sells: list[Trade] = []
    if triggered and mode is not RebalanceMode.CASH_ONLY:
        sells = _sells(groups, weights, {k: -gap for k, gap in gaps.items() if gap < 0}, minimum.amount)
    proceeds = sum((t.amount.amount for t in sells), ZERO)
    budget = proceeds + (cash.amount if uses_cash else ZERO)
    buys: list[Trade] = []
    if triggered or uses_cash:
        buys = _buys(groups, {k: gap for k, gap in gaps.items() if gap > 0}, budget, minimum.amount)
    trades = (*sells, *buys)
    cash_after = cash.amount + proceeds - sum((t.amount.amount for t in buys), ZERO)
    return RebalanceProposal(
        mode=mode,
        level=level,
        tolerance=tolerance,
        triggered=triggered,
        drifts=drifts,
        trades=trades,
        drifts_after=_drifts(groups, weights, _group_values(groups, trades), base, currency),
        cash_before=cash,
        cash_after=Money(cash_after, currency),
    )


def proposal_to_csv(proposal: RebalanceProposal) -> str:
    """The trade list as CSV text (RFC 4180); writing the file is the caller's job."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["instrument_id", "asset_class", "side", "quantity", "price", "currency", "amount"])
    for trade in proposal.trades:
        writer.writerow(
            [
                trade.instrument_id,
                trade.asset_class,
                trade.side.value,
                f"{trade.quantity:f}",
                f"{trade.price.amount:f}",
                trade.price.currency,
                f"{trade.amount.amount:f}",
            ]
        )
    return buffer.getvalue()
