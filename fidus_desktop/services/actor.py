"""Who is acting: the signed-in user (or the system itself) and the workstation they act from."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from fidus_desktop.services.permissions import Role


def workstation_name() -> str:
    """The machine's host name, recorded in every audit entry."""
    return socket.gethostname() or "unknown"


@dataclass(frozen=True)
class Actor:
    """The identity a service call runs as; services trust only this, never what the UI shows."""

    user_id: str
    username: str
    role: Role
    workstation: str = field(default_factory=workstation_name)
    investor_ids: frozenset[str] = frozenset()  # the accounts a ``client`` may see

    @classmethod
    def system(cls, reason: str = "system") -> Actor:
        """The application itself (first-run set-up, migrations, background sync)."""
        return cls(user_id="system", username=reason, role=Role.ADMIN)
