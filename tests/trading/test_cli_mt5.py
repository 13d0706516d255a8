"""fidus mt5 accounts / status / sync: two --simulated --once runs, the second storing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS
from tests.cli_policy import admins_without_mfa

from .conftest import sim_account_input

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    monkeypatch.setenv("FIDUS_USER", "alice")
    admins_without_mfa()
    uri = f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"
    assert main(["--db", uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    ctx = open_context(uri, log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", PASSWORD).actor()
        for sim in DEFAULT_ACCOUNTS:
            ctx.services.trading.accounts.create(admin, sim_account_input(sim.login, fund_id=f"fund-{sim.login}"))
    finally:
        ctx.close()
    return uri


def json_out(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_second_simulated_once_run_stores_no_new_deal(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = json_out(capsys, "--db", db, "mt5", "status", "--json")
    assert {row["state"] for row in before} == {"stopped"}
    assert {row["deals"] for row in before} == {0}

    assert main(["--db", db, "mt5", "sync", "--simulated", "7", "--once"]) == 0
    first = capsys.readouterr().out
    assert "5001001: 0 new deal(s)" not in first
    counts = {row["login"]: row["deals"] for row in json_out(capsys, "--db", db, "mt5", "status", "--json")}
    assert all(count > 0 for count in counts.values())

    assert main(["--db", db, "mt5", "sync", "--simulated", "7", "--once"]) == 0
    second = capsys.readouterr().out
    for login, count in counts.items():
        assert f"{login}: 0 new deal(s) stored, {count} in total" in second
    status = json_out(capsys, "--db", db, "mt5", "status", "--json")
    assert {row["login"]: row["deals"] for row in status} == counts
    assert all(row["last_sync"].startswith("2024-06-03T12:00") for row in status)  # type: ignore[union-attr]


def test_accounts_lists_mapping_as_json_and_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    rows = json_out(capsys, "--db", db, "mt5", "accounts", "--json")
    assert [(r["login"], r["fund_id"]) for r in rows] == [(a.login, f"fund-{a.login}") for a in DEFAULT_ACCOUNTS]
    assert main(["--db", db, "mt5", "accounts"]) == 0
    assert "FidusSim-Live" in capsys.readouterr().out


def test_sync_without_the_package_reports_unavailable_and_exit_1(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db, "mt5", "sync", "--once"]) == 1
    assert "MetaTrader5 package not installed (Windows only)" in capsys.readouterr().out
    status = json_out(capsys, "--db", db, "mt5", "status", "--json")
    assert {row["state"] for row in status} == {"stopped"}
