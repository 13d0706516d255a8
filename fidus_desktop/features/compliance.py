"""Compliance: sanctions and PEP list versions, screening of investors and typed names, alerts with four-eyes
dispositions, KYC cases with their checklists and four-eyes approval, ownership trees of corporate investors,
in the Compliance tab (My queue, investor files, screening) and the ``fidus screening``, ``fidus kyc`` and
``fidus investigation`` commands. Screening runs on every investor created or edited and a KYC case opens for
every investor created (both wired to Portfolio); investment readiness gates every new subscription and transfer
in (wired to Portfolio's dealing)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.checklists import ChecklistService
from fidus_desktop.services.compliance.investigations import (
    INVESTIGATION_PERSONAL_DATA,
    INVESTIGATIONS,
    InvestigationPermission,
    InvestigationService,
)
from fidus_desktop.services.compliance.investor_file import InvestorFileService
from fidus_desktop.services.compliance.kyc import CASE_PERSONAL_DATA, RISK_RUN_PERSONAL_DATA, KycService
from fidus_desktop.services.compliance.lists import ListService
from fidus_desktop.services.compliance.ownership import OWNERSHIP_PERSONAL_DATA, OwnershipService
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.compliance.queue import QueueService
from fidus_desktop.services.compliance.readiness import READINESS_PERSONAL_DATA, ReadinessService
from fidus_desktop.services.compliance.reports import ComplianceReportService
from fidus_desktop.services.compliance.risk_models import RiskModelService
from fidus_desktop.services.compliance.screening import ALERT_PERSONAL_DATA, ScreeningService
from fidus_desktop.services.documents import DocumentOwner
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

S = ScreeningPermission
K = KycPermission
Q = InvestigationPermission  # Q for inquiry


def follow_saved_investors(w: Wiring) -> None:
    """Every investor created or edited, and every ownership tree saved, is screened against the current list
    versions (first, so a new investor's case already counts its alerts); every investor created gets a KYC
    case, and an edit of a scored country re-scores it."""
    w.services.portfolio.investors.on_saved(w.services.screening.on_investor_saved)
    w.services.portfolio.investors.on_saved(w.services.kyc.on_investor_saved)
    w.services.portfolio.investors.on_saved(  # a country edit re-scores the case with the current model
        lambda investor: w.services.kyc.on_countries_edited(
            investor, lambda: w.services.risk_models.current(Actor.system("kyc re-score")).model))
    w.services.kyc_ownership.on_saved(w.services.screening.on_ownership_saved)  # owners are screened too


def wire(w: Wiring) -> None:
    """Follow saved investors, and refuse new units to an investor who is not ready to invest (and audit each
    refused attempt)."""
    follow_saved_investors(w)
    w.services.portfolio.dealing.add_unit_gate(w.services.readiness.require_ready)
    w.services.portfolio.dealing.on_gate_refused(w.services.readiness.record_refusals)  # audited after rollback


COMPLIANCE = Feature(
    name="compliance",
    services={
        "screening_lists": lambda w: ListService(w.ctx),
        "screening": lambda w: ScreeningService(w.ctx, w.services.screening_lists, w.services.vault),
        "kyc": lambda w: KycService(w.ctx, w.services.screening),
        "readiness": lambda w: ReadinessService(w.ctx),
        "risk_models": lambda w: RiskModelService(w.ctx, w.services.kyc),
        "investigations": lambda w: InvestigationService(w.ctx, w.services.documents, w.services.vault),
        "compliance_reports": lambda w: ComplianceReportService(w.ctx, w.services.kyc, w.services.readiness,
                                                                w.services.screening),
        "kyc_ownership": lambda w: OwnershipService(w.ctx),
        "kyc_files": lambda w: InvestorFileService(w.ctx, w.services.kyc, w.services.screening,
                                                   w.services.screening_lists, w.services.documents,
                                                   w.services.portfolio, w.services.kyc_ownership),
        "compliance_queue": lambda w: QueueService(w.ctx),
        "kyc_checklists": lambda w: ChecklistService(w.ctx),
    },
    needs=("vault", "portfolio", "documents"),
    wire=wire,
    permissions=(S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE, K.READ, K.MANAGE, K.APPROVE, K.MODEL, Q.READ, Q.MANAGE,
                 K.CHECKLIST),
    grants={
        Role.COMPLIANCE_OFFICER: frozenset({S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE, K.READ, K.MANAGE, K.APPROVE,
                                            K.MODEL, Q.READ, Q.MANAGE, K.CHECKLIST}),
        # onboarding sees whether an investor has an open alert and what its KYC file still lacks, and
        # records the documents received; approving is the compliance officers'
        Role.BACK_OFFICE: frozenset({S.READ, K.READ, K.MANAGE}),
    },
    # Deciding alerts and approving KYC cases is the compliance officers' (maker and checker); the
    # administrator imports lists, runs the scheduled screening as a service account and opens cases but
    # decides nothing. Investigations are the compliance officers' alone (no tipping off).
    not_for_admin=frozenset({S.DECIDE, K.APPROVE, Q.READ, Q.MANAGE}),
    tab=TabDecl("compliance", "Compliance", "fidus_desktop.ui.compliance.tab:ComplianceTab",
                permission=S.READ, opens=("investigation",)),
    cli=("fidus_desktop.cli.screening", "fidus_desktop.cli.kyc", "fidus_desktop.cli.investigations"),
    # attachments: compliance officers' alone, not whoever may read personal data (no tipping off)
    document_owners={"investigation": DocumentOwner(INVESTIGATIONS, read=Q.READ, manage=Q.MANAGE)},
    demo=((40, "fidus_desktop.services.compliance.demo:demo_compliance"),
          (45, "fidus_desktop.services.compliance.demo_readiness:demo_readiness")),
    personal_data=PersonalDataRegistry.merged([
        PersonalDataRegistry(people=[ALERT_PERSONAL_DATA, CASE_PERSONAL_DATA, RISK_RUN_PERSONAL_DATA,
                                     OWNERSHIP_PERSONAL_DATA, READINESS_PERSONAL_DATA]),
        INVESTIGATION_PERSONAL_DATA]),
    announces=("screening_list", "screening_alert", "screening_run", "screening_check", "kyc_case",
               "investor_readiness", "kyc_risk_model", "investigation", "kyc_checklist"),
)
