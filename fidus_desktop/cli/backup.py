"""``fidus backup create|verify|restore``: encrypted whole-database backups (also the way to move from SQLite
to MongoDB: create a backup, restore it ``--into mongodb://…``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.bootstrap import open_context, open_restore_target
from fidus_desktop.cli.common import (
    EXIT_OK,
    acting,
    add_actor_options,
    emit_json,
    fail,
    print_table,
    signed_in_actor,
)
from fidus_desktop.cli.keys import add_passphrase_option, crypto_errors, read_passphrase
from fidus_desktop.cli.sign_in import has_session
from fidus_desktop.security.backup_format import BackupReport
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.backup import verify_backup
from fidus_desktop.services.restore import TargetState, inspect_target, restore_into

WHAT = "backup passphrase"


def _summary(report: BackupReport) -> str:
    documents = sum(report.collections.values())
    written = f"{report.created_at:%Y-%m-%d %H:%M} UTC"
    return (f"{len(report.collections)} collections, {documents} documents, {report.blobs} stored file(s), "
            f"written {written}")


def cmd_create(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        passphrase = read_passphrase(args.passphrase_env, WHAT, confirm=True)
        report = ctx.services.backup.create(actor, Path(args.out), passphrase)
        print(f"Backup written to {args.out}: {_summary(report)}.")
        return EXIT_OK


def _backup_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        fail(f"There is no backup file {name}; give the path of a .fidusbak file.")
    return path


def cmd_verify(args: argparse.Namespace) -> int:
    _backup_file(args.file)
    with crypto_errors():
        report = verify_backup(Path(args.file), read_passphrase(args.passphrase_env, WHAT))
    print(f"Backup {args.file} is intact: {_summary(report)}.")
    return EXIT_OK


def _restorer(args: argparse.Namespace, state: TargetState) -> Actor | None:
    """Whoever replaces data signs in to the target database by its own rules; an empty target needs nobody."""
    if not state.needs_sign_in or not args.force:
        return None
    ctx = open_context(state.uri)
    try:
        return signed_in_actor(ctx, args) if args.user or has_session(ctx) else None
    finally:
        ctx.close()


def cmd_restore(args: argparse.Namespace) -> int:
    _backup_file(args.file)
    passphrase = read_passphrase(args.passphrase_env, WHAT)
    state = inspect_target(args.into, open_restore_target)
    actor = _restorer(args, state)
    with crypto_errors():
        outcome = restore_into(Path(args.file), passphrase, args.into, actor=actor, force=args.force,
                               opener=open_restore_target)
    report = outcome.report
    documents = sum(report.collections.values())
    print(f"Restored {documents} documents in {len(report.collections)} collections into {args.into}.")
    if outcome.approval is not None:
        print(f"Authorised: {actor.username if actor else 'nobody'} signed in; {outcome.approval.describe()}.")
    if outcome.kept_copy is not None:
        print(f"The database it replaced is kept as {outcome.kept_copy} (restore it the same way to undo).")
    if actor is None:
        print("Disaster recovery: the target was empty, so the backup passphrase alone was enough; the restored "
              "audit trail records it as done by 'disaster-recovery'.")
    return EXIT_OK


def cmd_request_restore(args: argparse.Namespace) -> int:
    """Ask a second person to approve restoring FILE over the database (``--db``): step one of four eyes."""
    path = _backup_file(args.file)
    with crypto_errors():
        report = verify_backup(path, read_passphrase(args.passphrase_env, WHAT))
    with acting(args) as (ctx, actor):
        request = ctx.services.restore_approvals.request(actor, path, report, args.reason)
        print(f"Restore request {request.request_id} recorded: {path.name} ({_summary(report)}), valid until "
              f"{request.expires_at:%Y-%m-%d %H:%M} UTC.")
        print(f"Another administrator or a compliance officer approves it with `fidus backup approve-restore "
              f"{request.request_id}` (or under Admin → Backups); then run `fidus backup restore {args.file} "
              f"--into {ctx.db_uri} --force` as {actor.username}.")
        return EXIT_OK


def cmd_restore_requests(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        requests = ctx.services.restore_approvals.open_requests(actor)
        if args.json:
            emit_json(requests)
        elif not requests:
            print("No open restore requests.")
        else:
            print_table([{"id": r.request_id, "status": r.status, "backup": r.backup_name,
                          "backup written": f"{r.backup_created_at:%Y-%m-%d %H:%M}", "documents": r.documents,
                          "requested by": r.requested_by, "expires": f"{r.expires_at:%Y-%m-%d %H:%M}",
                          "reason": r.reason} for r in requests],
                        ["id", "status", "backup", "backup written", "documents", "requested by", "expires",
                         "reason"])
        return EXIT_OK


def cmd_decide_restore(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        approvals = ctx.services.restore_approvals
        if args.backup_command == "approve-restore":
            request = approvals.approve(actor, args.request, args.note or "")
            print(f"Approved: {request.requested_by} may restore {request.backup_name} (written "
                  f"{request.backup_created_at:%Y-%m-%d %H:%M} UTC) over this database until "
                  f"{request.expires_at:%Y-%m-%d %H:%M} UTC.")
        else:
            request = approvals.reject(actor, args.request, args.reason)
            print(f"Rejected the restore of {request.backup_name} requested by {request.requested_by}.")
        return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("backup", help="create, verify and restore encrypted backups")
    sub = parser.add_subparsers(dest="backup_command", required=True, metavar="ACTION")
    create = sub.add_parser("create", help="back up the whole database to one encrypted file")
    add_actor_options(create)
    create.add_argument("--out", required=True, help="backup file to write")
    add_passphrase_option(create, WHAT)
    create.set_defaults(func=cmd_create)
    verify = sub.add_parser("verify", help="check every chunk and checksum of a backup file")
    verify.add_argument("file")
    add_passphrase_option(verify, WHAT)
    verify.set_defaults(func=cmd_verify)
    restore = sub.add_parser(
        "restore", help="restore a backup into a new database, or over one (administrator of it, --force)")
    add_actor_options(restore)
    restore.add_argument("file")
    restore.add_argument("--into", required=True, metavar="URI", help="target database URI (sqlite:/// or mongodb://)")
    restore.add_argument("--force", action="store_true",
                         help="replace everything in a target that holds data (signed in as its administrator)")
    add_passphrase_option(restore, WHAT)
    restore.set_defaults(func=cmd_restore)
    request = sub.add_parser("request-restore",
                             help="ask a second person to approve restoring a backup over this database")
    add_actor_options(request)
    request.add_argument("file")
    request.add_argument("--reason", required=True, help="why the database must go back to this backup")
    add_passphrase_option(request, WHAT)
    request.set_defaults(func=cmd_request_restore)
    listing = sub.add_parser("restore-requests", help="open restore requests of this database")
    add_actor_options(listing)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_restore_requests)
    approve = sub.add_parser("approve-restore", help="approve another user's restore request (four eyes)")
    add_actor_options(approve)
    approve.add_argument("request", metavar="REQUEST_ID")
    approve.add_argument("--note", help="optional note kept with the approval")
    approve.set_defaults(func=cmd_decide_restore)
    reject = sub.add_parser("reject-restore", help="reject another user's restore request")
    add_actor_options(reject)
    reject.add_argument("request", metavar="REQUEST_ID")
    reject.add_argument("--reason", required=True)
    reject.set_defaults(func=cmd_decide_restore)
