"""THE figures service: AUM, NAV and KPI figures every screen and report takes from here, and only here.

Definitions (docs/PORTFOLIO.md):

* Without a date, figures are as of the latest NAV date in the database (``NavService.latest_date``).
* Class AUM on a date = units outstanding (unit ledger up to that date) × the class's latest
  ``nav_per_unit`` on or before it (``nav_stale`` when older), in the class currency.
* Fund AUM = Σ class AUM converted to the fund's base currency at the FX rate of the date (stored ECB and
  manual rates; stale flagged, missing = ``FxRateMissing``, never 1:1), each class rounded to the cent.
* Total AUM = Σ fund AUM converted to the reporting currency (default EUR), each fund rounded, so the
  total always equals the sum of the converted fund figures shown beside it.
* Class KPIs from the NAV per unit series via ``domain.analytics.compute_metrics``: YTD, 1Y, since
  inception, annualised volatility, maximum drawdown. Fund KPIs from the daily fund AUM with investor
  flows (units issued/cancelled × that day's NAV, converted), i.e. a time-weighted return.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from fidus_desktop.domain.analytics import PerformanceReport, Period, compute_metrics
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio.funds import FundService, ShareClass
from fidus_desktop.services.portfolio.fx import FxService
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavService

REPORTING_CURRENCY = "EUR"


@dataclass(frozen=True)
class ClassAum:
    class_id: str
    code: str
    currency: str
    units: Decimal
    nav_per_unit: Decimal | None
    nav_date: date | None
    nav_stale: bool
    value: Decimal  # class currency
    fx_rate: Decimal  # class currency → fund base currency
    fx_stale: bool
    base_value: Decimal  # fund base currency


@dataclass(frozen=True)
class FundAum:
    fund_id: str
    code: str
    name: str
    on: date
    currency: str
    total: Decimal
    classes: tuple[ClassAum, ...]

    @property
    def stale(self) -> bool:
        return any(c.nav_stale or c.fx_stale for c in self.classes)


@dataclass(frozen=True)
class FundShare:
    """One fund's AUM in the reporting currency, as the total adds it up."""

    fund: FundAum
    fx_rate: Decimal
    fx_stale: bool
    value: Decimal


@dataclass(frozen=True)
class AumSummary:
    on: date
    currency: str
    total: Decimal
    funds: tuple[FundShare, ...]

    @property
    def stale(self) -> bool:
        return any(f.fx_stale or f.fund.stale for f in self.funds)


@dataclass(frozen=True)
class Kpis:
    """Headline figures; ratios as floats (0.05 = 5 %), None when history is too short."""

    as_of: date
    ytd: float | None
    one_year: float | None
    since_inception: float | None  # annualised over a year or more, else the cumulative return
    volatility: float | None
    max_drawdown: float
    since_inception_annualised: bool = False  # screens label the figure "p.a." only then


def kpis_from(report: PerformanceReport, as_of: date) -> Kpis:
    periods = {p.period: p for p in report.periods}
    si = periods[Period.SINCE_INCEPTION]
    return Kpis(as_of, periods[Period.YEAR_TO_DATE].cumulative, periods[Period.ONE_YEAR].cumulative,
                si.annualised if si.annualised is not None else si.cumulative, report.annualised_volatility,
                report.max_drawdown.depth, since_inception_annualised=si.annualised is not None)


