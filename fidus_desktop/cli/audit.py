"""``fidus audit verify|export``: check the hash chain of the audit trail; export entries as CSV."""

from __future__ import annotations

import argparse
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
from fidus_desktop.services.audit_query import AuditFilter


def cmd_verify(args: argparse.Namespace) -> int:
    with opened(args) as ctx:
        verdict = ctx.services.audit_query.verify(signed_in_actor(ctx, args))
        if verdict.ok:
            print(f"Audit chain intact: {verdict.reason}")
            return EXIT_OK
        print(f"Audit chain BROKEN at entry {verdict.first_broken_seq}: {verdict.reason}")
        return EXIT_PROBLEM


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
    verify = sub.add_parser("verify", help="check the hash chain (exit 1 naming the first broken entry)")
    add_actor_options(verify)
    verify.set_defaults(func=cmd_verify)
    export = sub.add_parser("export", help="write matching entries to a CSV file")
    add_actor_options(export)
    export.add_argument("--out", required=True, help="CSV file to write")
    export.add_argument("--actor", help="only this user name")
    export.add_argument("--entity", help="only this entity (e.g. users)")
    export.add_argument("--action", help="only this action; ending in '.' matches a prefix (keys.)")
    export.add_argument("--since", help="from this date/time (ISO)")
    export.add_argument("--until", help="before this date/time (ISO)")
    export.set_defaults(func=cmd_export)
