"""Hand-made MT5 records (balance deals, account snapshots) for account 5001001."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, DealKind, Entry

T0 = datetime(2024, 6, 3, 9, tzinfo=UTC)


def balance(ticket: int, amount: str, comment: str, when: datetime = T0) -> Deal:
    return Deal(5001001, ticket, 0, when, DealKind.BALANCE, None, Entry.IN, 0, "", Decimal(0), Decimal(0),
                Decimal(amount), Decimal(0), Decimal(0), Decimal(0), "USD", comment)


def snapshot(equity: str, margin_level: str | None = None, when: datetime = T0) -> AccountSnapshot:
    return AccountSnapshot(5001001, "FidusSim-Live", "Alpha", "Sim", "USD", 100, Decimal(equity), Decimal(0),
                           Decimal(0), Decimal(equity), Decimal(1000), Decimal(0),
                           Decimal(margin_level) if margin_level else None, True, when)