class FiguresService(Service):
    """AUM and KPIs, computed once for every screen, export and report."""

    def __init__(self, ctx: ServiceContext, funds: FundService, navs: NavService, fx: FxService, ledgers: Ledgers
                 ) -> None:
        super().__init__(ctx)
        self.funds, self.navs, self.fx, self.ledgers = funds, navs, fx, ledgers

    def _on(self, on: date | None) -> date:
        """Figures default to the latest valuation date (not today: NAVs and rates lag the calendar)."""
        return on or self.navs.latest_date() or self.now().date()

    def class_aum(self, share_class: ShareClass, base_currency: str, on: date) -> ClassAum:
        units = self.ledgers.units_outstanding(share_class.class_id, on)
        point = self.navs.latest(share_class.class_id, on)
        nav = point.nav_per_unit if point else None
        value = round_money(units * nav, share_class.currency) if nav is not None else Decimal(0)
        if units and nav is None:
            raise ValidationError({"nav": f"{share_class.code} has {units} units but no NAV on or before {on}."})
        base, quote = self.fx.convert(Money(value, share_class.currency), base_currency, on)
        return ClassAum(share_class.class_id, share_class.code, share_class.currency, units, nav,
                        point.nav_date if point else None, bool(point and point.nav_date != on), value,
                        quote.rate, quote.stale, base.amount)

    def fund_aum(self, actor: Actor, fund_id: str, on: date | None = None) -> FundAum:
        """A fund's AUM in its base currency, with each class's part."""
        require(actor, Permission.FUNDS_READ)
        day, fund = self._on(on), self.funds.get_fund(fund_id)
        classes = tuple(self.class_aum(c, fund.base_currency, day) for c in self.funds.list_classes(actor, fund_id))
        return FundAum(fund.fund_id, fund.code, fund.name, day, fund.base_currency,
                       sum((c.base_value for c in classes), Decimal(0)), classes)

    def total_aum(self, actor: Actor, on: date | None = None, currency: str = REPORTING_CURRENCY) -> AumSummary:
        """Every fund's AUM converted to ``currency`` and their sum."""
        day = self._on(on)
        shares = []
        for fund in self.funds.list_funds(actor):
            aum = self.fund_aum(actor, fund.fund_id, day)
            converted, quote = self.fx.convert(Money(aum.total, aum.currency), currency, day)
            shares.append(FundShare(aum, quote.rate, quote.stale, converted.amount))
        return AumSummary(day, currency, sum((s.value for s in shares), Decimal(0)), tuple(shares))

    def class_kpis(self, actor: Actor, class_id: str, on: date | None = None) -> Kpis:
        """KPIs of a share class from its NAV per unit up to ``on``."""
        require(actor, Permission.FUNDS_READ)
        day = self._on(on)
        series = self.navs.series(class_id, end=day)
        if len(series) < 2:
            raise ValidationError({"class_id": f"Class {self.funds.get_class(class_id).code} needs at least two "
                                               f"NAVs up to {day} for performance figures."})
        return kpis_from(compute_metrics(series, as_of=day), day)

    def aum_history(self, actor: Actor, fund_id: str, start: date | None = None, end: date | None = None
                    ) -> tuple[pd.Series, pd.Series]:
        """Daily fund AUM in base currency and the investor flows (base currency) on the same dates.

        Dates are the NAV dates of the fund's classes; a class without a NAV on a date carries its last one.
        """
        require(actor, Permission.FUNDS_READ)
        fund = self.funds.get_fund(fund_id)
        classes = [(c, self.navs.series(c.class_id, start, end)) for c in self.funds.list_classes(actor, fund_id)]
        days = sorted({d for _, navs in classes for d in navs})
        values = dict.fromkeys(days, Decimal(0))
        flows = dict.fromkeys(days, Decimal(0))
        for share_class, navs in classes:
            pending = sorted(self.ledgers.units_by_date(share_class.class_id, end).items())
            moved = self.ledgers.units_by_date(share_class.class_id, end, investor_flows_only=True)
            units, nav = Decimal(0), None
            for day in days:
                while pending and pending[0][0] <= day:
                    units += pending.pop(0)[1]
                nav = navs.get(day, nav)
                if nav is None:
                    continue
                rate = self.fx.rate(share_class.currency, fund.base_currency, day).rate
                values[day] += units * nav * rate
                flows[day] += moved.get(day, Decimal(0)) * nav * rate
        index = pd.to_datetime(days)
        return pd.Series(list(values.values()), index=index, dtype=object), pd.Series(
            list(flows.values()), index=index, dtype=object)

    def fund_kpis(self, actor: Actor, fund_id: str, on: date | None = None) -> Kpis:
        """Time-weighted KPIs of a whole fund from its AUM history and investor flows."""
        day = self._on(on)
        values, flows = self.aum_history(actor, fund_id, end=day)
        if len(values) < 2:
            raise ValidationError({"fund_id": "The fund needs at least two valuations for performance figures."})
        return kpis_from(compute_metrics(values, flows=flows, as_of=day), day)
