"""``fidus crm agents …`` and ``fidus crm commissions``: an agent, an introduced client with a fixed-yield
investment, the statement listed, prepared, refused to its preparer, written as PDF and CSV."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run

db = test_cli.db


def test_agents_and_commissions(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "crm", "agents", "add", "ag-1", "--name", "Alpine Introductions", "--rate", "10 %")[0] == 0
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        investor = ctx.services.portfolio.investors.create_investor(admin, "INV-1", "Ann Smith", "individual")
        products = ctx.services.portfolio.products
        products.define_terms(admin, "CORE", "Core", monthly_rate="0.015", commitment_months=12, currency="USD")
        products.invest(admin, investor.investor_id, "CORE", "100000", "2023-01-15")
    finally:
        ctx.close()
    assert run(db, capsys, "crm", "agents", "introduce", "AG-1", "INV-1")[0] == 0
    code, out = run(db, capsys, "crm", "agents", "list")
    assert "AG-1" in out
    assert "10 %" in out
    code, out = run(db, capsys, "crm", "commissions", "--period", "2023-Q1", "--json")
    assert code == 0, out
    [statement] = json.loads(out)["statements"]
    # Feb 15 and Mar 15: 1,500.00 interest each, 150.00 commission each
    assert (statement["status"], statement["totals"]) == ("draft", {"USD": "300.00"})
    assert run(db, capsys, "crm", "commissions", "--period", "2023-Q1", "--agent", "AG-1", "--prepare")[0] == 0
    code, out = run(db, capsys, "crm", "commissions", "--period", "2023-Q1", "--agent", "AG-1", "--approve")
    assert code == 2
    assert "Four-eyes rule" in out
    pdf, csv = tmp_path / "s.pdf", tmp_path / "s.csv"
    for target in (pdf, csv):
        code, out = run(db, capsys, "crm", "commissions", "--period", "2023-Q1", "--agent", "AG-1", "--out",
                        str(target))
        assert code == 0, out
    assert pdf.read_bytes().startswith(b"%PDF")
    assert oct(pdf.stat().st_mode & 0o777) == "0o600"
    assert csv.read_text(encoding="utf-8-sig").splitlines()[1].endswith(",USD,1500.00,0.1,150.00")
    code, out = run(db, capsys, "crm", "commissions", "--period", "March", "--json")
    assert code == 2
    assert "YYYY-Qn" in out
    code, out = run(db, capsys, "crm", "commissions", "--period", "2023-Q1", "--out", str(tmp_path / "x.txt"))
    assert code == 2
    assert "--agent" in out
