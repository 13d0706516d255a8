"""``fidus audit verify|export``: check the hash chain of the audit trail, its anchors and seals; export as CSV."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from pathlib import Path

from fidus_desktop.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM,
    acting,
    add_actor_options,
    fail,
    opened,
    signed_in_actor,
)
from fidus_desktop.cli.keys import add_passphrase_option, crypto_errors, read_passphrase
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.audit_anchor import Anchor, anchor_from_backup, parse_anchor
from fidus_desktop.services.audit_query import AuditFilter


def _anchors(args: argparse.Namespace) -> list[Anchor]:
    """``--anchor FILE``: an anchor file (``fidus audit anchor --out``) or a backup (its last audit entry)."""
    found = []
    for name in args.anchor or ():
        path = Path(name)
        if not path.is_file():
            fail(f"--anchor {name}: no such file; give an anchor file or a backup.")
        if path.read_bytes()[:1] == b"{":
            found.append(parse_anchor(path.read_text(encoding="utf-8"), f"anchor file {path.name}"))
            continue
        with crypto_errors():
            anchor = anchor_from_backup(path, read_passphrase(args.passphrase_env, "backup passphrase"))
        if anchor is None:
            fail(f"The backup {name} holds no audit entries to check against.")
        found.append(anchor)
    return found


def cmd_verify(args: argparse.Namespace) -> int:
    extra = _anchors(args)
    with opened(args) as ctx:
        verdict, used = ctx.services.audit_anchors.verify(signed_in_actor(ctx, args), extra)
        checked = "; ".join(f"{a.source}: entry {a.seq} as of {a.recorded_at:%Y-%m-%d %H:%M}" for a in used)
        if verdict.ok:
            print(f"Audit chain intact: {verdict.reason}")
            print(f"Checked against {checked}." if used else
                  "No anchor to check the end of the chain against yet (this workstation records one from now on).")
            for note in (*verdict.notes, *verdict.warnings):
                print(note)
            return EXIT_OK
        if verdict.incomplete:
            print(f"Audit chain NOT fully verified: {verdict.reason}")
            return EXIT_PROBLEM
        where = f" at entry {verdict.first_broken_seq}" if verdict.first_broken_seq is not None else ""
        print(f"Audit chain BROKEN{where}: {verdict.reason}")
        return EXIT_PROBLEM


def cmd_anchor(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        anchors = ctx.services.audit_anchors
        if args.reset:
            head = anchors.reset(actor, args.reset)
            print(f"This workstation now anchors the audit chain at entry {head.seq if head else 0}.")
            return EXIT_OK
        if not args.out:
            fail("Say what to do: --out FILE (write the current anchor) or --reset REASON.")
        verdict, _ = anchors.verify(actor)
        if not verdict.ok:
            state = "could not be fully verified" if verdict.incomplete else "is broken"
            fail(f"The audit chain {state} ({verdict.reason}); no anchor written.", EXIT_PROBLEM)
        head = anchors.head()
        if head is None:
            fail("The audit trail is empty; there is nothing to anchor yet.")
        write_private(Path(args.out), json.dumps(head.as_dict(), indent=1).encode("utf-8"))
        print(f"Wrote the anchor (entry {head.seq}) to {args.out}; keep it away from the database.")
        return EXIT_OK


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option} takes an ISO date or date-time such as 2026-03-01 or 2026-03-01T09:00+01:00, not {text!r}.")
    return value if value.tzinfo else value.astimezone()


def cmd_export(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        since, until = _when(args.since, "--since"), _when(args.until, "--until")
        where = AuditFilter(args.actor, args.entity, args.action, since, until)
        rows = ctx.services.audit_query.export_csv(actor, where, Path(args.out))
        print(f"Wrote {rows} audit entries to {args.out}.")
        return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("audit", help="verify and export the audit trail")
    sub = parser.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="check the hash chain, anchors and seals (exit 1 naming the first break)")
    add_actor_options(verify)
    verify.add_argument("--anchor", action="append", metavar="FILE",
                        help="also check against an anchor file or a backup (repeatable)")
    add_passphrase_option(verify, "backup passphrase (for --anchor BACKUP)")
    verify.set_defaults(func=cmd_verify)
    anchor = sub.add_parser("anchor", help="write the chain's current anchor to a file, or accept the chain as is")
    add_actor_options(anchor)
    anchor.add_argument("--out", metavar="FILE", help="anchor file to write (keep it away from the database)")
    anchor.add_argument("--reset", metavar="REASON",
                        help="accept the chain as it is now, e.g. after a restore on another workstation (audited)")
    anchor.set_defaults(func=cmd_anchor)
    export = sub.add_parser("export", help="write matching entries to a CSV file")
    add_actor_options(export)
    export.add_argument("--out", required=True, help="CSV file to write")
    export.add_argument("--actor", help="only this user name")
    export.add_argument("--entity", help="only this entity (e.g. users)")
    export.add_argument("--action", help="only this action; ending in '.' matches a prefix (keys.)")
    export.add_argument("--since", help="from this date/time (ISO)")
    export.add_argument("--until", help="before this date/time (ISO)")
    export.set_defaults(func=cmd_export)
