"""CRM: a tab that says what is coming until its feature lands (a later issue).

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
