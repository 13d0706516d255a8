"""How a prospect and a column's totals read on the board (shared by the board and the list)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from fidus_desktop.domain.crm.funnel import ColumnTotal, CurrencyTotal
from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.crm.prospects import Prospect

OVERDUE_COLOUR = "#C0392B"


def expected(prospect: Prospect) -> str:
    if prospect.expected_amount is None:
        return "no amount yet"
    return fmt.amount(prospect.expected_amount, prospect.currency, with_code=True)


def card_text(prospect: Prospect, today: date) -> str:
    follow_up = "no follow-up set" if prospect.next_follow_up is None else (
        f"follow up {prospect.next_follow_up.isoformat()}" + (" — overdue" if prospect.overdue(today) else ""))
    lines = [prospect.display_name, f"{expected(prospect)} · {prospect.owner or 'no owner'}", follow_up]
    if prospect.investor_id:
        lines.append("converted to an investor")
    return "\n".join(lines)


def whole(value: Decimal, currency: str | None = None) -> str:
    """A board header's amount in whole units (``38,159,688 EUR``): the cents are in its tooltip."""
    text = f"{value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN):,}"
    return f"{text} {currency}" if currency else text


def column_total_text(in_base: ColumnTotal, totals: tuple[CurrencyTotal, ...]) -> str:
    """The column's one total, in the office's currency: expected and probability-weighted. Amounts with no
    rate are named after it (never added 1:1)."""
    if not totals:
        return "no expected amounts"
    line = f"{whole(in_base.total.amount, in_base.total.currency)} · weighted {whole(in_base.weighted.amount)}"
    if in_base.unconverted:
        line += "\n+ not converted (no rate): " + ", ".join(
            fmt.amount(m.amount, m.currency, with_code=True) for m in in_base.unconverted)
    return line


def column_total_tip(in_base: ColumnTotal, totals: tuple[CurrencyTotal, ...], probability: float) -> str:
    """What the header's total is, and the amounts per currency as entered."""
    return (f"Expected amounts converted into {in_base.total.currency} (the office's currency, setting "
            f"crm.base_currency) at today's rate; weighted by the stage's probability, {probability:.0%}.\n"
            f"In {in_base.total.currency}: {fmt.amount(in_base.total.amount, in_base.total.currency, with_code=True)}"
            f" · weighted {fmt.amount(in_base.weighted.amount, in_base.weighted.currency)}\n"
            f"Per currency as entered:\n{totals_text(totals)}")


def totals_text(totals: tuple[CurrencyTotal, ...]) -> str:
    """One line per currency: the expected total and its probability-weighted part."""
    if not totals:
        return "no expected amounts"
    return "\n".join(f"{fmt.amount(t.total.amount, t.total.currency, with_code=True)} · weighted "
                     f"{fmt.amount(t.weighted.amount, t.weighted.currency)}" for t in totals)
