"""Making investors ready to invest the way an office does: the KYC file completed and approved by two
compliance officers, and the signed subscription agreement recorded (portfolio tests subscribe for them)."""

from __future__ import annotations

from datetime import date, timedelta

from fidus_desktop.bootstrap import Services
from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.kyc import KycCase
from fidus_desktop.services.permissions import Role

MAKER = Actor("u-kyc-maker", "olga", Role.COMPLIANCE_OFFICER, workstation="test")
CHECKER = Actor("u-kyc-checker", "omar", Role.COMPLIANCE_OFFICER, workstation="test")


def complete_file(services: Services, case: KycCase, actor: Actor = MAKER) -> KycCase:
    """Receive and approve every item (with the dates its requirement asks for) and record a low risk band."""
    kyc, today = services.kyc, date.today()
    for entry in case.items:
        req = entry.item.requirement
        case = kyc.move_item(actor, case.case_id, case.version, req.code, "received",
                             document_date=today - timedelta(days=10) if req.max_age_days else None,
                             expires_on=today + timedelta(days=400) if req.expires else None)
        case = kyc.move_item(actor, case.case_id, case.version, req.code, ItemStatus.APPROVED)
    return kyc.set_risk_band(actor, case.case_id, case.version, "low", "resident, salaried, no PEP link")


def approve_file(services: Services, investor_id: str) -> KycCase:
    """The investor's case (opened if needed) completed by one officer and approved by another."""
    kyc = services.kyc
    case = kyc.case_of(MAKER, investor_id) or kyc.open_case(MAKER, investor_id)
    case = complete_file(services, case)
    case = kyc.submit(MAKER, case.case_id, case.version)
    return kyc.approve(CHECKER, case.case_id, case.version)


def make_ready(services: Services, *investor_ids: str) -> None:
    for investor_id in investor_ids:
        approve_file(services, investor_id)
        services.readiness.record_agreement(MAKER, investor_id, date.today() - timedelta(days=1))
