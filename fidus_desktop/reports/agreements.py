"""Agreement templates rendered to PDF: subscription agreement, redemption request, KYC self-declaration.

Each is filled from the investor, the share class and the amount, and ends with a signature block whose boxes
(signature and date per party) are measured while the PDF is laid out, so an envelope places its fields
exactly on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from fidus_desktop.reports.formatting import amount as format_amount
from fidus_desktop.reports.formatting import day
from fidus_desktop.reports.pdf import BRAND, RULE, Page, figure_table, paragraph, pdf_bytes

TEMPLATES = {
    "subscription_agreement": "Subscription agreement",
    "redemption_request": "Redemption request",
    "kyc_declaration": "KYC self-declaration",
}


@dataclass(frozen=True)
class AgreementData:
    """What a template is filled with (the service reads it from the investor and the share class)."""

    template: str  # a key of TEMPLATES
    office: str  # the fund manager's name
    investor_name: str
    investor_number: str
    investor_kind: str  # individual | corporate
    investor_email: str = ""
    fund_name: str = ""
    class_code: str = ""
    class_name: str = ""
    currency: str = ""
    amount: Decimal | None = None  # subscription or redemption amount in the class currency
    units: Decimal | None = None  # redemption by units instead of an amount
    on: date | None = None


@dataclass(frozen=True)
class Slot:
    """A box of the signature block: which party (signer role), what goes there, where."""

    role: str  # investor | office_signatory | witness
    kind: str  # signature | date
    page: int  # 0-based
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in points from the page's bottom left


class _SignatureLine(Flowable):
    """One party's signature and date boxes with their captions; records where they landed."""

    def __init__(self, role: str, caption: str, slots: list[Slot]) -> None:
        super().__init__()
        self.role, self.caption, self.slots = role, caption, slots
        self.width, self.height = 170 * mm, 24 * mm

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setFillColor(colors.HexColor("#fafbfc"))
        canvas.rect(0, 6 * mm, 95 * mm, 16 * mm, fill=1)
        canvas.rect(105 * mm, 6 * mm, 45 * mm, 16 * mm, fill=1)
        canvas.setFillColor(BRAND)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(0, 2 * mm, self.caption)
        canvas.drawString(105 * mm, 2 * mm, "Date")
        canvas.restoreState()
        page = canvas.getPageNumber() - 1
        for kind, (x, width) in (("signature", (0.0, 95 * mm)), ("date", (105 * mm, 45 * mm))):
            x1, y1 = canvas.absolutePosition(x, 6 * mm)
            self.slots.append(Slot(self.role, kind, page, (round(x1), round(y1), round(x1 + width),
                                                           round(y1 + 16 * mm))))


def render(data: AgreementData, parties: list[tuple[str, str]]) -> tuple[bytes, list[Slot]]:
    """The PDF and its signature boxes; ``parties`` are ``(role, caption)`` in signing order."""
    if data.template not in TEMPLATES:
        raise ValueError(f"No template {data.template!r}; templates: {', '.join(TEMPLATES)}.")
    title = TEMPLATES[data.template]
    story: list[Any] = [paragraph(title, "title"), paragraph(f"{data.office} · {day(data.on)}", "small"),
                        Spacer(1, 4 * mm)]
    story += _BODIES[data.template](data)
    slots: list[Slot] = []
    story += [CondPageBreak(40 * mm + 28 * mm * len(parties)), Spacer(1, 6 * mm), paragraph("Signatures", "h2")]
    story += [KeepTogether([_SignatureLine(role, caption, slots), Spacer(1, 3 * mm)]) for role, caption in parties]
    pdf = pdf_bytes(story, Page(data.office, title, f"{data.investor_name} ({data.investor_number})"), title)
    return pdf, slots


def _parties_table(data: AgreementData) -> list[Any]:
    rows = [["Investor", f"{data.investor_name} ({data.investor_kind})"], ["Investor number", data.investor_number]]
    if data.investor_email:
        rows.append(["E-mail", data.investor_email])
    if data.fund_name:
        rows.append(["Fund", data.fund_name])
    if data.class_code:
        rows.append(["Share class", f"{data.class_code} {data.class_name} ({data.currency})"])
    if data.amount is not None:
        rows.append(["Amount", format_amount(data.amount, data.currency, with_code=True)])
    if data.units is not None:
        rows.append(["Units", f"{data.units:,}"])
    table = figure_table(["Parties and terms", ""], rows, numeric_from=2, widths=[45 * mm, 125 * mm])
    return [table, Spacer(1, 4 * mm)]


def _subscription(data: AgreementData) -> list[Any]:
    money = format_amount(data.amount, data.currency, with_code=True) if data.amount is not None else "the amount"
    clauses = [
        f"1. Subscription. The investor subscribes {money} for shares of class {data.class_code} of "
        f"{data.fund_name}, to be issued at the net asset value per share of the dealing day on which the "
        "cleared amount and this signed agreement are received, less any entry fee the class terms set.",
        "2. Offering documents. The investor confirms having received and read the fund's offering memorandum, "
        "the class terms and the latest annual report, and subscribes on their basis only.",
        "3. Eligibility. The investor confirms being eligible to invest in the fund under the laws that apply to "
        "them, and that the money subscribed is not the proceeds of crime.",
        "4. Identity and source of funds. The investor will provide the identification and source-of-funds "
        "documents the fund manager requires; shares are issued only once these are approved.",
        "5. Personal data. The fund manager keeps the investor's personal data encrypted, uses it to administer "
        "the investment and meet its legal duties, and keeps it as long as the law requires.",
        "6. Risks. The value of shares can fall as well as rise; past performance does not guarantee future "
        "results; the investor may get back less than they invested.",
    ]
    return [*_parties_table(data), *[paragraph(text) for text in clauses]]


def _redemption(data: AgreementData) -> list[Any]:
    what = (f"{data.units:,} units" if data.units is not None else
            format_amount(data.amount, data.currency, with_code=True) if data.amount is not None else "shares")
    clauses = [
        f"The investor asks the fund manager to redeem {what} of class {data.class_code} of {data.fund_name} at "
        "the net asset value per share of the next dealing day after this signed request is received, less any "
        "exit fee the class terms set.",
        "The proceeds are paid to the bank account on file in the investor's name; a request to pay elsewhere "
        "is refused.",
        "The request cannot be withdrawn once the dealing day's cut-off has passed.",
    ]
    return [*_parties_table(data), *[paragraph(text) for text in clauses]]


def _kyc(data: AgreementData) -> list[Any]:
    clauses = [
        "The investor declares that the identity, address, tax residence and source-of-funds information they "
        "gave the fund manager is true and complete.",
        "The investor declares whether they, a family member or a close associate hold or held a prominent "
        "public function (a politically exposed person), and will tell the fund manager within 30 days of any "
        "change.",
        "The investor declares that they act on their own account, or names every person on whose behalf they "
        "act, and that no ultimate beneficial owner has been withheld.",
    ]
    return [*_parties_table(data), *[paragraph(text) for text in clauses]]


_BODIES = {"subscription_agreement": _subscription, "redemption_request": _redemption, "kyc_declaration": _kyc}
