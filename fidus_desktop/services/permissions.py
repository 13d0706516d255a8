"""Roles, the permissions of the shipped features, and the role matrix, enforced in services (docs/SECURITY.md
prints the same matrix). A new feature may define its permissions as its own ``StrEnum``; which role holds
what is declared by each feature (``features/``), never edited here.

A service calls ``require(actor, Permission.X)`` before it reads protected data or changes anything;
the UI may hide buttons too, but the check here is the one that counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
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
    BACKUP_APPROVE_RESTORE = "backup.approve_restore"  # the second person for a restore over data (four eyes)
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


class RoleMatrix(Mapping[Role, frozenset[str]]):
    """Role → the permissions it holds, gathered from every feature's ``grants`` (``features.FEATURES``).

    Each feature declares its permissions and which roles hold them; the administrator holds every declared
    permission but those a feature keeps from it (``not_for_admin``, e.g. a client's own accounts). Read on
    first use rather than at import, so a feature's modules may import this one.
    """

    def __init__(self) -> None:
        self._matrix: dict[Role, frozenset[str]] | None = None
        self._declared: tuple[str, ...] = ()

    def _load(self) -> dict[Role, frozenset[str]]:
        if self._matrix is None:
            from fidus_desktop.features import FEATURES  # here, not at the top: every feature imports this module

            declared = tuple(p for feature in FEATURES for p in feature.permissions)
            granted: dict[Role, set[str]] = {role: set() for role in Role}
            for feature in FEATURES:
                for role, permissions in feature.grants.items():
                    granted[role] |= permissions
                granted[Role.ADMIN] |= set(feature.permissions) - feature.not_for_admin
            self._declared = declared
            self._matrix = {role: frozenset(found) for role, found in granted.items()}
        return self._matrix

    def declared(self) -> tuple[str, ...]:
        """Every permission of every feature, in declaration order (docs/SECURITY.md's rows)."""
        self._load()
        return self._declared

    def __getitem__(self, role: Role) -> frozenset[str]:
        return self._load()[role]

    def __iter__(self) -> Iterator[Role]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


ROLE_PERMISSIONS = RoleMatrix()


class PermissionDenied(UserError):
    """The actor's role may not make this call."""


def allowed(role: Role, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS[role]


def require(actor: Actor, permission: StrEnum) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``permission``."""
    if not allowed(actor.role, permission):
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value.replace('_', ' ')}) may not {permission.value.replace('.', ': ')}. "
            "Ask an administrator if your role should allow it."
        )
