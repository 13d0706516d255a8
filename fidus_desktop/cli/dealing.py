"""``fidus dealing list|approve|settle|cancel``: finish the deals entered in the app or imported.

Each command names a transaction by its reference (``TX-…`` or the ref of an import). Approving and settling
print what will be booked (the service's preview: NAV, units, amounts, fees settled first) before doing it;
the four-eyes rule is the service's, so the user who entered a deal is told to ask a colleague.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table
from fidus_desktop.services.portfolio.dealing import STATUSES

if TYPE_CHECKING:
    from fidus_desktop.services.actor import Actor
    from fidus_desktop.services.portfolio import PortfolioServices
    from fidus_desktop.services.portfolio.dealing import TransactionView


def _view(portfolio: PortfolioServices, actor: Actor, ref: str) -> TransactionView:
    view = portfolio.dealing.by_ref(actor, ref)
    if view is None:
        fail(f"There is no transaction with reference {ref!r}; see `fidus dealing list`.")
    return view


def _row(portfolio: PortfolioServices, actor: Actor, v: TransactionView) -> dict[str, object]:
    asked = (f"{v.amount} {v.currency}" if v.amount is not None else f"{v.units} units" if v.units is not None
             else "all units")
    return {"ref": v.ref, "kind": v.kind, "status": v.status, "class": portfolio.funds.get_class(v.class_id).code,
            "investor": portfolio.investors.get(actor, v.investor_id).number, "dealing_date": v.dealing_date,
            "settlement_date": v.settlement_date, "asked": asked, "entered_by": v.created_by,
            "approved_by": v.approved_by}


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        portfolio = ctx.services.portfolio
        rows = [_row(portfolio, actor, v) for v in portfolio.dealing.open_transactions(actor, args.status)]
        if args.json:
            emit_json(rows)
        elif rows:
            print_table(rows, ["ref", "kind", "status", "class", "investor", "dealing_date", "asked", "entered_by",
                               "approved_by"])
        else:
            print(f"No {args.status or 'pending or approved'} transactions.")
        return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        dealing = ctx.services.portfolio.dealing
        view = _view(ctx.services.portfolio, actor, args.ref)
        print(dealing.preview(actor, view.transaction_id).describe())
        done = dealing.approve(actor, view.transaction_id, view.version)
        print(f"Approved {done.ref} (entered by {done.created_by}, approved by {done.approved_by}).")
        return EXIT_OK


def cmd_settle(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        dealing = ctx.services.portfolio.dealing
        view = _view(ctx.services.portfolio, actor, args.ref)
        done = dealing.settle(actor, view.transaction_id, view.version)
        deal = done.deal or {}
        print(f"Settled {done.ref}: {deal.get('units')} units at NAV {deal.get('nav_per_unit')} {done.currency}, "
              f"gross {deal.get('gross')} − fee {deal.get('fee')} = net {deal.get('net')} {done.currency}.")
        return EXIT_OK


def cmd_cancel(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        view = _view(ctx.services.portfolio, actor, args.ref)
        done = ctx.services.portfolio.dealing.cancel(actor, view.transaction_id, view.version, args.reason)
        print(f"Cancelled {done.ref}: {done.cancel_reason}")
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    dealing = sub.add_parser("dealing", help="list, approve, settle or cancel transactions")
    dsub = dealing.add_subparsers(dest="dealing_command", required=True, metavar="ACTION")
    p = dsub.add_parser("list", help="pending and approved transactions with who entered and approved them")
    p.add_argument("--status", choices=STATUSES, help="only this status (default: pending and approved)")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_list)
    for name, func, text in (("approve", cmd_approve, "approve a pending transaction (not one you entered)"),
                             ("settle", cmd_settle, "settle an approved transaction: fees, price, units, ledgers")):
        p = dsub.add_parser(name, help=text)
        p.add_argument("ref", metavar="REF", help="the transaction's reference")
        add_actor_options(p)
        p.set_defaults(func=func)
    p = dsub.add_parser("cancel", help="cancel a pending or approved transaction, with a reason")
    p.add_argument("ref", metavar="REF", help="the transaction's reference")
    p.add_argument("--reason", required=True, help="why it is cancelled (kept on the transaction)")
    add_actor_options(p)
    p.set_defaults(func=cmd_cancel)
