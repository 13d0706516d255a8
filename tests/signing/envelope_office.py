"""An office ready for envelopes: a data key, a self-signed office certificate, a fund with a EUR class and an
investor; the envelope tests, the Signing tab tests and the CLI tests build on it."""

from __future__ import annotations

from dataclasses import dataclass

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.signing.envelopes import Envelope
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.envelopes import Capture, EnvelopeService, SignerInput
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.services.portfolio.investors import Investor
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE

PM = Actor("u-pm", "maria", Role.PORTFOLIO_MANAGER, workstation="desk-7")
BACK = Actor("u-bo", "lena", Role.BACK_OFFICE, workstation="desk-2")
OFFICER = Actor("u-co", "olga", Role.COMPLIANCE_OFFICER, workstation="desk-3")
TYPED = Capture(typed="Ann Smith")
DRAWN = Capture(strokes=(((0.1, 0.6), (0.2, 0.3), (0.35, 0.7), (0.5, 0.35), (0.7, 0.65), (0.9, 0.4)),))


@dataclass
class EnvelopeOffice:
    ctx: AppContext
    admin: Actor
    envelopes: EnvelopeService
    ann: Investor
    eur: ShareClass


def build(ctx: AppContext, admin: Actor, secrets: SecretStore) -> EnvelopeOffice:
    KeyService(ctx.services.ctx, secrets, kdf=CHEAP_KDF).init(admin, PASSPHRASE)
    ctx.services.signing.create_office_certificate(admin, "Test Office signing", "Test Fund Management")
    p = ctx.services.portfolio
    fund = p.funds.create_fund(admin, "GLB", "Global Opportunities", "EUR")
    eur = p.funds.create_class(admin, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR", launch_date="2023-01-01")
    ann = p.investors.create_investor(admin, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    return EnvelopeOffice(ctx, admin, ctx.services.envelopes, ann, eur)


def subscription(office: EnvelopeOffice, *, witness: bool = False, parallel: bool = False) -> Envelope:
    signers = [SignerInput("Ann Smith", "ann@example.com", "investor", 1),
               SignerInput("Maria Rossi", "maria@fidus.example", "office_signatory", 1 if parallel else 2)]
    if witness:
        signers.append(SignerInput("Walter White", "", "witness", 3))
    return office.envelopes.create_from_template(PM, "subscription_agreement", office.ann.investor_id, signers,
                                                 class_id=office.eur.class_id, amount="250000")
