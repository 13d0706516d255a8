"""Admin: the administrator's tab (users, audit, backups, keys) and commands, over the core services."""

from __future__ import annotations

from fidus_desktop.config.settings import Setting, at_least
from fidus_desktop.features.spec import Feature, TabDecl
from fidus_desktop.services.permissions import Permission, Role

P = Permission

ADMIN = Feature(
    name="admin",
    permissions=(P.USERS_MANAGE, P.AUDIT_READ, P.BACKUP_RUN, P.BACKUP_RESTORE, P.BACKUP_APPROVE_RESTORE,
                 P.KEYS_MANAGE, P.SETTINGS_MANAGE, P.DEMO_LOAD),
    # compliance officers are the natural second pair of eyes on a restore (it discards records since the backup)
    grants={Role.COMPLIANCE_OFFICER: frozenset({P.AUDIT_READ, P.BACKUP_APPROVE_RESTORE}),
            Role.BACK_OFFICE: frozenset({P.BACKUP_RUN})},
    tab=TabDecl("admin", "Admin", "fidus_desktop.ui.admin.tab:AdminTab", permission=P.USERS_MANAGE),
    admin_sections=(("Users", "fidus_desktop.ui.admin.users_view:UsersView"),
                    ("Audit", "fidus_desktop.ui.admin.audit_view:AuditView"),
                    ("Backups", "fidus_desktop.ui.admin.backup_view:BackupsView"),
                    ("Keys", "fidus_desktop.ui.admin.keys_view:KeysView"),
                    ("Roles", "fidus_desktop.ui.admin.roles_view:RolesView")),
    cli=("fidus_desktop.cli.audit", "fidus_desktop.cli.backup", "fidus_desktop.cli.keys", "fidus_desktop.cli.users"),
    settings=(
        Setting("security.idle_lock_minutes", float, 10, "minutes without input before the window locks",
                lambda v: None if v > 0 else f"must be more than 0 minutes, not {v!r}"),
        Setting("backup.folder", str, "", "where automatic backups go; empty: the per-user backup folder"),
        Setting("backup.keep", int, 14, "automatic backups kept", at_least(1)),
        Setting("backup.every_hours", int, 24, "hours between automatic backups", at_least(1)),
    ),
    doctor=("fidus_desktop.cli.doctor:check_disk", "fidus_desktop.cli.doctor:check_process"),
    announces=("users", "backup"),
)
