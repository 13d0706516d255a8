"""How a prospect and a column's totals read on the board (shared by the board and the list)."""

from __future__ import annotations

from datetime import date

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


def base_text(in_base: ColumnTotal) -> str:
    """The column in the base currency; amounts without a rate are named, never added 1:1."""
    line = (f"{fmt.amount(in_base.total.amount, in_base.total.currency, with_code=True)} · weighted "
            f"{fmt.amount(in_base.weighted.amount, in_base.weighted.currency)}")
    if in_base.unconverted:
        line += "\nnot converted (no rate): " + ", ".join(
            fmt.amount(m.amount, m.currency, with_code=True) for m in in_base.unconverted)
    return line


def totals_text(totals: tuple[CurrencyTotal, ...]) -> str:
    """One line per currency: the expected total and its probability-weighted part."""
    if not totals:
        return "no expected amounts"
    return "\n".join(f"{fmt.amount(t.total.amount, t.total.currency, with_code=True)} · weighted "
                     f"{fmt.amount(t.weighted.amount, t.weighted.currency)}" for t in totals)
