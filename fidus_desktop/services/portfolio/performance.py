"""Performance of a share class over a period: the stored NAV per unit through ``compute_metrics``, compared
with the class's linked benchmark (``benchmarks``) unless another series is given.

One entry point for the Portfolio tab, ``fidus perf`` and the PDF reports, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from fidus_desktop.domain.analytics import (
    AnalyticsInputError,
    PerformanceReport,
    Period,
    XirrError,
    compute_metrics,
    xirr,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio.benchmarks import BenchmarkService
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavService


class PerformanceService(Service):
    def __init__(self, ctx: ServiceContext, funds: FundService, navs: NavService, benchmarks: BenchmarkService,
                 ledgers: Ledgers) -> None:
        super().__init__(ctx)
        self.funds, self.navs, self.benchmarks, self.ledgers = funds, navs, benchmarks, ledgers

    def class_performance(self, actor: Actor, class_id: str, start: date | None = None, end: date | None = None,
                          *, benchmark: dict[date, object] | None = None, risk_free: float = 0.0
                          ) -> PerformanceReport:
        """Every performance figure of ``class_id`` from ``start`` to ``end`` (inclusive, NAV dates).

        ``benchmark``: index levels to compare with; None takes the class's linked benchmark (if any).
        """
        require(actor, Permission.FUNDS_READ)
        share_class = self.funds.get_class(class_id)
        if start and end and end < start:
            raise ValidationError({"end": f"The period ends ({end}) before it starts ({start})."})
        series = self.navs.series(class_id, start, end)
        if len(series) < 2:
            raise ValidationError({"class_id": f"{share_class.code} has {len(series)} NAV(s) between "
                                               f"{start or 'launch'} and {end or 'today'}; at least two are needed."})
        if benchmark is None and (linked := self.benchmarks.class_benchmark(class_id)) is not None:
            benchmark = self.benchmarks.levels(linked.benchmark_id, start, end)
        try:
            report = compute_metrics(series, benchmark=benchmark, risk_free=risk_free, as_of=end)
        except AnalyticsInputError as exc:
            raise ValidationError({"": str(exc)}) from None
        if start is None:
            return report
        label = f"Since {report.start}"  # a chosen start is not the class's inception
        return replace(report, periods=tuple(replace(p, label=label) if p.period is Period.SINCE_INCEPTION else p
                                             for p in report.periods))

    def money_weighted_return(self, actor: Actor, class_id: str, start: date | None = None, end: date | None = None
                              ) -> float | None:
        """The class's money-weighted return (XIRR, annual) over its NAV dates from ``start`` to ``end``.

        Flows, from the investors' side: the class's value at the first NAV date paid in, then every day's units
        issued (−) and cancelled to investors (+) × that day's NAV (units cancelled for performance fees are a
        cost, not a flow), and the closing value received. None when there is no rate (no units, or the flows
        have no sign change).
        """
        require(actor, Permission.FUNDS_READ)
        series = self.navs.series(class_id, start, end)
        if len(series) < 2:
            return None
        first, last = min(series), max(series)
        flows: list[tuple[date, Decimal]] = []
        opening = self.ledgers.units_outstanding(class_id, first)
        if opening:
            flows.append((first, -opening * series[first]))
        for day, units in self.ledgers.units_by_date(class_id, last, investor_flows_only=True).items():
            if first < day <= last and units:
                nav = self.navs.latest(class_id, day)
                flows.append((day, -units * nav.nav_per_unit if nav else Decimal(0)))
        flows.append((last, self.ledgers.units_outstanding(class_id, last) * series[last]))
        try:
            return xirr(flows)
        except XirrError:
            return None
