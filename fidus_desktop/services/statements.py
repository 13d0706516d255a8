"""What an investor statement and a fund factsheet show, gathered from the portfolio services.

The PDFs (``fidus_desktop.reports``) render these plain data classes and compute nothing themselves: values
come from the same services every screen uses (NAV, FX, dealing, fee ledger, ``figures``, ``performance``).

Investor-level data is read through the portfolio services' public, permission-checked API *as the asking
actor*: ``investors.get``/``with_accounts``, ``dealing.unit_movements`` (the unit ledger with its
transactions), ``dealing.party_transactions`` and ``fees.ledger`` (each lets a client read its own investors).
Units held on a date come from ``dealing.units_held``, so the statement computes no figure of its own.

The lines of the period: every unit movement dated (dealing date) within it, from the unit ledger, so both
legs of a switch, a transfer received from another investor and units cancelled for a performance fee are
all listed and opening units + movements = closing units per class; then the transactions of the period
that move no units (distributions) or are not settled yet, by trade date. Cancelled ones are left out.

Permissions: staff need ``reports.run``; a ``client`` (``own_accounts.read``) gets statements only for the
investors in its own ``Actor.investor_ids``. Class-level figures (NAV performance, KPIs) are the same for every
holder of a class, are cached across investors and are read as the reports system actor after that check.

Reconciliation: per holding (class currency) and in total (statement currency), opening value + subscriptions
− redemptions − fees + gain/loss = closing value. Every unit movement of the period is valued at units × the
NAV it dealt at (the class NAV of its dealing date): units received (subscription, switch in, transfer in) are
subscriptions, units given up (redemption, switch out, transfer out) are redemptions, units cancelled for a
performance fee or a fee deduction are fees. Gain/loss is what is left: the NAV moves on the units held (and,
in the total, FX moves: each flow is converted at its dealing date's rate, the values at theirs).

The statement currency is the investor's *home* currency: the currency of the class of their first
subscription, so it does not change from one period to the next. Holdings in other currencies are shown in
their class currency and converted at the valuation date's FX rate for the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fidus_desktop.domain.analytics.returns import time_weighted_return
from fidus_desktop.domain.analytics.series import AnalyticsInputError
from fidus_desktop.domain.analytics.xirr import XirrError, xirr
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.reports.periods import ReportPeriod
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed, require
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.dealing import TransactionView, UnitMovement, units_held
from fidus_desktop.services.portfolio.figures import REPORTING_CURRENCY, Kpis
from fidus_desktop.services.portfolio.funds import ShareClass

UNSETTLED = ("pending", "approved")
DAYS_PER_YEAR = 365.0  # the year xirr discounts over
FEE_REASONS = ("performance_fee", "fee")  # unit movements that pay a fee: shown as fees, not redemptions


def _reconciliation(label: str, currency: str, opening: Decimal, flows: dict[str, Decimal], closing: Decimal
                    ) -> Reconciliation:
    gain = closing - opening - flows["in"] + flows["out"] + flows["fees"]
    return Reconciliation(label, currency, opening, flows["in"], flows["out"], flows["fees"], gain, closing)


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
class Reconciliation:
    """Opening value + subscriptions − redemptions − fees + gain/loss = closing value, in ``currency``."""

    label: str  # the class code, or "Total"
    currency: str
    opening_value: Decimal
    subscriptions: Decimal
    redemptions: Decimal
    fees: Decimal
    gain_loss: Decimal
    closing_value: Decimal


@dataclass(frozen=True)
class TransactionLine:
    """A unit movement (``kind`` is the unit ledger reason, ``units`` signed: + received, − given up) or a
    transaction that moves no units (a distribution, or one not settled yet: ``units`` as requested)."""

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
    since_inception_annualised: bool = False


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
    opening_holdings: tuple[HoldingLine, ...] = ()  # on ``opening_date``, classes held then
    reconciliation: tuple[Reconciliation, ...] = ()  # per class held in the period, then the total

    @property
    def fees_by_currency(self) -> dict[str, Decimal]:
        totals: dict[str, Decimal] = {}
        for line in self.fees:
            totals[line.currency] = totals.get(line.currency, Decimal(0)) + line.amount
        return totals


@dataclass(frozen=True)
class InvestorOverview:
    """An investor's position since the first investment: the statement of that period and their own returns.

    ``time_weighted`` chains the investor's daily value (units × NAV, in the statement currency) net of their
    own cash flows: it is the return of their holdings, whatever the timing of their money (not annualised).
    ``money_weighted`` is the annual internal rate of return of what they paid in and took out, with the
    closing value as the last inflow: it depends on that timing. Under a year it is stated for the period, not
    annualised (``money_weighted_annualised`` False), as a few days' rate compounded to a year says nothing.
    Cash flows are what left or reached the investor (a subscription's gross amount, a redemption's net
    proceeds); None when there is too little to say.
    """

    statement: StatementData | None  # None: the investor never held units
    time_weighted: float | None
    money_weighted: float | None
    money_weighted_annualised: bool = False


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
        return [i.investor_id for i in self.p.investors.with_accounts(actor)]

    # -- statement ----------------------------------------------------------------------------------
    def statement_data(self, actor: Actor, investor_id: str, period: ReportPeriod,
                       currency: str | None = None) -> StatementData:
        """Everything an investor statement for ``period`` shows, in ``currency`` or the investor's own."""
        self.check_investor(actor, investor_id)
        investor = self.p.investors.get(actor, investor_id)
        latest = self.p.navs.latest_date()
        if latest is None:
            raise ValidationError({"period": "There are no NAVs yet; enter NAVs before producing statements."})
        if period.start > latest:
            raise ValidationError({"period": f"{period.label} starts after the latest NAV date {latest}; "
                                             "choose a period with NAVs."})
        valuation = min(period.end, latest)
        opening_day = period.start - timedelta(days=1)
        movements = self.p.dealing.unit_movements(actor, investor_id)  # all: the home currency is the first's
        ccy = currency or self._home_currency(movements)
        classes = sorted((self.p.funds.get_class(c) for c in {m.class_id for m in movements}), key=lambda c: c.code)
        closing_units, opening_units = units_held(movements, valuation), units_held(movements, opening_day)
        holdings = [self._holding(c, closing_units[c.class_id], valuation, ccy) for c in classes
                    if c.class_id in closing_units]
        opening = [self._holding(c, opening_units[c.class_id], opening_day, ccy) for c in classes
                   if c.class_id in opening_units]
        codes = {c.class_id: c.code for c in classes}
        transactions = self._lines(actor, investor_id, period, valuation, movements, codes)
        touched = {h.class_code for h in (*holdings, *opening)}
        performance = [self._class_performance(c, opening_day, valuation) for c in classes if c.code in touched]
        # By the date charged: a year-end performance fee settled in January is January's, like its units.
        fees = [FeeLine(f.charged_on, self.p.funds.get_class(f.class_id).code, f.kind, f.amount, f.currency)
                for f in self.p.fees.ledger(actor, investor_id=investor_id)
                if period.start <= f.charged_on <= period.end]
        notes = []
        if valuation < period.end:
            notes.append(f"The period is not over: holdings are valued on {valuation}, the latest NAV date.")
        notes.extend(f"{h.class_code} is valued at the NAV of {h.nav_date} (the latest on or before {valuation})."
                     for h in holdings if h.nav_date and h.nav_date != valuation)
        notes.extend(self._fx_notes([(h, valuation) for h in holdings] + [(h, opening_day) for h in opening], ccy))
        period_moves = [m for m in movements if period.start <= m.value_date <= valuation]
        reconciliation = self._reconcile(classes, opening, holdings, period_moves, ccy)
        return StatementData(
            investor.investor_id, investor.number, investor.name, period, valuation, ccy, opening_day,
            opening_value=sum((h.statement_value for h in opening), Decimal(0)),
            closing_value=sum((h.statement_value for h in holdings), Decimal(0)),
            holdings=tuple(holdings), transactions=tuple(transactions), performance=tuple(performance),
            fees=tuple(fees), notes=tuple(notes), opening_holdings=tuple(opening),
            reconciliation=tuple(reconciliation))

    def investor_overview(self, actor: Actor, investor_id: str) -> InvestorOverview:
        """The investor view's figures: ``statement_data`` from the first unit movement to the latest NAV."""
        self.check_investor(actor, investor_id)
        movements = self.p.dealing.unit_movements(actor, investor_id)
        latest = self.p.navs.latest_date()
        if not movements or latest is None or movements[0].value_date > latest:
            return InvestorOverview(None, None, None)
        first = movements[0].value_date
        statement = self.statement_data(actor, investor_id, ReportPeriod("since the first investment", first,
                                                                         latest))
        flows = self._investor_flows(movements, statement.valuation_date, statement.currency)
        values = self._investor_values(movements, first, statement.valuation_date, statement.currency)
        time_weighted: float | None = None
        if len(values) >= 2:
            time_weighted = time_weighted_return(values, flows).total_return
        money_weighted: float | None = None
        years = (statement.valuation_date - first).days / DAYS_PER_YEAR
        try:
            money_weighted = xirr([*((day, -amount) for day, amount in flows.items()),
                                   (statement.valuation_date, statement.closing_value)])
        except (XirrError, AnalyticsInputError):
            pass
        if money_weighted is not None and years < 1:
            money_weighted = (1 + money_weighted) ** years - 1
        return InvestorOverview(statement, time_weighted, money_weighted, years >= 1)

    def _investor_flows(self, movements: list[UnitMovement], end: date, ccy: str) -> dict[date, Decimal]:
        """Net money the investor put in (+) or took out (−) per dealing date, in ``ccy``; fee units are not cash."""
        flows: dict[date, Decimal] = {}
        for m in movements:
            if m.value_date > end or m.reason in FEE_REASONS:
                continue
            share_class = self.p.funds.get_class(m.class_id)
            deal = (m.transaction.deal or {}) if m.transaction else {}
            cash = deal.get("gross") if m.reason == "subscription" else deal.get("net") if m.reason == "redemption" \
                else None
            if cash is None:  # a switch or transfer leg: the units at the NAV they dealt at
                point = self.p.navs.latest(m.class_id, m.value_date)
                cash = abs(m.units) * point.nav_per_unit if point else Decimal(0)
            amount = self.p.fx.convert(Money(Decimal(cash), share_class.currency), ccy, m.value_date)[0].amount
            flows[m.value_date] = flows.get(m.value_date, Decimal(0)) + (amount if m.units > 0 else -amount)
        return flows

    def _investor_values(self, movements: list[UnitMovement], first: date, end: date, ccy: str
                         ) -> dict[date, Decimal]:
        """The investor's value on the day before ``first`` (0) and on every NAV date of their classes up to ``end``."""
        classes = {m.class_id: self.p.funds.get_class(m.class_id) for m in movements}
        series = {class_id: self.p.navs.series(class_id, first, end) for class_id in classes}
        days = sorted({first, *(d for navs in series.values() for d in navs), *(m.value_date for m in movements
                                                                               if first <= m.value_date <= end)})
        values = {first - timedelta(days=1): Decimal(0)}
        for day in days:
            held = units_held(movements, day)
            total = Decimal(0)
            for class_id, units in held.items():
                point = self.p.navs.latest(class_id, day)
                if point is not None and units:
                    money = Money(units * point.nav_per_unit, classes[class_id].currency)
                    total += self.p.fx.convert(money, ccy, day)[0].amount
            values[day] = total
        return values

    def _fx_notes(self, valued: list[tuple[HoldingLine, date]], ccy: str) -> list[str]:
        """Which earlier rate was used where a valuation date has no FX rate of its own (weekend, holiday)."""
        notes = []
        for line, on in valued:
            if line.class_currency == ccy:
                continue
            _, quote = self.p.fx.convert(Money(Decimal(1), line.class_currency), ccy, on)
            if quote.rate_date != on:
                notes.append(f"{line.class_currency}→{ccy} on {on}: there is no rate for that date; the ECB rate of "
                             f"{quote.rate_date} ({quote.rate}) is used.")
        return list(dict.fromkeys(notes))

    def _reconcile(self, classes: list[ShareClass], opening: list[HoldingLine], closing: list[HoldingLine],
                   moves: list[UnitMovement], ccy: str) -> list[Reconciliation]:
        """Per class held in the period and in total (module docstring)."""
        opened = {h.class_code: h for h in opening}
        closed = {h.class_code: h for h in closing}
        lines, total = [], dict.fromkeys(("opening", "in", "out", "fees", "closing"), Decimal(0))
        for c in classes:
            mine = [m for m in moves if m.class_id == c.class_id]
            if c.code not in opened and c.code not in closed and not mine:
                continue
            flows = dict.fromkeys(("in", "out", "fees"), Decimal(0))
            flows_ccy = dict(flows)
            for m in mine:
                point = self.p.navs.latest(c.class_id, m.value_date)
                value = round_money(abs(m.units) * point.nav_per_unit, c.currency) if point else Decimal(0)
                side = "fees" if m.reason in FEE_REASONS else "in" if m.units > 0 else "out"
                flows[side] += value
                flows_ccy[side] += round_money(self.p.fx.convert(Money(value, c.currency), ccy, m.value_date)[0].amount,
                                               ccy)
            start = opened[c.code] if c.code in opened else None
            end = closed[c.code] if c.code in closed else None
            lines.append(_reconciliation(c.code, c.currency, start.value if start else Decimal(0), flows,
                                         end.value if end else Decimal(0)))
            total["opening"] += start.statement_value if start else Decimal(0)
            total["closing"] += end.statement_value if end else Decimal(0)
            for side in flows_ccy:
                total[side] += flows_ccy[side]
        lines.append(_reconciliation("Total", ccy, total["opening"], total, total["closing"]))
        return lines

    def _home_currency(self, movements: list[UnitMovement]) -> str:
        first = next((m.class_id for m in movements if m.units > 0), None)
        return self.p.funds.get_class(first).currency if first else REPORTING_CURRENCY

    def _holding(self, share_class: ShareClass, held: Decimal, on: date, ccy: str) -> HoldingLine:
        """``held`` units × the class's latest NAV on or before ``on`` (the ``figures`` rule), converted at ``on``."""
        point = self.p.navs.latest(share_class.class_id, on)
        value = round_money(held * point.nav_per_unit, share_class.currency) if point else Decimal(0)
        converted, quote = self.p.fx.convert(Money(value, share_class.currency), ccy, on)
        return HoldingLine(self.p.funds.get_fund(share_class.fund_id).name, share_class.code, share_class.currency,
                           held, point.nav_per_unit if point else None, point.nav_date if point else None, value,
                           quote.rate if quote else Decimal(1), round_money(converted.amount, ccy))

    def _lines(self, actor: Actor, investor_id: str, period: ReportPeriod, valuation: date,
               movements: list[UnitMovement], codes: dict[str, str]) -> list[TransactionLine]:
        """The period's unit movements and its transactions that move no units, by dealing date then reference."""
        moved = [self._movement_line(m, codes) for m in movements if period.start <= m.value_date <= valuation]
        others = [self._transaction_line(v, codes)
                  for v in self.p.dealing.party_transactions(actor, investor_id, period.start, period.end)
                  if v.status in UNSETTLED or v.kind == "distribution"]
        return sorted((*moved, *others), key=lambda line: (line.dealing_date, line.ref, line.kind))

    def _code(self, class_id: str, codes: dict[str, str]) -> str:
        return codes.get(class_id) or self.p.funds.get_class(class_id).code

    def _movement_line(self, movement: UnitMovement, codes: dict[str, str]) -> TransactionLine:
        """One unit ledger line; the deal's NAV and amounts where they are this leg's (not a switch's in-leg)."""
        view, code = movement.transaction, self._code(movement.class_id, codes)
        if view is None:  # units cancelled for a performance fee (its amount is in the fees section)
            currency = self.p.funds.get_class(movement.class_id).currency
            return TransactionLine(movement.value_date, movement.value_date, "", movement.reason, "settled", code,
                                   currency, movement.units, None, None, None, None)
        deal = view.deal or {}
        same_leg = movement.reason != "switch_in"  # the in-leg's units are priced in the target class
        return TransactionLine(view.trade_date, movement.value_date, view.ref, movement.reason, view.status, code,
                               view.currency, movement.units, deal.get("nav_per_unit") if same_leg else None,
                               deal.get("gross") if same_leg else None, deal.get("fee") if same_leg else None,
                               deal.get("net"))

    def _transaction_line(self, view: TransactionView, codes: dict[str, str]) -> TransactionLine:
        deal = view.deal or {}
        return TransactionLine(view.trade_date, view.dealing_date, view.ref, view.kind, view.status,
                               self._code(view.class_id, codes), view.currency, view.units, deal.get("nav_per_unit"),
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
                                kpis.ytd if kpis else None, kpis.since_inception if kpis else None,
                                bool(kpis and kpis.since_inception_annualised))

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
