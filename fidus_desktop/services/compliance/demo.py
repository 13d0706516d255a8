"""The demo office's compliance desk, made through the services (so every step has its audit entry):

- KYC files in every state on demo investors, scored with the office's current risk model (the shipped one, with
  the FATF lists of 2024-10-25):
  complete and approved, incomplete, an identity document that has expired (the file is back to "needs
  update"), one in review awaiting the second officer, one with a band override waiting for confirmation;
- the real OFAC SDN list imported when ``shared/data`` lies beside the repository (a development or CI
  checkout), then investors whose names are on it: a true match confirmed by a second officer, a false
  positive confirmed, one proposal awaiting the second officer and open alerts. Without the file no list is
  imported and no hit is made up: the Screening view says that no list is imported yet.

Order 40: after the portfolio (20) and the CRM (30). The compliance officers are James Okafor and Sofia Keller
(``services.demo.DEMO_PEOPLE``), so four eyes can be shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.domain.compliance.risk import RiskInputs
from fidus_desktop.reports.specimen import file_name, specimen_pdf
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.kyc import KycCase, KycService
from fidus_desktop.services.compliance.screening import ScreeningService
from fidus_desktop.services.demo import DemoRun

log = logging.getLogger(__name__)
SHARED_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
"""``shared/data`` beside the repository (absent from an installed application)."""
OFAC_SDN = "ofac-sdn-2024-05-03.csv"

# (number, name, kind, what happens): people and companies on the OFAC list, screened when created
LISTED = [
    ("INV-00901", "Mikhail Mishustin", "individual", "true_match"),
    ("INV-00902", "Ilya Brodskiy", "individual", "false_positive"),
    ("INV-00903", "Abdul Hakim Al Khaiwani", "individual", "proposed"),
    ("INV-00904", "Yelena Afanasyeva", "individual", "open"),
    ("INV-00905", "Elsiton Komponent LLC", "corporate", "open"),
]
PROFILES = [
    RiskInputs(residence="DE", nationalities=("DE",), source_of_funds="salary", product_kind="fund",
               expected_volume=Decimal(250_000)),
    RiskInputs(residence="AT", nationalities=("HR",), source_of_funds="inheritance", product_kind="fixed_yield",
               face_to_face=False, expected_volume=Decimal(600_000)),
    RiskInputs(residence="CH", nationalities=("KE",), source_of_funds="business_income", product_kind="fixed_yield",
               face_to_face=False, expected_volume=Decimal(1_500_000)),
    RiskInputs(residence="LU", nationalities=("FR",), source_of_funds="pension", product_kind="fund"),
    RiskInputs(residence="GB", nationalities=("ZA",), pep=True, source_of_funds="business_income", product_kind="fund",
               expected_volume=Decimal(2_000_000)),
    RiskInputs(residence="FR", nationalities=("FR",), source_of_funds="salary", product_kind="fund"),
]
CORPORATE = RiskInputs(incorporation="LU", source_of_funds="business_income", product_kind="fund", ownership_levels=2,
                       expected_volume=Decimal(5_000_000))
ROOT = "(the investor)"
OWNERSHIP_CHAIN = [  # owner, person or company, % held, of company
    ("Rossi Family Holding SA", "company", "60", ROOT),
    ("Alpine Trust Partners AG", "company", "40", ROOT),
    ("Rossi Beteiligungen GmbH", "company", "100", "Rossi Family Holding SA"),
    ("Marco Rossi", "person", "50", "Rossi Beteiligungen GmbH"),
    ("Giulia Rossi", "person", "50", "Rossi Beteiligungen GmbH"),
    ("Lukas Brunner", "person", "70", "Alpine Trust Partners AG"),
    ("Petra Imhof", "person", "30", "Alpine Trust Partners AG"),
]
"""Two levels of companies above the investor on the Rossi side: Marco and Giulia Rossi own 30 % each and
Lukas Brunner 28 % (beneficial owners), Petra Imhof 12 % (not one)."""
REASONS = {
    "true_match": "Same person: name, nationality and date of birth on the passport copy agree with SDN entry",
    "false_positive": "Different person: born 1990 in Haifa, passport seen; the listed person was born 1972",
    "proposed": "Different person: passport shows another date and place of birth",
}


@contextmanager
def as_of(kyc: KycService, moment: datetime) -> Iterator[None]:
    """Run the services as if it were ``moment`` (a file approved last year whose document has since lapsed)."""
    ctx, clock = kyc.ctx, kyc.ctx.clock
    ctx.clock = lambda: moment
    try:
        yield
    finally:
        ctx.clock = clock


def demo_compliance(run: DemoRun) -> None:
    services = run.services
    james = run.made["james.okafor"].actor()
    sofia = run.made["sofia.keller"].actor()
    lena = run.made["lena.fischer"].actor()
    kyc: KycService = services.kyc
    individuals = [i for i in services.portfolio.investors.with_accounts(run.actor) if i.kind == "individual"]
    companies = [i for i in services.portfolio.investors.with_accounts(run.actor) if i.kind == "corporate"]
    now = kyc.now()
    model = services.risk_models.current(james).model  # the office's model, as a real scoring run would use
    with_files = services.documents.locked() is None  # the demo's data key (in memory) seals the specimens

    def case_of(investor_id: str) -> KycCase:
        return kyc.case_of(james, investor_id) or kyc.open_case(lena, investor_id)

    def receive(case: KycCase, actor: Actor, codes: list[str] | None = None, approve: bool = True,
                expires: int = 5 * 365) -> KycCase:
        today = kyc.now().date()
        for entry in case.items:
            if codes is not None and entry.code not in codes:
                continue
            requirement = entry.item.requirement
            dated = (today - timedelta(days=run.rng.randint(3, 40))).isoformat()
            expiry = (today + timedelta(days=expires)).isoformat() if requirement.expires else ""
            if with_files:  # a specimen PDF stored encrypted with the investor, linked to the item
                case = services.kyc_files.record_document(
                    actor, case.case_id, case.version, entry.code, name=file_name(requirement),
                    data=specimen_pdf(requirement.label), document_date=dated, expires_on=expiry)
            else:
                case = kyc.move_item(actor, case.case_id, case.version, entry.code, ItemStatus.RECEIVED,
                                     document_date=dated, expires_on=expiry)
            if approve:
                case = kyc.move_item(james, case.case_id, case.version, entry.code, ItemStatus.APPROVED)
        return case

    def scored(case: KycCase, inputs: RiskInputs) -> KycCase:
        """Score with the profile; its countries become the investor's on file (the scoring reads those)."""
        investor = services.portfolio.investors.get(lena, case.investor_id)
        wanted: dict[str, Any] = {"nationalities": list(inputs.nationalities) if inputs.nationalities else None,
                  "residence_country": inputs.residence, "incorporation_country": inputs.incorporation}
        now = {"nationalities": list(investor.nationalities) or None, "residence_country": investor.residence_country,
               "incorporation_country": investor.incorporation_country}
        edits = {k: v for k, v in wanted.items() if v is not None and v != now[k]}
        if edits:
            services.portfolio.investors.update_investor(lena, investor.investor_id, investor.version, **edits)
        return kyc.score_risk(james, case.case_id, case.version, inputs, model)[0]

    def approved(investor_id: str, inputs: RiskInputs, expires: int = 5 * 365) -> KycCase:
        case = scored(receive(case_of(investor_id), lena, expires=expires), inputs)
        case = kyc.submit(james, case.case_id, case.version)
        return kyc.approve(sofia, case.case_id, case.version)

    made: dict[str, str] = {}
    # complete and approved files, scored with the demo risk model
    for investor, inputs in zip(individuals[:6], PROFILES, strict=False):
        made[investor.number] = approved(investor.investor_id, inputs).status.value
    # approved, then one reminder: the identity document lapses within the month
    made[individuals[6].number] = approved(individuals[6].investor_id, PROFILES[0], expires=20).status.value
    # approved last year; the identity document has since expired, so the daily sweep puts it back
    with as_of(kyc, now - timedelta(days=400)):
        approved(individuals[7].investor_id, PROFILES[1], expires=380)
    for case in kyc.lapse_expired(james):
        made[case.investor_number] = case.status.value
    # incomplete: some documents in, some checked, the rest missing; one sent back for a revision
    case = receive(case_of(individuals[8].investor_id), lena, ["identity", "address", "bank_statement"], approve=False)
    case = kyc.move_item(james, case.case_id, case.version, "identity", ItemStatus.APPROVED)
    made[individuals[8].number] = case.status.value
    case = receive(case_of(individuals[9].investor_id), lena, ["identity", "address", "source_of_funds"])
    case = receive(case, lena, ["bank_statement"], approve=False)
    kyc.move_item(james, case.case_id, case.version, "bank_statement", ItemStatus.REVISION_REQUESTED,
                  reason="The statement shows no account holder name; send the bank's signed original")
    made[individuals[9].number] = "open (revision requested)"
    # complete and submitted by James: waits for Sofia (four eyes)
    case = scored(receive(case_of(individuals[10].investor_id), lena), PROFILES[2])
    made[individuals[10].number] = kyc.submit(james, case.case_id, case.version).status.value
    # scored low, but the officer asks for medium: the override waits for the second officer
    case = scored(receive(case_of(individuals[11].investor_id), lena), PROFILES[0])
    kyc.set_risk_band(james, case.case_id, case.version, "medium",
                      "Adverse press about the investor's employer; monitor more closely than the score says")
    made[individuals[11].number] = "open (band override awaiting a second officer)"
    # a corporate investor's file: owned through two levels of companies, three beneficial owners, approved
    if companies:
        root = companies[0].name
        services.kyc_ownership.set_ownership(james, companies[0].investor_id, [
            {"owner": o, "kind": k, "share": share, "company": root if c == ROOT else c}
            for o, k, share, c in OWNERSHIP_CHAIN], None)
        made[companies[0].number] = approved(companies[0].investor_id, CORPORATE).status.value
    # an incomplete corporate file
    if len(companies) > 1:
        receive(case_of(companies[1].investor_id), lena, ["incorporation", "directors"], approve=False)
        made[companies[1].number] = "open"
    run.made["kyc_cases"] = made
    run.made["kyc_documents"] = ("specimen PDFs stored encrypted with every received item" if with_files else
                                 f"items without documents: {locked.reason}" if (locked := services.documents.locked())
                                 else "")
    run.made["screening"] = _screening(run, james, sofia, lena)


