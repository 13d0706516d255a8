"""``fidus kyc owners show|set``: a corporate investor's ownership tree and the beneficial owners it gives.

``set`` reads the whole tree from a CSV file (header ``owner,kind,share,company``, optionally ``country``: the
owner's nationality or country of incorporation; share as a percentage) or a
JSON file (a list of such objects, or ``{"holdings": [...]}``) and replaces the stored tree with it; the file
is checked before anything is written, and saving screens the people in it against the sanctions lists.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
from pathlib import Path
from typing import Any

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table, read_bytes
from fidus_desktop.services.compliance.ownership import Ownership

COLUMNS = ("owner", "kind", "share", "company")
OPTIONAL = ("country",)  # the owner's ISO country code: screening's country evidence for it


def parse_tree(data: bytes, name: str) -> list[dict[str, str]]:
    """The rows of a tree file (JSON when it ends in .json or starts with ``[``/``{``, else CSV); exit 2 saying
    what is wrong. The service checks the rows' content (kinds, shares, chains)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{name} is not a UTF-8 text file; save it as CSV (UTF-8) or JSON.")
    stripped = text.lstrip()
    rows: Any
    if name.lower().endswith(".json") or stripped.startswith(("[", "{")):
        try:
            rows = json.loads(text)
        except json.JSONDecodeError as exc:
            fail(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).")
        if isinstance(rows, dict):
            rows = rows.get("holdings")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            fail(f"{name}: give a list of objects with {', '.join(COLUMNS)} (or {{\"holdings\": [...]}}).")
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            fail(f"{name}: the header row lacks {', '.join(missing)}; it must name {','.join(COLUMNS)}.")
        reader.fieldnames = header
        rows = [r for r in reader if any((v or "").strip() for v in r.values() if isinstance(v, str))]
    if not rows:
        fail(f"{name} holds no rows; give at least one owner of the investor.")
    return [{c: str(r.get(c) if r.get(c) is not None else "").strip() for c in (*COLUMNS, *OPTIONAL)} for r in rows]


def _percent(share: Any) -> str:
    return f"{share * 100:.2f}".rstrip("0").rstrip(".") + " %"


def _show(tree: Ownership, as_json: bool) -> None:
    edges = [{"owner": e.owner, "kind": e.kind, "share": _percent(e.share), "company": e.company,
              "country": e.country} for e in tree.edges]
    owners = [{"person": o.person, "share": _percent(o.share), "through": [" → ".join(p) for p in o.paths]}
              for o in tree.owners]
    if as_json:
        emit_json({"investor_id": tree.investor_id, "root": tree.root, "holdings": edges, "beneficial_owners": owners,
                   "levels": tree.levels, "entered_by": tree.entered_by, "entered_at": tree.entered_at,
                   "version": tree.version})
        return
    if tree.version is None:
        print(f"No ownership tree entered for {tree.root} yet: `fidus kyc owners set INVESTOR FILE`.")
        return
    print(f"{tree.root}: {len(edges)} holdings, {tree.levels} company levels; entered by {tree.entered_by} "
          f"on {tree.entered_at:%Y-%m-%d %H:%M} UTC.")
    print_table(edges, [*COLUMNS, *OPTIONAL])
    print("Beneficial owners (25 % or more): " + ("; ".join(f"{o['person']} {o['share']}" for o in owners)
                                                 or "none"))


def cmd_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor = ctx.services.kyc.investor(actor, args.investor)
        tree = ctx.services.kyc_ownership.ownership(actor, investor.investor_id)
    _show(tree, args.json)
    return EXIT_OK


def cmd_set(args: argparse.Namespace) -> int:
    rows = parse_tree(read_bytes(args.file), Path(args.file).name)
    with acting(args) as (ctx, actor):
        investor = ctx.services.kyc.investor(actor, args.investor)
        owners = ctx.services.kyc_ownership
        tree = owners.set_ownership(actor, investor.investor_id, rows,
                                    owners.ownership(actor, investor.investor_id).version)
        alerts = [a for a in ctx.services.screening.list_alerts(actor, open_only=True,
                                                               investor_id=investor.investor_id) if a.owner]
    _show(tree, args.json)
    if not args.json and alerts:
        print(f"{len(alerts)} open screening alert(s) on owners: "
              + "; ".join(f"{a.owner} ~ {a.matched_name} ({a.list_name} {a.entry_id})" for a in alerts)
              + ". Decide them under Compliance → Screening or `fidus screening decide`.")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    """``owners show|set`` under ``fidus kyc``."""
    parser = sub.add_parser("owners", help="a corporate investor's ownership tree and beneficial owners")
    actions = parser.add_subparsers(dest="owners_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the tree, its beneficial owners and who entered it")
    show.add_argument("investor", help="the investor's number or id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    put = actions.add_parser("set", help="replace the tree from a CSV (owner,kind,share,company) or JSON file; "
                                         "the people in it are screened")
    put.add_argument("investor", help="the investor's number or id")
    put.add_argument("file", help="CSV with header owner,kind,share,company[,country] (share in %, kind "
                                  "person|company, country the owner's ISO code), or JSON: a list of such objects")
    put.add_argument("--json", action="store_true")
    put.set_defaults(func=cmd_set)
    for command in (show, put):
        add_actor_options(command)
