"""fidus kyc status | open | item | risk | submit | approve | reject: a whole case through two officers, with
results, messages and exit codes (bad input: 2 and a message, never a traceback)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.domain.compliance.risk import RiskInputs, RiskModel
from fidus_desktop.security import passwords
from tests.support.cli_policy import no_mfa_required

PASSWORD = "correct horse battery staple 42"
TODAY = date.today()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    uri = ["--db", f"sqlite:///{(tmp_path / 'kyc.db').as_posix()}"]
    assert main([*uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    no_mfa_required()  # these tests act as officers and administrators; sign-in rules are tested elsewhere
    ctx = open_context(uri[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", PASSWORD).actor()
        for name, role in (("olga", "compliance_officer"), ("omar", "compliance_officer"), ("bob", "back_office"),
                           ("pat", "portfolio_manager")):
            ctx.services.users.create_user(alice, name, PASSWORD, role)
        ctx.services.portfolio.investors.create_investor(alice, "INV-1", "Ann Example", "individual")
    finally:
        ctx.close()
    return uri


def run(db: list[str], user: str, *args: str) -> int:
    return main([*db, "kyc", *args, "--user", user])


def status(db: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert run(db, "olga", "status", "--investor", "INV-1", "--json") == 0
    [row] = json.loads(capsys.readouterr().out)
    return row


def test_a_case_from_open_to_approved_by_two_officers(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    row = status(db, capsys)
    assert (row["investor"], row["status"], row["risk_band"]) == ("INV-1", "open", None)
    assert "Identity document is missing" in row["missing"]
    assert [i["item"] for i in row["items"]] == ["identity", "address", "source_of_funds", "source_of_wealth",
                                                 "bank_statement", "suitability"]
    assert run(db, "olga", "status") == 0
    out = capsys.readouterr().out
    assert "INV-1" in out
    assert "INV-1 missing: Identity document is missing" in out
    expiry, dated = (TODAY + timedelta(days=800)).isoformat(), (TODAY - timedelta(days=5)).isoformat()
    for item in row["items"]:
        extra = {"identity": ["--expires", expiry], "address": ["--document-date", dated]}.get(item["item"], [])
        assert run(db, "bob", "item", "INV-1", item["item"], "received", *extra) == 0
        assert run(db, "olga", "item", "INV-1", item["item"], "approved") == 0
    assert "Suitability questionnaire: approved. KYC case of INV-1 is open." in capsys.readouterr().out
    assert run(db, "olga", "risk", "INV-1", "medium", "--reason", "non face-to-face onboarding") == 0
    assert run(db, "olga", "submit", "INV-1") == 0
    assert "is in review; a second officer approves it: `fidus kyc approve INV-1`" in capsys.readouterr().out
    assert run(db, "olga", "approve", "INV-1") == 2  # maker ≠ checker
    assert "olga submitted this case; a second officer decides it" in capsys.readouterr().err
    assert run(db, "bob", "approve", "INV-1") == 2  # back office may not approve
    capsys.readouterr()
    assert run(db, "omar", "approve", "INV-1") == 0
    assert "KYC case of INV-1 is approved." in capsys.readouterr().out
    row = status(db, capsys)
    assert (row["status"], row["risk_band"], row["submitted_by"], row["decided_by"], row["missing"]) == (
        "approved", "medium", "olga", "omar", [])
    assert row["items"][0]["expires_on"] == expiry


@pytest.mark.parametrize(("args", "message"), [
    (["item", "INV-9", "identity", "received"], "No investor 'INV-9'"),
    (["item", "INV-1", "identity", "received"], "enter the expiry date printed on the document"),
    (["item", "INV-1", "identity", "received", "--expires", "31.12.2030"], "The expiry date"),
    (["item", "INV-1", "passport", "received"], "'passport' is not on this case's checklist"),
    (["item", "INV-1", "identity", "approved"], "missing cannot become approved"),
    (["approve", "INV-1"], "A case open cannot become approved"),
    (["open", "INV-1"], "Investor INV-1 already has a KYC case"),
    (["status", "--investor", "nobody"], "No investor 'nobody'"),
])
def test_bad_input_exits_2_with_a_message(
    db: list[str], capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    capsys.readouterr()
    assert run(db, "olga", *args) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_a_bad_status_word_is_a_usage_error(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        run(db, "olga", "item", "INV-1", "identity", "done")
    assert exit_.value.code == 2
    assert "invalid choice: 'done'" in capsys.readouterr().err


def test_a_portfolio_manager_is_refused(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert run(db, "pat", "status") == 2
    assert "pat (portfolio manager) may not kyc: read" in capsys.readouterr().err


def test_a_band_override_after_a_score_waits_for_a_second_officer(
    db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        olga = ctx.services.users.authenticate("olga", PASSWORD).actor()
        kyc = ctx.services.kyc
        case = kyc.case_for(olga, "INV-1")
        kyc.score_risk(olga, case.case_id, case.version, RiskInputs(pep=True), RiskModel("test-1"))
    finally:
        ctx.close()
    capsys.readouterr()
    assert run(db, "olga", "risk", "INV-1", "low", "--reason", "PEP link ended in 2019") == 0
    # PEP 30 + undeclared source of funds 30 = 60: high (from 50)
    assert "stays high (scored) until a second officer confirms" in capsys.readouterr().out
    assert run(db, "olga", "confirm-risk", "INV-1") == 2
    assert "second compliance officer" in capsys.readouterr().err
    assert run(db, "omar", "confirm-risk", "INV-1") == 0
    assert "Risk band of INV-1: low (override confirmed)." in capsys.readouterr().out
    assert status(db, capsys)["risk_band"] == "low"
