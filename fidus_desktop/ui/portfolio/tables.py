"""The investors, transactions and holdings tables of the Portfolio tab (the first two lazy, over paged services;
the holdings with a total row).

Filters are small frozen objects handed unchanged to the worker, where they become service queries; the
transactions filter takes an investor number and resolves it there (no query on the GUI thread).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.readiness import InvestorReadiness
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionView
from fidus_desktop.services.portfolio.holdings import CASH_CLASS, Valuation, ValuationLine
from fidus_desktop.services.portfolio.investors import Investor, investor_filter
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, Index, LazyTableModel, SortSpec
from fidus_desktop.ui.common.record_table import RecordTableModel
from fidus_desktop.ui.compliance.readiness_panel import readiness_tip, readiness_word
from fidus_desktop.ui.session import UiSession

INVESTOR_COLUMNS: list[Column[Investor]] = [
    Column("Number", lambda i: i.number, sort_key="number"),
    Column("Name", lambda i: i.name, sort_key="name_key"),
    Column("Kind", lambda i: i.kind.capitalize(), sort_key="kind"),
    Column("E-mail", lambda i: i.email or ""),
]


def _deal(t: TransactionView, key: str) -> Any:
    return (t.deal or {}).get(key)


def _amount(t: TransactionView) -> Decimal | None:
    return t.amount if t.amount is not None else _number(_deal(t, "gross"))


def _units(t: TransactionView) -> Decimal | None:
    return t.units if t.units is not None else _number(_deal(t, "units"))


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def transaction_columns(class_codes: dict[str, str], parties: dict[str, tuple[str, str]] | None = None
                        ) -> list[Column[TransactionView]]:
    """``parties``: investor id → (number, name), filled by the model's fetch in the worker."""
    known = parties if parties is not None else {}
    return [
        Column("Trade date", lambda t: fmt.day(t.trade_date), sort_key="trade_date", value=lambda t: t.trade_date),
        Column("Dealing date", lambda t: fmt.day(t.dealing_date), sort_key="dealing_date",
               value=lambda t: t.dealing_date),
        Column("Reference", lambda t: t.ref, sort_key="ref"),
        Column("Kind", lambda t: t.kind, sort_key="kind"),
        Column("Status", lambda t: t.status, sort_key="status"),
        Column("Investor", lambda t: known.get(t.investor_id, ("", ""))[0]),
        Column("Name", lambda t: known.get(t.investor_id, ("", ""))[1]),
        Column("Class", lambda t: class_codes.get(t.class_id, t.class_id)),
        Column("Amount", lambda t: fmt.amount(_amount(t), t.currency), align=RIGHT, value=_amount),
        Column("Ccy", lambda t: t.currency),
        Column("Units", lambda t: fmt.units(_units(t)), align=RIGHT, value=_units),
        Column("NAV", lambda t: fmt.nav(_number(_deal(t, "nav_per_unit"))), align=RIGHT,
               value=lambda t: _number(_deal(t, "nav_per_unit"))),
        Column("Entered by", lambda t: t.created_by),
    ]


@dataclass(frozen=True)
class TransactionFilter:
    query: TransactionQuery
    investor_number: str = ""

    def with_text(self, text: str) -> TransactionFilter:
        return replace(self, investor_number=text.strip())


def readiness_column(ready: dict[str, InvestorReadiness]) -> Column[Investor]:
    """Ready / Not ready (the blocking reasons as tooltip) from ``ready``, filled by the model's fetch."""
    return Column("Readiness", lambda i: readiness_word(ready.get(i.investor_id)),
                  tooltip=lambda i: readiness_tip(ready.get(i.investor_id)))


