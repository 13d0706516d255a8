"""Collection names and the one mapping between trading entities and stored documents.

Deals, orders and snapshots are stored with their natural keys as top-level fields (``login``,
``ticket`` / ``time``) so ``upsert_many`` can key on them and the unique indexes refuse duplicates.
A stored deal holds only what the terminal reported (no sync timestamps): re-reading the same deal
produces the identical document, which the store counts as *unchanged* and does not rewrite.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, DealKind, Entry, Position, Side
from fidus_desktop.store.port import Document

ACCOUNTS = "mt5_accounts"
DEALS = "mt5_deals"
ORDERS = "mt5_orders"
SNAPSHOTS = "mt5_snapshots"
POSITIONS = "mt5_positions"
SYNC_STATE = "mt5_sync_state"
BALANCE_CLASSES = "mt5_balance_classes"
TRADING_SETTINGS = "mt5_settings"
ALERTS = "mt5_alerts"
QUOTES = "mt5_quotes"

DEAL_KEY = ("login", "ticket")
SNAPSHOT_KEY = ("login", "time")
_DEAL_FIELDS = ("login", "ticket", "order", "time", "position_id", "symbol", "volume", "price", "profit",
                "commission", "swap", "fee", "currency", "comment", "magic", "reason", "external_id")


_DEAL_VALUES = attrgetter(*_DEAL_FIELDS)


def deal_to_doc(deal: Deal) -> Document:
    """The stored form of ``deal``. Runs once per deal of every sync (100,000 in a large first poll), hence
    ``attrgetter`` and ``_value_`` (a plain attribute; ``Enum.value`` is a slower descriptor)."""
    doc: dict[str, Any] = dict(zip(_DEAL_FIELDS, _DEAL_VALUES(deal), strict=True))
    doc["kind"] = deal.kind._value_
    doc["side"] = deal.side._value_ if deal.side else None
    doc["entry"] = deal.entry._value_
    if deal.raw_type is not None:  # only unknown types carry it, so known deals' documents never change shape
        doc["raw_type"] = deal.raw_type
    return doc


def deal_from_doc(doc: Document) -> Deal:
    return Deal(
        **{name: doc[name] for name in _DEAL_FIELDS},
        kind=DealKind(doc["kind"]),
        side=Side(doc["side"]) if doc["side"] else None,
        entry=Entry(doc["entry"]),
        raw_type=doc.get("raw_type"),
    )


def snapshot_to_doc(snapshot: AccountSnapshot) -> Document:
    return {
        "login": snapshot.login, "time": snapshot.time, "currency": snapshot.currency,
        "balance": snapshot.balance, "credit": snapshot.credit, "profit": snapshot.profit,
        "equity": snapshot.equity, "margin": snapshot.margin, "margin_free": snapshot.margin_free,
        "margin_level": snapshot.margin_level,
    }


def position_to_doc(position: Position) -> Document:
    return {
        "login": position.login, "ticket": position.ticket, "identifier": position.identifier,
        "opened": position.opened, "updated": position.updated, "side": position.side.value,
        "symbol": position.symbol, "volume": position.volume, "price_open": position.price_open,
        "price_current": position.price_current, "sl": position.sl, "tp": position.tp, "swap": position.swap,
        "profit": position.profit, "currency": position.currency, "magic": position.magic,
        "comment": position.comment, "digits": position.digits,
    }


def position_from_doc(doc: Document) -> Position:
    fields = {k: v for k, v in doc.items() if k not in ("_id", "version", "side")}
    return Position(side=Side(doc["side"]), **fields)
