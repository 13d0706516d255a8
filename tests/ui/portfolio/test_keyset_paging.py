"""Keyset paging through the real services: scrolling to the end shows every row exactly once, in order.

The rows tie heavily on every sort key (5 trade dates, 2 kinds, 1 status for 1,050 transactions; 3 symbols
and 4 times for 700 deals), which is where a cursor on the sort key alone would skip or repeat rows.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.trading.models import Deal, DealKind, Entry, Side
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio.dealing import TransactionQuery, TransactionRequest
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.documents import deal_to_doc
from fidus_desktop.services.trading.queries import DealFilter
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.common.lazy_table import LazyTableModel
from fidus_desktop.ui.portfolio.tables import TransactionFilter, transactions_model
from fidus_desktop.ui.trading.deals_panel import deals_model
from tests.support.portfolio_office import D1, PM, Office, build_office

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder
TRANSACTIONS = 1050
LOGIN = 5001


@pytest.fixture
def busy_office(tmp_path: Path) -> Office:
    o = build_office(tmp_path)
    investors = (o.ann.investor_id, o.bob.investor_id)
    docs = [o.p.dealing.transaction_doc(PM, TransactionRequest(
        ("subscription", "redemption")[n % 2], (o.eur.class_id, o.usd.class_id)[n % 3 == 0], investors[n % 2],
        D1 + timedelta(days=n % 5), D1 + timedelta(days=n % 5), D1 + timedelta(days=5), amount=str(100 + n),
        ref=f"T-{n:05d}")) for n in range(TRANSACTIONS)]
    with o.services.ctx.store.transaction():
        o.p.dealing.transactions.insert_many(docs)
    return o


def scroll_to_end(model: LazyTableModel, qtbot: QtBot) -> list[Any]:
    """Scroll a real view to the bottom until every row is loaded; the loaded rows in view order."""
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.resize(400, 300)
    view.show()
    for _ in range(model.total // model.page_size + 2):
        view.scrollToBottom()
        qtbot.wait(1)
    assert model.rowCount() == model.total
    return [model.row_at(i) for i in range(model.rowCount())]


def spy_skips(collection: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ``skip`` of every ``find`` on ``collection``: 0 for a seek, the depth for offset paging."""
    skips: list[int] = []
    find = collection.find

    def recording(*args: Any, **kwargs: Any) -> list[Any]:
        skips.append(kwargs.get("skip", 0))
        return find(*args, **kwargs)

    monkeypatch.setattr(collection, "find", recording)
    return skips


def expected_order(rows: list[Any], key: Callable[[Any], Any], descending: bool) -> list[Any]:
    return sorted(rows, key=key, reverse=descending)


@pytest.mark.parametrize(("column", "field"), [(0, "trade_date"), (3, "kind"), (4, "status"), (2, "ref")])
@pytest.mark.parametrize("order", [ASC, DESC])
def test_transactions_scroll_to_the_end_once_each_in_order(busy_office: Office, qtbot: QtBot,
                                                           monkeypatch: pytest.MonkeyPatch, column: int, field: str,
                                                           order: Qt.SortOrder) -> None:
    o = busy_office
    session = SimpleNamespace(services=o.services, actor=PM, runner=InlineRunner())
    model = transactions_model(session, {}, TransactionFilter(TransactionQuery()))  # type: ignore[arg-type]
    skips = spy_skips(o.p.dealing.transactions, monkeypatch)
    model.sort(column, order)
    rows = scroll_to_end(model, qtbot)
    ids = [r.transaction_id for r in rows]
    assert len(ids) == len(set(ids)) == TRANSACTIONS
    descending = order == DESC
    assert rows == expected_order(rows, lambda r: (getattr(r, field), r.transaction_id), descending)
    assert len(skips) > 5  # every page after the first was a seek, none an offset
    assert set(skips) == {0}


