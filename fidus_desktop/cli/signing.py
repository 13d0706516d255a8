"""``fidus sign pdf | verify | office-certificate | trust``: PAdES signatures from the command line; the envelope
commands are in ``cli.envelopes``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from fidus_desktop.cli import envelopes
from fidus_desktop.cli.common import EXIT_OK, EXIT_PROBLEM, acting, add_actor_options, emit_json, fail, read_bytes
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.signing import Placement, SignRequest


def _passphrase(env: str | None) -> str | None:
    if env is None:
        return None
    value = os.environ.get(env)
    if value is None:
        fail(f"The environment variable {env} holding the PKCS#12 passphrase is not set.")
    return value


def cmd_pdf(args: argparse.Namespace) -> int:
    pdf = read_bytes(args.input)
    pkcs12 = read_bytes(args.p12) if args.p12 else None
    request = SignRequest(args.field, args.signer, reason=args.reason or "", location=args.location or "",
                          placement=Placement(args.page - 1) if args.page else None, lock=args.lock)
    with acting(args) as (ctx, actor):
        signed = ctx.services.signing.sign(actor, pdf, request, pkcs12, _passphrase(args.p12_pass_env))
    try:
        write_private(Path(args.out), signed.data)
    except OSError as exc:
        fail(f"Cannot write {args.out}: {exc.strerror or exc}.")
    print(f"Signed {args.input} as {args.signer} into {args.out} (SHA-256 {signed.sha256_after}).")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    pdf = read_bytes(args.file)
    with acting(args) as (ctx, actor):
        reports = ctx.services.signing.verify(actor, pdf)
    good = bool(reports) and all(r.good for r in reports)
    if args.json:
        emit_json({"file": args.file, "valid": good, "signatures": reports})
    elif not reports:
        print(f"{args.file} has no signatures.")
    else:
        for report in reports:
            print(report.summary())
            print(f"  covers {report.covers}; {report.changes_after}")
    return EXIT_OK if good else EXIT_PROBLEM


def cmd_certificate_create(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        info = ctx.services.signing.create_office_certificate(actor, args.name, args.organisation)
    print(f"The office now signs as {info.subject} (self-signed, valid until {info.not_after:%Y-%m-%d}, "
          f"SHA-256 {info.fingerprint}). Readers call a self-signed issuer untrusted until told to trust it; "
          "import a certificate from a trusted provider for signatures they trust by themselves.")
    return EXIT_OK


def cmd_certificate_import(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    with acting(args) as (ctx, actor):
        info = ctx.services.signing.import_office_certificate(actor, data, _passphrase(args.pass_env))
    print(f"The office now signs as {info.subject} (valid until {info.not_after:%Y-%m-%d}, "
          f"SHA-256 {info.fingerprint}).")
    return EXIT_OK


def cmd_certificate_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        info = ctx.services.signing.office_certificate(actor)
    if args.json:
        emit_json({"certificate": info})
    elif info is None:
        print("The office has no signing certificate yet (`fidus sign office-certificate create`).")
    else:
        print(f"{info.subject}, {info.origin}, valid until {info.not_after:%Y-%m-%d}, SHA-256 {info.fingerprint}")
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    with acting(args) as (ctx, actor):
        subject = ctx.services.signing.trust_ca(actor, data)
    print(f"Signatures by certificates issued by {subject} are now trusted.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sign", help="sign PDFs and validate their signatures (PAdES)")
    sub = parser.add_subparsers(dest="sign_command", required=True, metavar="ACTION")
    pdf = sub.add_parser("pdf", help="sign a PDF with the office certificate (or a PKCS#12 file)")
    pdf.add_argument("input", metavar="IN")
    pdf.add_argument("--out", required=True, help="where the signed PDF goes")
    pdf.add_argument("--signer", required=True, help="the signer's name, shown in the signature")
    pdf.add_argument("--field", default="Signature", help="signature field name (default: Signature)")
    pdf.add_argument("--reason", help="why it is signed")
    pdf.add_argument("--location", help="where it is signed")
    pdf.add_argument("--page", type=int, help="show the signature on this page (1 = first); default invisible")
    pdf.add_argument("--lock", action="store_true", help="allow no change after this signature")
    pdf.add_argument("--p12", metavar="FILE", help="sign with this PKCS#12 file instead of the office certificate")
    pdf.add_argument("--p12-pass-env", metavar="VAR", help="environment variable holding the PKCS#12 passphrase")
    pdf.set_defaults(func=cmd_pdf)
    verify = sub.add_parser("verify", help="validate every signature of a PDF (exit 1 unless all are good)")
    verify.add_argument("file", metavar="FILE")
    verify.add_argument("--json", action="store_true")
    verify.set_defaults(func=cmd_verify)
    cert = sub.add_parser("office-certificate", help="the office's signing certificate")
    cert_sub = cert.add_subparsers(dest="certificate_command", required=True, metavar="ACTION")
    create = cert_sub.add_parser("create", help="create a self-signed office certificate")
    create.add_argument("--name", required=True, help="e.g. 'FIDUS Fund Management signing'")
    create.add_argument("--organisation", required=True)
    create.set_defaults(func=cmd_certificate_create)
    imported = cert_sub.add_parser("import", help="use a certificate and key from a PKCS#12 (.p12/.pfx) file")
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--pass-env", metavar="VAR", help="environment variable holding its passphrase")
    imported.set_defaults(func=cmd_certificate_import)
    show = cert_sub.add_parser("show", help="the current office certificate")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_certificate_show)
    trust = sub.add_parser("trust", help="trust signatures by certificates a CA issued (PEM or DER file)")
    trust.add_argument("file", metavar="FILE")
    trust.set_defaults(func=cmd_trust)
    for command in (pdf, verify, create, imported, show, trust):
        add_actor_options(command)
    envelopes.register(sub)
