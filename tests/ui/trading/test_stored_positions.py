"""Readers without sync permission see the positions the last poll stored, re-read while the tab is open."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from fidus_desktop.domain.trading.models import Position, Side
from fidus_desktop.services.permissions import Permission, allowed
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.trading.tab import TradingView
from tests.support.mt5_records import snapshot

from .conftest import FAST

WHEN = datetime(2024, 6, 3, 12, tzinfo=UTC)


def position(ticket: int, symbol: str) -> Position:
    return Position(5001001, ticket, ticket, WHEN, WHEN, Side.BUY, symbol, Decimal("0.5"), Decimal("1.08"),
                    Decimal("1.09"), Decimal(0), Decimal(0), Decimal(0), Decimal("50"), "USD")


def store_poll(session: UiSession, positions: list[Position]) -> None:
    trading = session.services.trading
    account = trading.accounts.get(session.actor, 5001001)
    trading.sync.record_poll(session.actor, account, Poll(snapshot("10000"), positions))


def test_a_reader_who_cannot_sync_sees_stored_positions_and_their_updates(
        qtbot: QtBot, session: UiSession, tmp_path: Path) -> None:
    store_poll(session, [position(1, "EURUSD"), position(2, "XAUUSD")])
    officer = session.services.users.create_user(session.actor, "james", "a long enough password 123",
                                                 "compliance_officer").actor()
    assert (allowed(officer.role, Permission.MT5_READ), allowed(officer.role, Permission.MT5_SYNC)) == (True, False)
    view = TradingView(UiSession(session.context, officer, session.runner), None, FAST)
    qtbot.addWidget(view)
    assert view.poller is None
    assert view.selected_account().login == 5001001  # type: ignore[union-attr]
    assert [(p.ticket, p.symbol) for p in view.positions.records] == [(1, "EURUSD"), (2, "XAUUSD")]
    assert "as last stored" in view.positions_label.text()
    column = [view.positions.headerData(c, Qt.Orientation.Horizontal)
              for c in range(view.positions.columnCount())].index("Commission")
    assert view.positions.index(0, column).data() == "—", "no deal of the position stored yet: unknown, not 0.00"
    assert "commission not known yet for 2 positions" in view.positions_total.text()
    view.exports["positions"].export(tmp_path / "positions.csv")
    with (tmp_path / "positions.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[rows[0].index("Commission")] for row in rows[1:]] == ["—", "—", "—"]  # and the total row

    store_poll(session, [position(2, "XAUUSD"), position(3, "GBPUSD")])  # another workstation's poller
    qtbot.waitUntil(lambda: [p.ticket for p in view.positions.records] == [2, 3], timeout=5_000)
    view.accounts_view.selectRow(view.accounts.row_of(5001002))
    assert view.positions.rowCount() == 0, "another account: its own (none stored) positions"
    assert view.shutdown()
    assert not view.store_poll.isActive()