def investors_model(session: UiSession) -> LazyTableModel[Investor]:
    """Investors page by page; with the readiness of each page's investors (one read per page, in the worker)
    for those who may read it (everyone who reads investors)."""
    investors, readiness, actor = session.services.portfolio.investors, session.services.readiness, session.actor
    ready: dict[str, InvestorReadiness] = {}
    with_readiness = allowed(actor.role, Permission.INVESTORS_READ)

    def fetch(search: str, sort: SortSpec | None, offset: int, limit: int, after: Investor | None) -> list[Investor]:
        # ``investors.page`` has no cursor (its view lacks the ``name_key`` sort field): pages by offset.
        rows = investors.page(actor, investor_filter(search), sort, offset, limit)
        if with_readiness and rows:
            ready.update((r.investor.investor_id, r) for r in readiness.of_investors(actor, [i.investor_id
                                                                                             for i in rows]))
        return rows

    columns = [*INVESTOR_COLUMNS, readiness_column(ready)] if with_readiness else INVESTOR_COLUMNS
    return LazyTableModel(columns, count=lambda search: investors.count(actor, investor_filter(search)), fetch=fetch,
                          runner=session.runner, initial_filter="")


NAME_MATCHES = 1000  # investors a typed name may match (the services' largest page)


def _resolved(portfolio: PortfolioServices, actor: Actor, flt: TransactionFilter) -> TransactionQuery | None:
    """The service query: the investor whose number is typed, else those whose number starts with or whose name
    contains the text; None when it matches nobody (an empty table)."""
    if not flt.investor_number:
        return flt.query
    investor = portfolio.investors.by_number(flt.investor_number)
    if investor is not None:
        return replace(flt.query, investor_id=investor.investor_id)
    found = portfolio.investors.page(actor, investor_filter(flt.investor_number), None, 0, NAME_MATCHES)
    return replace(flt.query, investor_ids=tuple(i.investor_id for i in found)) if found else None


def transactions_model(session: UiSession, class_codes: dict[str, str], initial: TransactionFilter
                       ) -> LazyTableModel[TransactionView]:
    portfolio, actor = session.services.portfolio, session.actor

    def count(flt: TransactionFilter) -> int:
        query = _resolved(portfolio, actor, flt)
        return portfolio.dealing.count(actor, query) if query else 0

    parties: dict[str, tuple[str, str]] = {}  # investor number and name by id, looked up once per investor

    def fetch(flt: TransactionFilter, sort: SortSpec | None, offset: int, limit: int,
              after: TransactionView | None) -> list[TransactionView]:
        query = _resolved(portfolio, actor, flt)
        rows = portfolio.dealing.page(actor, query, sort, offset, limit, after) if query else []
        for investor_id in {t.investor_id for t in rows} - parties.keys():
            investor = portfolio.investors.get(actor, investor_id)
            parties[investor_id] = (investor.number, investor.name)
        return rows

    return LazyTableModel(transaction_columns(class_codes, parties), count=count, fetch=fetch, runner=session.runner,
                          initial_filter=initial)


@dataclass(frozen=True)
class HoldingsTotal:
    """The row under the holdings: the fund's value, book cost and unrealised P&L (lines with a known cost)."""

    valuation: Valuation


HoldingRow = ValuationLine | HoldingsTotal
UNREALISABLE = ("The recorded trades sell more than they bought (a quantity set without trades): the realised "
                "P&L is not known.")
UNCOSTED = "No purchase is recorded for this quantity (it was set without trades): its cost is not known."


def holding_rows(valuation: Valuation) -> list[HoldingRow]:
    """The positions, then their total (none when there are no positions)."""
    return [*valuation.lines, HoldingsTotal(valuation)] if valuation.lines else []


class HoldingsModel(RecordTableModel[HoldingRow]):
    """The holdings with their total row in bold."""

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.FontRole and index.isValid() and isinstance(self.record(index.row()),
                                                                                 HoldingsTotal):
            font = QFont()
            font.setBold(True)
            return font
        return super().data(index, role)


def _line(text: Callable[[ValuationLine], str], total: str = "") -> Callable[[HoldingRow], str]:
    return lambda h: total if isinstance(h, HoldingsTotal) else text(h)


def _typed(value: Callable[[ValuationLine], Any]) -> Callable[[HoldingRow], Any]:
    return lambda h: None if isinstance(h, HoldingsTotal) else value(h)


def _book_cost(h: HoldingRow) -> Decimal | None:
    return h.valuation.book_cost if isinstance(h, HoldingsTotal) else h.book_cost


def _unrealised(h: HoldingRow) -> Decimal | None:
    return h.valuation.unrealised if isinstance(h, HoldingsTotal) else h.unrealised


