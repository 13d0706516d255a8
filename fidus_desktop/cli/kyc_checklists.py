"""``fidus kyc checklists``: the KYC checklist of an investor kind in use (shipped or saved), its saved versions,
and saving an edited JSON checklist as the next version (new cases use it; open cases keep their items)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table, read_bytes
from fidus_desktop.domain.compliance.kyc import checklist_to_data
from fidus_desktop.services.compliance.checklists import ChecklistVersion
from fidus_desktop.services.portfolio.investors import INVESTOR_KINDS


def _describe(version: ChecklistVersion) -> str:
    saved = f", saved {version.saved_at:%Y-%m-%d} by {version.saved_by}" if version.saved_at else ""
    return f"KYC checklist for {version.kind}, version {version.version}{saved}: {version.reason}"


def cmd_show(args: argparse.Namespace) -> int:
    """``--json`` prints the items alone: the file ``set`` reads, to edit."""
    with acting(args) as (ctx, actor):
        current = ctx.services.kyc_checklists.current(actor, args.kind)
    if args.json:
        emit_json(checklist_to_data(current.requirements))
        return EXIT_OK
    print(_describe(current))
    for r in current.requirements:
        rules = [("required" if r.required else "optional")] + (["expires"] if r.expires else []) + (
            [f"at most {r.max_age_days} days old"] if r.max_age_days else [])
        print(f"  {r.code:<18} {r.label} ({', '.join(rules)})")
    return EXIT_OK


def cmd_versions(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        versions = ctx.services.kyc_checklists.versions(actor, args.kind)
    rows: list[dict[str, Any]] = [{"version": v.version, "saved_at": v.saved_at, "saved_by": v.saved_by,
                                   "reason": v.reason, "changes": list(v.changes)} for v in versions]
    if args.json:
        emit_json(rows)
    elif not rows:
        print(f"No {args.kind} checklist saved yet; the shipped one is in use (`fidus kyc checklists show`).")
    else:
        print_table([{**r, "changes": "; ".join(r["changes"])} for r in rows],
                    ["version", "saved_at", "saved_by", "reason", "changes"])
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{args.file} is not a JSON checklist ({exc}); start from `fidus kyc checklists show {args.kind} "
             "--json`.")
    with acting(args) as (ctx, actor):
        saved = ctx.services.kyc_checklists.save(actor, args.kind, items, args.reason)
    print(f"{_describe(saved)}. Changes: {'; '.join(saved.changes)}. New KYC cases get it; open cases keep "
          "their items.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """``checklists show|versions|set`` under ``fidus kyc``."""
    parser = sub.add_parser("checklists", help="the KYC checklist of each investor kind (data an admin edits)")
    actions = parser.add_subparsers(dest="checklists_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the checklist new cases get (--json: the file to edit)")
    show.add_argument("kind", choices=INVESTOR_KINDS)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    versions = actions.add_parser("versions", help="every saved version: who, when, why, what changed")
    versions.add_argument("kind", choices=INVESTOR_KINDS)
    versions.add_argument("--json", action="store_true")
    versions.set_defaults(func=cmd_versions)
    put = actions.add_parser("set", help="save a JSON checklist as the kind's next version")
    put.add_argument("kind", choices=INVESTOR_KINDS)
    put.add_argument("file", help='JSON: a list of {"code", "label", "required", "expires", "max_age_days"}')
    put.add_argument("--reason", required=True, help="why the checklist changes (kept with the version)")
    put.set_defaults(func=cmd_set)
    for command in (show, versions, put):
        add_actor_options(command)
