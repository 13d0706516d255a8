"""fidus mt5 exposure LOGIN [--json] names the positions it could not value, next to the figures of the others."""

from __future__ import annotations

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.domain.trading.models import Side
from fidus_desktop.services.trading.sync import Poll

from .test_cli_mt5 import PASSWORD, db, json_out  # noqa: F401  (db is a fixture)
from .test_exposure_quotes import LOGIN, position, quote, snapshot

HELD = [position(1, "EURUSD", Side.BUY, "1", "1.08"), position(2, "BTCUSD", Side.BUY, "1", "60000"),
        position(3, "US30.cash", Side.SELL, "2", "39000"), position(4, "BTCUSD", Side.SELL, "0.5", "60000")]


@pytest.fixture
def polled(db: str) -> str:  # noqa: F811
    """The database with one stored poll of EURUSD, BTCUSD and US30.cash positions (only EURUSD has a spec)."""
    ctx = open_context(db, log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", PASSWORD).actor()
        trading = ctx.services.trading
        trading.sync.record_poll(admin, trading.accounts.get(admin, LOGIN),
                                 Poll(snapshot(), HELD, quotes=[quote("EURUSD", "1.0799", "1.0801")]))
    finally:
        ctx.close()
    return db


def test_json_lists_the_unvalued_symbols_with_their_reason(polled: str, capsys: pytest.CaptureFixture[str]) -> None:
    report = json_out(capsys, "--db", polled, "mt5", "exposure", str(LOGIN), "--json")
    assert report["unvalued"] == [  # type: ignore[index]
        {"symbol": "BTCUSD", "positions": 2, "reason": "no contract specification for BTCUSD"},
        {"symbol": "US30.cash", "positions": 1, "reason": "no contract specification for US30.cash"},
    ]
    assert [row["symbol"] for row in report["by_symbol"]] == ["EURUSD"]  # type: ignore[index]
    assert report["gross_notional"] == "108000.00"  # type: ignore[index]


def test_text_labels_the_total_and_lists_what_it_leaves_out(polled: str, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["--db", polled, "mt5", "exposure", str(LOGIN)]) == 0
    out = capsys.readouterr().out
    assert "Gross notional of valued positions: 108,000.00 USD" in out
    assert "Not valued (3 positions, left out of the figures above):" in out
    assert "BTCUSD     2          no contract specification for BTCUSD" in out
    assert "US30.cash  1          no contract specification for US30.cash" in out
