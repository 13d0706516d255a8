"""``fidus funds list|set-benchmark``, ``fidus import fx|nav|transactions|benchmark FILE``, ``fidus nav derive``,
``fidus fees owed|pay``, ``fidus perf`` (investors: ``cli.investors``).

Imports validate the whole file first: every bad row is reported with its line and reason (an
``ImportRejected``, a ``ValidationError``: exit code 2) and nothing is written. Formats: docs/PORTFOLIO.md.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from fidus_desktop.cli import dealing
from fidus_desktop.cli.common import (
    EXIT_OK,
    acting,
    add_actor_options,
    emit_json,
    fail,
    print_table,
    read_bytes,
)
from fidus_desktop.clock import local_today

if TYPE_CHECKING:
    from fidus_desktop.domain.fees import FeesOwed
    from fidus_desktop.services.actor import Actor
    from fidus_desktop.services.portfolio import PortfolioServices


def _text(path: str) -> str:
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text; save it as UTF-8 CSV.")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write it as YYYY-MM-DD.") from None


def cmd_funds_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        funds = ctx.services.portfolio.funds
        data = [{"fund_id": f.fund_id, "code": f.code, "name": f.name, "base_currency": f.base_currency,
                 "classes": [{"class_id": c.class_id, "code": c.code, "currency": c.currency,
                              "dealing_frequency": c.dealing_frequency, "fees": c.fees}
                             for c in funds.list_classes(actor, f.fund_id)]}
                for f in funds.list_funds(actor)]
        if args.json:
            emit_json(data)
        else:
            rows = [{"fund": f["code"], "base": f["base_currency"], "class": c["code"], "currency": c["currency"],
                     "class_id": c["class_id"]} for f in data for c in f["classes"] or [{}]]
            print_table(rows, ["fund", "base", "class", "currency", "class_id"])
        return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        if args.what == "fx":
            summary = portfolio.fx.import_ecb(actor, read_bytes(args.file), origin=Path(args.file).name)
            print(f"Imported ECB rates {summary.first} … {summary.last}: {summary.inserted} new dates, "
                  f"{summary.updated} changed, {summary.unchanged} unchanged.")
        elif args.what == "nav":
            result = portfolio.imports.import_nav(actor, _text(args.file))
            print(f"Imported {result.rows} NAV rows: {result.inserted} new, {result.corrected} corrected, "
                  f"{result.unchanged} unchanged.")
        elif args.what == "benchmark":
            levels = portfolio.benchmarks.import_levels(actor, _text(args.file), args.code, args.name, args.currency)
            print(f"{'Created' if levels.created else 'Updated'} benchmark {levels.benchmark.code} "
                  f"({levels.benchmark.currency}): {levels.rows} levels {levels.first} … {levels.last}, "
                  f"{levels.inserted} new, {levels.updated} changed, {levels.unchanged} unchanged.")
        elif args.what == "trades":
            result = portfolio.trade_imports.import_trades(actor, _text(args.file))
            print(f"Imported {result.rows} trades: {result.inserted} new, {result.unchanged} already recorded.")
        else:
            result = portfolio.imports.import_transactions(actor, _text(args.file))
            print(f"Entered {result.inserted} transactions as pending; they need approval.")
        return EXIT_OK


def cmd_nav_derive(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        fund_id = fund_id_of(portfolio, args.fund)
        result = portfolio.nav_derivation.derive_nav(actor, fund_id, args.date, save=args.save, reason=args.reason)
        if args.json:
            emit_json({"fund_id": fund_id, "nav_date": result.on, "currency": result.currency, "saved": args.save,
                       "holdings": result.holdings, "cash": result.cash, "fees": result.fees, "net": result.net,
                       "stale": result.stale, "classes": [
                           {"class_id": c.share.class_id, "code": c.share.code, "currency": c.share.currency,
                            "units": c.share.units, "weight": c.share.weight, "gross_base": c.share.gross_base,
                            "fees": c.share.fees_owed, "fees_charged": c.fees.charged.amount,
                            "fees_accrued": c.fees.accrued.amount if c.fees.accrued is not None else 0,
                            "fees_paid": c.fees.paid.amount, "net_assets": c.share.net_assets,
                            "nav_per_unit": c.share.nav_per_unit, "message": c.share.message,
                            "fx_rate": c.fx.rate, "fx_date": c.fx.rate_date, "fx_stale": c.fx.stale,
                            "stored_nav": c.stored.nav_per_unit if c.stored else None} for c in result.classes]})
        else:
            print(result.describe())
            print("Saved as derived NAVs." if args.save else "Not saved (add --save to store these NAVs).")
        return EXIT_OK


def fund_id_of(portfolio: PortfolioServices, ref: str) -> str:
    """A fund id from a fund code or id (every command that names a fund); an unknown one exits 2."""
    fund = portfolio.funds.fund_by_code(ref)
    fund_id = fund.fund_id if fund else ref
    if portfolio.funds.funds.get(fund_id) is None:
        fail(f"There is no fund {ref!r}; give a fund id or code (see `fidus funds list`).")
    return fund_id


def _class_id(portfolio: PortfolioServices, ref: str) -> str:
    """A class id from a class code or id; an unknown one exits 2."""
    share_class = portfolio.funds.class_by_code(ref)
    class_id = share_class.class_id if share_class else ref
    if portfolio.funds.classes.get(class_id) is None:
        fail(f"There is no share class {ref!r}; see `fidus funds list`.")
    return class_id


def _owed_row(code: str, fees: FeesOwed) -> dict[str, object]:
    return {"class": code, "currency": fees.owed.currency, "on": fees.on, "charged": fees.charged.amount,
            "accrued": fees.accrued.amount if fees.accrued is not None else 0, "paid": fees.paid.amount,
            "owed": fees.owed.amount, "payable": fees.payable.amount}


def cmd_fees_owed(args: argparse.Namespace) -> int:
    """Fees owed to the manager per class on a date: charged + management fee accrued − paid (the derived NAV
    deducts them)."""
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        if args.class_ref:
            classes = [portfolio.funds.get_class(_class_id(portfolio, args.class_ref))]
        else:
            classes = portfolio.funds.list_classes(actor, fund_id_of(portfolio, args.fund))
        on = args.date or local_today(ctx.services.ctx.clock)
        rows = [_owed_row(c.code, portfolio.fees.owed(actor, c.class_id, on)) for c in classes]
        if args.json:
            emit_json(rows)
        else:
            print_table(rows, ["class", "currency", "on", "charged", "accrued", "paid", "owed"])
        return EXIT_OK


def cmd_fees_pay(args: argparse.Namespace) -> int:
    """Record paying a class's fees to the manager; the same reference again changes nothing."""
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        class_id = _class_id(portfolio, args.class_ref)
        result = portfolio.fees.pay_fees(actor, class_id, args.amount, args.date, args.reference)
        payment, code = result.payment, portfolio.funds.get_class(class_id).code
        left = _owed_row(code, portfolio.fees.owed(actor, class_id, payment.paid_on))
        if args.json:
            emit_json({"created": result.created, "payment": payment, "owed": left})
        else:
            done = "Recorded" if result.created else "Already recorded (nothing changed):"
            print(f"{done} fee payment {payment.number} of {code}: {payment.amount:,} {payment.currency} on "
                  f"{payment.paid_on}, reference {payment.reference}. Still owed on {payment.paid_on}: "
                  f"{left['owed']:,} {payment.currency} ({left['payable']:,} charged, {left['accrued']:,} management "
                  "fee accrued since the last settlement).")
        return EXIT_OK


