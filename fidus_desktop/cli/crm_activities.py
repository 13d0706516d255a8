"""``fidus crm activities list|add|done|snooze|cancel``, ``fidus crm my-day`` and ``fidus crm chains list|set``:
follow-ups and the templates that chain them, from the shell.

Registered under ``fidus crm`` by ``cli.crm`` (one ``crm`` command, several modules)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from fidus_desktop.cli.common import EXIT_OK, acting, emit_json, fail, print_table, read_bytes
from fidus_desktop.domain.crm.activities import ActivityKind, Priority
from fidus_desktop.services.crm.activities import Activity, DayItem


def _when(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def _row(activity: Activity, about: str = "") -> dict[str, str]:
    return {"id": activity.activity_id, "due": _when(activity.due), "kind": activity.kind.value,
            "title": activity.title, "about": about, "assignee": activity.assignee,
            "priority": activity.priority.value, "status": activity.status.value}


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        found = ctx.services.crm_activities.for_record(actor, prospect_id=args.prospect, investor_id=args.investor)
    if args.json:
        emit_json({"activities": found})
    elif found:
        print_table([_row(a) for a in found], ["id", "due", "kind", "title", "assignee", "priority", "status"])
    else:
        print("No activities.")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    values = {"kind": args.kind, "title": args.title, "due": args.due, "assignee": args.assignee,
              "priority": args.priority, "notes": args.notes}
    if bool(args.prospect) == bool(args.investor):
        fail("Name either the prospect (its id) or --investor NUMBER the activity is about.")
    with acting(args) as (ctx, actor):
        service = ctx.services.crm_activities
        made = (service.log(actor, args.prospect, values, done=args.done) if args.prospect
                else service.log_on_investor(actor, args.investor, values, done=args.done))
    if args.json:
        emit_json(made)
    else:
        state = "logged as done" if args.done else f"due {_when(made.due)} for {made.assignee}"
        print(f"{made.title} ({made.activity_id}) {state}.")
    return EXIT_OK


def cmd_done(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        completion = ctx.services.crm_activities.complete(actor, args.activity, outcome=args.outcome)
    if args.json:
        emit_json(completion)
        return EXIT_OK
    print(f"{completion.done.title} is done.")
    for planned in completion.planned:
        print(f"Planned next: {planned.title} ({planned.activity_id}), due {_when(planned.due)}.")
    return EXIT_OK


def cmd_snooze(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        moved = ctx.services.crm_activities.snooze(actor, args.activity, args.until)
    print(f"{moved.title} is now due {_when(moved.due)}.")
    return EXIT_OK


def cmd_cancel(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        cancelled = ctx.services.crm_activities.cancel(actor, args.activity)
    print(f"{cancelled.title} is cancelled.")
    return EXIT_OK


def cmd_my_day(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        items: list[DayItem] = ctx.services.crm_activities.my_day(actor, include_later=args.all)
    if args.json:
        emit_json({"activities": [{"bucket": i.bucket.value, "about": i.about, **_row(i.activity, i.about)}
                                  for i in items]})
    elif items:
        print_table([{"when": i.bucket.value.replace("_", " "), **_row(i.activity, i.about)} for i in items],
                    ["when", "due", "kind", "title", "about", "priority", "id"])
    else:
        print("Nothing due: no open activity of yours is overdue or due this week.")
    return EXIT_OK


def cmd_chains_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        templates = ctx.services.crm_activities.chain_templates(actor)
    if args.json:
        emit_json({"templates": templates})
    else:
        print_table([{"after": f"{t.after_kind.value}" + (f" '{t.after_title}'" if t.after_title else ""),
                      "plans": f"{t.next_kind.value} '{t.next_title}'", "due in days": t.due_in_days}
                     for t in templates], ["after", "plans", "due in days"])
    return EXIT_OK


def cmd_chains_set(args: argparse.Namespace) -> int:
    try:
        loaded = json.loads(read_bytes(args.file).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{args.file} is not JSON ({exc}); write a list of templates as `fidus crm chains list --json` "
             "prints them.")
    templates = loaded.get("templates") if isinstance(loaded, dict) else loaded
    if not isinstance(templates, list) or not all(isinstance(t, dict) for t in templates):
        fail(f"{args.file} holds no list of templates; write them as `fidus crm chains list --json` prints them.")
    with acting(args) as (ctx, actor):
        saved = ctx.services.crm_activities.set_chain_templates(actor, templates)
    print(f"Saved {len(saved)} chain template(s).")
    return EXIT_OK


def register_crm(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Add ``activities`` and ``my-day`` to the ``fidus crm`` sub-commands; returns the leaf parsers."""
    parser = sub.add_parser("activities", help="follow-up calls, meetings, e-mails and to-dos")
    asub = parser.add_subparsers(dest="activities_command", required=True, metavar="ACTION")
    listing = asub.add_parser("list", help="a prospect's or investor's activities, with their ids")
    whose = listing.add_mutually_exclusive_group(required=True)
    whose.add_argument("--prospect", help="the prospect's id")
    whose.add_argument("--investor", help="the investor's id")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    add = asub.add_parser("add", help="plan an activity on a prospect or investor (--done: it already happened)")
    add.add_argument("prospect", metavar="PROSPECT", nargs="?", help="the prospect's id")
    add.add_argument("--investor", help="instead of a prospect: the investor's number (INV-00042) or id")
    add.add_argument("--kind", required=True, choices=[k.value for k in ActivityKind])
    add.add_argument("--title", help="default: the kind")
    add.add_argument("--due", help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time (default: now; a day: 09:00)")
    add.add_argument("--assignee", help="username (default: the prospect's owner)")
    add.add_argument("--priority", choices=[p.value for p in Priority])
    add.add_argument("--notes")
    add.add_argument("--done", action="store_true", help="it already happened (a call just made)")
    add.add_argument("--json", action="store_true")
    add.set_defaults(func=cmd_add)
    done = asub.add_parser("done", help="complete an activity (plans what the chain templates say follows)")
    done.add_argument("activity", metavar="ACTIVITY")
    done.add_argument("--outcome", help="what came of it")
    done.add_argument("--json", action="store_true")
    done.set_defaults(func=cmd_done)
    snooze = asub.add_parser("snooze", help="move an open activity to a later time")
    snooze.add_argument("activity", metavar="ACTIVITY")
    snooze.add_argument("--until", required=True, help="YYYY-MM-DD or 'YYYY-MM-DD HH:MM', local time")
    snooze.set_defaults(func=cmd_snooze)
    cancel = asub.add_parser("cancel", help="cancel an open activity")
    cancel.add_argument("activity", metavar="ACTIVITY")
    cancel.set_defaults(func=cmd_cancel)
    my_day = sub.add_parser("my-day", help="your open activities: overdue, today, this week")
    my_day.add_argument("--all", action="store_true", help="also those due after this week")
    my_day.add_argument("--json", action="store_true")
    my_day.set_defaults(func=cmd_my_day)
    chains = sub.add_parser("chains", help="what completing an activity plans next (templates)")
    csub = chains.add_subparsers(dest="chains_command", required=True, metavar="ACTION")
    chains_list = csub.add_parser("list", help="the chain templates")
    chains_list.add_argument("--json", action="store_true")
    chains_list.set_defaults(func=cmd_chains_list)
    chains_set = csub.add_parser("set", help="replace the chain templates from a JSON file (crm.stages)")
    chains_set.add_argument("file", metavar="FILE", help="as `fidus crm chains list --json` prints them")
    chains_set.set_defaults(func=cmd_chains_set)
    return [listing, add, done, snooze, cancel, my_day, chains_list, chains_set]
