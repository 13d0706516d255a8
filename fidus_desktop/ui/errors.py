"""Turning exceptions into messages a user can act on."""

from __future__ import annotations

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import VaultLocked
from fidus_desktop.store.errors import ConcurrencyError, DatabaseUnreachable, StorageError


def describe_error(exc: BaseException) -> str:
    """One paragraph: what went wrong and what to do. Unknown errors say where the details are."""
    if isinstance(exc, (ValidationError, PermissionDenied, ConcurrencyError, DatabaseUnreachable, StorageError,
                        VaultLocked)):
        return str(exc)
    return f"Something went wrong: {exc}. Details are in the log file (Help → Open log folder)."
