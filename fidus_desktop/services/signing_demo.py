"""The demo office's envelopes: subscription agreements completed, partially signed, out for signature,
declined and voided, a KYC declaration as a draft, all signed with a demo office certificate. The agreements
are due back within days of the demo's today (its clock, services.demo.DEMO_NOW): one out for signature lapses
in three days, the partially signed one in ten, so the Expires column shows what is pressing.

Order 55: after the portfolio (investors and share classes) and MT5. The demo database has no
data key of its own, and envelope PDFs are stored sealed, so this builder creates one with a throwaway
passphrase (it enrols this workstation for the demo database only).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from fidus_desktop.errors import UserError
from fidus_desktop.services.demo import DemoRun
from fidus_desktop.services.envelopes import Capture, SignerInput

WAVE = tuple((i / 24, 0.5 + 0.25 * ((-1) ** i) * (0.4 + (i % 5) / 10)) for i in range(1, 24))
# (amount, how far the signing got) per demo investor, in the order the portfolio demo made them
PLANS = [("500000", "completed"), ("250000", "completed"), ("750000", "partially_signed"), ("150000", "sent"),
         ("1000000", "declined"), ("300000", "voided")]
EXPIRES_IN_DAYS = {"partially_signed": 10, "sent": 3}  # the rest: the office's two weeks to sign
DEFAULT_EXPIRY_DAYS = 14


def demo_envelopes(run: DemoRun) -> None:
    services, actor = run.services, run.actor
    if not services.keys.status().initialised:
        try:
            services.keys.init(actor, secrets.token_urlsafe(24))
        except UserError:  # no usable keyring: the demo goes without envelopes rather than fail to start
            run.made["envelopes"] = 0
            return
    services.signing.create_office_certificate(actor, "FIDUS Demo Office signing", "FIDUS Demo Fund Management")
    envelopes = services.envelopes
    investors = services.portfolio.investors.page(actor, limit=len(PLANS) + 1)
    classes = services.portfolio.funds.list_classes(actor)
    if not investors or not classes:
        return
    made, today = 0, envelopes.now().date()
    for (amount, outcome), investor in zip(PLANS, investors, strict=False):
        share_class = classes[made % len(classes)]
        signers = [SignerInput(investor.name, investor.email or "", "investor", 1),
                   SignerInput("Maria Costa", "maria.costa@fidus.example", "office_signatory", 2)]
        envelope = envelopes.create_from_template(actor, "subscription_agreement", investor.investor_id, signers,
                                                  class_id=share_class.class_id, amount=amount,
                                                  expires_on=today + timedelta(
                                                      days=EXPIRES_IN_DAYS.get(outcome, DEFAULT_EXPIRY_DAYS)))
        made += 1
        if outcome == "voided":
            envelopes.void(actor, envelope.envelope_id, envelope.version, "Amount changed; a new agreement follows")
            continue
        envelope = envelopes.send(actor, envelope.envelope_id, envelope.version)
        if outcome == "declined":
            envelopes.decline(actor, envelope.envelope_id, envelope.version, "s1",
                              "Wants to invest through the family holding instead")
            continue
        if outcome == "sent":
            continue
        envelope = envelopes.sign(actor, envelope.envelope_id, envelope.version, "s1", Capture(strokes=(WAVE,)),
                                  "ID document seen")
        if outcome == "completed":
            envelopes.sign(actor, envelope.envelope_id, envelope.version, "s2", Capture(typed="Maria Costa"),
                           "Known client")
    investor = investors[-1]
    envelopes.create_from_template(actor, "kyc_declaration", investor.investor_id,
                                   [SignerInput(investor.name, investor.email or "", "investor", 1)])
    run.made["envelopes"] = made + 1