def cmd_funds_set_benchmark(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        class_id = _class_id(portfolio, args.class_ref)
        benchmark = None if args.benchmark.lower() == "none" else portfolio.benchmarks.by_code(args.benchmark)
        if args.benchmark.lower() != "none" and benchmark is None:
            fail(f"There is no benchmark {args.benchmark!r}; import it with `fidus import benchmark`.")
        version = portfolio.funds.get_class(class_id).version
        portfolio.benchmarks.set_class_benchmark(actor, class_id, version,
                                                 benchmark.benchmark_id if benchmark else None)
        print(f"{args.class_ref} is compared with {benchmark.code if benchmark else 'no benchmark'}.")
        return EXIT_OK


def _days(start: date | None, end: date | None) -> int | None:
    return (end - start).days if start and end else None


def perf_figures(portfolio: PortfolioServices, actor: Actor, class_id: str, start: date | None, end: date | None
                 ) -> dict[str, object]:
    """Every figure the performance report computes for ``fidus perf`` (docs/ANALYTICS.md)."""
    report = portfolio.performance.class_performance(actor, class_id, start, end)
    linked = portfolio.benchmarks.class_benchmark(class_id)
    dd, bench = report.max_drawdown, report.benchmark
    month = {"best_month": report.best_month, "worst_month": report.worst_month}
    return {
        "class_id": class_id, "start": report.start, "end": report.end,
        "days": (report.end - report.start).days,
        "time_weighted_return": report.total_return,
        "money_weighted_return": portfolio.performance.money_weighted_return(actor, class_id, start, end),
        "annualised_return": report.annualised_return, "annualised_volatility": report.annualised_volatility,
        "sharpe": report.sharpe, "sortino": report.sortino, "calmar": report.calmar,
        "max_drawdown": dd.depth, "drawdown_peak": dd.peak, "drawdown_trough": dd.trough,
        "drawdown_recovery": dd.recovery, "drawdown_days": _days(dd.peak, dd.trough),
        "recovery_days": _days(dd.trough, dd.recovery), "underwater_days": _days(dd.peak, dd.recovery),
        **{k: str(m.month) if m else None for k, m in month.items()},
        **{f"{k}_return": m.value if m else None for k, m in month.items()},
        "benchmark": linked.code if linked else None,
        "excess_return": bench.excess_return if bench else None,
        "tracking_error": bench.tracking_error if bench else None,
        "beta": bench.beta if bench else None,
        "periods": {p.name: p.cumulative for p in report.periods},
        "warnings": [w.message for w in report.warnings],
    }


def cmd_perf(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        data = perf_figures(portfolio, actor, _class_id(portfolio, args.class_ref), args.start, args.end)
        if args.json:
            emit_json(data)
        else:
            for key, value in data.items():
                if key not in ("periods", "warnings"):
                    print(f"{key:>22}: {'—' if value is None else value}")
            for name, value in data["periods"].items():  # type: ignore[attr-defined]
                print(f"{name:>22}: {'—' if value is None else value}")
            for note in data["warnings"]:  # type: ignore[attr-defined]
                print(f"note: {note}")
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    dealing.register(sub)  # the dealing workflow belongs with the portfolio commands (cli/main.py unchanged)
    funds = sub.add_parser("funds", help="funds and share classes")
    fsub = funds.add_subparsers(dest="funds_command", required=True, metavar="ACTION")
    p = fsub.add_parser("list", help="funds with their share classes and ids")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_funds_list)
    p = fsub.add_parser("set-benchmark", help="the benchmark a share class is compared with")
    p.add_argument("--class", dest="class_ref", required=True, metavar="ID", help="class id or class code")
    p.add_argument("--benchmark", required=True, metavar="CODE", help="benchmark code, or 'none' to unlink")
    add_actor_options(p)
    p.set_defaults(func=cmd_funds_set_benchmark)

    imp = sub.add_parser("import", help="import FX rates, NAVs, transactions, benchmark levels or position trades "
                                        "(validated first)")
    imp_sub = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    for what, text in (("fx", "ECB rate file (CSV, XML or zip)"), ("nav", "NAV CSV"),
                       ("transactions", "transactions CSV (entered as pending)"),
                       ("benchmark", "benchmark index levels CSV (date,level)"),
                       ("trades", "position trades CSV (reference,fund_code,instrument_code,trade_date,quantity,"
                                  "price[,fees,fx_rate]); idempotent by reference")):
        p = imp_sub.add_parser(what, help=text)
        p.add_argument("file", metavar="FILE")
        if what == "benchmark":
            p.add_argument("--code", required=True, help="benchmark code, e.g. DEMO-EUR")
            p.add_argument("--name", required=True, help="benchmark name")
            p.add_argument("--currency", required=True, help="currency of the index levels, e.g. EUR")
        add_actor_options(p)
        p.set_defaults(func=cmd_import)

    nav = sub.add_parser("nav", help="NAV per unit")
    nav_sub = nav.add_subparsers(dest="nav_command", required=True, metavar="ACTION")
    p = nav_sub.add_parser("derive", help="NAV of every class of a fund from holdings, prices, cash and fees owed")
    p.add_argument("--fund", required=True, metavar="ID", help="fund id or fund code")
    p.add_argument("--date", required=True, type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--save", action="store_true", help="store the NAVs (source 'derived')")
    p.add_argument("--reason", help="why, when a stored NAV of that date is corrected")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_nav_derive)

    fees = sub.add_parser("fees", help="fees owed to the manager and their payment")
    fees_sub = fees.add_subparsers(dest="fees_command", required=True, metavar="ACTION")
    p = fees_sub.add_parser("owed", help="management and performance fees charged, paid and owed per class")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--class", dest="class_ref", metavar="ID", help="class id or class code")
    which.add_argument("--fund", metavar="ID", help="fund id or fund code: every class of the fund")
    p.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="owed on this date (default: today)")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_fees_owed)
    p = fees_sub.add_parser("pay", help="record paying a class's fees to the manager (part or all of what is owed)")
    p.add_argument("--class", dest="class_ref", required=True, metavar="ID", help="class id or class code")
    p.add_argument("--amount", required=True, metavar="AMOUNT", help="in the class currency, e.g. 1250.00")
    p.add_argument("--date", required=True, type=_day, metavar="YYYY-MM-DD", help="the day the money was paid")
    p.add_argument("--reference", required=True, metavar="REF",
                   help="the payment's reference (e.g. the bank transfer's); the same one again changes nothing")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_fees_pay)

    p = sub.add_parser("perf", help="performance of a share class over a period")
    p.add_argument("--class", dest="class_ref", required=True, metavar="ID", help="class id or class code")
    p.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_perf)
