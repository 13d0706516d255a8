"""CRM: prospects and the pipeline Lead → Negotiation → Won/Lost on a board and a list, conversion into
investors; follow-ups, referral agents and Google Workspace come next (issue 14)."""

from __future__ import annotations

from fidus_desktop.config.settings import Setting
from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.activities import ActivityService
from fidus_desktop.services.crm.agents import AGENT_PERSONAL_DATA, AgentService
from fidus_desktop.services.crm.prospects import CRM_PERSONAL_DATA, ProspectService
from fidus_desktop.services.crm.stages import StageService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry

READ, MANAGE, STAGES = CrmPermission.READ, CrmPermission.MANAGE, CrmPermission.STAGES
COMMISSIONS = CrmPermission.COMMISSIONS

CRM = Feature(
    name="crm",
    services={
        "crm_stages": lambda w: StageService(w.ctx),
        "prospects": lambda w: ProspectService(w.ctx, w.services.crm_stages, w.services.portfolio.investors,
                                               w.services.portfolio.fx, w.setting("crm.base_currency")),
        "crm_activities": lambda w: ActivityService(w.ctx, w.services.prospects),
        "crm_agents": lambda w: AgentService(w.ctx, w.services.prospects, w.services.portfolio),
    },
    needs=("portfolio",),
    permissions=(READ, MANAGE, STAGES, COMMISSIONS),
    grants={
        Role.PORTFOLIO_MANAGER: frozenset({READ, MANAGE}),
        Role.COMPLIANCE_OFFICER: frozenset({READ}),
        Role.BACK_OFFICE: frozenset({READ, MANAGE, COMMISSIONS}),
    },
    tab=TabDecl("crm", "CRM", "fidus_desktop.ui.crm.tab:crm_tab", permission=READ),
    session_jobs=(("crm_reminders", "fidus_desktop.ui.crm.reminders:session_reminders"),),  # from sign-in
    cli=("fidus_desktop.cli.crm",),
    demo=((30, "fidus_desktop.services.crm.demo:demo_prospects"),
          (31, "fidus_desktop.services.crm.demo:demo_activities"),
          (32, "fidus_desktop.services.crm.demo:demo_agents")),
    personal_data=PersonalDataRegistry.merged([CRM_PERSONAL_DATA, AGENT_PERSONAL_DATA]),
    settings=(Setting("crm.base_currency", str, "EUR", "the currency the CRM board's column totals are shown in"),
              Setting("google.client_secrets_file", str, "", "the OAuth client JSON from the Google Cloud console"),),
    doctor=("fidus_desktop.cli.doctor:check_google",),
    announces=("crm_prospect", "crm_pipeline", "crm_activity"),
)
