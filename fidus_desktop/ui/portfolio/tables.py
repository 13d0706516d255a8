"""The investors, transactions and holdings tables of the Portfolio tab (the first two lazy, over paged services).

Filters are small frozen objects handed unchanged to the worker, where they become service queries; the
transactions filter takes an investor number and resolves it there (no query on the GUI thread).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.services.compliance.readiness import InvestorReadiness
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionView
from fidus_desktop.services.portfolio.holdings import Valuation, ValuationLine
from fidus_desktop.services.portfolio.investors import Investor, investor_filter
from fidus_desktop.ui.common.lazy_table import RIGHT, Column, LazyTableModel, SortSpec
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


def _resolved(portfolio: PortfolioServices, flt: TransactionFilter) -> TransactionQuery | None:
    """The service query; None when the typed investor number matches nobody (an empty table)."""
    if not flt.investor_number:
        return flt.query
    investor = portfolio.investors.by_number(flt.investor_number)
    return replace(flt.query, investor_id=investor.investor_id) if investor else None


def transactions_model(session: UiSession, class_codes: dict[str, str], initial: TransactionFilter
                       ) -> LazyTableModel[TransactionView]:
    portfolio, actor = session.services.portfolio, session.actor

    def count(flt: TransactionFilter) -> int:
        query = _resolved(portfolio, flt)
        return portfolio.dealing.count(actor, query) if query else 0

    parties: dict[str, tuple[str, str]] = {}  # investor number and name by id, looked up once per investor

    def fetch(flt: TransactionFilter, sort: SortSpec | None, offset: int, limit: int,
              after: TransactionView | None) -> list[TransactionView]:
        query = _resolved(portfolio, flt)
        rows = portfolio.dealing.page(actor, query, sort, offset, limit, after) if query else []
        for investor_id in {t.investor_id for t in rows} - parties.keys():
            investor = portfolio.investors.get(actor, investor_id)
            parties[investor_id] = (investor.number, investor.name)
        return rows

    return LazyTableModel(transaction_columns(class_codes, parties), count=count, fetch=fetch, runner=session.runner,
                          initial_filter=initial)


def holding_columns(valuation: Valuation, moves: dict[str, Decimal]) -> list[Column[ValuationLine]]:
    """The fund's positions: quantity, price (local), value local and in base currency, weight, last-move P&L."""
    total, base = valuation.total.amount, valuation.currency

    def weight(line: ValuationLine) -> float | None:
        return float(line.base_value / total) if total else None

    return [
        Column("Instrument", lambda h: h.code),
        Column("Asset class", lambda h: h.asset_class),
        Column("Quantity", lambda h: fmt.units(h.quantity), align=RIGHT, value=lambda h: h.quantity),
        Column("Price", lambda h: fmt.nav(h.price) + (" *" if h.price_stale else ""), align=RIGHT,
               value=lambda h: h.price, tooltip=lambda h: f"Price of {h.price_date}" if h.price_stale else None),
        Column("Ccy", lambda h: h.currency),
        Column("Value (local)", lambda h: fmt.amount(h.local_value, h.currency), align=RIGHT,
               value=lambda h: h.local_value),
        Column(f"Value ({base})", lambda h: fmt.amount(h.base_value, base) + (" *" if h.fx_stale else ""),
               align=RIGHT, value=lambda h: h.base_value),
        Column("Weight", lambda h: fmt.percent(weight(h), signed=False), align=RIGHT, value=weight),
        Column(f"P&L last price move ({base})", lambda h: fmt.amount(moves.get(h.instrument_id), base), align=RIGHT,
               value=lambda h: moves.get(h.instrument_id),
               tooltip=lambda h: "Quantity × the change from the previous stored price; positions have no cost "
                                 "basis to measure a total gain from."),
    ]
