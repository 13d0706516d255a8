"""Roles and the permission matrix, enforced in services (docs/SECURITY.md prints the same matrix).

A service calls ``require(actor, Permission.X)`` before it reads protected data or changes anything;
the UI may hide buttons too, but the check here is the one that counts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from fidus_desktop.errors import UserError

if TYPE_CHECKING:
    from fidus_desktop.services.actor import Actor


class Role(StrEnum):
    ADMIN = "admin"
    PORTFOLIO_MANAGER = "portfolio_manager"
    COMPLIANCE_OFFICER = "compliance_officer"
    BACK_OFFICE = "back_office"
    CLIENT = "client"


class Permission(StrEnum):
    USERS_MANAGE = "users.manage"
    AUDIT_READ = "audit.read"
    BACKUP_RUN = "backup.run"
    BACKUP_RESTORE = "backup.restore"
    KEYS_MANAGE = "keys.manage"
    SETTINGS_MANAGE = "settings.manage"
    DEMO_LOAD = "demo.load"
    PERSONAL_DATA_READ = "personal_data.read"
    PERSONAL_DATA_EXPORT = "personal_data.export"
    PERSONAL_DATA_ERASE = "personal_data.erase"
    FUNDS_READ = "funds.read"
    FUNDS_MANAGE = "funds.manage"
    INVESTORS_READ = "investors.read"
    INVESTORS_MANAGE = "investors.manage"
    DEALING_ENTER = "dealing.enter"
    DEALING_APPROVE = "dealing.approve"
    NAV_MANAGE = "nav.manage"
    FEES_PAY = "fees.pay"  # book a fee payment to the manager: back office, not the manager's own staff
    FX_MANAGE = "fx.manage"
    PRODUCTS_MANAGE = "products.manage"
    REPORTS_RUN = "reports.run"
    MT5_READ = "mt5.read"
    MT5_MANAGE = "mt5.manage"
    MT5_SYNC = "mt5.sync"
    MT5_RECONCILE = "mt5.reconcile"  # MT5 balance deals against the fund cash ledger (back office)
    ALERTS_ACK = "alerts.ack"
    OWN_ACCOUNTS_READ = "own_accounts.read"
    OWN_CREDENTIALS = "own_credentials.manage"  # change one's own password, enrol MFA


_ALL = frozenset(Permission)
_READ_BUSINESS = {Permission.FUNDS_READ, Permission.INVESTORS_READ, Permission.MT5_READ, Permission.REPORTS_RUN}
_EVERY_USER = {Permission.OWN_CREDENTIALS}  # every signed-in user manages their own password and MFA

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL - {Permission.OWN_ACCOUNTS_READ},
    Role.PORTFOLIO_MANAGER: frozenset(
        _READ_BUSINESS
        | _EVERY_USER
        | {
            Permission.FUNDS_MANAGE,
            Permission.DEALING_ENTER,
            Permission.DEALING_APPROVE,
            Permission.NAV_MANAGE,
            Permission.FX_MANAGE,
            Permission.PRODUCTS_MANAGE,
            Permission.MT5_MANAGE,
            Permission.MT5_SYNC,
            Permission.ALERTS_ACK,
        }
    ),
    Role.COMPLIANCE_OFFICER: frozenset(
        _READ_BUSINESS
        | _EVERY_USER
        | {
            Permission.AUDIT_READ,
            Permission.PERSONAL_DATA_READ,
            Permission.PERSONAL_DATA_EXPORT,
            Permission.PERSONAL_DATA_ERASE,
            Permission.INVESTORS_MANAGE,
            Permission.ALERTS_ACK,
        }
    ),
    Role.BACK_OFFICE: frozenset(
        _READ_BUSINESS
        | _EVERY_USER
        | {
            Permission.INVESTORS_MANAGE,
            Permission.DEALING_ENTER,
            Permission.NAV_MANAGE,
            Permission.FEES_PAY,
            Permission.FX_MANAGE,
            Permission.BACKUP_RUN,
            Permission.MT5_SYNC,
            Permission.MT5_RECONCILE,
            Permission.PERSONAL_DATA_READ,
        }
    ),
    Role.CLIENT: frozenset(_EVERY_USER | {Permission.OWN_ACCOUNTS_READ}),
}


class PermissionDenied(UserError):
    """The actor's role may not make this call."""


def allowed(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def require(actor: Actor, permission: Permission) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``permission``."""
    if not allowed(actor.role, permission):
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value.replace('_', ' ')}) may not {permission.value.replace('.', ': ')}. "
            "Ask an administrator if your role should allow it."
        )
