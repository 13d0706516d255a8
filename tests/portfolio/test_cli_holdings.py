"""``fidus holdings instrument|price|trade|show``: the position built by trades, its book cost and P&L worked out
by hand (tests/portfolio/test_holdings_cost.py), an idempotent re-run, refusals exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.portfolio.test_cli_demo import cli_db, run  # noqa: F401  (fixture: the small office, no positions)

TRADE = ("holdings", "trade", "--fund", "GLB", "--instrument", "EQ-US")


def test_trades_build_the_position_and_show_gives_book_cost_and_pnl(
        cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(cli_db, "holdings", "instrument", "--code", "EQ-US", "--name", "US equity", "--currency", "USD",
               "--asset-class", "equity") == 0
    assert run(cli_db, "holdings", "price", "--instrument", "eq-us", "--date", "2023-01-05", "--price", "100") == 0
    for ref, day, quantity, price, fees in (("T-1", "2023-01-02", "600", "90", "0"),
                                            ("T-2", "2023-01-04", "400", "95", "10"),
                                            ("T-3", "2023-01-05", "-200", "100", "0")):
        assert run(cli_db, *TRADE, "--reference", ref, "--date", day, "--quantity", quantity, "--price", price,
                   "--fees", fees) == 0
    assert run(cli_db, *TRADE, "--reference", "T-1", "--date", "2023-01-02", "--quantity", "600",
               "--price", "90") == 0  # the same trade again: nothing changes
    capsys.readouterr()
    assert run(cli_db, "holdings", "show", "--fund", "GLB", "--date", "2023-01-05", "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    [line] = shown["lines"]
    assert (line["quantity"], line["average_cost"], line["book_cost"], line["value"], line["unrealised"]) == (
        "800", "92.01", "69127.58", "75464.58", "6337.00")
    assert (shown["total"]["book_cost"], shown["total"]["unrealised"]) == ("69127.58", "6337.00")
    assert line["realised"] == shown["total"]["realised"] == "1584.25"  # by hand in test_holdings_cost.py
    assert run(cli_db, "holdings", "show", "--fund", "GLB", "--date", "2023-01-05", "--from", "2023-01-06") == 2
    assert "after its end" in capsys.readouterr().err
    assert run(cli_db, "holdings", "show", "--fund", "GLB", "--date", "2023-01-05") == 0
    assert "Total" in capsys.readouterr().out


def test_refusals_say_what_to_fix_and_exit_2(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(cli_db, *TRADE, "--reference", "T-1", "--date", "2023-01-02", "--quantity", "1", "--price", "9") == 2
    assert "no instrument 'EQ-US'" in capsys.readouterr().err
    assert run(cli_db, "holdings", "instrument", "--code", "EQ-US", "--name", "US equity", "--currency", "USD",
               "--asset-class", "equity") == 0
    assert run(cli_db, *TRADE, "--reference", "T-1", "--date", "2023-01-02", "--quantity", "-1",
               "--price", "9") == 2
    assert "more than the 0 held" in capsys.readouterr().err


def test_import_trades_builds_the_position_once_and_refuses_bad_rows_with_exit_2(
        cli_db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:  # noqa: F811
    from tests.support.portfolio_office import DATA
    assert run(cli_db, "holdings", "instrument", "--code", "EQ-REAL", "--name", "Euro equity", "--currency", "EUR",
               "--asset-class", "equity") == 0
    example = str(DATA / "portfolio" / "trades-example.csv")
    assert run(cli_db, "import", "trades", example) == 0
    assert "3 new" in capsys.readouterr().out
    assert run(cli_db, "import", "trades", example) == 0  # again: nothing changes
    assert "0 new, 3 already recorded" in capsys.readouterr().out
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("reference,fund_code,instrument_code,trade_date,quantity,price\n"
                       "T-9,GLB,EQ-REAL,2023-01-03,1e400,1\nT-8,GLB,EQ-REAL,2023-01-03,1,NaN\n")
    assert run(cli_db, "import", "trades", str(hostile)) == 2
    err = capsys.readouterr().err
    assert ("line 2" in err, "line 3" in err, "Traceback" in err) == (True, True, False)
