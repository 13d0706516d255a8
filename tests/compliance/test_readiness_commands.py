"""The readiness gate from the command line: ``fidus import transactions`` and ``fidus dealing approve`` refuse
an investor who is not ready (exit 2, the reason, nothing written); ``fidus kyc readiness | agreement |
override`` show and change readiness with two officers; ``fidus kyc score`` explains a score factor by factor
and ``fidus kyc model`` shows, exports, imports and updates the stored risk model."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from fidus_desktop.cli import main
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.support.cli_policy import no_mfa_required
from tests.support.portfolio_office import ADMIN, D2, PM, build_office

PASSWORD = "correct horse battery staple 42"
TODAY = date.today()
ROWS = "ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The portfolio office (Ann and Bob ready), Carl (INV-3) just created, a pending subscription of Ann."""
    office = build_office(tmp_path)
    office.p.investors.create_investor(ADMIN, "INV-3", "Carl Newman", "individual")
    office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                  D2, D2, D2, amount="500", ref="ORD-1"))
    alice = office.services.users.create_first_admin("alice", PASSWORD).actor()
    for name, role in (("olga", "compliance_officer"), ("omar", "compliance_officer"), ("bob", "back_office")):
        office.services.users.create_user(alice, name, PASSWORD, role)
    office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    no_mfa_required()
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def run(db: list[str], user: str, *args: str) -> int:
    return main([*db, *args, "--user", user])


def readiness(db: list[str], capsys: pytest.CaptureFixture[str], investor: str) -> dict:
    capsys.readouterr()
    run(db, "olga", "kyc", "readiness", "--investor", investor, "--json")
    [row] = json.loads(capsys.readouterr().out)
    return row