def _screening(run: DemoRun, james: Actor, sofia: Actor, lena: Actor) -> str:
    """Import the real OFAC SDN file and make the listed investors; say honestly when the file is absent."""
    services = run.services
    path = SHARED_DATA / OFAC_SDN
    if not path.exists():
        return f"no sanctions list imported: {path} is not there (import one in Compliance → Screening)"
    services.screening_lists.import_file(run.actor, "ofac", path.read_bytes(), OFAC_SDN)
    services.screening.run(run.actor)  # the portfolio's investors were stored without a screening
    investors, screening = services.portfolio.investors, services.screening
    steps: dict[str, Callable[[str, str], object]] = {
        "true_match": lambda alert_id, reason: _decide(screening, james, sofia, alert_id, "true_match", reason),
        "false_positive": lambda alert_id, reason: _decide(screening, james, sofia, alert_id, "false_positive", reason),
        "proposed": lambda alert_id, reason: _decide(screening, james, None, alert_id, "false_positive", reason),
    }
    for number, name, kind, what in LISTED:
        investor = investors.create_investor(lena, number, name, kind)  # screened and given a KYC case on save
        alerts = screening.list_alerts(james, open_only=True, investor_id=investor.investor_id)
        if not alerts:
            log.warning("Demo investor %s raised no alert against %s", name, OFAC_SDN)
            continue
        if what in steps:
            steps[what](alerts[0].alert_id, REASONS[what])
        if what == "true_match":  # the file is refused: a sanctioned person is not onboarded
            kyc = services.kyc
            case = kyc.case_for(james, number)
            case = kyc.submit(james, case.case_id, case.version)
            kyc.reject(sofia, case.case_id, case.version, "Confirmed match on the OFAC SDN list (entry "
                       f"{alerts[0].entry_id}); relationship declined and reported to the MLRO")
    return f"OFAC SDN imported from {path.name}; {screening.open_count(james)} alert(s) open"


def _decide(screening: ScreeningService, maker: Actor, checker: Actor | None, alert_id: str, disposition: str,
            reason: str) -> None:
    alert = screening.alert(maker, alert_id)
    alert = screening.decide(maker, alert_id, alert.version, disposition, reason)
    if checker is not None:
        screening.confirm(checker, alert_id, alert.version, True, "Agreed")
