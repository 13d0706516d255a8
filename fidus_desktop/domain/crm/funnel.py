"""Funnel and conversion figures from the stage-change log, and the board's probability-weighted totals.

Definitions (stated on the CRM tab's chart tooltips too):

* **entered(S)**: prospects that were ever in stage S (created in it or moved into it).
* **conversion(S)**: of those, the share later in an open or won stage placed after S on the board
  (reopening a lost prospect counts when it moves on again).
* **win rate(S)**: of those, the share now in a won stage.
* **average time in S**: mean of completed stays (from entering S to leaving it); stays still running are
  not averaged, so a stage nobody has left yet shows no figure rather than a made-up one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fidus_desktop.domain.crm.stages import Stage, StageChange, StageKind
from fidus_desktop.domain.money import Money


@dataclass(frozen=True, slots=True)
class StageFigures:
    stage: str
    entered: int
    advanced: int
    won: int
    average_seconds: float | None

    @property
    def conversion(self) -> float | None:
        return self.advanced / self.entered if self.entered else None

    @property
    def win_rate(self) -> float | None:
        return self.won / self.entered if self.entered else None


def stage_figures(stages: Sequence[Stage], changes: Iterable[StageChange],
                  current: dict[str, str]) -> list[StageFigures]:
    """Per stage in board order. ``current`` maps each prospect to its stage now."""
    order = {s.name: s.order for s in stages}
    kind = {s.name: s.kind for s in stages}
    paths: dict[str, list[str]] = defaultdict(list)
    stays: dict[str, list[int]] = defaultdict(list)
    for change in sorted(changes, key=lambda c: c.at):
        paths[change.prospect_id].append(change.to_stage)
        if change.from_stage is not None and change.seconds_in_previous is not None:
            stays[change.from_stage].append(change.seconds_in_previous)
    out = []
    for stage in sorted(stages, key=lambda s: s.order):
        entered = advanced = won = 0
        for prospect, path in paths.items():
            if stage.name not in path:
                continue
            entered += 1
            later = path[path.index(stage.name) + 1:]
            if any(kind.get(n) is not StageKind.LOST and order.get(n, -1) > stage.order for n in later):
                advanced += 1
            if kind.get(current.get(prospect, "")) is StageKind.WON:
                won += 1
        times = stays.get(stage.name)
        out.append(StageFigures(stage.name, entered, advanced, won, sum(times) / len(times) if times else None))
    return out


def outcome_counts(closed: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Counts by label (a lost reason or a source) of ``(prospect_id, label)`` pairs, largest first."""
    return dict(Counter(label for _, label in closed).most_common())


@dataclass(frozen=True, slots=True)
class ColumnTotal:
    """A board column: how many prospects, their expected amounts and the probability-weighted amount in the
    office's base currency, and the amounts that could not be converted (shown as such, never 1:1)."""

    stage: str
    count: int
    total: Money
    weighted: Money
    unconverted: tuple[Money, ...]


def column_total(stage: Stage, count: int, amounts_by_currency: dict[str, Decimal], base_currency: str,
                 convert: Callable[[Money, str], Money | None]) -> ColumnTotal:
    """Totals of one column from its per-currency sums (an aggregate query gives those)."""
    total = Money.zero(base_currency)
    unconverted = []
    for currency, amount in sorted(amounts_by_currency.items()):
        converted = convert(Money(amount, currency), base_currency)
        if converted is None:
            unconverted.append(Money(amount, currency))
        else:
            total = total + converted
    weighted = Money(total.amount * stage.probability, base_currency).rounded()
    return ColumnTotal(stage.name, count, total.rounded(), weighted, tuple(unconverted))


@dataclass(frozen=True, slots=True)
class CurrencyTotal:
    """One currency's expected amount in a board column and its probability-weighted part (no conversion:
    amounts in different currencies are shown side by side, never added 1:1)."""

    total: Money
    weighted: Money


def currency_totals(stage: Stage, amounts: Iterable[Money]) -> tuple[CurrencyTotal, ...]:
    """Per-currency sums of a column's expected amounts, in currency order, weighted by the stage's
    probability."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for money in amounts:
        sums[money.currency] += money.amount
    return weighted_totals(stage, sums)


def weighted_totals(stage: Stage, sums: dict[str, Decimal]) -> tuple[CurrencyTotal, ...]:
    """``currency_totals`` from per-currency sums already made (by an aggregate query)."""
    return tuple(CurrencyTotal(Money(total, currency).rounded(),
                               Money(total * stage.probability, currency).rounded())
                 for currency, total in sorted(sums.items()))
