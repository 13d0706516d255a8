"""``fidus investigation``: open an investigation from an alert, investors or transactions, add notes,
attachments and links, propose and (as a second officer) confirm the outcome, and write the suspicious-activity
report draft as PDF or CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table, read_bytes
from fidus_desktop.domain.compliance.investigations import Outcome
from fidus_desktop.reports.sar import sar_csv, sar_pdf
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.compliance.investigations import Investigation


def _row(case: Investigation) -> dict:
    return {"ref": case.ref, "title": case.title, "status": case.status.value, "opened_by": case.opened_by,
            "opened_at": case.opened_at, "investors": len(case.investor_ids),
            "transactions": len(case.transaction_ids), "alerts": len(case.alert_ids),
            "proposed_outcome": case.proposed_outcome, "proposed_by": case.proposed_by, "outcome": case.outcome,
            "closed_by": case.closed_by, "summary": str(case.summary),
            "notes": [{"at": n.at, "by": n.by, "text": str(n.text)} for n in case.notes], "history": list(case.history)}


def _said(case: Investigation) -> str:
    return f"Investigation {case.ref} is {case.status.value.replace('_', ' ')}"


def cmd_open(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.investigations.open(actor, args.title, args.summary, investors=args.investor or (),
                                                transactions=args.transaction or (), alert_id=args.alert)
    print(f"{_said(case)}: {len(case.investor_ids)} investor(s), {len(case.transaction_ids)} transaction(s), "
          f"{len(case.alert_ids)} alert(s) linked.")
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor_id = None
        if args.investor:
            investor = ctx.services.portfolio.investors.by_number(args.investor)
            if investor is None:
                fail(f"There is no investor {args.investor!r}; give a number such as INV-00017.")
            investor_id = investor.investor_id
        rows = [_row(c) for c in ctx.services.investigations.list_cases(actor, open_only=not args.all,
                                                                         investor_id=investor_id)]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No open investigation." if not args.all else "No investigation.")
    else:
        print_table(rows, ["ref", "status", "title", "opened_by", "investors", "transactions", "alerts"])
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        service = ctx.services.investigations
        case = service.get(actor, args.ref)
        files = [{"document_id": d.document_id, "name": d.name, "size": d.size}
                 for d in service.attachments(actor, case)]
    row = {**_row(case), "attachments": files}
    if args.json:
        emit_json(row)
        return EXIT_OK
    print(f"{case.ref} — {case.title} ({case.status.value.replace('_', ' ')}), opened {case.opened_at:%Y-%m-%d} by "
          f"{case.opened_by}\n{case.summary}")
    for note in case.notes:
        print(f"  {note.at:%Y-%m-%d %H:%M} {note.by}: {note.text}")
    for file in files:
        print(f"  attachment {file['name']} ({file['size']:,} bytes, {file['document_id']})")
    return EXIT_OK


def _act(args: argparse.Namespace, work: str) -> int:
    with acting(args) as (ctx, actor):
        service = ctx.services.investigations
        case = service.get(actor, args.ref)
        if work == "note":
            case = service.add_note(actor, case, args.text)
        elif work == "attach":
            stored = service.attach(actor, case, Path(args.file).name, read_bytes(args.file))
            print(f"Attached {stored.name} ({stored.size:,} bytes) to {case.ref}.")
            return EXIT_OK
        elif work == "link":
            case = service.link(actor, case, investors=args.investor or (), transactions=args.transaction or ())
        elif work == "start":
            case = service.start(actor, case)
        elif work == "close":
            case = service.propose_close(actor, case, args.outcome, args.reason)
            print(f"{_said(case)}; a second officer confirms: `fidus investigation confirm-close {case.ref}`.")
            return EXIT_OK
        elif work == "confirm":
            case = service.confirm_close(actor, case, agree=not args.send_back, reason=args.reason)
        else:
            case = service.reopen(actor, case, args.reason)
    print(f"{_said(case)}" + (f" (outcome: {case.outcome.value.replace('_', ' ')})." if case.outcome else "."))
    return EXIT_OK


def cmd_sar(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".csv"):
        fail(f"{out.name}: the report draft is written as .pdf or .csv; name the file with one of them.")
    with acting(args) as (ctx, actor):
        service = ctx.services.investigations
        draft = service.sar_draft(actor, service.get(actor, args.ref))
    write_private(out, sar_pdf(draft) if out.suffix.lower() == ".pdf" else sar_csv(draft))
    print(f"Suspicious-activity report draft for {draft.case.ref} written to {out} ({len(draft.subjects)} "
          f"subject(s), {len(draft.transactions)} transaction(s)); complete and file it with the FIU.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("investigation", help="investigation cases and suspicious-activity report drafts")
    sub = parser.add_subparsers(dest="investigation_command", required=True, metavar="ACTION")
    opened = sub.add_parser("open", help="open an investigation about an alert, investors or transactions")
    opened.add_argument("--title", required=True)
    opened.add_argument("--summary", required=True, help="what prompted it")
    opened.add_argument("--investor", action="append", metavar="NUMBER")
    opened.add_argument("--transaction", action="append", metavar="REF")
    opened.add_argument("--alert", metavar="ALERT_ID")
    opened.set_defaults(func=cmd_open)
    listed = sub.add_parser("list", help="open investigations (--all: closed ones too; --investor: naming one)")
    listed.add_argument("--all", action="store_true")
    listed.add_argument("--investor", metavar="NUMBER", help="only the cases linking this investor")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=cmd_list)
    show = sub.add_parser("show", help="one investigation with its notes and attachments")
    show.add_argument("ref")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    commands = [opened, listed, show]
    for name, work, help_text in (("note", "note", "add a note"), ("attach", "attach", "attach a file"),
                                  ("link", "link", "link more investors or transactions"),
                                  ("start", "start", "mark it as being investigated"),
                                  ("close", "close", "propose the outcome (a second officer confirms)"),
                                  ("confirm-close", "confirm", "as the second officer, close it (or --send-back)"),
                                  ("reopen", "reopen", "reopen a closed investigation")):
        command = sub.add_parser(name, help=help_text)
        command.add_argument("ref", help="the investigation's reference, e.g. INQ-000001")
        if work == "note":
            command.add_argument("text")
        if work == "attach":
            command.add_argument("file")
        if work == "link":
            command.add_argument("--investor", action="append", metavar="NUMBER")
            command.add_argument("--transaction", action="append", metavar="REF")
        if work == "close":
            command.add_argument("--outcome", required=True, choices=[o.value for o in Outcome])
        if work == "confirm":
            command.add_argument("--send-back", action="store_true")
        if work in ("close", "reopen"):
            command.add_argument("--reason", required=True)
        if work == "confirm":
            command.add_argument("--reason", help="why it is sent back")
        command.set_defaults(func=lambda args, work=work: _act(args, work))
        commands.append(command)
    sar = sub.add_parser("sar", help="write the suspicious-activity report draft (.pdf or .csv)")
    sar.add_argument("ref")
    sar.add_argument("--out", required=True)
    sar.set_defaults(func=cmd_sar)
    for command in (*commands, sar):
        add_actor_options(command)
