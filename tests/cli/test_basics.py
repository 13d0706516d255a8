"""fidus version / init / doctor / config: exit codes, messages and JSON."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

import fidus_desktop
from fidus_desktop.bootstrap import db_password_name
from fidus_desktop.cli import main
from fidus_desktop.config.secrets import SecretStore

GOOD_PASSWORD = "correct horse battery staple 42"


def db(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'cli.db').as_posix()}"


def test_version_plain_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["version"]) == 0
    assert capsys.readouterr().out.strip() == f"FIDUS Desktop {fidus_desktop.__version__}"
    assert main(["version", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["version"] == fidus_desktop.__version__


def test_init_creates_first_admin_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PW", GOOD_PASSWORD)
    args = ["--db", db(tmp_path), "init", "--admin-user", "alice", "--admin-password-env", "ADMIN_PW"]
    assert main(args) == 0
    assert "Created administrator alice" in capsys.readouterr().out
    assert main(args) == 2
    assert "already has users" in capsys.readouterr().err


def test_init_refuses_a_weak_password_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PW", "short")
    assert main(["--db", db(tmp_path), "init", "--admin-user", "alice", "--admin-password-env", "ADMIN_PW"]) == 2
    assert "12" in capsys.readouterr().err  # the policy says how long it must be
    monkeypatch.setenv("ADMIN_PW", GOOD_PASSWORD)
    assert main(["--db", db(tmp_path), "init", "--admin-user", "alice", "--admin-password-env", "ADMIN_PW"]) == 0


def test_init_without_admin_or_demo_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db(tmp_path), "init"]) == 2
    assert "--admin-user" in capsys.readouterr().err


def test_bad_db_uri_is_exit_2_with_the_accepted_forms(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", "postgres://nope", "init", "--demo"]) == 2
    err = capsys.readouterr().err
    assert "postgres://nope" in err
    assert "sqlite" in err


def test_corrupt_database_file_is_reported_and_left_untouched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "cli.db"
    bad.write_bytes(b"this is not a database" * 100)
    before = bad.read_bytes()
    assert main(["--db", db(tmp_path), "init", "--demo"]) == 2
    assert "not a readable FIDUS database" in capsys.readouterr().err
    assert bad.read_bytes() == before


def test_doctor_reports_each_check_and_fails_on_a_broken_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cli.db").write_bytes(b"garbage" * 100)
    assert main(["--db", db(tmp_path), "doctor", "--json"]) == 1
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["database"]["status"] == "fail"
    assert checks["mt5"]["status"] in {"ok", "warn"}
    assert checks["google"]["detail"] == "not configured"
    assert checks["keyring"]["status"] == "ok"  # the tests' in-memory keyring


def test_doctor_on_a_fresh_database_warns_to_run_init(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", db(tmp_path), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "[WARN] database" in out
    assert "fidus init" in out


def test_doctor_shows_the_process_figures_a_support_person_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["--db", db(tmp_path), "doctor", "--json"])
    process = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["process"]
    assert process["status"] == "ok"
    assert re.fullmatch(r"memory \d+ MB, \d+ threads \(\d+ Python\), \d+ open handles, database connections: 0",
                        process["detail"])


def test_set_db_password_goes_to_the_keyring_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MONGO_PW", "s3cret-value")
    assert main(["config", "set-db-password", "fidus@db.local", "--password-env", "MONGO_PW"]) == 0
    assert SecretStore().get(db_password_name("fidus@db.local")) == "s3cret-value"
    assert "s3cret-value" not in capsys.readouterr().out
    home_files = [p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()]
    assert not any(b"s3cret-value" in data for data in home_files)


@pytest.mark.slow
def test_init_demo_creates_the_named_administrator_who_can_act(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ADMIN_PW", GOOD_PASSWORD)
    assert main(["--db", db(tmp_path), "init", "--demo", "--admin-user", "alice", "--admin-password-env",
                 "ADMIN_PW"]) == 0
    assert "Created administrator alice in the demo office." in capsys.readouterr().out
    monkeypatch.setenv("FIDUS_PASSWORD", GOOD_PASSWORD)
    assert main(["--db", db(tmp_path), "funds", "list", "--json", "--user", "alice"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3


def test_init_options_given_and_not_usable_are_errors_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("UNSET_PW", raising=False)
    assert main(["--db", db(tmp_path), "init", "--demo", "--admin-password-env", "ADMIN_PW"]) == 2
    assert "give --admin-user NAME too" in capsys.readouterr().err
    assert main(["--db", db(tmp_path), "init", "--demo", "--admin-user", "alice", "--admin-password-env",
                 "UNSET_PW"]) == 2
    assert "UNSET_PW is not set" in capsys.readouterr().err
    monkeypatch.setenv("ADMIN_PW", GOOD_PASSWORD)
    assert main(["--db", db(tmp_path), "init", "--demo", "--admin-user", "Maria.Costa", "--admin-password-env",
                 "ADMIN_PW"]) == 2
    assert "one of the demo office's own users" in capsys.readouterr().err
    monkeypatch.setenv("ADMIN_PW", "short")
    assert main(["--db", db(tmp_path), "init", "--demo", "--admin-user", "alice", "--admin-password-env",
                 "ADMIN_PW"]) == 2
    capsys.readouterr()
    monkeypatch.setenv("ADMIN_PW", GOOD_PASSWORD)  # nothing was loaded by the refused runs: init still works
    assert main(["--db", db(tmp_path), "init", "--admin-user", "alice", "--admin-password-env", "ADMIN_PW"]) == 0


def test_output_into_a_pipe_whose_reader_left_ends_quietly(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # `fidus … | head`: head exits, our next write gets EPIPE. No traceback, exit 0, nothing on stderr.
    read_end, write_end = os.pipe()
    os.close(read_end)
    gone = os.fdopen(write_end, "w", buffering=1)
    monkeypatch.setattr(sys, "stdout", gone)
    try:
        assert main(["version"]) == 0
        assert capsys.readouterr().err == ""
    finally:
        gone.close()
