"""fidus user add|list|disable|enable|unlock|reset-password|set-role: results, messages and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.cli import main
from tests.support.cli_policy import admins_without_mfa

ADMIN_PASSWORD = "correct horse battery staple 42"
NEW_PASSWORD = "violet kettle under moonlight"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A database with administrator alice; every command acts as her."""
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_USER", "alice")
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("NEW_PW", NEW_PASSWORD)
    admins_without_mfa()
    uri = ["--db", f"sqlite:///{(tmp_path / 'users.db').as_posix()}"]
    assert main([*uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    return uri


def listed(db: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    capsys.readouterr()
    assert main([*db, "user", "list", "--json"]) == 0
    return {u["username"]: u for u in json.loads(capsys.readouterr().out)}


def test_add_then_list_as_json_and_table(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([*db, "user", "add", "bob", "--role", "back_office", "--name", "Bob B", "--new-password-env", "NEW_PW"])
        == 0
    )
    assert "Created back_office bob" in capsys.readouterr().out
    bob = listed(db, capsys)["bob"]
    assert (bob["role"], bob["display_name"], bob["active"], bob["mfa"]) == ("back_office", "Bob B", True, False)
    assert main([*db, "user", "list"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("username")
    assert "bob" in table
    assert "alice" in table


def test_add_refuses_weak_duplicate_and_missing_passwords(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEAK", "short")
    assert main([*db, "user", "add", "bob", "--role", "client", "--new-password-env", "WEAK"]) == 2
    assert "at least 12" in capsys.readouterr().err
    assert main([*db, "user", "add", "ALICE", "--role", "client", "--new-password-env", "NEW_PW"]) == 2
    assert "already taken" in capsys.readouterr().err
    assert main([*db, "user", "add", "bob", "--role", "client", "--new-password-env", "UNSET_VAR"]) == 2
    assert "UNSET_VAR is not set" in capsys.readouterr().err
    assert main([*db, "user", "add", "bob", "--role", "client"]) == 2  # no terminal to prompt in
    assert "--new-password-env" in capsys.readouterr().err
    assert set(listed(db, capsys)) == {"alice"}


def test_disable_unlock_enable_and_set_role(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*db, "user", "add", "bob", "--role", "client", "--new-password-env", "NEW_PW"]) == 0
    assert main([*db, "user", "disable", "bob"]) == 0
    assert not listed(db, capsys)["bob"]["active"]
    assert main([*db, "user", "enable", "bob"]) == 0
    assert main([*db, "user", "set-role", "bob", "portfolio_manager"]) == 0
    assert "bob is now portfolio_manager" in capsys.readouterr().out
    assert main([*db, "user", "unlock", "bob"]) == 0
    bob = listed(db, capsys)["bob"]
    assert (bob["active"], bob["role"], bob["locked_until"]) == (True, "portfolio_manager", None)


def test_reset_password_makes_the_user_change_it(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*db, "user", "add", "bob", "--role", "client", "--new-password-env", "NEW_PW"]) == 0
    monkeypatch.setenv("TEMP_PW", "temporary lilac window")
    assert main([*db, "user", "reset-password", "bob", "--new-password-env", "TEMP_PW"]) == 0
    assert "must change it" in capsys.readouterr().out
    monkeypatch.setenv("FIDUS_PASSWORD", NEW_PASSWORD)
    assert main([*db, "user", "list", "--user", "bob"]) == 2  # the old password no longer works


def test_errors_have_exit_codes_and_say_what_to_do(
    db: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main([*db, "user", "disable", "nobody"]) == 2
    assert "no user called 'nobody'" in capsys.readouterr().err
    assert main([*db, "user", "disable", "alice"]) == 2
    assert "your own account" in capsys.readouterr().err
    assert main([*db, "user", "add", "carl", "--role", "client", "--new-password-env", "NEW_PW"]) == 0
    monkeypatch.setenv("FIDUS_PASSWORD", NEW_PASSWORD)
    assert main([*db, "user", "disable", "alice", "--user", "carl"]) == 2
    assert "may not users: manage" in capsys.readouterr().err
    monkeypatch.setenv("FIDUS_PASSWORD", "wrong password entirely")
    assert main([*db, "user", "list"]) == 2
    assert "not right" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main([*db, "user", "set-role", "alice", "superuser"])
    assert usage.value.code == 2
