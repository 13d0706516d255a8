"""``fidus report statement|factsheet|statements``: investor statements and fund factsheets as PDF.

``statement --investor ID --period P --out FILE`` (the investor by id or number, ``P`` as ``YYYY-Qn`` or
``YYYY-MM``), ``factsheet --fund ID --out FILE`` (id or code), ``statements --period P --out-dir DIR``
(every investor with an account, a progress bar on stderr; Ctrl+C stops between statements).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fidus_desktop.cli.common import EXIT_OK, EXIT_PROBLEM, acting, add_actor_options, fail
from fidus_desktop.cli.portfolio import fund_id_of
from fidus_desktop.reports.batch import write_statements
from fidus_desktop.reports.factsheet import render_factsheet
from fidus_desktop.reports.periods import PeriodError, ReportPeriod, parse_period
from fidus_desktop.reports.statement import render_statement
from fidus_desktop.services.portfolio import PortfolioServices

BAR_WIDTH = 30


def _period(text: str) -> ReportPeriod:
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _investor_id(portfolio: PortfolioServices, text: str) -> str:
    if portfolio.investors.investors.get(text) is not None:
        return text
    investor = portfolio.investors.by_number(text)
    if investor is None:
        fail(f"There is no investor {text!r}; give an investor id or number (fidus investors list).")
    return investor.investor_id


def _writable(path: Path) -> Path:
    if not path.parent.exists():
        fail(f"The folder {path.parent} does not exist; create it or choose another --out.")
    return path


def cmd_statement(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor_id = _investor_id(ctx.services.portfolio, args.investor)
        data = ctx.services.statements.statement_data(actor, investor_id, args.period)
        render_statement(data, _writable(Path(args.out)))
        print(f"Statement {data.period.label} of {data.investor_number} written to {args.out}.")
        return EXIT_OK


def cmd_factsheet(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        data = ctx.services.statements.factsheet_data(actor, fund_id_of(ctx.services.portfolio, args.fund))
        render_factsheet(data, _writable(Path(args.out)))
        print(f"Factsheet of {data.fund_code} as of {data.as_of} written to {args.out}.")
        return EXIT_OK


def progress_bar(done: int, total: int, label: str) -> None:
    """``[#####.....]  12/200  INV-00012`` redrawn in place on stderr."""
    filled = BAR_WIDTH * done // total if total else BAR_WIDTH
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {label:<12}")
    sys.stderr.flush()


def cmd_statements(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        statements = ctx.services.statements
        ids = statements.statement_investors(actor)
        result = write_statements(ids, lambda i: statements.statement_data(actor, i, args.period), Path(args.out_dir),
                                  workers=args.workers, progress=progress_bar)
        sys.stderr.write("\n")
        print(f"{len(result.written)} of {result.total} statements for {args.period.label} written to {args.out_dir} "
              f"in {result.seconds:.1f} s.")
        for investor_id, reason in result.failed:
            print(f"fidus: no statement for investor {investor_id}: {reason}", file=sys.stderr)
        return EXIT_PROBLEM if result.failed else EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    report = subparsers.add_parser("report", help="investor statements and fund factsheets (PDF)")
    sub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")

    one = sub.add_parser("statement", help="one investor's statement for a period")
    one.add_argument("--investor", required=True, help="investor id or number (INV-00017)")
    one.add_argument("--period", required=True, type=_period, help="YYYY-Qn (2025-Q3) or YYYY-MM (2025-07)")
    one.add_argument("--out", required=True, help="the PDF file to write")
    add_actor_options(one)
    one.set_defaults(func=cmd_statement)

    fact = sub.add_parser("factsheet", help="a fund's factsheet as of the latest NAV date")
    fact.add_argument("--fund", required=True, help="fund id or code (FIDUS-GLOBAL)")
    fact.add_argument("--out", required=True, help="the PDF file to write")
    add_actor_options(fact)
    fact.set_defaults(func=cmd_factsheet)

    batch = sub.add_parser("statements", help="statements of every investor with an account for a period")
    batch.add_argument("--period", required=True, type=_period, help="YYYY-Qn or YYYY-MM")
    batch.add_argument("--out-dir", required=True, help="folder for the PDFs (created if missing)")
    batch.add_argument("--workers", type=int, default=1,
                       help="PDF renderer processes; default 1 = render in this process (measured faster on 2 "
                            "cores, docs/PERFORMANCE.md)")
    add_actor_options(batch)
    batch.set_defaults(func=cmd_statements)