def _realised(h: HoldingRow) -> Decimal | None:
    return h.valuation.realised if isinstance(h, HoldingsTotal) else h.realised


def _gain(h: HoldingRow) -> float | None:
    cost, gain = _book_cost(h), _unrealised(h)
    return float(gain / cost) if cost and gain is not None else None


def _cost_tip(h: HoldingRow) -> str | None:
    if isinstance(h, HoldingsTotal):
        missing = ", ".join(line.code for line in h.valuation.uncosted)
        return f"Lines with a known cost only; without one: {missing}." if missing else None
    return UNCOSTED if h.book_cost is None and h.asset_class != CASH_CLASS else None


def _cost_text(value: Decimal | None, h: HoldingRow, base: str) -> str:
    """A line's cost figure, blank for cash (no cost basis), "—" where the cost is not known."""
    if not isinstance(h, HoldingsTotal) and h.asset_class == CASH_CLASS:
        return ""
    return fmt.amount(value, base)


def holding_columns(valuation: Valuation) -> list[Column[HoldingRow]]:
    """The fund's positions: quantity, average cost and price (local), value local and in base currency, weight,
    book cost, unrealised P&L and the P&L realised by sales (``holdings.value_fund``), and a total row."""
    total, base = valuation.total.amount, valuation.currency

    def weight(h: HoldingRow) -> float | None:
        value = total if isinstance(h, HoldingsTotal) else h.base_value
        return float(value / total) if total else None

    def base_value(h: HoldingRow) -> Decimal:
        return total if isinstance(h, HoldingsTotal) else h.base_value

    def stale(h: HoldingRow) -> str:
        return " *" if isinstance(h, ValuationLine) and h.fx_stale else ""

    return [
        Column("Instrument", _line(lambda h: h.code, "Total")),
        Column("Asset class", _line(lambda h: h.asset_class)),
        Column("Quantity", _line(lambda h: fmt.units(h.quantity)), align=RIGHT, value=_typed(lambda h: h.quantity)),
        Column("Average cost", _line(lambda h: "" if h.asset_class == CASH_CLASS else fmt.nav(h.average_cost)),
               align=RIGHT, value=_typed(lambda h: h.average_cost), tooltip=_cost_tip),
        Column("Price", _line(lambda h: fmt.nav(h.price) + (" *" if h.price_stale else "")), align=RIGHT,
               value=_typed(lambda h: h.price),
               tooltip=lambda h: f"Price of {h.price_date}" if isinstance(h, ValuationLine) and h.price_stale
               else None),
        Column("Ccy", _line(lambda h: h.currency)),
        Column("Value (local)", _line(lambda h: fmt.amount(h.local_value, h.currency)), align=RIGHT,
               value=_typed(lambda h: h.local_value)),
        Column(f"Value ({base})", lambda h: fmt.amount(base_value(h), base) + stale(h), align=RIGHT, value=base_value),
        Column("Weight", lambda h: fmt.percent(weight(h), signed=False), align=RIGHT, value=weight),
        Column(f"Book cost ({base})", lambda h: _cost_text(_book_cost(h), h, base), align=RIGHT, value=_book_cost,
               tooltip=_cost_tip),
        Column(f"Unrealised P&L ({base})", lambda h: _cost_text(_unrealised(h), h, base), align=RIGHT,
               value=_unrealised,
               tooltip=lambda h: _cost_tip(h) or "Value less book cost (average cost of the recorded purchases at "
                                                 "their trade dates' FX rates): price and currency move together."),
        Column("P&L %", lambda h: "" if isinstance(h, ValuationLine) and h.asset_class == CASH_CLASS
               else fmt.percent(_gain(h)), align=RIGHT, value=_gain, tooltip=_cost_tip),
        Column(f"Realised P&L ({base})", lambda h: _cost_text(_realised(h), h, base), align=RIGHT, value=_realised,
               tooltip=lambda h: UNREALISABLE if isinstance(h, ValuationLine) and h.realised is None
               else "Sales' proceeds at their trade dates' FX rates less the average cost they took out, "
                    + (f"from {valuation.since}" if valuation.since else "since the first trade")
                    + f" to {valuation.on}."),
    ]
