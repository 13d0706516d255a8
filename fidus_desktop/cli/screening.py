"""``fidus screening``: import list files, list the versions, check names, screen every investor, decide
alerts (``decide`` then a second officer's ``confirm``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM,
    acting,
    add_actor_options,
    emit_json,
    print_table,
    read_bytes,
)
from fidus_desktop.domain.compliance.screening import DEFAULT_THRESHOLD, Hit
from fidus_desktop.services.compliance.lists import FORMATS, ListVersion
from fidus_desktop.services.compliance.screening import Alert, Disposition
from fidus_desktop.services.compliance.subjects import parse_subjects


def _version_row(version: ListVersion) -> dict:
    return {"list": version.list_name, "version_id": version.version_id, "format": version.format,
            "file": version.file_name, "sha256": version.sha256, "imported_at": version.imported_at,
            "imported_by": version.imported_by, "entries": version.entry_count, "added": len(version.added),
            "removed": len(version.removed), "changed": len(version.changed)}


def cmd_import(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    with acting(args) as (ctx, actor):
        result, rescreen = ctx.services.screening.import_list(actor, args.format, data, Path(args.file).name)
    version = result.version
    if result.already_imported:
        print(f"{Path(args.file).name} was already imported as {version.list_name} on {version.imported_at:%Y-%m-%d} "
              f"by {version.imported_by} ({version.entry_count} entries); nothing changed.")
        return EXIT_OK
    print(f"Imported {version.list_name}: {version.entry_count} entries ({version.summary()}).")
    if rescreen is not None:
        print(f"Screened {rescreen.screened} investors against it: {rescreen.raised} new alerts; "
              f"{rescreen.open_alerts} alerts open.")
    return EXIT_OK


def cmd_lists(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        versions = ctx.services.screening_lists.versions(actor)
    rows = [_version_row(v) for v in versions]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No list imported yet: `fidus screening lists import ofac sdn.csv`.")
    else:
        print_table(rows, ["list", "imported_at", "imported_by", "entries", "added", "removed", "changed", "file"])
    return EXIT_OK


def _hit_row(hit: Hit) -> dict:
    return {"list": hit.entry.list_name, "entry_id": hit.entry.entry_id, "matched_name": hit.matched_name,
            "primary_name": hit.entry.primary_name, "score": round(hit.score, 4),
            "name_score": round(hit.name_score, 4), "factors": list(hit.factors),
            "programmes": list(hit.entry.programmes), "explanation": hit.explanation()}


def cmd_check(args: argparse.Namespace) -> int:
    subjects = parse_subjects(read_bytes(args.names))
    with acting(args) as (ctx, actor):
        results = ctx.services.screening.check(actor, subjects, args.threshold)
    if args.json:
        emit_json([{"name": r.subject.name, "matches": [_hit_row(h) for h in r.hits]} for r in results])
    else:
        for result in results:
            print(f"{result.subject.name}: {len(result.hits) or 'no'} match{'es' if len(result.hits) != 1 else ''}")
            for hit in result.hits:
                print(f"  {hit.explanation()}")
    return EXIT_OK


def _alert_row(alert: Alert) -> dict:
    return {"alert_id": alert.alert_id, "investor": alert.investor_number, "owner": alert.owner,
            "list": alert.list_name,
            "entry_id": alert.entry_id, "matched_name": alert.matched_name, "score": alert.score,
            "status": alert.status, "proposed": alert.proposed, "proposed_by": alert.proposed_by,
            "disposition": alert.disposition, "decided_by": alert.decided_by, "explanation": alert.explanation}


def cmd_run(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        summary = ctx.services.screening.run(actor)
        open_alerts = ctx.services.screening.list_alerts(actor, open_only=True)
    if args.json:
        emit_json({**summary.__dict__, "alerts": [_alert_row(a) for a in open_alerts]})
    else:
        print(f"Screened {summary.screened} investors: {summary.hits} hits, {summary.raised} new alerts, "
              f"{summary.remembered} covered by earlier decisions; {summary.open_alerts} alerts open.")
        if open_alerts:
            print_table([_alert_row(a) for a in open_alerts],
                        ["alert_id", "investor", "owner", "list", "entry_id", "matched_name", "score", "status"])
    return EXIT_PROBLEM if summary.open_alerts else EXIT_OK


def cmd_alerts(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        alerts = ctx.services.screening.list_alerts(actor, open_only=args.open)
    rows = [_alert_row(a) for a in alerts]
    if args.json:
        emit_json(rows)
    else:
        print_table(rows, ["alert_id", "investor", "owner", "list", "entry_id", "matched_name", "score", "status",
                           "disposition"])
    return EXIT_OK


def cmd_decide(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        alert = ctx.services.screening.alert(actor, args.alert)
        after = ctx.services.screening.decide(actor, alert.alert_id, alert.version, args.disposition, args.reason)
    waiting = " (a second officer confirms it: `fidus screening confirm`)" if after.proposed else ""
    print(f"Alert {after.alert_id} is {after.status.value.replace('_', ' ')}{waiting}.")
    return EXIT_OK


def cmd_confirm(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        alert = ctx.services.screening.alert(actor, args.alert)
        after = ctx.services.screening.confirm(actor, alert.alert_id, alert.version, not args.send_back, args.reason)
    outcome = f" as {after.disposition.value.replace('_', ' ')}" if after.disposition else ""
    print(f"Alert {after.alert_id} is {after.status.value.replace('_', ' ')}{outcome}.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("screening", help="sanctions and PEP lists, screening and alerts")
    sub = parser.add_subparsers(dest="screening_command", required=True, metavar="ACTION")
    lists = sub.add_parser("lists", help="the imported list versions (or: lists import FORMAT FILE)")
    lists.add_argument("--json", action="store_true")
    lists.set_defaults(func=cmd_lists)
    lists_sub = lists.add_subparsers(dest="lists_command", metavar="import")
    imported = lists_sub.add_parser("import", help="import an official list file as a new version")
    imported.add_argument("format", choices=list(FORMATS), help="; ".join(f"{k}: {v[0]}" for k, v in FORMATS.items()))
    imported.add_argument("file")
    imported.set_defaults(func=cmd_import)
    check = sub.add_parser("check", help="screen the names of a file (one a line, or a CSV with a name column)")
    check.add_argument("--names", required=True, metavar="FILE",
                       help="one name a line, or CSV: name[,date_of_birth,country,kind]")
    check.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                       help=f"lowest score reported, 0-1 (default {DEFAULT_THRESHOLD})")
    check.add_argument("--json", action="store_true")
    check.set_defaults(func=cmd_check)
    run = sub.add_parser("run", help="screen every investor; exit 1 while open alerts remain")
    run.add_argument("--json", action="store_true")
    run.set_defaults(func=cmd_run)
    alerts = sub.add_parser("alerts", help="the alerts, oldest first")
    alerts.add_argument("--open", action="store_true", help="only alerts not closed")
    alerts.add_argument("--json", action="store_true")
    alerts.set_defaults(func=cmd_alerts)
    decide = sub.add_parser("decide", help="record a disposition (true match / false positive need a second officer)")
    decide.add_argument("alert")
    decide.add_argument("disposition", choices=[d.value for d in Disposition])
    decide.add_argument("--reason", required=True)
    decide.set_defaults(func=cmd_decide)
    confirm = sub.add_parser("confirm", help="as the second officer, confirm a proposed disposition")
    confirm.add_argument("alert")
    confirm.add_argument("--reason", required=True)
    confirm.add_argument("--send-back", action="store_true", help="disagree: the alert goes back to open")
    confirm.set_defaults(func=cmd_confirm)
    for command in (lists, imported, check, run, alerts, decide, confirm):
        add_actor_options(command)
