"""``fidus sign envelopes`` (list) and ``fidus sign envelope create|show|send|sign|decline|void|remind|drive|pdf``, and
``fidus sign certificate ENVELOPE --out FILE`` (the certificate of completion).

An envelope is named by its id or by its reference, the id's last 12 characters, as the list prints it.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from fidus_desktop.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM,
    acting,
    add_actor_options,
    emit_json,
    fail,
    print_table,
    read_bytes,
)
from fidus_desktop.domain.signing.envelopes import Envelope, EnvelopeStatus, FieldKind
from fidus_desktop.reports.agreements import TEMPLATES
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.envelopes import IDENTITY_CHECKS, Capture, EnvelopeFilter, SignerInput
from fidus_desktop.services.personal_data import Locked


def _signer(text: str) -> SignerInput:
    parts = [p.strip() for p in text.split("|")]
    if len(parts) != 4 or not parts[3].isdigit():
        fail(f"--signer {text!r}: write NAME|EMAIL|ROLE|ORDER, e.g. 'Ann Smith|ann@example.com|investor|1' "
             "(roles: investor, office_signatory, witness; the e-mail may be empty).")
    return SignerInput(parts[0], parts[1], parts[2], int(parts[3]))


def _field(text: str) -> tuple[int, str, int, tuple[int, int, int, int], bool]:
    """SIGNER:KIND:PAGE:X1,Y1,X2,Y2[:optional] (signer by number from 1, page from 1, box in points)."""
    parts = text.split(":")
    try:
        signer, kind, page, box = int(parts[0]), parts[1], int(parts[2]), tuple(int(v) for v in parts[3].split(","))
        if len(box) != 4 or kind not in {k.value for k in FieldKind} or len(parts) > 5:
            raise ValueError
    except (ValueError, IndexError):
        fail(f"--field {text!r}: write SIGNER:KIND:PAGE:X1,Y1,X2,Y2[:optional], e.g. 1:signature:2:72,72,252,132 "
             f"(kinds: {', '.join(k.value for k in FieldKind)}; the box in points from the page's bottom left).")
    return signer, kind, page, (box[0], box[1], box[2], box[3]), len(parts) == 5 and parts[4] == "optional"


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--expires {text!r} is not a date; write it as YYYY-MM-DD.")


def _row(envelope: Envelope, now: Any) -> dict[str, Any]:
    return {"reference": envelope.reference, "title": envelope.title,
            "status": envelope.status_at(now).label, "waiting for": ", ".join(s.name for s in envelope.waiting_for()),
            "created": envelope.created_at.strftime("%Y-%m-%d"), "by": envelope.created_by}


def cmd_list(args: argparse.Namespace) -> int:
    status = None
    if args.status:
        try:
            status = EnvelopeStatus(args.status)
        except ValueError:
            fail(f"--status {args.status!r}: one of {', '.join(s.value for s in EnvelopeStatus)}.")
    with acting(args) as (ctx, actor):
        envelopes = ctx.services.envelopes
        investor_id = None
        if args.investor:
            investor = ctx.services.portfolio.investors.by_number(args.investor)
            if investor is None:
                fail(f"There is no investor {args.investor}.")
            investor_id = investor.investor_id
        found = envelopes.page(actor, EnvelopeFilter(status, investor_id), limit=args.limit)
        now = envelopes.now()
    if args.json:
        emit_json({"envelopes": [_json(e, now) for e in found]})
    elif not found:
        print("No envelopes" + (f" {status.label.lower()}" if status else "") + ".")
    else:
        print_table([_row(e, now) for e in found], ["reference", "title", "status", "waiting for", "created", "by"])
    return EXIT_OK


def _json(envelope: Envelope, now: Any) -> dict[str, Any]:
    return {"envelope_id": envelope.envelope_id, "reference": envelope.reference, "title": envelope.title,
            "kind": envelope.kind,
            "investor_id": envelope.investor_id, "status": envelope.status_at(now),
            "waiting_for": [s.key for s in envelope.waiting_for()], "documents": envelope.documents,
            "signers": envelope.signers, "fields": envelope.fields, "events": envelope.events,
            "reason": envelope.reason, "expires_at": envelope.expires_at, "version": envelope.version}


def cmd_create(args: argparse.Namespace) -> int:
    signers = [_signer(s) for s in args.signer or []]
    if not signers:
        fail("Name the signers with --signer NAME|EMAIL|ROLE|ORDER (at least one).")
    if bool(args.template) == bool(args.pdf):
        fail(f"Give either --template ({', '.join(TEMPLATES)}) or --pdf FILE with --field placements.")
    fields = [_field(f) for f in args.field or []]
    pdf = read_bytes(args.pdf) if args.pdf else None
    with acting(args) as (ctx, actor):
        envelopes = ctx.services.envelopes
        investor_id = None
        if args.investor:
            investor = ctx.services.portfolio.investors.by_number(args.investor)
            if investor is None:
                fail(f"There is no investor {args.investor}; `fidus investors list` shows their numbers.")
            investor_id = investor.investor_id
        if args.template:
            if investor_id is None:
                fail("A template is filled for an investor: add --investor NUMBER.")
            class_id = None
            if args.share_class:
                share_class = ctx.services.portfolio.funds.class_by_code(args.share_class)
                if share_class is None:
                    fail(f"There is no share class {args.share_class}.")
                class_id = share_class.class_id
            envelope = envelopes.create_from_template(actor, args.template, investor_id, signers, class_id=class_id,
                                                      amount=args.amount, units=args.units,
                                                      expires_on=_day(args.expires))
        else:
            assert pdf is not None
            envelope = envelopes.create(actor, args.title or Path(args.pdf).stem, args.kind, investor_id,
                                        _day(args.expires))
            envelope = envelopes.add_document(actor, envelope.envelope_id, envelope.version, Path(args.pdf).name, pdf)
            for signer in signers:
                envelope = envelopes.add_signer(actor, envelope.envelope_id, envelope.version, signer)
            for number, kind, page, box, optional in fields:
                if not 1 <= number <= len(envelope.signers):
                    fail(f"--field names signer {number}; the envelope has {len(envelope.signers)}.")
                envelope = envelopes.place_field(actor, envelope.envelope_id, envelope.version, 0,
                                                 envelope.signers[number - 1].key, kind, page - 1, box,
                                                 required=not optional)
        if args.send:
            envelope = envelopes.send(actor, envelope.envelope_id, envelope.version)
    print(f"Envelope {envelope.envelope_id} ({envelope.title}) is {envelope.status.label.lower()}; signers: "
          + ", ".join(f"{s.key} {s.name}" for s in envelope.signers) + ".")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        envelopes = ctx.services.envelopes
        envelope = envelopes.get(actor, envelopes.find_id(actor, args.envelope))
        now = envelopes.now()
    if args.json:
        emit_json(_json(envelope, now))
        return EXIT_OK
    print(f"{envelope.title}  [{envelope.status_at(now).label}]  {envelope.envelope_id}")
    if envelope.reason:
        print(f"  reason: {envelope.reason}")
    for document in envelope.documents:
        print(f"  document {document.name}: {document.pages} pages, SHA-256 {document.sha256_current}")
    waiting = {s.key for s in envelope.waiting_for()}
    for signer in envelope.signers:
        state = "signs now" if signer.key in waiting else signer.status.value
        when = f" {signer.signed_at:%Y-%m-%d %H:%M} UTC" if signer.signed_at else ""
        fields = ", ".join(f"{f.field_id} {f.kind.value}" + ("" if f.required else " (optional)")
                           for f in envelope.fields_of(signer.key))
        print(f"  {signer.key} {signer.name} ({signer.role.value}, order {signer.order}): {state}{when}; "
              f"fields: {fields or 'none'}")
    for event in envelope.events:
        print(f"  {event.at:%Y-%m-%d %H:%M} UTC  {event.action}  by {event.by}"
              + (f"  {event.signer}" if event.signer else "") + (f"  {event.detail}" if event.detail else ""))
    return EXIT_OK


def _act(args: argparse.Namespace, action: str) -> int:
    with acting(args) as (ctx, actor):
        envelopes = ctx.services.envelopes
        envelope = envelopes.get(actor, envelopes.find_id(actor, args.envelope))
        ident, version = envelope.envelope_id, envelope.version
        if action == "send":
            envelope = envelopes.send(actor, ident, version)
        elif action == "void":
            envelope = envelopes.void(actor, ident, version, args.reason)
        elif action == "decline":
            envelope = envelopes.decline(actor, ident, version, args.signer, args.reason)
        elif action == "remind":
            reminders = envelopes.remind(actor, ident, version)
            envelope = reminders.envelope
            print(reminders.message())
        elif action == "drive":
            print(envelopes.upload_to_drive(actor, ident).message())
        elif action == "sign":
            envelope = envelopes.sign(actor, ident, version, args.signer, _capture(args), args.identity,
                                      _values(args.value or []))
    print(f"Envelope {envelope.reference} is {envelope.status.label.lower()}"
          + (f"; waiting for {', '.join(s.name for s in envelope.waiting_for())}." if envelope.waiting_for() else "."))
    return EXIT_OK


def _capture(args: argparse.Namespace) -> Capture:
    if bool(args.typed) == bool(args.drawing):
        fail("Sign with --typed NAME or --drawing FILE (a JSON list of strokes of [x, y] points between 0 and 1).")
    if args.typed:
        return Capture(typed=args.typed)
    try:
        strokes = json.loads(read_bytes(args.drawing))
        return Capture(strokes=tuple(tuple((float(x), float(y)) for x, y in stroke) for stroke in strokes))
    except (ValueError, TypeError):
        fail(f"{args.drawing} is not a JSON list of strokes of [x, y] points.")


def _values(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            fail(f"--value {pair!r}: write FIELD=VALUE (a checkbox: FIELD=yes).")
        values[name.strip()] = value
    return values


def cmd_pdf(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        envelopes = ctx.services.envelopes
        ident = envelopes.find_id(actor, args.envelope)
        data = envelopes.certificate(actor, ident) if args.certificate else envelopes.document_pdf(
            actor, ident, args.document - 1)
    if isinstance(data, Locked):
        print(f"fidus: {data.reason}")
        return EXIT_PROBLEM
    try:
        write_private(Path(args.out), data)
    except OSError as exc:
        fail(f"Cannot write {args.out}: {exc.strerror or exc}.")
    print(f"Wrote {args.out} ({len(data):,} bytes).")
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Adds the envelope commands under ``fidus sign``; returns them for the actor options."""
    listed = sub.add_parser("envelopes", help="list envelopes, newest first")
    listed.add_argument("--status", help=f"only these ({', '.join(s.value for s in EnvelopeStatus)})")
    listed.add_argument("--investor", metavar="NUMBER", help="only this investor's")
    listed.add_argument("--limit", type=int, default=200)
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(func=cmd_list)
    certificate = sub.add_parser("certificate", help="write a completed envelope's certificate of completion")
    certificate.add_argument("envelope", metavar="ENVELOPE")
    certificate.add_argument("--out", required=True)
    certificate.set_defaults(func=cmd_pdf, certificate=True, document=1)
    envelope = sub.add_parser("envelope", help="create, show, send, sign, decline, void an envelope")
    actions = envelope.add_subparsers(dest="envelope_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", help="an envelope from a template or a PDF")
    create.add_argument("--template", choices=sorted(TEMPLATES))
    create.add_argument("--pdf", metavar="FILE", help="a PDF to send instead of a template")
    create.add_argument("--title", help="the envelope's title (with --pdf)")
    create.add_argument("--kind", default="other", help="with --pdf: subscription_agreement, redemption_request, "
                                                        "kyc_declaration or other")
    create.add_argument("--investor", metavar="NUMBER")
    create.add_argument("--class", dest="share_class", metavar="CODE", help="the share class (templates)")
    create.add_argument("--amount", help="subscription or redemption amount in the class currency")
    create.add_argument("--units", help="redemption by units")
    create.add_argument("--signer", action="append", metavar="NAME|EMAIL|ROLE|ORDER")
    create.add_argument("--field", action="append", metavar="SIGNER:KIND:PAGE:X1,Y1,X2,Y2[:optional]",
                        help="with --pdf: a field (signer and page numbered from 1)")
    create.add_argument("--expires", metavar="YYYY-MM-DD")
    create.add_argument("--send", action="store_true", help="send it at once")
    create.set_defaults(func=cmd_create)
    show = actions.add_parser("show", help="documents, signers, fields and events")
    show.add_argument("envelope", metavar="ENVELOPE")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    parsers = [listed, certificate, create, show]
    for name, helptext in (
            ("send", "put a draft out for signature"),
            ("remind", "remind the signers whose reminder is due (e-mailed through the Google outbox when you "
                       "connected Google)"),
            ("drive", "queue a completed envelope's documents for the investor's Drive folder")):
        parser = actions.add_parser(name, help=helptext)
        parser.add_argument("envelope", metavar="ENVELOPE")
        parser.set_defaults(func=lambda a, n=name: _act(a, n))
        parsers.append(parser)
    sign = actions.add_parser("sign", help="a signer signs in the office")
    sign.add_argument("envelope", metavar="ENVELOPE")
    sign.add_argument("--signer", required=True, metavar="KEY", help="s1, s2 … (`show` lists them)")
    sign.add_argument("--identity", required=True, help=f"how the signer's identity was checked, e.g. "
                                                        f"{', '.join(repr(c) for c in IDENTITY_CHECKS)}")
    sign.add_argument("--typed", metavar="NAME", help="the signer's typed name, shown in a script font")
    sign.add_argument("--drawing", metavar="FILE", help="the drawn signature: JSON strokes of [x, y] in 0..1")
    sign.add_argument("--value", action="append", metavar="FIELD=VALUE", help="a text field's value; checkbox: yes")
    sign.set_defaults(func=lambda a: _act(a, "sign"))
    decline = actions.add_parser("decline", help="a signer declines")
    decline.add_argument("envelope", metavar="ENVELOPE")
    decline.add_argument("--signer", required=True, metavar="KEY")
    decline.add_argument("--reason", required=True)
    decline.set_defaults(func=lambda a: _act(a, "decline"))
    void = actions.add_parser("void", help="void a draft or open envelope")
    void.add_argument("envelope", metavar="ENVELOPE")
    void.add_argument("--reason", required=True)
    void.set_defaults(func=lambda a: _act(a, "void"))
    pdf = actions.add_parser("pdf", help="write a document as it stands now")
    pdf.add_argument("envelope", metavar="ENVELOPE")
    pdf.add_argument("--document", type=int, default=1, help="which document (1 = first)")
    pdf.add_argument("--out", required=True)
    pdf.set_defaults(func=cmd_pdf, certificate=False)
    parsers += [sign, decline, void, pdf]
    for parser in parsers:
        add_actor_options(parser)
    return parsers
