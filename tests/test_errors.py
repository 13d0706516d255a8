"""The one error path: the message a person reads for each known condition, and one log entry per failure."""

from __future__ import annotations

import errno
import logging

import keyring
import pytest
from keyring.backends import fail
from keyring.errors import KeyringLocked, NoKeyringError, PasswordSetError

from fidus_desktop.config.secrets import SecretStore, SecretsUnavailable
from fidus_desktop.errors import UserError, is_expected, report, user_message
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.store.errors import DatabaseUnreachable

LOGGER = logging.getLogger("fidus_desktop.tests.errors")


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (FileNotFoundError(errno.ENOENT, "No such file or directory", "/data/nav.csv"),
         ["'/data/nav.csv' does not exist", "Check the path"]),
        (PermissionError(errno.EACCES, "Permission denied", "/srv/share/report.pdf"),
         ["'/srv/share/report.pdf'", "permission denied", "ask your administrator"]),
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/home/pm"), ["'/home/pm' is a folder", "choose a file"]),
        (FileExistsError(errno.EEXIST, "File exists", "/out/a.pdf"), ["'/out/a.pdf' already exists"]),
        (OSError(errno.ENOSPC, "No space left on device", "/backups/x.fidusbak"),
         ["disk holding '/backups/x.fidusbak' is full", "Free some space"]),
        (TimeoutError(), ["did not answer in time"]),
        (ConnectionRefusedError(), ["refused or lost", "server is running"]),
        (KeyringLocked("locked"), ["keyring is locked", "Unlock it"]),
        (PasswordSetError("denied"), ["keyring refused", "fidus doctor"]),
    ],
)
def test_known_conditions_get_their_own_message_with_the_fix(exc: BaseException, says: list[str]) -> None:
    message = user_message(exc)
    assert is_expected(exc)
    for part in says:
        assert part.lower() in message.lower()
    assert "unexpected" not in message.lower()


def test_no_keyring_says_how_to_get_one(memory_keyring: object) -> None:
    keyring.set_keyring(fail.Keyring())
    message = user_message(NoKeyringError("No recommended backend was available."))
    assert "No OS keyring is available" in message
    assert "FIDUS_KEYRING_PASSPHRASE" in message  # the fix for a headless machine


def test_the_secret_store_without_a_keyring_raises_an_expected_error_with_the_fix() -> None:
    with pytest.raises(SecretsUnavailable) as refused:
        SecretStore(fail.Keyring()).set("x", "y")
    assert is_expected(refused.value)
    assert "PYTHON_KEYRING_BACKEND" in user_message(refused.value)


def test_a_file_not_found_without_a_name_still_says_what_to_do() -> None:
    assert "does not exist" in user_message(FileNotFoundError())


@pytest.mark.parametrize("exc", [ValidationError({"amount": "Enter a positive amount."}),
                                 PermissionDenied("bob may not users: manage. Ask an administrator."),
                                 DatabaseUnreachable("The server db1 does not answer; check the VPN.")])
def test_our_own_errors_are_shown_as_written(exc: UserError) -> None:
    assert is_expected(exc)
    assert user_message(exc) == str(exc)


def test_an_unexpected_error_shows_a_reference_not_its_text() -> None:
    exc = KeyError("internal-column-name")
    message = user_message(exc, log_hint="/var/log/fidus.log")
    assert not is_expected(exc)
    assert "internal-column-name" not in message
    assert "KeyError" in message
    assert "/var/log/fidus.log" in message
    assert "Something went wrong" not in message
    assert user_message(exc).count(message.split("reference ")[1][:8]) == 1  # the same reference every time


def test_an_unexpected_error_is_logged_once_with_its_trace_under_the_reference(
        caplog: pytest.LogCaptureFixture) -> None:
    try:
        {}["missing"]
    except KeyError as raised:
        exc = raised
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        first = report(exc, LOGGER, doing="loading the figures")
        second = report(exc, LOGGER)  # another layer reporting the same failure
    assert first == second
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert record.exc_info[1] is exc
    assert first.split("reference ")[1][:8] in record.getMessage()


def test_an_expected_error_is_logged_once_by_kind_without_its_text(caplog: pytest.LogCaptureFixture) -> None:
    exc = ValidationError({"name": "'Jane Doe' is already an investor."})  # user input: personal data
    with caplog.at_level(logging.INFO, logger=LOGGER.name):
        report(exc, LOGGER)
        report(exc, LOGGER)
    [record] = caplog.records
    assert record.levelno == logging.INFO
    assert record.exc_info is None
    assert "ValidationError" in record.getMessage()
    assert "Jane" not in record.getMessage()
