"""``fidus holdings show|instrument|price|trade``: a fund's positions with book cost, unrealised and realised P&L
(``--from``: of the sales in a period), and the instruments, prices and trades they are built from (the Holdings
page's Positions menu, headless).

Trades are idempotent by reference (the same trade again changes nothing; other figures under a used reference
exit 2). A sale is a negative ``--quantity``. Figures come from ``holdings.valuation`` (docs/PORTFOLIO.md).
"""

from __future__ import annotations

import argparse
from decimal import Decimal

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table
from fidus_desktop.cli.portfolio import _day, fund_id_of
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.portfolio import PortfolioServices


def _instrument_id(portfolio: PortfolioServices, actor: Actor, code: str) -> str:
    found = next((i for i in portfolio.holdings.list_instruments(actor) if i.code == code.strip().upper()), None)
    if found is None:
        fail(f"There is no instrument {code!r}; create it with `fidus holdings instrument`.")
    return found.instrument_id


def cmd_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        fund_id = fund_id_of(portfolio, args.fund)
        on = args.date or portfolio.figures.fund_aum(actor, fund_id).on
        valuation = portfolio.holdings.valuation(actor, fund_id, on, args.since)
        total = valuation.total.amount
        rows = [{"instrument": line.code, "quantity": line.quantity, "average_cost": line.average_cost,
                 "price": line.price, "currency": line.currency, "value": line.base_value,
                 "weight": round(line.base_value / total, 4) if total else None, "book_cost": line.book_cost,
                 "unrealised": line.unrealised, "realised": line.realised} for line in valuation.lines]
        summary = {"instrument": "Total", "value": total, "weight": Decimal(1) if total else None,
                   "book_cost": valuation.book_cost, "unrealised": valuation.unrealised,
                   "realised": valuation.realised}
        if args.json:
            emit_json({"fund_id": fund_id, "on": on, "since": args.since, "currency": valuation.currency, "lines": rows,
                       "total": summary, "uncosted": [line.code for line in valuation.uncosted]})
        else:
            period = f"sales from {args.since}" if args.since else "all sales"
            print(f"Holdings on {on} in {valuation.currency} (value, book cost and P&L; realised: {period}):")
            print_table([*rows, summary], ["instrument", "quantity", "average_cost", "price", "currency", "value",
                                           "weight", "book_cost", "unrealised", "realised"])
            if valuation.uncosted:
                print("no cost recorded (quantity set without trades): "
                      + ", ".join(line.code for line in valuation.uncosted))
        return EXIT_OK


def cmd_instrument(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        doc = ctx.services.portfolio.holdings.add_instrument(actor, args.code, args.name, args.currency,
                                                             args.asset_class, args.lot_size)
        print(f"Instrument {doc['code']} created ({doc['currency']}, {doc['asset_class']}).")
        return EXIT_OK


def cmd_price(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        portfolio.holdings.set_prices(actor, _instrument_id(portfolio, actor, args.instrument),
                                      {args.date: args.price})
        print(f"Price of {args.instrument.upper()} on {args.date} saved: {args.price}.")
        return EXIT_OK


def cmd_trade(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        trade = portfolio.holdings.record_trade(
            actor, fund_id_of(portfolio, args.fund), _instrument_id(portfolio, actor, args.instrument),
            args.reference, args.date, args.quantity, args.price, fees=args.fees, fx_rate=args.fx_rate)
        if args.json:
            emit_json(trade)
        else:
            print(f"Trade {trade['reference']} recorded: {trade['quantity']} {args.instrument.upper()} at "
                  f"{trade['price']} on {trade['trade_date']} (FX rate {trade['fx_rate']}).")
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    holdings = sub.add_parser("holdings", help="a fund's positions, book cost and P&L; instruments, prices, trades")
    hsub = holdings.add_subparsers(dest="holdings_command", required=True, metavar="ACTION")
    p = hsub.add_parser("show", help="positions with value, weight, book cost, unrealised and realised P&L, and "
                                     "the total")
    p.add_argument("--fund", required=True, metavar="ID", help="fund id or fund code")
    p.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="valued on (default: the latest NAV date)")
    p.add_argument("--from", dest="since", type=_day, metavar="YYYY-MM-DD",
                   help="realised P&L of the sales from this date (default: since the first trade)")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_show)
    p = hsub.add_parser("instrument", help="create an instrument")
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--currency", required=True, help="the currency it is priced in, e.g. USD")
    p.add_argument("--asset-class", required=True, help="equity, bonds, fund, commodity, cash …")
    p.add_argument("--lot-size", default="1")
    add_actor_options(p)
    p.set_defaults(func=cmd_instrument)
    p = hsub.add_parser("price", help="an instrument's price on a day (replaces one stored for that day)")
    p.add_argument("--instrument", required=True, metavar="CODE")
    p.add_argument("--date", required=True, type=_day, metavar="YYYY-MM-DD")
    p.add_argument("--price", required=True)
    add_actor_options(p)
    p.set_defaults(func=cmd_price)
    p = hsub.add_parser("trade", help="record a purchase (or, with a negative quantity, a sale) by a fund")
    p.add_argument("--fund", required=True, metavar="ID", help="fund id or fund code")
    p.add_argument("--instrument", required=True, metavar="CODE")
    p.add_argument("--reference", required=True, metavar="REF", help="the trade's reference; again changes nothing")
    p.add_argument("--date", required=True, type=_day, metavar="YYYY-MM-DD", help="the trade date")
    p.add_argument("--quantity", required=True, help="units bought; negative for a sale")
    p.add_argument("--price", required=True, help="per unit, in the instrument's currency")
    p.add_argument("--fees", default="0", help="in the instrument's currency; part of a purchase's cost")
    p.add_argument("--fx-rate", help="to the fund's base currency (default: the stored rate of the trade date)")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_trade)