def test_transactions_after_a_filter_change(busy_office: Office, qtbot: QtBot) -> None:
    o = busy_office
    session = SimpleNamespace(services=o.services, actor=PM, runner=InlineRunner())
    model = transactions_model(session, {}, TransactionFilter(TransactionQuery()))  # type: ignore[arg-type]
    model.sort(0, DESC)
    scroll_to_end(model, qtbot)
    model.set_filter(TransactionFilter(TransactionQuery(kind="redemption"), o.bob.number))
    rows = scroll_to_end(model, qtbot)
    wanted = o.p.dealing.count(PM, TransactionQuery(kind="redemption", investor_id=o.bob.investor_id))
    assert len({r.transaction_id for r in rows}) == len(rows) == wanted == TRANSACTIONS // 2
    assert all(r.kind == "redemption" and r.investor_id == o.bob.investor_id for r in rows)
    assert rows == expected_order(rows, lambda r: (r.trade_date, r.transaction_id), descending=True)


def test_a_sort_field_the_row_does_not_carry_falls_back_to_offset(busy_office: Office) -> None:
    dealing = busy_office.p.dealing
    first = dealing.page(PM, sort=[("updated_at", 1)], limit=400)
    second = dealing.page(PM, sort=[("updated_at", 1)], offset=400, limit=400, after=first[-1])
    assert second == dealing.page(PM, sort=[("updated_at", 1)], offset=400, limit=400)


@pytest.fixture
def deals_session(tmp_path: Path) -> SimpleNamespace:
    trading = TradingServices(ServiceContext(SqliteStore(tmp_path / "d.db")), secrets=SecretStore(InMemoryKeyring()))
    trading.ensure_indexes()
    start = datetime(2024, 6, 3, tzinfo=UTC)
    deals = [Deal(login, ticket, ticket, start + timedelta(hours=ticket % 4), DealKind.TRADE, Side.BUY, Entry.IN,
                  ticket, ("EURUSD", "XAUUSD", "US500")[ticket % 3], Decimal("0.10"), Decimal("1.1"), Decimal(0),
                  Decimal(0), Decimal(0), Decimal(0), "USD", "")
             for login in (LOGIN, LOGIN + 1) for ticket in range(1, 701)]
    trading.sync.deals.insert_many([deal_to_doc(d) for d in deals])
    actor = Actor("u-pm", "maria", Role.PORTFOLIO_MANAGER, "test")
    return SimpleNamespace(services=SimpleNamespace(trading=trading), actor=actor, runner=InlineRunner())


@pytest.mark.parametrize(("column", "field"), [(0, "time"), (1, "ticket"), (3, "symbol")])
@pytest.mark.parametrize("order", [ASC, DESC])
def test_deals_scroll_to_the_end_once_each_in_order(deals_session: SimpleNamespace, qtbot: QtBot,
                                                    monkeypatch: pytest.MonkeyPatch, column: int, field: str,
                                                    order: Qt.SortOrder) -> None:
    model = deals_model(deals_session)  # type: ignore[arg-type]
    model.page_size = 50
    skips = spy_skips(deals_session.services.trading.queries.deals, monkeypatch)
    model.set_filter(DealFilter(login=LOGIN))
    assert model.columns[column].sort_key == field
    model.sort(column, order)
    rows = scroll_to_end(model, qtbot)
    assert len({d.ticket for d in rows}) == len(rows) == 700
    assert {d.login for d in rows} == {LOGIN}
    tail = ("time",) if field == "symbol" else ()
    assert rows == expected_order(rows, lambda d: (*(getattr(d, f) for f in (field, *tail)), d.ticket),
                                  order == DESC)
    assert set(skips) == {0}
    model.set_filter(DealFilter(login=LOGIN, symbol="XAUUSD"))
    rows = scroll_to_end(model, qtbot)
    assert len({d.ticket for d in rows}) == len(rows) == 234
    assert {d.symbol for d in rows} == {"XAUUSD"}
