"""``fidus backup create|verify|restore``: encrypted whole-database backups (also the way to move from SQLite
to MongoDB: create a backup, restore it ``--into mongodb://…``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.bootstrap import open_restore_target
from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options
from fidus_desktop.cli.keys import add_passphrase_option, crypto_errors, read_passphrase
from fidus_desktop.security.backup_format import BackupReport
from fidus_desktop.services.backup import restore_backup, verify_backup

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


def cmd_verify(args: argparse.Namespace) -> int:
    with crypto_errors():
        report = verify_backup(Path(args.file), read_passphrase(args.passphrase_env, WHAT))
    print(f"Backup {args.file} is intact: {_summary(report)}.")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(args.passphrase_env, WHAT)
    store = open_restore_target(args.into)
    try:
        with crypto_errors():
            report = restore_backup(Path(args.file), passphrase, store, force=args.force)
        documents = sum(report.collections.values())
        print(f"Restored {documents} documents in {len(report.collections)} collections into {store.describe()}.")
        return EXIT_OK
    finally:
        store.close()


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
    restore = sub.add_parser("restore", help="restore a backup into an empty database")
    restore.add_argument("file")
    restore.add_argument("--into", required=True, metavar="URI", help="target database URI (sqlite:/// or mongodb://)")
    restore.add_argument("--force", action="store_true", help="replace everything in a target that holds data")
    add_passphrase_option(restore, WHAT)
    restore.set_defaults(func=cmd_restore)
