"""Every message the window shows for a failure reads as words: no "[Errno 2]", no doubled full stops, no
literal backticks, no "Something went wrong", a whole sentence that ends with a full stop.

Covers the whole mapping of ``fidus_desktop.errors`` (every known condition, with and without a file name) and
how the GUI words our own errors (``ui.errors.describe_error``), whose texts are shared with the CLI."""

from __future__ import annotations

import errno
import re

import pytest
from keyring.errors import KeyringLocked, NoKeyringError, PasswordSetError

from fidus_desktop.errors import UserError
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.store.errors import DatabaseUnreachable
from fidus_desktop.ui.errors import describe_error

FILE = "/data/nav-2026.csv"
CONDITIONS: list[BaseException] = [
    FileNotFoundError(errno.ENOENT, "No such file or directory", FILE),
    FileNotFoundError(errno.ENOENT, "No such file or directory"),
    FileNotFoundError(),
    PermissionError(errno.EACCES, "Permission denied", FILE),
    PermissionError(errno.EACCES, "Permission denied"),
    IsADirectoryError(errno.EISDIR, "Is a directory", "/data"),
    NotADirectoryError(errno.ENOTDIR, "Not a directory", FILE),
    FileExistsError(errno.EEXIST, "File exists", FILE),
    OSError(errno.ENOSPC, "No space left on device", FILE),
    OSError(errno.ENOSPC, "No space left on device"),
    TimeoutError(errno.ETIMEDOUT, "Connection timed out"),
    ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
    ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
    BrokenPipeError(errno.EPIPE, "Broken pipe"),
    KeyringLocked("Keyring is locked."),
    PasswordSetError("Can't store password on keychain."),
    NoKeyringError("No recommended backend was available."),
    OSError(errno.EIO, "Input/output error", FILE),  # not a known condition: worded as unexpected
    KeyError("internal_column"),
    RuntimeError("Something went wrong: [Errno 2] No such file or directory."),
    # Our own errors, shared with the CLI: their `code` marks become quotes on screen.
    UserError("The database is not set up yet; run `fidus init` first."),
    ValidationError({"amount": "Enter a positive amount.", "day": "The day is a Sunday; choose a dealing day."}),
    PermissionDenied("bob.pm (portfolio_manager) may not users: manage. Ask an administrator if your role "
                     "should allow it."),
    DatabaseUnreachable("The server db1.office.local does not answer; check the VPN and try again."),
]


@pytest.mark.usefixtures("memory_keyring")
@pytest.mark.parametrize("exc", CONDITIONS, ids=lambda exc: f"{type(exc).__name__}-{getattr(exc, 'errno', '')}")
def test_a_failure_reads_as_words(exc: BaseException) -> None:
    message = describe_error(exc)
    assert "[Errno" not in message
    assert "Errno" not in message
    assert not re.search(r"(?<!\.)\.\.(?!\.)", message), message  # "..", though an ellipsis may end a path
    assert ". ." not in message
    assert "`" not in message
    assert "Something went wrong" not in message
    assert message.rstrip().endswith((".", ".”", ".'")), message


def test_a_refusal_shown_away_from_its_form_has_no_field_names() -> None:
    refused = ValidationError({"investor_account_id": "No investor INV-9 exists.", "": "Nothing was saved."})
    assert describe_error(refused) == "No investor INV-9 exists. Nothing was saved."
