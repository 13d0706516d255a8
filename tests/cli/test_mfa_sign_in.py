"""The CLI signs in through the wrapped TOTP secret like the GUI: password from --password-env, then the code
from --otp-env (FIDUS_OTP by default)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from tests.cli.test_user_commands import ADMIN_PASSWORD, db  # noqa: F401 - the fixture


def test_commands_need_and_accept_the_code_from_the_environment(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    ctx = open_context(db[1], log_to_file=False)
    users = ctx.services.users
    alice = users.authenticate("alice", ADMIN_PASSWORD).actor()
    enrolment = users.begin_totp_enrolment(alice)
    users.confirm_totp_enrolment(alice, enrolment.secret, pyotp.TOTP(enrolment.secret).now(), ADMIN_PASSWORD)
    assert enrolment.secret not in repr(ctx.store.collection("users").find())
    ctx.close()

    monkeypatch.setenv("FIDUS_OTP", "000000")
    assert main([*db, "user", "list", "--json"]) == 2  # a wrong code is refused
    next_step = pyotp.TOTP(enrolment.secret).at(datetime.now(UTC) + timedelta(seconds=30))  # enrolment used now
    monkeypatch.setenv("MY_CODE", next_step)
    capsys.readouterr()
    assert main([*db, "user", "list", "--json", "--otp-env", "MY_CODE"]) == 0
    [alice_row] = json.loads(capsys.readouterr().out)
    assert alice_row["mfa"] is True
