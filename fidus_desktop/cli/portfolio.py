"""``fidus funds list``, ``fidus investors list``, ``fidus import fx|nav|transactions FILE``, ``fidus perf``.

Imports validate the whole file first: every bad row is reported with its line and reason (an
``ImportRejected``, a ``ValidationError``: exit code 2) and nothing is written. Formats: docs/PORTFOLIO.md.
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from fidus_desktop.cli.common import (
    EXIT_OK,
    acting,
    add_actor_options,
    emit_json,
    fail,
    print_table,
)
from fidus_desktop.services.portfolio.investors import investor_filter


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        fail(f"Cannot read {path}: {exc.strerror or exc}.")


def _text(path: str) -> str:
    try:
        return _read(path).decode("utf-8-sig")
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


def cmd_investors_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        service = ctx.services.portfolio.investors
        query = investor_filter(args.search, args.kind)
        rows = [{"investor_id": i.investor_id, "number": i.number, "name": i.name, "kind": i.kind}
                for i in service.page(actor, query, offset=args.offset, limit=args.limit)]
        if args.json:
            emit_json({"total": service.count(actor, query), "investors": rows})
        else:
            print_table(rows, ["number", "name", "kind", "investor_id"])
        return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        if args.what == "fx":
            summary = portfolio.fx.import_ecb(actor, _read(args.file), origin=Path(args.file).name)
            print(f"Imported ECB rates {summary.first} … {summary.last}: {summary.inserted} new dates, "
                  f"{summary.updated} changed, {summary.unchanged} unchanged.")
        elif args.what == "nav":
            result = portfolio.imports.import_nav(actor, _text(args.file))
            print(f"Imported {result.rows} NAV rows: {result.inserted} new, {result.corrected} corrected, "
                  f"{result.unchanged} unchanged.")
        else:
            result = portfolio.imports.import_transactions(actor, _text(args.file))
            print(f"Entered {result.inserted} transactions as pending; they need approval.")
        return EXIT_OK


def cmd_perf(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        share_class = portfolio.funds.class_by_code(args.class_ref)
        class_id = share_class.class_id if share_class else args.class_ref
        if portfolio.funds.classes.get(class_id) is None:
            fail(f"There is no share class {args.class_ref!r}; see `fidus funds list`.")
        report = portfolio.performance.class_performance(actor, class_id, args.start, args.end)
        data = {
            "class_id": class_id, "start": report.start, "end": report.end, "total_return": report.total_return,
            "annualised_return": report.annualised_return, "annualised_volatility": report.annualised_volatility,
            "sharpe": report.sharpe, "max_drawdown": report.max_drawdown.depth,
            "periods": {p.period.value: p.cumulative for p in report.periods},
            "warnings": [w.message for w in report.warnings],
        }
        if args.json:
            emit_json(data)
        else:
            for key, value in data.items():
                if key not in ("periods", "warnings"):
                    print(f"{key:>22}: {value}")
            for name, value in data["periods"].items():
                print(f"{name:>22}: {value}")
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    funds = sub.add_parser("funds", help="funds and share classes")
    fsub = funds.add_subparsers(dest="funds_command", required=True, metavar="ACTION")
    p = fsub.add_parser("list", help="funds with their share classes and ids")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_funds_list)

    investors = sub.add_parser("investors", help="investors")
    isub = investors.add_subparsers(dest="investors_command", required=True, metavar="ACTION")
    p = isub.add_parser("list", help="investors (number order)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--search", help="number prefix or part of the name")
    p.add_argument("--kind", choices=["individual", "corporate"])
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=1000)
    add_actor_options(p)
    p.set_defaults(func=cmd_investors_list)

    imp = sub.add_parser("import", help="import FX rates, NAVs or transactions (validated before writing)")
    imp_sub = imp.add_subparsers(dest="what", required=True, metavar="WHAT")
    for what, text in (("fx", "ECB rate file (CSV, XML or zip)"), ("nav", "NAV CSV"),
                       ("transactions", "transactions CSV (entered as pending)")):
        p = imp_sub.add_parser(what, help=text)
        p.add_argument("file", metavar="FILE")
        add_actor_options(p)
        p.set_defaults(func=cmd_import)

    p = sub.add_parser("perf", help="performance of a share class over a period")
    p.add_argument("--class", dest="class_ref", required=True, metavar="ID", help="class id or class code")
    p.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_perf)
