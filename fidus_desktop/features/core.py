"""The kernel every other feature builds on: users and sign-in, the data keys and vault, personal-data
requests, stored documents, audit queries and backups. It has no tab (Admin shows it); its commands are the
administrator's (``fidus init``, ``users``, ``keys``, ``audit``, ``backup``, ``privacy``, ``documents``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fidus_desktop.config.settings import Setting, at_least, one_of_each
from fidus_desktop.features.spec import Feature
from fidus_desktop.services.audit_anchor import AuditAnchors
from fidus_desktop.services.audit_query import AuditQueryService
from fidus_desktop.services.backup import BackupService
from fidus_desktop.services.changes import ChangeFeed
from fidus_desktop.services.cli_sessions import (
    DEFAULT_IDLE_MINUTES,
    IDLE_SETTING,
    CliSessionService,
    cli_session_idle_minutes,
)
from fidus_desktop.services.documents import DEFAULT_MAX_MB, MAX_MB_SETTING, DocumentService
from fidus_desktop.services.key_enrolment import KeyEnrolments
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.services.personal_data import KYC_RETENTION, PersonalDataService, Vault
from fidus_desktop.services.restore_approval import RestoreApprovals
from fidus_desktop.services.users import SignInPolicy, UserService

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

P = Permission
_EVERY_USER = frozenset({P.OWN_CREDENTIALS})  # every signed-in user manages their own password and MFA


def seal_audit_entries(w: Wiring) -> None:
    """Every audit entry this workstation writes is sealed with the key its keyring holds (``security.audit_seal``)."""
    w.ctx.audit.seal_with(w.services.keys.seal_keys.current)


CORE = Feature(
    name="core",
    services={
        "keys": lambda w: KeyService(w.ctx, w.secrets),
        "vault": lambda w: Vault(w.ctx, w.services.keys),
        "key_enrolments": lambda w: KeyEnrolments(w.ctx, w.services.keys, w.secrets),
        "personal_data": lambda w: PersonalDataService(w.ctx, w.services.vault, w.settings, w.personal_data),
        "documents": lambda w: DocumentService(w.ctx, w.services.vault, w.settings, w.document_owners),
        "backup": lambda w: BackupService(w.ctx),
        "restore_approvals": lambda w: RestoreApprovals(w.ctx),
        "audit_query": lambda w: AuditQueryService(w.ctx),
        "audit_anchors": lambda w: AuditAnchors(w.ctx, w.secrets, seal_keys=w.services.keys.seal_keys),
        "changes": lambda w: ChangeFeed(w.ctx),
        "users": lambda w: UserService(w.ctx, SignInPolicy.from_settings(w.settings)),
        "cli_sessions": lambda w: CliSessionService(w.ctx, w.services.users, cli_session_idle_minutes(w.settings)),
    },
    permissions=(P.PERSONAL_DATA_READ, P.PERSONAL_DATA_EXPORT, P.PERSONAL_DATA_ERASE, P.OWN_CREDENTIALS),
    grants={
        Role.PORTFOLIO_MANAGER: _EVERY_USER,
        Role.COMPLIANCE_OFFICER: _EVERY_USER | {P.PERSONAL_DATA_READ, P.PERSONAL_DATA_EXPORT, P.PERSONAL_DATA_ERASE},
        Role.BACK_OFFICE: _EVERY_USER | {P.PERSONAL_DATA_READ},
        Role.CLIENT: _EVERY_USER,
    },
    cli=("fidus_desktop.cli.account", "fidus_desktop.cli.basics", "fidus_desktop.cli.documents",
         "fidus_desktop.cli.privacy"),
    demo=((10, "fidus_desktop.services.demo:demo_users"),),
    settings=(
        Setting("database.uri", str, "", "sqlite:///path.db or mongodb://…; empty: the per-user SQLite file"),
        Setting("security.lockout_attempts", int, 5, "failed sign-ins before a lockout", at_least(1)),
        Setting("security.lockout_minutes", int, 15, "how long a lockout lasts", at_least(1)),
        Setting(IDLE_SETTING, int, DEFAULT_IDLE_MINUTES, "minutes an unused `fidus login` session stays open",
                lambda v: None if 1 <= v <= 24 * 60 else f"must be from 1 to 1440 minutes, not {v!r}"),
        Setting("security.mfa_required_roles", list, [Role.ADMIN.value, Role.COMPLIANCE_OFFICER.value],
                "roles that must sign in with a second factor", one_of_each(Role)),
        Setting(KYC_RETENTION.years_setting, int, KYC_RETENTION.default_years,
                "years personal data is kept after a relationship ends", at_least(0)),
        Setting(MAX_MB_SETTING, int, DEFAULT_MAX_MB, "largest document upload, in MB", at_least(1)),
    ),
    doctor=("fidus_desktop.cli.doctor:check_settings", "fidus_desktop.cli.doctor:check_database",
            "fidus_desktop.cli.doctor:check_keyring", "fidus_desktop.cli.doctor:check_audit_seals"),
    announces=("user", "workstation", "data_key", "person", "document"),
    wire=seal_audit_entries,
)
