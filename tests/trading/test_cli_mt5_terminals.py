"""fidus mt5 accounts --login N --terminal-path P, and fidus mt5 exposure after a simulated sync."""

from __future__ import annotations

import json

import pytest

from fidus_desktop.cli import main
from fidus_desktop.services.trading import accounts as accounts_module

from .test_cli_mt5 import db, json_out  # noqa: F401  (db is a fixture)

PATH = "C:/MT5/5001001/terminal64.exe"


@pytest.fixture(autouse=True)
def not_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The paths below exist on no PC: checked as off Windows (accepted with a warning) on every OS."""
    monkeypatch.setattr(accounts_module, "on_windows", lambda: False)


def test_accounts_show_and_set_the_terminal_path(db: str, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    rows = json_out(capsys, "--db", db, "mt5", "accounts", "--json")
    assert {row["terminal_path"] for row in rows} == {"(shared terminal)"}
    assert main(["--db", db, "mt5", "accounts", "--login", "5001001", "--terminal-path", PATH, "--json"]) == 0
    out, err = capsys.readouterr()
    assert {row["login"]: row["terminal_path"] for row in json.loads(out)}[5001001] == PATH
    assert "cannot be checked on this computer (not Windows)" in err
    assert main(["--db", db, "mt5", "accounts", "--login", "5001001"]) != 0
    assert "--terminal-path together" in capsys.readouterr().err
    assert main(["--db", db, "mt5", "accounts", "--login", "5001001", "--terminal-path", "C:/MT5/x.exe"]) != 0
    assert "must end in terminal64.exe" in capsys.readouterr().err
    rows = json_out(capsys, "--db", db, "mt5", "accounts", "--login", "5001001", "--terminal-path", "", "--json")
    assert {row["login"]: row["terminal_path"] for row in rows}[5001001] == "(shared terminal)"


@pytest.mark.slow
def test_sync_with_an_own_terminal_then_exposure_by_currency(
    db: str, capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    json_out(capsys, "--db", db, "mt5", "accounts", "--login", "5001002", "--terminal-path", PATH, "--json")
    assert main(["--db", db, "mt5", "sync", "--simulated", "7", "--once"]) == 0
    assert "not synced" not in capsys.readouterr().out
    report = json_out(capsys, "--db", db, "mt5", "exposure", "5001002", "--json")
    assert report["currency"] == "EUR"  # type: ignore[index]
    assert report["unvalued"] == []  # type: ignore[index]
    for row in report["by_currency"]:  # type: ignore[index]
        assert not str(row["in_EUR"]).startswith("not convertible"), row
