"""``fidus dealing list|approve|settle|cancel``: deals entered elsewhere can be finished from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.cli.main import main
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.portfolio.fixtures import D1, D2, PM, build_office
from tests.portfolio.test_cli_demo import PASSWORD, run


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Two deals entered by maria (not a CLI user): a subscription and one to cancel; admin alice signs in."""
    office = build_office(tmp_path)
    for day, amount, ref in ((D1, "10000", "ORD-1"), (D2, "500", "ORD-2")):
        office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                      day, day, day, amount=amount, ref=ref))
    office.services.users.create_first_admin("alice", PASSWORD)
    office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def listed(db: list[str], capsys: pytest.CaptureFixture[str], *args: str) -> list[dict]:
    assert run(db, "dealing", "list", *args, "--json") == 0
    return json.loads(capsys.readouterr().out)


def test_list_approve_settle_and_cancel(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rows = listed(db, capsys)
    assert [(r["ref"], r["status"], r["entered_by"], r["investor"]) for r in rows] == [
        ("ORD-1", "pending", "maria", "INV-1"), ("ORD-2", "pending", "maria", "INV-1")]
    assert run(db, "dealing", "approve", "ORD-1") == 0
    out = capsys.readouterr().out
    # The confirmation shows what settling will book: 2 % entry fee, 9,800 at NAV 100 = 98 units.
    assert "at NAV 100.0000 EUR: 98.0000 units, gross 10,000.00 − fee 200.00 = net 9,800.00 EUR" in out
    assert "Approved ORD-1 (entered by maria, approved by alice)." in out
    assert [r["ref"] for r in listed(db, capsys, "--status", "approved")] == ["ORD-1"]
    assert run(db, "dealing", "settle", "ORD-1") == 0
    assert "Settled ORD-1: 98.0000 units at NAV 100" in capsys.readouterr().out
    with pytest.raises(SystemExit) as usage:  # argparse: the reason is required
        run(db, "dealing", "cancel", "ORD-2")
    assert usage.value.code == 2
    assert "--reason" in capsys.readouterr().err
    assert run(db, "dealing", "cancel", "ORD-2", "--reason", "duplicate order") == 0
    assert "Cancelled ORD-2: duplicate order" in capsys.readouterr().out
    assert listed(db, capsys) == []
    assert run(db, "dealing", "list") == 0
    assert "No pending or approved transactions." in capsys.readouterr().out


def test_four_eyes_and_unknown_references_exit_2(db: list[str], capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path) -> None:
    csv = tmp_path / "orders.csv"
    csv.write_text("ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount,units,full,"
                   "target_class_code,target_investor_number\n"
                   "ORD-9,subscription,GLB-A-EUR,INV-2,2023-01-03,2023-01-03,2023-01-04,700,,,,\n")
    assert run(db, "import", "transactions", str(csv)) == 0
    capsys.readouterr()
    assert run(db, "dealing", "approve", "ORD-9") == 2
    assert "Four-eyes rule: alice entered transaction ORD-9" in capsys.readouterr().err
    assert run(db, "dealing", "settle", "NOPE") == 2
    assert "no transaction with reference 'NOPE'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main([*db, "dealing", "list", "--status", "bogus", "--user", "alice"])
    assert usage.value.code == 2
