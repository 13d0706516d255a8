"""What an investor statement and a fund factsheet show, gathered from the portfolio services.

The PDFs (``fidus_desktop.reports``) render these plain data classes and compute nothing themselves: values
come from the same services every screen uses (NAV, FX, dealing, fee ledger, ``figures``, ``performance``).

Two small read-only queries live here because the portfolio API has no investor-level form of them:
units an investor held in a class on a date (``_units_held``, summing the unit ledger exactly as
``Ledgers.units_outstanding`` does per class) and the investors that have accounts (``statement_investors``).

Permissions: staff need ``reports.run``; a ``client`` (``own_accounts.read``) gets statements only for the
investors in its own ``Actor.investor_ids``. After that check the figures are read as the system actor,
because a client may not call the staff-wide reading services directly.

The statement currency is the investor's *home* currency: the currency of the class of their first
subscription, so it does not change from one period to the next. Holdings in other currencies are shown in
their class currency and converted at the valuation date's FX rate for the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.reports.periods import ReportPeriod
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionView
from fidus_desktop.services.portfolio.figures import REPORTING_CURRENCY, Kpis
from fidus_desktop.services.portfolio.funds import ShareClass

PAGE = 1000


@dataclass(frozen=True)
class HoldingLine:
    fund_name: str
    class_code: str
    class_currency: str
    units: Decimal
    nav_per_unit: Decimal | None
    nav_date: date | None
    value: Decimal  # class currency
    fx_rate: Decimal  # class currency → statement currency
    statement_value: Decimal  # statement currency


@dataclass(frozen=True)
class TransactionLine:
    trade_date: date
    dealing_date: date
    ref: str
    kind: str
    status: str
    class_code: str
    currency: str
    units: Decimal | None
    nav_per_unit: Decimal | None
    gross: Decimal | None
    fee: Decimal | None
    net: Decimal | None


@dataclass(frozen=True)
class ClassPerformance:
    """NAV-per-unit performance of a class the investor holds (the same for every holder of the class)."""

    class_code: str
    currency: str
    opening_nav: Decimal | None
    closing_nav: Decimal | None
    period_return: float | None
    ytd: float | None
    since_inception: float | None


@dataclass(frozen=True)
class FeeLine:
    on: date
    class_code: str
    kind: str
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class StatementData:
    investor_id: str
    investor_number: str
    investor_name: str
    period: ReportPeriod
    valuation_date: date  # period end, or the latest NAV date if the period is not over yet
    currency: str
    opening_date: date  # the day before the period starts
    opening_value: Decimal  # statement currency, on ``opening_date``
    closing_value: Decimal  # statement currency, on ``valuation_date``
    holdings: tuple[HoldingLine, ...]
    transactions: tuple[TransactionLine, ...]
    performance: tuple[ClassPerformance, ...]
    fees: tuple[FeeLine, ...]
    notes: tuple[str, ...] = ()

    @property
    def fees_by_currency(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.fees:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
        return totals


@dataclass(frozen=True)
class FactsheetClass:
    code: str
    name: str
    currency: str
    nav_per_unit: Decimal | None
    nav_date: date | None
    aum: Decimal  # class currency
    management_rate: Decimal
    entry_rate: Decimal
    kpis: Kpis | None
    nav_series: tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True)
class FactsheetData:
    fund_code: str
    fund_name: str
    base_currency: str
    as_of: date
    aum: Decimal  # base currency, from ``figures.fund_aum``
    fund_kpis: Kpis | None
    classes: tuple[FactsheetClass, ...]
    notes: tuple[str, ...] = ()


class StatementService:
    """Gathers ``StatementData`` and ``FactsheetData``; class figures are cached per data version."""

    def __init__(self, portfolio: PortfolioServices) -> None:
        self.p = portfolio
        self._system = Actor.system("reports")
        self._class_cache: dict[tuple[str, date, date], ClassPerformance] = {}
        self._cache_token: int | None = None

    # -- permissions --------------------------------------------------------------------------------
    def check_investor(self, actor: Actor, investor_id: str) -> None:
        """Staff with ``reports.run`` may report on anyone; a client only on its own investors."""
        if allowed(actor.role, Permission.REPORTS_RUN):
            return
        require(actor, Permission.OWN_ACCOUNTS_READ)
        if investor_id not in actor.investor_ids:
            raise PermissionDenied(f"{actor.username} may only get statements for their own investor accounts.")

    def statement_investors(self, actor: Actor) -> list[str]:
        """Investor ids with at least one account, in investor-number order, limited to what ``actor`` may see."""
        if not allowed(actor.role, Permission.REPORTS_RUN):
            require(actor, Permission.OWN_ACCOUNTS_READ)
        held = {d["investor_id"] for d in self.p.investors.accounts.find(projection=["investor_id"])}
        ordered: list[str] = []
        offset = 0
        while page := self.p.investors.page(actor, offset=offset, limit=PAGE):
            ordered.extend(i.investor_id for i in page if i.investor_id in held)
            offset += len(page)
        return ordered

    # -- statement ----------------------------------------------------------------------------------
    def statement_data(self, actor: Actor, investor_id: str, period: ReportPeriod,
                       currency: str | None = None) -> StatementData:
        """Everything an investor statement for ``period`` shows, in ``currency`` or the investor's own."""
        self.check_investor(actor, investor_id)
        investor = self.p.investors.get(self._system, investor_id)
        latest = self.p.navs.latest_date()
        if latest is None:
            raise ValidationError({"period": "There are no NAVs yet; enter NAVs before producing statements."})
        if period.start > latest:
            raise ValidationError({"period": f"{period.label} starts after the latest NAV date {latest}; "
                                             "choose a period with NAVs."})
        valuation = min(period.end, latest)
        opening_day = period.start - timedelta(days=1)
        lines = self._unit_lines(investor_id)
        ccy = currency or self._home_currency(lines)
        classes = sorted((self.p.funds.get_class(c) for c in {class_id for _, class_id, _ in lines}),
                         key=lambda c: c.code)
        holdings = [h for h in (self._holding(c, lines, valuation, ccy) for c in classes) if h.units]
        opening = [self._holding(c, lines, opening_day, ccy) for c in classes]
        transactions = self._transactions(investor_id, period, {c.class_id: c.code for c in classes})
        touched = {h.class_code for h in holdings} | {h.class_code for h in opening if h.units}
        performance = [self._class_performance(c, opening_day, valuation) for c in classes if c.code in touched]
        fees = [FeeLine(f.period_end, self.p.funds.get_class(f.class_id).code, f.kind, f.amount, f.currency)
                for f in self.p.fees.ledger(self._system, investor_id=investor_id, start=period.start, end=period.end)]
        notes = []
        if valuation < period.end:
            notes.append(f"The period is not over: holdings are valued on {valuation}, the latest NAV date.")
        notes.extend(f"{h.class_code} is valued at the NAV of {h.nav_date} (the latest on or before {valuation})."
                     for h in holdings if h.nav_date and h.nav_date != valuation)
        return StatementData(
            investor.investor_id, investor.number, investor.name, period, valuation, ccy, opening_day,
            opening_value=sum((h.statement_value for h in opening), Decimal(0)),
            closing_value=sum((h.statement_value for h in holdings), Decimal(0)),
            holdings=tuple(holdings), transactions=tuple(transactions), performance=tuple(performance),
            fees=tuple(fees), notes=tuple(notes))

    def _unit_lines(self, investor_id: str) -> list[tuple[date, str, Decimal]]:
        """The investor's unit ledger, oldest first: ``(value_date, class_id, units)``."""
        docs = self.p.ledgers.units.find({"investor_id": investor_id}, sort=[("value_date", 1)],
                                         projection=["value_date", "class_id", "units"])
        return [(d["value_date"], d["class_id"], d["units"]) for d in docs]

    @staticmethod
    def _units_held(lines: list[tuple[date, str, Decimal]], class_id: str, on: date) -> Decimal:
        return sum((u for day, c, u in lines if c == class_id and day <= on), Decimal(0))

    def _home_currency(self, lines: list[tuple[date, str, Decimal]]) -> str:
        first = next((class_id for _, class_id, units in lines if units > 0), None)
        return self.p.funds.get_class(first).currency if first else REPORTING_CURRENCY

    def _holding(self, share_class: ShareClass, lines: list[tuple[date, str, Decimal]], on: date, ccy: str
                 ) -> HoldingLine:
        """Units × the class's latest NAV on or before ``on`` (the ``figures`` rule), converted at ``on``."""
        held = self._units_held(lines, share_class.class_id, on)
        point = self.p.navs.latest(share_class.class_id, on) if held else None
        value = round_money(held * point.nav_per_unit, share_class.currency) if point else Decimal(0)
        converted, quote = self.p.fx.convert(Money(value, share_class.currency), ccy, on) if held else (
            Money(Decimal(0), ccy), None)
        return HoldingLine(self.p.funds.get_fund(share_class.fund_id).name, share_class.code, share_class.currency,
                           held, point.nav_per_unit if point else None, point.nav_date if point else None, value,
                           quote.rate if quote else Decimal(1), round_money(converted.amount, ccy))

    def _transactions(self, investor_id: str, period: ReportPeriod, codes: dict[str, str]) -> list[TransactionLine]:
        query = TransactionQuery(investor_id=investor_id, start=period.start, end=period.end)
        views: list[TransactionView] = []
        while page := self.p.dealing.page(self._system, query, sort=[("trade_date", 1)], offset=len(views),
                                          limit=PAGE):
            views.extend(page)
        return [self._transaction_line(v, codes) for v in views if v.status != "cancelled"]

    def _transaction_line(self, view: TransactionView, codes: dict[str, str]) -> TransactionLine:
        deal = view.deal or {}
        code = codes.get(view.class_id) or self.p.funds.get_class(view.class_id).code
        return TransactionLine(view.trade_date, view.dealing_date, view.ref, view.kind, view.status, code,
                               view.currency, deal.get("units", view.units), deal.get("nav_per_unit"),
                               deal.get("gross", view.amount), deal.get("fee"), deal.get("net"))

    # -- class figures (shared by every holder of a class) ---------------------------------------------
    def _class_performance(self, share_class: ShareClass, opening_day: date, valuation: date) -> ClassPerformance:
        """Memoised until anything changes (the audit token moves on every change, on any workstation)."""
        token, _ = self.p.changes_since(None)
        if token != self._cache_token:
            self._class_cache.clear()
            self._cache_token = token
        key = (share_class.class_id, opening_day, valuation)
        if key not in self._class_cache:
            self._class_cache[key] = self._compute_class_performance(share_class, opening_day, valuation)
        return self._class_cache[key]

    def _compute_class_performance(self, share_class: ShareClass, opening_day: date, valuation: date
                                   ) -> ClassPerformance:
        opening = self.p.navs.latest(share_class.class_id, opening_day)
        closing = self.p.navs.latest(share_class.class_id, valuation)
        period_return = None
        if opening and closing and closing.nav_date > opening.nav_date:
            report = self.p.performance.class_performance(self._system, share_class.class_id, opening.nav_date,
                                                          closing.nav_date)
            period_return = report.total_return
        kpis = self._kpis(share_class.class_id, valuation)
        return ClassPerformance(share_class.code, share_class.currency, opening.nav_per_unit if opening else None,
                                closing.nav_per_unit if closing else None, period_return,
                                kpis.ytd if kpis else None, kpis.since_inception if kpis else None)

    def _kpis(self, class_id: str, on: date) -> Kpis | None:
        try:
            return self.p.figures.class_kpis(self._system, class_id, on)
        except ValidationError:  # fewer than two NAVs: the figures are undefined, shown as a dash
            return None

    # -- factsheet ----------------------------------------------------------------------------------
    def factsheet_data(self, actor: Actor, fund_id: str, on: date | None = None) -> FactsheetData:
        """Key figures, classes and NAV series of a fund as of ``on`` (default: the latest NAV date)."""
        require(actor, Permission.REPORTS_RUN)
        aum = self.p.figures.fund_aum(actor, fund_id, on)
        fund = self.p.funds.get_fund(fund_id)
        try:
            fund_kpis: Kpis | None = self.p.figures.fund_kpis(actor, fund_id, aum.on)
        except ValidationError:
            fund_kpis = None
        classes = []
        for share_class, part in zip(self.p.funds.list_classes(actor, fund_id), aum.classes, strict=True):
            series = self.p.navs.series(share_class.class_id, end=aum.on)
            classes.append(FactsheetClass(
                share_class.code, share_class.name, share_class.currency, part.nav_per_unit, part.nav_date,
                part.value, share_class.fees.get("management_rate", Decimal(0)),
                share_class.fees.get("entry_rate", Decimal(0)), self._kpis(share_class.class_id, aum.on),
                tuple(series.items())))
        notes = ("Some figures use an older NAV or FX rate (marked stale).",) if aum.stale else ()
        return FactsheetData(fund.code, fund.name, fund.base_currency, aum.on, aum.total, fund_kpis, tuple(classes),
                             notes)
