"""CRM: prospects and the pipeline Lead → Negotiation → Won/Lost on a board and a list, conversion into
investors, follow-ups with reminders, referral agents and commissions, and Google Workspace (issue 14)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidus_desktop.config.settings import Setting
from fidus_desktop.features.spec import Feature, StatusItem, TabDecl
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.activities import ActivityService
from fidus_desktop.services.crm.agents import AGENT_PERSONAL_DATA, AgentService
from fidus_desktop.services.crm.google import GoogleService
from fidus_desktop.services.crm.mail_templates import MailTemplateService
from fidus_desktop.services.crm.outbox import Outbox
from fidus_desktop.services.crm.prospects import CRM_PERSONAL_DATA, ProspectService
from fidus_desktop.services.crm.stages import StageService
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import PersonalDataRegistry

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

READ, MANAGE, STAGES, GOOGLE = CrmPermission.READ, CrmPermission.MANAGE, CrmPermission.STAGES, CrmPermission.GOOGLE
COMMISSIONS = CrmPermission.COMMISSIONS


def google_service(w: Wiring) -> GoogleService:
    """The real Google adapter over the office's OAuth client (imported only when the CRM is wired)."""
    from fidus_desktop.integrations.google.oauth import GoogleConnector

    return GoogleService(w.ctx, w.services.crm_outbox, GoogleConnector(w.setting("google.oauth_client_file"),
                                                                       w.secrets),
                         settings=w.settings, investors=w.services.portfolio.investors,
                         activities=w.services.crm_activities)


CRM = Feature(
    name="crm",
    services={
        "crm_stages": lambda w: StageService(w.ctx),
        "prospects": lambda w: ProspectService(w.ctx, w.services.crm_stages, w.services.portfolio.investors,
                                               w.services.portfolio.fx, w.setting("crm.base_currency")),
        "crm_activities": lambda w: ActivityService(w.ctx, w.services.prospects),
        "crm_agents": lambda w: AgentService(w.ctx, w.services.prospects, w.services.portfolio),
        "crm_outbox": lambda w: Outbox(w.ctx),
        "google": google_service,
        "crm_mail_templates": lambda w: MailTemplateService(w.ctx),
    },
    needs=("portfolio",),
    permissions=(READ, MANAGE, STAGES, GOOGLE, COMMISSIONS),
    grants={
        Role.PORTFOLIO_MANAGER: frozenset({READ, MANAGE, GOOGLE}),
        Role.COMPLIANCE_OFFICER: frozenset({READ}),
        Role.BACK_OFFICE: frozenset({READ, MANAGE, GOOGLE, COMMISSIONS}),
    },
    tab=TabDecl("crm", "CRM", "fidus_desktop.ui.crm.tab:crm_tab", permission=READ),
    session_jobs=(("google_outbox", "fidus_desktop.ui.crm.google_outbox:session_google_outbox"),  # from sign-in
                  ("crm_reminders", "fidus_desktop.ui.crm.reminders:session_reminders")),
    status_items=(StatusItem("google", "fidus_desktop.ui.crm.google_status:GoogleStatusItem"),),
    cli=("fidus_desktop.cli.crm", "fidus_desktop.cli.google"),
    demo=((30, "fidus_desktop.services.crm.demo:demo_prospects"),
          (31, "fidus_desktop.services.crm.mail_templates:demo_mail_templates"),
          (32, "fidus_desktop.services.crm.demo:demo_activities"),
          (33, "fidus_desktop.services.crm.demo:demo_agents")),
    personal_data=PersonalDataRegistry.merged([CRM_PERSONAL_DATA, AGENT_PERSONAL_DATA]),
    settings=(Setting("crm.base_currency", str, "EUR", "the currency the CRM board's column totals are shown in"),
              Setting("google.oauth_client_file", str, "", "the OAuth client JSON from the Google Cloud console"),),
    doctor=("fidus_desktop.cli.doctor:check_google",),
    announces=("crm_prospect", "crm_pipeline", "crm_outbox", "google_account", "crm_mail_template", "crm_activity",
               "crm_agent", "crm_commission"),
)
