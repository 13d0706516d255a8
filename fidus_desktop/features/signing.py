"""Signing: agreement templates and envelopes signed in turn in the office, the office signing certificate,
PAdES signatures on PDFs, certificates of completion and validation of any PDF's signatures (issue 16)."""

from __future__ import annotations

from fidus_desktop.config.settings import Setting, at_least
from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.envelopes import ENVELOPE_PERSONAL_DATA, EnvelopeService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry
from fidus_desktop.services.signing import SIGNING_PERSONAL_DATA, SigningPermission, SigningService

P = SigningPermission


def _http_url(value: str) -> str | None:
    """A ``check``: empty, or an http(s) address."""
    if not value or value.startswith(("http://", "https://")):
        return None
    return f"must start with https://, not {value!r}"


SIGN, VERIFY, CERTIFICATE = P.SIGN, P.VERIFY, P.CERTIFICATE

SIGNING = Feature(
    name="signing",
    services={
        "signing": lambda w: SigningService(w.ctx, w.services.vault),
        "envelopes": lambda w: EnvelopeService(
            w.ctx, w.services.vault, w.services.signing, w.services.portfolio.investors, w.services.portfolio.funds,
            w.services.documents, w.setting("signing.office_name"), w.setting("signing.reminder_days"),
            w.setting("signing.timestamp_url") or None, getattr(w.services, "google", None)),
    },
    needs=("vault", "portfolio", "documents"),
    permissions=(SIGN, VERIFY, CERTIFICATE, P.READ, P.ENVELOPES, P.VOID),
    grants={
        Role.PORTFOLIO_MANAGER: frozenset({SIGN, VERIFY, P.READ, P.ENVELOPES}),
        Role.COMPLIANCE_OFFICER: frozenset({VERIFY, P.READ}),
        Role.BACK_OFFICE: frozenset({SIGN, VERIFY, P.READ, P.ENVELOPES, P.VOID}),
    },
    tab=TabDecl("signing", "Signing", "fidus_desktop.ui.signing.tab:signing_tab", permission=VERIFY),
    cli=("fidus_desktop.cli.signing",),
    demo=((55, "fidus_desktop.services.signing_demo:demo_envelopes"),),
    personal_data=PersonalDataRegistry.merged([SIGNING_PERSONAL_DATA, ENVELOPE_PERSONAL_DATA]),
    settings=(Setting("signing.office_name", str, "FIDUS Fund Management",
                      "the office's name on agreements and certificates of completion"),
              Setting("signing.reminder_days", int, 3, "days before a pending signer is due a reminder", at_least(1)),
              Setting("signing.timestamp_url", str, "", "an RFC 3161 timestamp server: envelope signatures become "
                      "PAdES B-T (empty: B-B, the signer's computer's time)", _http_url)),
    announces=("signing_certificate", "signing_trusted_ca", "signing_envelope", "signed_agreement"),
)
