"""Compliance: sanctions and PEP list versions, screening of investors and typed names, alerts with four-eyes
dispositions, in the Compliance tab (screening so far) and the ``fidus screening`` command. Screening runs on
every investor created or edited (wired to Portfolio)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.compliance.lists import ListService
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.compliance.screening import ALERT_PERSONAL_DATA, ScreeningService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

S = ScreeningPermission


def screen_saved_investors(w: Wiring) -> None:
    """Every investor created or edited is screened against the current list versions."""
    w.services.portfolio.investors.on_saved(w.services.screening.on_investor_saved)


COMPLIANCE = Feature(
    name="compliance",
    services={
        "screening_lists": lambda w: ListService(w.ctx),
        "screening": lambda w: ScreeningService(w.ctx, w.services.screening_lists, w.services.vault),
    },
    needs=("vault", "portfolio"),
    wire=screen_saved_investors,
    permissions=(S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE),
    grants={
        Role.COMPLIANCE_OFFICER: frozenset({S.READ, S.RUN, S.LISTS_IMPORT, S.DECIDE}),
        Role.BACK_OFFICE: frozenset({S.READ}),  # onboarding sees whether an investor has an open alert
    },
    # Deciding alerts is the compliance officers' (maker and checker); the administrator imports lists and
    # runs the scheduled screening as a service account but decides nothing.
    not_for_admin=frozenset({S.DECIDE}),
    tab=TabDecl("compliance", "Compliance", "fidus_desktop.ui.compliance.screening_tab:ScreeningTab",
                permission=S.READ),
    cli=("fidus_desktop.cli.screening",),
    personal_data=PersonalDataRegistry(people=[ALERT_PERSONAL_DATA]),
    announces=("screening_list", "screening_alert", "screening_run", "screening_check"),
)
