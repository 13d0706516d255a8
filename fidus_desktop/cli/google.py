"""``fidus google connect | status | disconnect``, ``fidus crm outbox [list] | run | retry | cancel``,
``fidus crm templates list | save | delete`` (e-mail templates with merge fields), and queuing for a prospect:
``fidus crm email``, ``fidus crm meeting``, ``fidus crm drive``.

``connect`` opens Google's consent page in the browser (on a machine without one it prints the address to
open) and waits for the answer on a loopback port; the refresh token goes to the keyring only.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table, read_bytes
from fidus_desktop.domain.crm.outbox import JobStatus
from fidus_desktop.services.crm.outbox import OutboxJob


def cmd_connect(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        status = ctx.services.google.connect(actor)
    print(status.summary + ".")
    if status.missing:
        print("Connect again and tick every permission to " + ", ".join(status.missing) + ".")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        status = ctx.services.google.status(actor)
        counts = ctx.services.crm_outbox.counts(actor)
    if args.json:
        emit_json({"status": status, "summary": status.summary, "outbox": counts})
        return EXIT_OK
    print(status.summary + ".")
    if status.problem:
        print(status.problem)
    elif status.needs_reconnect:
        print("Run `fidus google connect` to give FIDUS access again.")
    print("Outbox: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) if any(counts.values())
          else "Outbox: empty.")
    return EXIT_OK


def cmd_disconnect(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        revoked = ctx.services.google.disconnect(actor)
    print("Disconnected: " + ("Google revoked FIDUS's access." if revoked else
                              "the token is forgotten here; Google could not confirm the revocation (remove FIDUS "
                              "under myaccount.google.com › Security › Third-party access)."))
    return EXIT_OK


def cmd_outbox_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        jobs = ctx.services.crm_outbox.list(actor, status=JobStatus(args.status) if args.status else None)
    if args.json:
        emit_json({"jobs": jobs})
        return EXIT_OK
    if not jobs:
        print("The outbox is empty." if not args.status else f"No {args.status} jobs.")
        return EXIT_OK
    print_table([{"id": j.job_id, "status": j.status.value, "kind": j.kind.value, "owner": j.owner,
                  "what": j.summary, "attempts": j.attempts, "reason": j.reason} for j in jobs],
                ["id", "status", "kind", "owner", "what", "attempts", "reason"])
    return EXIT_OK


def cmd_outbox_run(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        report = ctx.services.google.run_outbox(actor, limit=args.limit)
    print(f"Outbox: {report.done} done, {report.retrying} to retry later, {report.failed} need a person.")
    if report.reconnect:
        print("Google refused the stored consent: run `fidus google connect`, then `fidus crm outbox run`.")
    return EXIT_OK


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        job = ctx.services.crm_outbox.retry(actor, args.job)
    print(f"Queued again: {job.summary}. `fidus crm outbox run` sends it now.")
    return EXIT_OK


def cmd_outbox_cancel(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        job = ctx.services.crm_outbox.cancel(actor, args.job)
    print(f"Cancelled: {job.summary}.")
    return EXIT_OK


def cmd_templates_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        templates = ctx.services.crm_mail_templates.list(actor)
    if args.json:
        emit_json({"templates": templates})
    elif templates:
        print_table([{"name": t.name, "subject": t.subject} for t in templates], ["name", "subject"])
    else:
        print("No e-mail templates yet; add one with `fidus crm templates save NAME --subject … --body-file …`.")
    return EXIT_OK


def cmd_templates_save(args: argparse.Namespace) -> int:
    body = read_bytes(args.body_file).decode("utf-8-sig") if args.body_file else ""
    with acting(args) as (ctx, actor):
        saved = ctx.services.crm_mail_templates.save(actor, args.name, args.subject, body)
    print(f"Saved the template {saved.name}.")
    return EXIT_OK


def cmd_templates_delete(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        ctx.services.crm_mail_templates.delete(actor, args.name)
    print(f"Deleted the template {args.name}.")
    return EXIT_OK


def _queued(job: OutboxJob, new: bool) -> int:
    print(f"Queued: {job.summary} (job {job.job_id}). `fidus crm outbox run` sends it now." if new
          else f"Already in the outbox ({job.status.value}): {job.summary}.")
    return EXIT_OK


def cmd_email(args: argparse.Namespace) -> int:
    attachments = [(Path(name).name, read_bytes(name)) for name in args.attach or ()]
    body = read_bytes(args.body_file).decode("utf-8-sig") if args.body_file else ""
    with acting(args) as (ctx, actor):
        subject = args.subject
        if args.template:
            chosen = {t.name: t for t in ctx.services.crm_mail_templates.list(actor)}.get(args.template)
            if chosen is None:
                fail(f"There is no template {args.template!r}; see `fidus crm templates list`.")
            subject, body = subject or chosen.subject, body or chosen.body
        if not subject:
            fail("Give --subject, or --template with a subject.")
        job, new = ctx.services.google.send_email(actor, args.prospect, subject, body, attachments)
    return _queued(job, new)


def cmd_meeting(args: argparse.Namespace) -> int:
    try:
        zone = ZoneInfo(args.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        fail(f"{args.time_zone!r} is not a time zone such as Europe/Berlin.")
    try:
        start = datetime.fromisoformat(args.start).replace(tzinfo=zone)
    except ValueError:
        fail(f"--start {args.start!r} is not a time such as 2026-12-08T10:00 (in --time-zone).")
    with acting(args) as (ctx, actor):
        job, new = ctx.services.google.schedule_meeting(actor, args.prospect, args.title, start,
                                                        start + timedelta(minutes=args.minutes),
                                                        description=args.agenda or "", time_zone=args.time_zone)
    return _queued(job, new)


def cmd_drive(args: argparse.Namespace) -> int:
    files = [(Path(name).name, read_bytes(name)) for name in args.upload or ()]
    with acting(args) as (ctx, actor):
        google = ctx.services.google
        queued = [google.upload(actor, args.prospect, name, data) for name, data in files] or \
            [google.drive_folder(actor, args.prospect)]
        link = google.folder_link(actor, args.prospect)
    for job, new in queued:
        _queued(job, new)
    if link:
        print(f"Folder: {link}")
    return EXIT_OK


def register_crm_google(crm: argparse._SubParsersAction) -> None:
    """``fidus crm outbox …``, ``templates …``, ``email``, ``meeting``, ``drive`` (called by ``cli.crm.register``)."""
    party = {"metavar": "PROSPECT", "help": "a prospect's id, or an investor's id or number (INV-00042)"}
    email = crm.add_parser("email", help="queue an e-mail to a prospect or investor (merge fields, attachments)")
    email.add_argument("prospect", **party)
    email.add_argument("--subject")
    email.add_argument("--body-file", metavar="FILE", help="the text, UTF-8; merge fields such as {first_name}")
    email.add_argument("--template", metavar="NAME", help="start from this template")
    email.add_argument("--attach", metavar="FILE", action="append", help="attach a file (repeat for more)")
    email.set_defaults(func=cmd_email)
    meeting = crm.add_parser("meeting",
                             help="queue a Calendar meeting with a Google Meet link, the prospect or investor invited")
    meeting.add_argument("prospect", **party)
    meeting.add_argument("--title", required=True)
    meeting.add_argument("--start", required=True, metavar="YYYY-MM-DDTHH:MM")
    meeting.add_argument("--minutes", type=int, default=60)
    meeting.add_argument("--time-zone", default="UTC", metavar="ZONE", help="e.g. Europe/Berlin (default UTC)")
    meeting.add_argument("--agenda")
    meeting.set_defaults(func=cmd_meeting)
    drive = crm.add_parser("drive", help="the Drive folder of a prospect or investor; --upload puts documents in it")
    drive.add_argument("prospect", **party)
    drive.add_argument("--upload", metavar="FILE", action="append")
    drive.set_defaults(func=cmd_drive)
    for command in (email, meeting, drive):
        add_actor_options(command)
    templates = crm.add_parser("templates", help="e-mail templates with merge fields ({first_name} …)")
    tsub = templates.add_subparsers(dest="templates_command", required=True, metavar="ACTION")
    tlist = tsub.add_parser("list", help="the office's e-mail templates")
    tlist.add_argument("--json", action="store_true")
    tlist.set_defaults(func=cmd_templates_list)
    tsave = tsub.add_parser("save", help="add a template, or replace the one of that name")
    tsave.add_argument("name", metavar="NAME")
    tsave.add_argument("--subject", required=True)
    tsave.add_argument("--body-file", metavar="FILE", help="the text, UTF-8")
    tsave.set_defaults(func=cmd_templates_save)
    tdelete = tsub.add_parser("delete", help="remove a template")
    tdelete.add_argument("name", metavar="NAME")
    tdelete.set_defaults(func=cmd_templates_delete)
    for command in (tlist, tsave, tdelete):
        add_actor_options(command)
    outbox = crm.add_parser("outbox", help="Google actions waiting, failed or done (default: list them)")
    outbox.set_defaults(func=cmd_outbox_list, status=None, json=False)
    sub = outbox.add_subparsers(dest="outbox_command", required=False, metavar="ACTION")
    listing = sub.add_parser("list", help="the outbox's jobs, newest first")
    listing.add_argument("--status", choices=[s.value for s in JobStatus])
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_outbox_list)
    run = sub.add_parser("run", help="run your due jobs now with your Google account")
    run.add_argument("--limit", type=int, help="at most this many jobs")
    run.set_defaults(func=cmd_outbox_run)
    retry = sub.add_parser("retry", help="queue a failed job again")
    retry.add_argument("job", metavar="JOB")
    retry.set_defaults(func=cmd_outbox_retry)
    cancel = sub.add_parser("cancel", help="give up a queued or failed job")
    cancel.add_argument("job", metavar="JOB")
    cancel.set_defaults(func=cmd_outbox_cancel)
    outbox.add_argument("--json", action="store_true", help="(without an action) list as JSON")
    for command in (outbox, listing, run, retry, cancel):
        add_actor_options(command)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("google", help="connect your Google account (Gmail, Calendar, Drive) to the CRM")
    sub = parser.add_subparsers(dest="google_command", required=True, metavar="ACTION")
    connect = sub.add_parser("connect", help="give FIDUS access to your Google account (opens the browser)")
    connect.set_defaults(func=cmd_connect)
    status = sub.add_parser("status", help="whether Google is configured and connected, and the outbox")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    disconnect = sub.add_parser("disconnect", help="revoke FIDUS's access and forget the token")
    disconnect.set_defaults(func=cmd_disconnect)
    for command in (connect, status, disconnect):
        add_actor_options(command)
