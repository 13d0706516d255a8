"""``fidus memos add | list``."""

from __future__ import annotations

import argparse

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options


def cmd_add(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        memo = ctx.services.memos.write(actor, args.fund, args.text)
    print(f"Memo {memo.memo_id} kept for {memo.fund_code}.")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        for memo in ctx.services.memos.list(actor, args.fund):
            print(f"{memo.written_at:%Y-%m-%d} {memo.fund_code} {memo.written_by}: {memo.text}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("memos", help="notes the office keeps about a fund")
    sub = parser.add_subparsers(dest="memos_command", required=True, metavar="ACTION")
    add = sub.add_parser("add", help="keep a memo about a fund")
    add.add_argument("--fund", required=True, help="fund code")
    add.add_argument("--text", required=True)
    add.set_defaults(func=cmd_add)
    listing = sub.add_parser("list", help="the memos, newest first")
    listing.add_argument("--fund", help="only this fund")
    listing.set_defaults(func=cmd_list)
    for command in (add, listing):
        add_actor_options(command)
