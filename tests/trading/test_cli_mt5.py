"""fidus mt5 accounts / status / sync: two --simulated --once runs, the second storing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS

from .conftest import sim_account_input

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    monkeypatch.setenv("FIDUS_USER", "alice")
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


def test_doctor_warns_about_a_server_time_setting_the_servers_clock_contradicts(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = open_context(db, log_to_file=False)
    try:  # what the poller stores when the newest tick disagrees with server_time (tests/trading/test_real_terminal…)
        ctx.services.trading.sync.state.insert({"login": 5001001, "server_offset": {
            "detected_minutes": 0, "configured_minutes": 180, "policy": "EET-NY", "checked_at": None}})
    finally:
        ctx.close()
    capsys.readouterr()
    main(["--db", db, "doctor", "--json"])
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    check = checks["mt5 server time"]
    assert check["status"] == "warn"
    assert "5001001: server_time 'EET-NY' says UTC+3 h, the server's ticks say UTC+0 h" in check["detail"]


def test_record_writes_a_scrubbed_fixture_the_replay_terminal_serves(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fidus_desktop.integrations.mt5 import Mt5Session, ReplayTerminal, policy_from_config
    from fidus_desktop.integrations.mt5.recorder import REPLAY_LOGIN, REPLAY_PASSWORD, scrub_text

    out = tmp_path / "session.json"
    assert main(["--db", db, "mt5", "record", "--login", "5001001", "--days", "5", "--out", str(out),
                 "--simulated", "3"]) == 0
    assert "scrubbed" in capsys.readouterr().out
    text = out.read_text(encoding="utf-8")
    assert "5001001" not in text
    assert "Alpha Fund" not in text
    assert "Users/sim" not in text
    replay = ReplayTerminal.from_file(out)
    session = Mt5Session(replay, policy_from_config("EET-NY"))
    session.connect(login=REPLAY_LOGIN, password=REPLAY_PASSWORD)
    deals = session.deals_since(None).deals
    assert deals
    assert len(deals) == len(json.loads(text)["accounts"][0]["deals"])
    comment = "Wire from IBAN DE89 3704 0044 0532 0130 00 for 5001001, mail a.b@c.com, ref #5521"
    assert scrub_text(comment, 5001001) == \
        "Wire from IBAN DE######### for 10000001, mail someone@example.com, ref #5521"
