"""Performance figures of an MT5 account, per account and per symbol, on Decimal.

Definitions (one place, used by every screen and report):

- A *closed trade* is a position whose signed volume (buys +, sells −) is back to zero after its last
  deal; its *result* is the sum of profit + commission + swap + fee of **all** its deals (the entry
  commission included), dated at its last deal. Open positions are not trades yet.
- A *win* has result > 0, a *loss* result < 0; break-even trades count as trades, in neither group,
  and end both streaks.
- ``win_rate`` = wins / trades × 100; ``profit_factor`` = gross profit / |gross loss| (None without
  losses); ``expectancy`` = net profit / trades.
- *Drawdowns* ignore external cash flows: a deposit or withdrawal moves the running peak by the same
  amount, so taking money out is not a loss. ``amount`` is the largest fall from peak, ``percent``
  the largest fall relative to its peak (they may come from different episodes, as in MT5 reports).
- *Daily returns* use the last equity of each UTC day, net of that day's flows:
  ``(E_d − E_{d−1} − F_d) / E_{d−1}``; the Sharpe ratio is mean / sample std × √252 (risk-free 0).
- *True P&L* = equity − credit − net capital flows + profit withdrawn, where capital flows are client
  deposits and withdrawals, internal transfers and unclassified balance deals (conservatively treated
  as capital). Profit withdrawals (to the separation account) are not capital: the money left the
  account but was earned, so it is added back. Fee rebates are income and stay in equity.
  Example: deposit 10 000, trading +3 500, 1 500 withdrawn as profit → equity 12 000,
  true P&L = 12 000 − 10 000 + 1 500 = 3 500. Ratios are rounded to 4 dp, money never is.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from itertools import pairwise

from .balance_rules import BalanceCategory, Classification, is_balance_affecting
from .models import Deal, DealKind, EquityPoint, Side

_RATIO = Decimal("0.0001")
_HUNDRED = Decimal(100)
# Money moved in or out by the client or the broker, not earned by trading. Credit is not here: equity includes
# the account's credit, which true P&L subtracts as a whole.
_CAPITAL = {BalanceCategory.CLIENT_DEPOSIT, BalanceCategory.CLIENT_WITHDRAWAL,
            BalanceCategory.INTERNAL_TRANSFER, BalanceCategory.UNCLASSIFIED, BalanceCategory.BONUS,
            BalanceCategory.CORRECTION, BalanceCategory.CHARGE}

Flow = tuple[datetime, Decimal]


def _ratio(value: Decimal) -> Decimal:
    return value.quantize(_RATIO, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    position_id: int
    symbol: str
    side: Side  # direction of the opening deal
    opened: datetime
    closed: datetime
    result: Decimal


def closed_trades(deals: Iterable[Deal]) -> list[ClosedTrade]:
    """Positions fully closed within ``deals``, ordered by closing time."""
    by_position: dict[int, list[Deal]] = defaultdict(list)
    for deal in deals:
        if deal.kind is DealKind.TRADE and deal.side is not None:
            by_position[deal.position_id].append(deal)
    trades = []
    for position_id, legs in by_position.items():
        legs.sort(key=lambda d: (d.time, d.ticket))
        open_volume = sum((d.volume * d.side.sign for d in legs if d.side), Decimal(0))
        if open_volume != 0 or not any(d.is_closing for d in legs):
            continue
        result = sum((d.net for d in legs), Decimal(0))
        first = legs[0]
        trades.append(ClosedTrade(position_id, first.symbol, first.side or Side.BUY, first.time,
                                  legs[-1].time, result))
    return sorted(trades, key=lambda t: (t.closed, t.position_id))


@dataclass(frozen=True, slots=True)
class TradeStats:
    trades: int
    wins: int
    losses: int
    net_profit: Decimal
    gross_profit: Decimal
    gross_loss: Decimal  # negative or zero
    win_rate: Decimal | None  # percent
    profit_factor: Decimal | None
    expectancy: Decimal | None
    average_win: Decimal | None
    average_loss: Decimal | None
    largest_win: Decimal | None
    largest_loss: Decimal | None
    max_consecutive_wins: int
    max_consecutive_losses: int


def _streaks(results: Sequence[Decimal]) -> tuple[int, int]:
    best_win = best_loss = win = loss = 0
    for result in results:
        win = win + 1 if result > 0 else 0
        loss = loss + 1 if result < 0 else 0
        best_win, best_loss = max(best_win, win), max(best_loss, loss)
    return best_win, best_loss


def trade_stats(trades: Sequence[ClosedTrade]) -> TradeStats:
    results = [t.result for t in trades]
    wins = [r for r in results if r > 0]
    losses = [r for r in results if r < 0]
    gross_profit, gross_loss = sum(wins, Decimal(0)), sum(losses, Decimal(0))
    net = gross_profit + gross_loss
    n = len(results)
    streak_win, streak_loss = _streaks(results)
    return TradeStats(
        trades=n, wins=len(wins), losses=len(losses), net_profit=net,
        gross_profit=gross_profit, gross_loss=gross_loss,
        win_rate=_ratio(Decimal(len(wins)) / n * _HUNDRED) if n else None,
        profit_factor=_ratio(gross_profit / -gross_loss) if losses else None,
        expectancy=_ratio(net / n) if n else None,
        average_win=_ratio(gross_profit / len(wins)) if wins else None,
        average_loss=_ratio(gross_loss / len(losses)) if losses else None,
        largest_win=max(wins) if wins else None,
        largest_loss=min(losses) if losses else None,
        max_consecutive_wins=streak_win, max_consecutive_losses=streak_loss,
    )


def stats_by_symbol(trades: Sequence[ClosedTrade]) -> dict[str, TradeStats]:
    groups: dict[str, list[ClosedTrade]] = defaultdict(list)
    for trade in trades:
        groups[trade.symbol].append(trade)
    return {symbol: trade_stats(group) for symbol, group in sorted(groups.items())}


def is_external_flow(deal: Deal) -> bool:
    """Default for drawdowns: balance, credit, bonus, correction and charge deals (and unknown types that moved
    money) are money moved in or out by the broker or the client, not trading."""
    return is_balance_affecting(deal)


def balance_curve(deals: Iterable[Deal]) -> list[tuple[datetime, Decimal]]:
    """Balance after every deal, in time order."""
    balance = Decimal(0)
    curve = []
    for deal in sorted(deals, key=lambda d: (d.time, d.ticket)):
        balance += deal.net
        curve.append((deal.time, balance))
    return curve


@dataclass(frozen=True, slots=True)
class Drawdown:
    amount: Decimal
    percent: Decimal


class _PeakTracker:
    def __init__(self, start: Decimal) -> None:
        self.value = self.peak = start
        self.amount = self.percent = Decimal(0)

    def flow(self, amount: Decimal) -> None:
        self.value += amount
        self.peak += amount

    def mark(self, value: Decimal) -> None:
        self.value = value
        self.peak = max(self.peak, value)
        fall = self.peak - value
        self.amount = max(self.amount, fall)
        if self.peak > 0:
            self.percent = max(self.percent, _ratio(fall / self.peak * _HUNDRED))

    def result(self) -> Drawdown:
        return Drawdown(self.amount, self.percent)


def max_balance_drawdown(
    deals: Iterable[Deal], is_flow: Callable[[Deal], bool] = is_external_flow
) -> Drawdown:
    tracker = _PeakTracker(Decimal(0))
    for deal in sorted(deals, key=lambda d: (d.time, d.ticket)):
        if is_flow(deal):
            tracker.flow(deal.net)
        else:
            tracker.mark(tracker.value + deal.net)
    return tracker.result()


def _flows_between(flows: Sequence[Flow], after: datetime | None, until: datetime) -> Decimal:
    return sum((a for t, a in flows if (after is None or t > after) and t <= until), Decimal(0))


def max_equity_drawdown(points: Sequence[EquityPoint], flows: Sequence[Flow] = ()) -> Drawdown:
    """Largest equity fall from peak over snapshots; ``flows`` are (time, signed amount) cash moves."""
    ordered = sorted(points, key=lambda p: p.time)
    if not ordered:
        return Drawdown(Decimal(0), Decimal(0))
    tracker = _PeakTracker(ordered[0].equity)
    for previous, point in pairwise(ordered):
        tracker.flow(_flows_between(flows, previous.time, point.time))
        tracker.mark(point.equity)
    return tracker.result()


def equity_curve(points: Sequence[EquityPoint]) -> list[tuple[datetime, Decimal]]:
    return [(p.time, p.equity) for p in sorted(points, key=lambda p: p.time)]


def daily_returns(points: Sequence[EquityPoint], flows: Sequence[Flow] = ()) -> list[tuple[date, Decimal]]:
    closes: dict[date, EquityPoint] = {}
    for point in sorted(points, key=lambda p: p.time):
        closes[point.time.date()] = point
    days = sorted(closes)
    returns = []
    for before, day in pairwise(days):
        start, end = closes[before], closes[day]
        if start.equity > 0:
            moved = _flows_between(flows, start.time, end.time)
            returns.append((day, (end.equity - start.equity - moved) / start.equity))
    return returns


def sharpe_ratio(returns: Sequence[Decimal], periods_per_year: int = 252) -> Decimal | None:
    """Annualised Sharpe ratio of periodic returns (risk-free 0); None below 2 returns or no spread."""
    n = len(returns)
    if n < 2:
        return None
    mean = sum(returns, Decimal(0)) / n
    variance = sum(((r - mean) ** 2 for r in returns), Decimal(0)) / (n - 1)
    if variance == 0:
        return None
    return _ratio(mean / variance.sqrt() * Decimal(periods_per_year).sqrt())


@dataclass(frozen=True, slots=True)
class TruePnl:
    equity: Decimal
    credit: Decimal
    capital_in: Decimal  # deposits and transfers in (positive)
    capital_out: Decimal  # withdrawals and transfers out (negative)
    unclassified: Decimal  # included in the capital figures above; non-zero means "review first"
    profit_withdrawals: Decimal  # negative: money taken out as profit
    pnl: Decimal


def true_pnl(equity: Decimal, credit: Decimal, classified: Iterable[tuple[Deal, Classification]]) -> TruePnl:
    capital_in = capital_out = unclassified = profit_out = Decimal(0)
    for deal, classification in classified:
        category, amount = classification.category, deal.net
        if category is BalanceCategory.PROFIT_WITHDRAWAL:
            profit_out += amount
        elif category in _CAPITAL:
            if amount > 0:
                capital_in += amount
            else:
                capital_out += amount
            if category is BalanceCategory.UNCLASSIFIED:
                unclassified += amount
    pnl = equity - credit - (capital_in + capital_out) - profit_out
    return TruePnl(equity, credit, capital_in, capital_out, unclassified, profit_out, pnl)
