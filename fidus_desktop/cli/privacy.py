"""``fidus privacy export|erase``: data-protection requests (right of access, right to erasure)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, fail
from fidus_desktop.cli.keys import crypto_errors
from fidus_desktop.security.private_files import write_private


def cmd_export(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        with crypto_errors():
            json_bytes, pdf_bytes = ctx.services.personal_data.export_person(actor, args.person)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        write_private(out / f"person-{args.person}.json", json_bytes)  # personal data: owner-only files
        write_private(out / f"person-{args.person}.pdf", pdf_bytes)
        print(f"Wrote person-{args.person}.json and person-{args.person}.pdf to {out}.")
        return EXIT_OK


def cmd_erase(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        if not args.yes:
            if not sys.stdin.isatty():
                fail("Erasure cannot be undone: pass --yes to confirm.")
            if input(f"Type the person id {args.person} to erase their personal data: ").strip() != args.person:
                fail("Not confirmed; nothing was erased.")
        report = ctx.services.personal_data.erase_person(actor, args.person, now=ctx.services.ctx.clock())
        print(f"Pseudonymised {len(report.erased)} record(s) about {args.person}.")
        for kept in report.retained:
            print(f"  {kept.describe()}")
        return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("privacy", help="data-protection requests: export or erase a person's data")
    sub = parser.add_subparsers(dest="privacy_command", required=True, metavar="ACTION")
    export = sub.add_parser("export", help="write everything held about a person as JSON and PDF")
    add_actor_options(export)
    export.add_argument("--person", required=True, help="the person's id")
    export.add_argument("--out", required=True, help="folder to write into")
    export.set_defaults(func=cmd_export)
    erase = sub.add_parser("erase", help="pseudonymise a person's data except records under retention")
    add_actor_options(erase)
    erase.add_argument("--person", required=True, help="the person's id")
    erase.add_argument("--yes", action="store_true", help="confirm without a prompt")
    erase.set_defaults(func=cmd_erase)
