"""CRM and Compliance: tabs that say what is coming until their features land (later issues).

Each will replace its line here with a package of its own, as in the worked example of docs/DEVELOPERS.md.
"""

from __future__ import annotations

from fidus_desktop.config.settings import Setting
from fidus_desktop.features.spec import Feature, TabDecl

CRM = Feature(
    name="crm",
    tab=TabDecl("crm", "CRM", note="Pipeline, follow-ups and Google Workspace integration."),
    settings=(Setting("google.client_secrets_file", str, "", "the OAuth client JSON from the Google Cloud console"),),
    doctor=("fidus_desktop.cli.doctor:check_google",),
)
COMPLIANCE = Feature(
    name="compliance", tab=TabDecl("compliance", "Compliance", note="KYC/AML files, risk scoring and screening.")
)
