"""``fidus funds|investors|import|perf``: exit codes, messages and ``--json``; the demo portfolio."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.cli import main
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.compliance.demo import LISTED, OFAC_SDN, SHARED_DATA
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cli_policy import admins_without_mfa
from tests.support.demo import open_demo
from tests.support.portfolio_office import DATA, build_office

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    build_office(tmp_path).services.ctx.store.close()
    db = ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]
    store = SqliteStore(tmp_path / "t.db")
    Services(ServiceContext(store)).users.create_first_admin("alice", PASSWORD)
    store.close()
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    admins_without_mfa()
    return db


def run(db: list[str], *args: str) -> int:
    return main([*db, *args, "--user", "alice"])


def test_funds_list_json_has_classes_and_ids(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_db, "funds", "list", "--json") == 0
    (fund,) = json.loads(capsys.readouterr().out)
    assert fund["code"] == "GLB"
    assert [c["code"] for c in fund["classes"]] == ["GLB-A-EUR", "GLB-A-USD"]
    assert fund["classes"][0]["class_id"]
    assert run(cli_db, "funds", "list") == 0
    assert "GLB-A-USD" in capsys.readouterr().out


def test_investors_list(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_db, "investors", "list", "--json", "--kind", "corporate") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 1
    assert data["investors"][0]["name"] == "Bob Corp"


def test_import_transactions_bad_file_exit_2_nothing_written(
    cli_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    bad = str(DATA / "portfolio" / "transactions-bad.csv")
    assert run(cli_db, "import", "transactions", bad) == 2
    err = capsys.readouterr().err
    assert "line 3:" in err
    assert "line 6:" in err
    assert "nothing was written" in err
    good = str(DATA / "portfolio" / "transactions-example.csv")
    assert run(cli_db, "import", "transactions", good) == 0
    assert "Entered 4 transactions" in capsys.readouterr().out


def test_import_fx_and_nav(cli_db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(cli_db, "import", "fx", str(DATA / "ecb-sample.xml")) == 0
    assert "2 new dates" in capsys.readouterr().out
    assert run(cli_db, "import", "nav", str(DATA / "portfolio" / "nav-example.csv")) == 0
    assert "2 new, 1 corrected" in capsys.readouterr().out
    assert run(cli_db, "import", "nav", str(tmp_path / "missing.csv")) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_perf_json_and_errors(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run(cli_db, "perf", "--class", "GLB-A-EUR", "--from", "2023-01-02", "--to", "2023-01-05", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["time_weighted_return"] == pytest.approx(0.015)
    assert run(cli_db, "perf", "--class", "NOPE") == 2
    assert "no share class" in capsys.readouterr().err


def test_demo_portfolio_loads_consistent_figures(demo_db: Path) -> None:
    with open_demo(demo_db) as (services, actor):
        p = services.portfolio
        assert len(p.funds.list_funds(actor)) == 3
        assert {f.base_currency for f in p.funds.list_funds(actor)} == {"EUR", "USD"}
        # the portfolio's, the CRM demo's converted prospect and the compliance demo's investors on the OFAC list
        assert p.investors.count(actor) == 200 + 1 + (len(LISTED) if (SHARED_DATA / OFAC_SDN).exists() else 0)
        summary = p.figures.total_aum(actor)
        assert summary.on == date(2026, 4, 10)
        assert summary.total == sum(f.value for f in summary.funds) > 0
        for share_class in p.funds.list_classes(actor):
            units = sum(a.units for a in p.investors.accounts_in_class(share_class.class_id))
            assert units == p.ledgers.units_outstanding(share_class.class_id, summary.on)
        products = p.products.list_products(actor)
        assert {t.product_code for t in products} == {"CORE", "BALANCE", "DYNAMIC", "UNLIMITED"}
        assert {t.incubation_months for t in products} == {2}  # as the office sells them
        assert next(t for t in products if t.product_code == "UNLIMITED").kind == "profit_share"
        assert len(p.products.list_investments(actor)) == 36
        # Every fee path is visible: management fees accrued between deals, performance fees over a hurdle
        # crystallised in cancelled units, entry and exit fees, and quarterly payments to the manager.
        kinds = {e.kind for e in p.fees.ledger(actor)}
        assert kinds == {"management", "performance", "entry", "exit"}
        perf = {p.funds.get_class(e.class_id).code for e in p.fees.ledger(actor) if e.kind == "performance"}
        assert perf == {"GLB-I-EUR", "USE-A-USD"}
        assert all(e.period_end.month == 12 and e.period_end.day == 31 for e in p.fees.ledger(actor)
                   if e.kind == "performance" and e.charged_on != e.period_end)
        assert p.ledgers.units.count({"reason": "performance_fee"}) > 0
        assert p.fees.list_payments(actor)
        audit = [e for e in services.ctx.audit.iter_chain() if e["action"] == "demo.load"]
        assert [e["entity"] for e in audit] == ["portfolio", "compliance"]  # one entry each for the bulk writes
        assert p.dealing.count(actor) > 500
        valuation = p.holdings.valuation(actor, p.funds.fund_by_code("FIDUS-GLOBAL").fund_id, summary.on)
        assert not valuation.uncosted
        corrected = [n for n in p.navs.history(actor, p.funds.class_by_code("GLB-A-EUR").class_id) if n.corrections]
        assert len(corrected) == 1  # the NAV history grid has a correction to show
        assert valuation.book_cost > 0
