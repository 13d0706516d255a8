"""``fidus`` failures: a message that says how to fix it, never a traceback; unexpected ones logged with the trace."""

from __future__ import annotations

import argparse
import errno
import logging
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from fidus_desktop.cli import basics, main
from fidus_desktop.config.paths import AppPaths


def test_no_keyring_is_a_usage_problem_with_the_fix(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("DBPW", "secret")
    assert main(["config", "set-db-password", "fidus@db.office", "--password-env", "DBPW"]) == 2
    err = capsys.readouterr().err
    assert "No OS keyring is available" in err
    assert "FIDUS_KEYRING_PASSPHRASE" in err
    assert "Traceback" not in err


def test_a_missing_file_names_the_file(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def missing(args: argparse.Namespace) -> int:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/data/navs.csv")

    monkeypatch.setattr(basics, "cmd_version", missing)
    assert main(["version"]) == 2
    err = capsys.readouterr().err
    assert "fidus: '/data/navs.csv' does not exist" in err
    assert "Traceback" not in err


def test_an_unexpected_error_exits_1_with_a_reference_and_the_trace_in_the_log(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("internal detail 7f3a")

    monkeypatch.setattr(basics, "cmd_version", broken)
    package_logger = logging.getLogger("fidus_desktop")
    monkeypatch.setattr(package_logger, "handlers", [])  # as in a fresh process: no log file opened yet
    assert main(["version"]) == 1
    for handler in package_logger.handlers:
        handler.close()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "internal detail" not in err
    reference = err.split("reference ")[1][:8]
    log_file = AppPaths.for_user().log_file
    assert str(log_file) in err
    logged = log_file.read_text(encoding="utf-8")
    assert f"reference {reference}" in logged
    assert "Traceback" in logged
    assert "internal detail 7f3a" in logged
    assert logged.count(f"reference {reference}") == 1
