"""Compliance: sanctions and PEP list versions, screening of investors and typed names, alerts with four-eyes
dispositions, KYC cases with their checklists and four-eyes approval, ownership trees of corporate investors,
in the Compliance tab (My queue, investor files, screening) and the ``fidus screening`` and ``fidus kyc``
commands. Screening runs on every investor created or edited and a
KYC case opens for every investor created (both wired to Portfolio)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.compliance.investor_file import InvestorFileService
from fidus_desktop.services.compliance.kyc import CASE_PERSONAL_DATA, RISK_RUN_PERSONAL_DATA, KycService
from fidus_desktop.services.compliance.lists import ListService
from fidus_desktop.services.compliance.ownership import OWNERSHIP_PERSONAL_DATA, OwnershipService
from fidus_desktop.services.compliance.permissions import KycPermission, ScreeningPermission
from fidus_desktop.services.compliance.queue import QueueService
from fidus_desktop.services.compliance.screening import ALERT_PERSONAL_DATA, ScreeningService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

S = ScreeningPermission
K = KycPermission


def follow_saved_investors(w: Wiring) -> None:
    """Every investor created or edited is screened against the current list versions (first, so a new
    investor's case already counts its alerts); every investor created gets a KYC case."""
    w.services.portfolio.investors.on_saved(w.services.screening.on_investor_saved)
    w.services.portfolio.investors.on_saved(w.services.kyc.on_investor_saved)


COMPLIANCE = Feature(
    name="compliance",
    services={
        "screening_lists": lambda w: ListService(w.ctx),
        "screening": lambda w: ScreeningService(w.ctx, w.services.screening_lists, w.services.vault),
        "kyc": lambda w: KycService(w.ctx, w.services.screening),
        "kyc_ownership": lambda w: OwnershipService(w.ctx),
        "kyc_files": lambda w: InvestorFileService(w.ctx, w.services.kyc, w.services.screening,
                                                   w.services.screening_lists, w.services.documents,
                                                   w.services.portfolio, w.services.kyc_ownership),
        "compliance_queue": lambda w: QueueService(w.ctx),
    },
    needs=("vault", "portfolio", "documents"),
    wire=follow_saved_investors,
    permissions=(S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE, K.READ, K.MANAGE, K.APPROVE),
    grants={
        Role.COMPLIANCE_OFFICER: frozenset({S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE, K.READ, K.MANAGE, K.APPROVE}),
        # onboarding sees whether an investor has an open alert and what its KYC file still lacks, and
        # records the documents received; approving is the compliance officers'
        Role.BACK_OFFICE: frozenset({S.READ, K.READ, K.MANAGE}),
    },
    # Deciding alerts and approving KYC cases is the compliance officers' (maker and checker); the
    # administrator imports lists, runs the scheduled screening as a service account and opens cases but
    # decides nothing.
    not_for_admin=frozenset({S.DECIDE, K.APPROVE}),
    tab=TabDecl("compliance", "Compliance", "fidus_desktop.ui.compliance.tab:ComplianceTab",
                permission=S.READ),
    cli=("fidus_desktop.cli.screening", "fidus_desktop.cli.kyc"),
    demo=((40, "fidus_desktop.services.compliance.demo:demo_compliance"),),
    personal_data=PersonalDataRegistry(people=[ALERT_PERSONAL_DATA, CASE_PERSONAL_DATA, RISK_RUN_PERSONAL_DATA,
                                                   OWNERSHIP_PERSONAL_DATA]),
    announces=("screening_list", "screening_alert", "screening_run", "screening_check", "kyc_case"),
)
