"""``fidus crm prospects import | list``, ``fidus crm move``, ``fidus crm convert``."""

from __future__ import annotations

import argparse

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, print_table, read_bytes
from fidus_desktop.cli.crm_activities import register_crm as register_activities
from fidus_desktop.cli.crm_agents import register_crm as register_agents
from fidus_desktop.cli.crm_records import register_crm as register_records
from fidus_desktop.cli.google import register_crm_google
from fidus_desktop.services.crm.imports import import_prospects


def cmd_import(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    with acting(args) as (ctx, actor):
        made = import_prospects(ctx.services.prospects, actor, data, allow_duplicates=args.allow_duplicates)
    print(f"Imported {len(made)} prospect(s) from {args.file}.")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        found = ctx.services.prospects.list(actor, stage=args.stage)
    rows = [{"id": p.prospect_id, "name": p.display_name, "organisation": p.organisation or "", "stage": p.stage,
             "expected": f"{p.expected_amount} {p.currency}" if p.expected_amount is not None else "",
             "owner": p.owner or "", "investor_id": p.investor_id or ""} for p in found]
    if args.json:
        emit_json({"prospects": found})
    elif rows:
        print_table(rows, ["id", "name", "organisation", "stage", "expected", "owner", "investor_id"])
    else:
        print("No prospects" + (f" in {args.stage}." if args.stage else "."))
    return EXIT_OK


def cmd_move(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        moved = ctx.services.prospects.move(actor, args.prospect, args.stage, reason=args.reason, note=args.note)
    print(f"{moved.display_name} is now in {moved.stage}.")
    return EXIT_OK


def cmd_convert(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor_id = ctx.services.prospects.convert(actor, args.prospect)
    if args.json:
        emit_json({"prospect_id": args.prospect, "investor_id": investor_id})
    else:
        print(investor_id)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("crm", help="prospects and the sales pipeline")
    sub = parser.add_subparsers(dest="crm_command", required=True, metavar="ACTION")
    prospects = sub.add_parser("prospects", help="import or list prospects")
    psub = prospects.add_subparsers(dest="prospects_command", required=True, metavar="ACTION")
    imported = psub.add_parser("import", help="import prospects from a CSV file (all rows checked first)")
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--allow-duplicates", action="store_true",
                          help="keep rows that match an existing prospect or investor")
    imported.set_defaults(func=cmd_import)
    listing = psub.add_parser("list", help="prospects, with their ids")
    listing.add_argument("--stage", help="only this stage")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    move = sub.add_parser("move", help="move a prospect to another stage")
    move.add_argument("prospect", metavar="PROSPECT", help="the prospect's id")
    move.add_argument("--stage", required=True)
    move.add_argument("--reason", help="why it was lost (one of the pipeline's lost reasons)")
    move.add_argument("--note")
    move.set_defaults(func=cmd_move)
    convert = sub.add_parser("convert", help="make a won prospect an investor (prints the investor id)")
    convert.add_argument("prospect", metavar="PROSPECT")
    convert.add_argument("--json", action="store_true")
    convert.set_defaults(func=cmd_convert)
    for command in (imported, listing, move, convert, *register_activities(sub), *register_agents(sub),
                    *register_records(sub)):
        add_actor_options(command)
    register_crm_google(sub)
