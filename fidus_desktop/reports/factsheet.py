"""The fund factsheet PDF: key figures, share classes and a NAV-per-unit chart drawn with reportlab graphics.

Renders a ``services.statements.FactsheetData``; AUM and KPIs are the ``figures`` service's, the chart is
the stored NAV series (no smoothing, no invented points).
"""

from __future__ import annotations

from datetime import date
from io import BytesIO
from pathlib import Path

from reportlab.graphics.charts.legends import LineLegend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.platypus import Flowable, Spacer

from fidus_desktop.reports import formatting as fmt
from fidus_desktop.reports.pdf import BRAND, Page, figure_table, paragraph, write_pdf
from fidus_desktop.services.statements import FactsheetData

SERIES_COLOURS = [BRAND, colors.HexColor("#d9822b"), colors.HexColor("#2e8b57"), colors.HexColor("#8e44ad"),
                  colors.HexColor("#c0392b"), colors.HexColor("#7f8c8d")]
MAX_POINTS = 400  # per line: a printed chart shows no more detail than this


def factsheet_filename(data: FactsheetData) -> str:
    return f"factsheet-{data.fund_code}-{data.as_of}.pdf"


def _thin(points: tuple[tuple[date, object], ...]) -> list[tuple[float, float]]:
    """Every n-th point (always keeping the last) so the PDF stays small; x is the date's ordinal."""
    step = max(1, len(points) // MAX_POINTS)
    kept = list(points[::step])
    if points and kept[-1] != points[-1]:
        kept.append(points[-1])
    return [(float(d.toordinal()), float(v)) for d, v in kept]  # type: ignore[arg-type]


def nav_chart(data: FactsheetData, width: float = 480, height: float = 200) -> Drawing:
    """NAV per unit of every class over time, each in its own currency, with a year axis and a legend."""
    drawing = Drawing(width, height)
    lines = [(c, _thin(c.nav_series)) for c in data.classes if len(c.nav_series) >= 2]
    if not lines:
        drawing.add(String(10, height / 2, "Not enough NAV history for a chart.", fontSize=9))
        return drawing
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 40, width - 60, height - 60
    plot.data = [points for _, points in lines]
    xs = [x for _, points in lines for x, _ in points]
    ys = [y for _, points in lines for _, y in points]
    first, last = date.fromordinal(int(min(xs))), date.fromordinal(int(max(xs)))
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = min(xs), max(xs)
    plot.xValueAxis.valueSteps = [float(date(y, 1, 1).toordinal()) for y in range(first.year + 1, last.year + 1)]
    plot.xValueAxis.labelTextFormat = lambda x: str(date.fromordinal(int(x)).year)
    plot.xValueAxis.labels.fontSize = 7
    span = max(ys) - min(ys) or 1.0
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = min(ys) - 0.05 * span, max(ys) + 0.05 * span
    plot.yValueAxis.labels.fontSize = 7
    plot.yValueAxis.labelTextFormat = "%.0f"
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#e3e7ec")
    for i in range(len(lines)):
        plot.lines[i].strokeColor = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        plot.lines[i].strokeWidth = 1.2
    drawing.add(plot)
    legend = LineLegend()
    legend.x, legend.y, legend.fontSize, legend.dx = 45, 12, 7, 14
    legend.columnMaximum, legend.deltax = 1, 95
    legend.colorNamePairs = [(SERIES_COLOURS[i % len(SERIES_COLOURS)], f"{c.code} ({c.currency})")
                             for i, (c, _) in enumerate(lines)]
    drawing.add(legend)
    return drawing


def _key_figures(data: FactsheetData) -> list[Flowable]:
    k = data.fund_kpis
    rows = [
        ["Assets under management", fmt.amount(data.aum, data.base_currency, with_code=True)],
        ["Return year to date", fmt.percent(k.ytd if k else None)],
        ["Return 1 year", fmt.percent(k.one_year if k else None)],
        ["Return since inception p.a." if k is None or k.since_inception_annualised else
         "Return since inception (under a year: not annualised)", fmt.percent(k.since_inception if k else None)],
        ["Volatility p.a.", fmt.percent(k.volatility if k else None, signed=False)],
        ["Maximum drawdown", fmt.percent(k.max_drawdown if k else None)],
    ]
    return [paragraph(f"Key figures on {data.as_of} (whole fund, time-weighted)", "h2"),
            figure_table(["", data.base_currency], rows, widths=[200, 120])]


def _classes(data: FactsheetData) -> list[Flowable]:
    rows = [[c.code, c.currency, fmt.nav(c.nav_per_unit), fmt.day(c.nav_date), fmt.amount(c.aum, c.currency),
             fmt.percent(c.kpis.ytd if c.kpis else None), fmt.percent(c.kpis.one_year if c.kpis else None),
             fmt.percent(c.kpis.volatility if c.kpis else None, signed=False),
             fmt.percent(float(c.management_rate), signed=False), fmt.percent(float(c.entry_rate), signed=False)]
            for c in data.classes]
    header = ["Class", "Ccy", "NAV", "NAV date", "AUM", "YTD", "1Y", "Vol.", "Mgmt fee", "Entry fee"]
    return [paragraph("Share classes", "h2"), figure_table(header, rows, numeric_from=2)]


def factsheet_story(data: FactsheetData) -> list[Flowable]:
    story: list[Flowable] = [
        paragraph(data.fund_name, "title"),
        paragraph(f"Fund factsheet · {data.fund_code} · base currency {data.base_currency} · as of {data.as_of}"),
        Spacer(1, 4),
        *_key_figures(data),
        paragraph("NAV per unit", "h2"),
        nav_chart(data),
        *_classes(data),
        Spacer(1, 8),
    ]
    story.extend(paragraph(n, "small") for n in (*data.notes, "Returns are after fees. Figures as of the latest "
                                                 "NAV date. Past performance does not predict future returns."))
    return story


def render_factsheet(data: FactsheetData, target: Path | BytesIO) -> None:
    page = Page("FIDUS Fund Management", f"Factsheet {data.fund_code}", f"{data.fund_name} · as of {data.as_of}")
    write_pdf(factsheet_story(data), page, target, f"Factsheet {data.fund_code} {data.as_of}")