def test_an_import_with_an_investor_not_ready_exits_2_and_enters_nothing(
    db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    file = tmp_path / "deals.csv"
    file.write_text(ROWS + "IMP-1,subscription,GLB-A-EUR,INV-1,2023-01-03,2023-01-03,2023-01-03,100\n"
                           "IMP-2,subscription,GLB-A-EUR,INV-3,2023-01-03,2023-01-03,2023-01-03,100\n")
    assert run(db, "alice", "import", "transactions", str(file)) == 2
    err = capsys.readouterr().err
    assert "line 3" in err
    assert "Investor INV-3 (Carl Newman) is not ready to invest: KYC case open" in err
    assert "Traceback" not in err
    assert run(db, "alice", "dealing", "list", "--json") == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == ["ORD-1"]


def test_approving_a_deal_of_an_investor_no_longer_ready_exits_2(
    db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, "olga", "kyc", "item", "INV-1", "address", "revision_requested", "--reason", "moved house") == 0
    assert run(db, "alice", "dealing", "approve", "ORD-1") == 2
    assert "Investor INV-1 (Ann Smith) is not ready to invest: KYC case needs update" in capsys.readouterr().err


def test_readiness_agreement_and_override_with_two_officers(
    db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db, "olga", "kyc", "readiness") == 1  # Carl is not ready
    out = capsys.readouterr().out
    assert "INV-1" in out
    assert "INV-3" in out
    assert "not ready: KYC case open; subscription agreement not signed" in out
    row = readiness(db, capsys, "INV-1")
    assert (row["ready"], row["summary"], row["agreement_received"]) == (True, "ready",
                                                                       (TODAY - timedelta(days=1)).isoformat())
    assert run(db, "bob", "kyc", "agreement", "INV-3", "--received", TODAY.isoformat()) == 0
    assert "Investor INV-3 is not ready: KYC case open." in capsys.readouterr().out
    assert run(db, "bob", "kyc", "agreement", "INV-3", "--received", "03/01/2026") == 2
    assert "is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err
    until = (TODAY + timedelta(days=14)).isoformat()
    assert run(db, "olga", "kyc", "override", "INV-3", "--until", until) == 2  # no reason
    assert "reason" in capsys.readouterr().err
    assert run(db, "bob", "kyc", "override", "INV-3", "--until", until, "--reason", "documents arrive monday") == 2
    assert run(db, "olga", "kyc", "override", "INV-3", "--until", until, "--reason", "documents arrive monday") == 0
    assert "a second officer confirms it: `fidus kyc override INV-3 --confirm`" in capsys.readouterr().out
    assert run(db, "olga", "kyc", "override", "INV-3", "--confirm") == 2
    assert "olga asked for this override; a second officer confirms it" in capsys.readouterr().err
    assert run(db, "omar", "kyc", "override", "INV-3", "--confirm") == 0
    assert f"Investor INV-3 is ready by override until {until} (confirmed by omar)" in capsys.readouterr().out
    row = readiness(db, capsys, "INV-3")
    assert row["ready"]
    assert row["override"]["confirmed_by"] == "omar"
    assert row["gaps"] == ["KYC case open"]
    assert run(db, "olga", "kyc", "readiness") == 0
    capsys.readouterr()
    assert run(db, "olga", "kyc", "status", "--investor", "INV-3", "--json") == 0
    [status] = json.loads(capsys.readouterr().out)
    assert (status["status"], status["ready"]) == ("open", True)
    assert status["readiness"].startswith("ready by override until")
    assert run(db, "omar", "kyc", "override", "INV-3", "--revoke", "--reason", "file abandoned by the client") == 0
    assert "Investor INV-3 is not ready: KYC case open." in capsys.readouterr().out


def test_score_explains_every_factor_and_a_new_model_rescores(
    db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(db, "olga", "kyc", "score", "INV-1", "--show") == 2
    assert "has not been scored yet" in capsys.readouterr().err
    assert run(db, "olga", "kyc", "score", "INV-1", "--residence", "ng", "--remote", "--source-of-funds",
               "gift", "--volume", "2000000") == 0
    out = capsys.readouterr().out
    # Independently: Nigeria on FATF increased monitoring 25 + remote 10 + gift 15 + volume ≥ 1,000,000 10 = 60
    assert "Risk score 60/100 → high (model shipped)" in out
    assert "enhanced due diligence required" in out
    for line in ("+ 25  country          residence NG is on FATF increased monitoring (as of 2024-10-25)",
                 "+ 10  channel          onboarded without meeting in person",
                 "+ 15  source_of_funds  source of funds: gift", "+ 10  volume           expected yearly volume"):
        assert line in out
    assert run(db, "olga", "kyc", "score", "INV-1", "--residence", "Nigeria") == 2
    assert "residence 'Nigeria' is not an ISO country code" in capsys.readouterr().err
    assert run(db, "pat", "kyc", "model", "show") == 2  # a portfolio manager does not read the KYC model
    capsys.readouterr()
    assert run(db, "olga", "kyc", "model", "show") == 0
    assert "FATF call for action (as of 2024-10-25, +60): IR, KP, MM" in capsys.readouterr().out
    exported = tmp_path / "model.json"
    assert run(db, "olga", "kyc", "model", "export", "--out", str(exported)) == 0
    data = json.loads(exported.read_text())
    data["country_lists"][1]["codes"].remove("NG")
    exported.write_text(json.dumps(data))
    assert run(db, "bob", "kyc", "model", "import", str(exported), "--reason", "NG delisted") == 2  # back office
    assert run(db, "olga", "kyc", "model", "import", str(exported), "--reason", "FATF delisted NG (test)") == 0
    out = capsys.readouterr().out
    assert "Risk model version 1 saved: FATF increased monitoring: as of 2024-10-25, removed NG." in out
    assert "1 scored investor(s) re-scored with it: INV-1: high → medium." in out
    assert run(db, "olga", "kyc", "score", "INV-1", "--show", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["score"], shown["band"], shown["model_version"]) == (35, "medium", "1")
    exported.write_text("{not json")
    assert run(db, "olga", "kyc", "model", "import", str(exported), "--reason", "broken") == 2
    assert "is not a JSON risk model" in capsys.readouterr().err
    assert run(db, "omar", "kyc", "model", "countries", "FATF call for action", "--as-of", "2025-02-21",
               "--codes", "IR,KP,MM,RU", "--reason", "test: a listing added") == 0
    assert "FATF call for action: as of 2025-02-21, added RU" in capsys.readouterr().out
    assert run(db, "omar", "kyc", "model", "countries", "FATF call for action", "--as-of", "2025-02-21",
               "--codes", "IR,KP,MM,RU", "--source", "FATF public statement, 21 February 2025",
               "--reason", "test: the source named") == 0
    assert "source FATF public statement, 21 February 2025" in capsys.readouterr().out
    assert run(db, "omar", "kyc", "model", "countries", "FATF call for action", "--as-of", "2025-02-21",
               "--codes", "IR,QQ", "--reason", "test: a made-up code") == 2
    assert "QQ: not ISO 3166 country code" in capsys.readouterr().err
    assert run(db, "olga", "kyc", "model", "versions", "--json") == 0
    assert [v["version"] for v in json.loads(capsys.readouterr().out)] == ["3", "2", "1"]
