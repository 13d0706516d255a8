"""fidus screening lists [import] | check | run | alerts | decide | confirm: on the real OFAC file, with
results, messages and exit codes (bad input: 2 and a message, never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.security import passwords
from tests.compliance.conftest import SDN_CSV, real_file, sdn_excerpt
from tests.support.cli_policy import no_mfa_required

ADMIN_PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setenv("FIDUS_USER", "alice")
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    uri = ["--db", f"sqlite:///{(tmp_path / 'screening.db').as_posix()}"]
    assert main([*uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    no_mfa_required()  # these tests act as officers and administrators; sign-in rules are tested elsewhere
    return uri


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(path)


def test_import_the_real_file_list_versions_and_check_names(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real_file(SDN_CSV)
    assert main([*db, "screening", "lists", "import", "ofac", str(SDN_CSV)]) == 0
    assert "Imported ofac-sdn: 14965 entries (14965 added, 0 removed, 0 changed)" in capsys.readouterr().out
    assert main([*db, "screening", "lists", "import", "ofac", str(SDN_CSV)]) == 0
    assert "was already imported" in capsys.readouterr().out
    assert main([*db, "screening", "lists", "--json"]) == 0
    [version] = json.loads(capsys.readouterr().out)
    assert (version["list"], version["entries"], version["imported_by"], len(version["sha256"])) == (
        "ofac-sdn", 14965, "alice", 64)
    names = write(tmp_path, "names.csv", "name,date_of_birth,country,kind\n"
                                         "Владимир Путин,1952,RU,person\nAnn Smith,,,\n"
                                         "Banco Nacional de Cuba,,Cuba,company\n")
    assert main([*db, "screening", "check", "--names", names, "--json"]) == 0
    found = {row["name"]: row["matches"] for row in json.loads(capsys.readouterr().out)}
    assert [(m["list"], m["entry_id"], m["matched_name"]) for m in found["Владимир Путин"]] == [
        ("ofac-sdn", "35096", "Vladimir Vladimirovich PUTIN")]
    assert "year of birth 1952 listed (+0.03)" in found["Владимир Путин"][0]["factors"]
    assert found["Ann Smith"] == []
    assert found["Banco Nacional de Cuba"][0]["score"] == 1.0


def test_check_takes_one_name_a_line_and_a_threshold(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*db, "screening", "lists", "import", "ofac", write(tmp_path, "sdn.csv", sdn_excerpt("3754"))]) == 0
    names = write(tmp_path, "names.txt", "Musa Mohamed Abu Marzuk\n\nMusa Marzuk\n")
    capsys.readouterr()
    assert main([*db, "screening", "check", "--names", names, "--json"]) == 0
    strict = json.loads(capsys.readouterr().out)
    assert [len(r["matches"]) for r in strict] == [1, 0]  # two of four words: below the default threshold
    assert main([*db, "screening", "check", "--names", names, "--threshold", "0.5", "--json"]) == 0
    loose = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in loose] == ["Musa Mohamed Abu Marzuk", "Musa Marzuk"]
    assert all(r["matches"][0]["entry_id"] == "3754" for r in loose)


@pytest.mark.parametrize(("args", "says"), [
    (["check", "--names", "{missing}"], "Cannot read"),
    (["check", "--names", "{bad_csv}"], "line 2: date_of_birth 'soon' is not a year"),
    (["check", "--names", "{names}", "--threshold", "7"], "threshold"),
    (["check", "--names", "{empty}"], "holds no names"),
    (["lists", "import", "un", "{names}"], "is not the UN Security Council consolidated list"),
    (["run"], "No sanctions list has been imported"),
])
def test_bad_input_exits_2_with_a_message(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    files = {"missing": str(tmp_path / "nope.csv"), "names": write(tmp_path, "n.txt", "Ann Smith\n"),
             "bad_csv": write(tmp_path, "b.csv", "name,date_of_birth\nAnn,soon\n"),
             "empty": write(tmp_path, "e.txt", "\n\n")}
    if args[0] == "check":
        main([*db, "screening", "lists", "import", "ofac", write(tmp_path, "sdn.csv", sdn_excerpt(first=20))])
    capsys.readouterr()
    assert main([*db, "screening", *[a.format(**files) for a in args]]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err


def test_run_exits_1_while_alerts_are_open_and_the_administrator_decides_nothing(
    db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*db, "screening", "lists", "import", "ofac", write(tmp_path, "sdn.csv", sdn_excerpt("3754"))]) == 0
    assert main([*db, "screening", "run"]) == 0  # no investor yet
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", ADMIN_PASSWORD).actor()
        ctx.services.portfolio.investors.create_investor(alice, "INV-7", "Musa Mohamed Abu Marzuk", "individual")
    finally:
        ctx.close()
    capsys.readouterr()
    assert main([*db, "screening", "run", "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert (summary["screened"], summary["open_alerts"]) == (1, 1)
    [alert] = summary["alerts"]
    assert (alert["investor"], alert["entry_id"], alert["status"]) == ("INV-7", "3754", "open")
    newer = sdn_excerpt("3754", "35096")
    assert main([*db, "screening", "lists", "import", "ofac", write(tmp_path, "newer.csv", newer)]) == 0
    assert "Screened 1 investors against it: 0 new alerts; 1 alerts open." in capsys.readouterr().out
    assert main([*db, "screening", "decide", alert["alert_id"], "false_positive", "--reason", "no"]) == 2
    assert "may not screening: decide" in capsys.readouterr().err
