"""What the Portfolio tab's upper half shows for one fund and class, loaded in one worker job.

Every figure comes from the services (``figures`` for AUM and KPIs, ``performance`` for the series, the
monthly table and the comparison, ``benchmarks`` for the class's benchmark, ``holdings`` for the allocation and
the holdings table, ``figures.aum_history`` for the AUM and net-flows chart);
this module only gathers them. The comparison statistics (excess return, tracking error, beta) are against the
class's linked benchmark, or against another class when one is chosen to compare with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fidus_desktop.domain.analytics import PerformanceReport
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.portfolio.figures import FundAum, Kpis
from fidus_desktop.services.portfolio.holdings import Valuation, ValuationError
from fidus_desktop.services.portfolio.nav import NavPoint


@dataclass(frozen=True)
class Overview:
    fund_id: str
    class_id: str
    aum: FundAum
    nav: NavPoint | None
    kpis: Kpis | None
    report: PerformanceReport | None
    benchmark_code: str | None  # the class's linked benchmark (None: not linked)
    benchmark_growth: list[tuple[date, float]]
    compare_code: str | None
    compare_growth: list[tuple[date, float]]
    holdings: list[tuple[str, float]]  # asset class, value in base currency
    problems: tuple[str, ...]
    valuation: Valuation | None = None  # the fund's positions on ``aum.on`` (None: none could be valued)
    aum_history: list[tuple[date, float]] = field(default_factory=list)  # fund AUM, base currency
    net_flows: list[tuple[date, float]] = field(default_factory=list)  # investor flows (+ in, − out), base ccy

    def growth(self) -> list[tuple[date, float]]:
        """The class's value of 100 invested at the start (from the report's daily returns)."""
        if self.report is None:
            return []
        level, points = 100.0, [(self.report.start, 100.0)]
        for stamp, value in self.report.daily_returns.items():
            level *= 1.0 + float(value)
            points.append((stamp.date(), level))
        return points

    def drawdown(self) -> list[tuple[date, float]]:
        """Fall from the running peak, in percent (≤ 0), of the growth series."""
        peak, points = 0.0, []
        for day, level in self.growth():
            peak = max(peak, level)
            points.append((day, 100.0 * (level / peak - 1.0)))
        return points


def _rebased(series: dict[date, object], start: date) -> list[tuple[date, float]]:
    points = [(d, float(v)) for d, v in series.items() if d >= start]  # type: ignore[arg-type]
    return [(d, 100.0 * v / points[0][1]) for d, v in points] if points else []


def load_overview(portfolio: PortfolioServices, actor: Actor, fund_id: str, class_id: str,
                  compare_class_id: str | None, benchmark_id: str | None = None) -> Overview:
    """Runs in the worker. Figures a short history cannot give are None with the reason in ``problems``.

    The chart shows the class against ``benchmark_id`` (default: the class's linked benchmark); the comparison
    statistics are against ``compare_class_id`` when given, else against that benchmark.
    """
    problems: list[str] = []
    aum = portfolio.figures.fund_aum(actor, fund_id)
    nav = portfolio.navs.latest(class_id, aum.on)
    benchmark = (portfolio.benchmarks.get(benchmark_id) if benchmark_id
                 else portfolio.benchmarks.class_benchmark(class_id))
    levels = portfolio.benchmarks.levels(benchmark.benchmark_id, end=aum.on) if benchmark else None
    kpis = report = None
    try:
        kpis = portfolio.figures.class_kpis(actor, class_id, aum.on)
        other = portfolio.navs.series(compare_class_id, end=aum.on) if compare_class_id else (levels or None)
        report = portfolio.performance.class_performance(actor, class_id, end=aum.on, benchmark=other)
    except ValidationError as exc:
        problems.append(str(exc))
    benchmark_code, benchmark_growth = (benchmark.code if benchmark else None), []
    compare_code, compare_growth = None, []
    if report is not None:
        if levels:
            benchmark_growth = _rebased(levels, report.start)
        if compare_class_id:
            compare_code = portfolio.funds.get_class(compare_class_id).code
            compare_growth = _rebased(portfolio.navs.series(compare_class_id, end=aum.on), report.start)
    holdings: dict[str, float] = {}
    valuation = None
    try:
        valuation = portfolio.holdings.valuation(actor, fund_id, aum.on)
        for line in valuation.lines:
            holdings[line.asset_class] = holdings.get(line.asset_class, 0.0) + float(line.base_value)
    except ValuationError as exc:
        problems.append(str(exc))
    values, flows = portfolio.figures.aum_history(actor, fund_id, end=aum.on)
    history = [(stamp.date(), float(value)) for stamp, value in values.items()]
    net_flows = [(stamp.date(), float(value)) for stamp, value in flows.items() if value]
    return Overview(fund_id, class_id, aum, nav, kpis, report, benchmark_code, benchmark_growth, compare_code,
                    compare_growth, sorted(holdings.items()), tuple(problems), valuation, history, net_flows)
