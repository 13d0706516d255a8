"""``fidus crm duplicates``, ``fidus crm merge`` and ``fidus crm export``: keeping the prospect records clean
and taking them elsewhere. Registered under ``fidus crm`` by ``cli.crm``."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.cli.common import EXIT_OK, acting, emit_json, fail, print_table
from fidus_desktop.reports.crm_export import write_prospects
from fidus_desktop.reports.table_file import with_suffix


def cmd_duplicates(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        groups = ctx.services.prospects.duplicate_groups(actor)
    if args.json:
        emit_json({"groups": groups})
    elif groups:
        for number, group in enumerate(groups, start=1):
            print(f"Group {number}:")
            print_table([{"id": p.prospect_id, "name": p.display_name, "organisation": p.organisation or "",
                          "email": p.email or "", "phone": p.phone or "", "stage": p.stage} for p in group],
                        ["id", "name", "organisation", "email", "phone", "stage"])
        print("Merge one into another with `fidus crm merge KEEP DUPLICATE`.")
    else:
        print("No duplicate prospects.")
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        kept = ctx.services.prospects.merge(actor, args.keep, args.duplicate)
    print(f"Merged {args.duplicate} into {kept.display_name} ({kept.prospect_id}); its history and activities "
          "moved with it.")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    path = with_suffix(Path(args.out), args.format)
    if not path.parent.is_dir():
        fail(f"The folder {path.parent} does not exist; create it or choose another --out.")
    with acting(args) as (ctx, actor):
        rows = ctx.services.prospects.export_rows(actor)
    written = write_prospects(rows, path)
    print(f"Exported {written} prospect(s) to {path}.")
    return EXIT_OK


def register_crm(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Add ``duplicates``, ``merge`` and ``export`` to the ``fidus crm`` sub-commands."""
    duplicates = sub.add_parser("duplicates", help="prospects sharing an e-mail, phone or name, in groups")
    duplicates.add_argument("--json", action="store_true")
    duplicates.set_defaults(func=cmd_duplicates)
    merge = sub.add_parser("merge", help="fold a duplicate prospect into another (history and activities kept)")
    merge.add_argument("keep", metavar="KEEP", help="the prospect to keep (its id)")
    merge.add_argument("duplicate", metavar="DUPLICATE", help="the prospect merged into it and removed")
    merge.set_defaults(func=cmd_merge)
    export = sub.add_parser("export", help="every prospect to a CSV or Excel file")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("--out", required=True, metavar="FILE")
    export.set_defaults(func=cmd_export)
    return [duplicates, merge, export]
