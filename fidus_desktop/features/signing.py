"""Signing: the office signing certificate, PAdES signatures on PDFs and validation of any PDF's signatures.
Envelopes, templates, signature capture and the tab come next (issue 16)."""

from __future__ import annotations

from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.signing import SIGNING_PERSONAL_DATA, SigningPermission, SigningService

SIGN, VERIFY, CERTIFICATE = SigningPermission.SIGN, SigningPermission.VERIFY, SigningPermission.CERTIFICATE

SIGNING = Feature(
    name="signing",
    services={"signing": lambda w: SigningService(w.ctx, w.services.vault)},
    needs=("vault",),
    permissions=(SIGN, VERIFY, CERTIFICATE),
    grants={
        Role.PORTFOLIO_MANAGER: frozenset({SIGN, VERIFY}),
        Role.COMPLIANCE_OFFICER: frozenset({VERIFY}),
        Role.BACK_OFFICE: frozenset({SIGN, VERIFY}),
    },
    tab=TabDecl("signing", "Signing", note="Envelopes, signature capture and validation in the app come next; "
                                           "`fidus sign` signs and validates PDFs today."),
    cli=("fidus_desktop.cli.signing",),
    personal_data=SIGNING_PERSONAL_DATA,
    announces=("signing_certificate", "signing_trusted_ca"),
)
