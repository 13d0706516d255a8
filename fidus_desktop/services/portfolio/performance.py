"""Performance of a share class over a period: the stored NAV per unit through ``compute_metrics``, compared
with the class's linked benchmark (``benchmarks``) unless another series is given.

One entry point for the Portfolio tab, ``fidus perf`` and the PDF reports, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fidus_desktop.domain.analytics import AnalyticsInputError, PerformanceReport, compute_metrics
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio.benchmarks import BenchmarkService
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.nav import NavService


class PerformanceService(Service):
    def __init__(self, ctx: ServiceContext, funds: FundService, navs: NavService, benchmarks: BenchmarkService
                 ) -> None:
        super().__init__(ctx)
        self.funds, self.navs, self.benchmarks = funds, navs, benchmarks

    def class_performance(self, actor: Actor, class_id: str, start: date | None = None, end: date | None = None,
                          *, benchmark: Mapping[date, object] | None = None, risk_free: float = 0.0
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
            return compute_metrics(series, benchmark=benchmark, risk_free=risk_free, as_of=end)
        except AnalyticsInputError as exc:
            raise ValidationError({"": str(exc)}) from None
