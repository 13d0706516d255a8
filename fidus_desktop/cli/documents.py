"""``fidus documents attach|list|get``: an investor's stored documents (KYC scans, passports, signed forms).

``get`` decrypts the content and is audited like opening it in the application (``personal_data.read``);
a workstation without the data key cannot attach or get (exit 1, with what to run). ``get`` writes the file
via a temporary name and a rename (``DocumentService.save_copy``), so an interrupted command leaves no half file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.cli.common import EXIT_OK, EXIT_PROBLEM, acting, add_actor_options, emit_json, fail, print_table
from fidus_desktop.cli.keys import crypto_errors
from fidus_desktop.services.documents import DocumentDamaged, StoredDocument
from fidus_desktop.services.personal_data import Locked

OWNER = "investor"


def _investor_id(ctx: AppContext, ref: str) -> str:
    """The id of the investor with number or id ``ref``."""
    found = ctx.services.portfolio.investors.by_number(ref)
    if found is not None:
        return found.investor_id
    if ctx.store.collection("investors").get(ref) is None:
        fail(f"There is no investor {ref!r}; give a number (INV-00017) or an id, see `fidus investors list`.")
    return ref


def _row(doc: StoredDocument) -> dict[str, object]:
    return {"document_id": doc.document_id, "name": doc.name, "media_type": doc.media_type, "size": doc.size,
            "sha256": doc.sha256, "uploaded_by": doc.uploaded_by, "uploaded_at": doc.uploaded_at}


def cmd_attach(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor), crypto_errors():
        stored = ctx.services.documents.attach_file(actor, OWNER, _investor_id(ctx, args.investor), Path(args.file))
        print(f"Stored {stored.name} ({stored.size:,} bytes, encrypted) as document {stored.document_id}.")
        return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        rows = [_row(d) for d in ctx.services.documents.list_for(actor, OWNER, _investor_id(ctx, args.investor))]
        if args.json:
            emit_json({"documents": rows})
        elif rows:
            print_table(rows, ["name", "media_type", "size", "uploaded_at", "uploaded_by", "document_id"])
        else:
            print("No stored documents.")
        return EXIT_OK


def cmd_get(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor), crypto_errors():
        try:
            written = ctx.services.documents.save_copy(actor, args.document_id, Path(args.out))
        except DocumentDamaged as exc:
            fail(str(exc), EXIT_PROBLEM)
        if isinstance(written, Locked):
            fail(f"{written.reason} An administrator runs `fidus key enroll` here first.", EXIT_PROBLEM)
        print(f"Wrote {written:,} bytes to {args.out}.")
        return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    documents = sub.add_parser("documents", help="investors' stored documents (encrypted in the database)")
    dsub = documents.add_subparsers(dest="documents_command", required=True, metavar="ACTION")
    p = dsub.add_parser("attach", help="store a PDF, PNG, JPEG or TIFF file for an investor (encrypted)")
    p.add_argument("--investor", required=True, metavar="ID", help="investor number or id")
    p.add_argument("file", metavar="FILE")
    add_actor_options(p)
    p.set_defaults(func=cmd_attach)

    p = dsub.add_parser("list", help="an investor's stored documents (newest first)")
    p.add_argument("--investor", required=True, metavar="ID", help="investor number or id")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_list)

    p = dsub.add_parser("get", help="decrypt a stored document to a file (audited)")
    p.add_argument("document_id", metavar="DOC_ID")
    p.add_argument("--out", required=True, metavar="FILE", help="file to write")
    add_actor_options(p)
    p.set_defaults(func=cmd_get)
