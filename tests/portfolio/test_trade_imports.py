"""The trades file: every bad row with its line before anything is written, idempotent by reference, and the
position and its P&L the same as trades entered one by one (figures by hand)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.portfolio.file_imports import ImportKind
from fidus_desktop.services.portfolio.imports import ImportRejected
from tests.support.portfolio_office import BACK, D4, DATA, PM, Office

ROOT_DATA = DATA / "portfolio"


@pytest.fixture
def instrument(office: Office) -> str:
    shares = office.p.holdings.add_instrument(PM, "EQ-REAL", "Euro equity", "EUR", "equity")
    office.p.holdings.set_prices(PM, shares["_id"], {D4: "100"})
    return shares["_id"]


def test_a_good_file_is_previewed_then_imported_once(office: Office, instrument: str) -> None:
    """600 @ 90, 400 @ 95 + 10 fees, 200 sold @ 100 (EUR fund, EUR shares): cost 92,010 for 1,000, 73,608.00
    for the 800 left; the sale realises 20,000 − 18,402 = 1,598.00; value 80,000, unrealised 6,392.00."""
    data = (ROOT_DATA / "trades-example.csv").read_bytes()
    files, fund_id = office.p.file_imports, office.fund.fund_id
    preview = files.preview(PM, ImportKind.TRADES, data)
    assert (preview.ready, preview.outcome) == (True, "3 rows: 3 new")
    assert office.p.holdings.trades_of(PM, fund_id) == []  # rehearsed and rolled back
    assert files.run(PM, ImportKind.TRADES, data) == "3 rows: 3 new"
    [line] = office.p.holdings.valuation(PM, fund_id, D4).lines
    assert (line.quantity, line.book_cost, line.unrealised, line.realised) == (
        800, Decimal("73608.00"), Decimal("6392.00"), Decimal("1598.00"))
    assert files.run(PM, ImportKind.TRADES, data) == "3 rows: 0 new, 3 unchanged"  # the same file again
    assert len(office.p.holdings.trades_of(PM, fund_id)) == 3
    assert office.p.holdings.positions.find_one({"instrument_id": instrument})["quantity"] == 800
    changed = data.replace(b"TR-1001,GLB,EQ-REAL,2023-01-02,600,90", b"TR-1001,GLB,EQ-REAL,2023-01-02,601,90")
    with pytest.raises(ImportRejected, match=r"line 2: .*already recorded with other figures"):
        files.run(PM, ImportKind.TRADES, changed)


def test_every_bad_row_is_shown_with_its_line_and_nothing_is_written(office: Office, instrument: str) -> None:
    preview = office.p.file_imports.preview(PM, ImportKind.TRADES, (ROOT_DATA / "trades-bad.csv").read_bytes())
    assert not preview.ready
    reasons = {p.line: p.reason for p in preview.problems}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert "no fund 'NOPE'" in reasons[3]
    assert "no instrument 'EQ-NONE'" in reasons[4]
    assert "more than the 100 held" in reasons[5]
    assert "earlier line" in reasons[8]
    with pytest.raises(ImportRejected):
        office.p.trade_imports.import_trades(PM, (ROOT_DATA / "trades-bad.csv").read_text())
    assert office.p.holdings.trades_of(PM, office.fund.fund_id) == []


def test_a_sale_in_the_file_counts_its_earlier_purchases_and_a_back_office_clerk_may_not_import(
        office: Office, instrument: str) -> None:
    text = ("reference,fund_code,instrument_code,trade_date,quantity,price\n"
            "B-1,GLB,EQ-REAL,2023-01-02,10,90\nS-1,GLB,eq-real,2023-01-03,-10,91\nS-2,GLB,EQ-REAL,2023-01-04,-1,92\n")
    preview = office.p.file_imports.preview(PM, ImportKind.TRADES, text.encode())
    assert [p.line for p in preview.problems] == [4]
    with pytest.raises(PermissionDenied):
        office.p.file_imports.preview(BACK, ImportKind.TRADES, text.encode())
    office.p.file_imports.run(PM, ImportKind.TRADES, text.rsplit("S-2", 1)[0].encode())  # B-1, S-1
    backdated = ("reference,fund_code,instrument_code,trade_date,quantity,price\n"
                 "B-2,GLB,EQ-REAL,2023-01-05,10,90\nS-3,GLB,EQ-REAL,2023-01-02,-5,92\n")
    preview = office.p.file_imports.preview(PM, ImportKind.TRADES, backdated.encode())
    [problem] = preview.problems
    assert (problem.line, "By trade date" in problem.reason) == (3, True)
