"""The MT5 equity behind fixed-yield coverage: mapped, active accounts only; the last snapshot on or before
the day; converted into the coverage currency; None when nothing mapped was ever polled."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from fidus_desktop.domain.money import Money
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.capital import MappedEquityService
from tests.support.simulated_accounts import sim_account_input

EUR_PER_USD = Decimal("0.9")


def snapshot(ctx: ServiceContext, login: int, when: datetime, equity: str, currency: str) -> None:
    ctx.store.collection("mt5_snapshots").insert({"login": login, "time": when, "currency": currency,
                                                  "equity": Decimal(equity), "balance": Decimal(equity)})


def to_eur(money: Money, to: str, on: date) -> Money:
    assert (money.currency, to) == ("USD", "EUR")
    return Money(money.amount * EUR_PER_USD, "EUR")


def test_mapped_equity(ctx: ServiceContext, trading: TradingServices, pm: Actor) -> None:
    equity = MappedEquityService(ctx, trading.accounts, to_eur)
    assert equity.equity("EUR", date(2024, 6, 3)) is None  # no account at all: not configured

    trading.accounts.create(pm, sim_account_input(5001001, fund_id="fund-us"))  # USD, mapped
    trading.accounts.create(pm, sim_account_input(5001002))  # not mapped: not capital behind the products
    for login in (5001001, 5001002):
        snapshot(ctx, login, datetime(2024, 6, 1, 22, tzinfo=UTC), "1000", "USD")
        snapshot(ctx, login, datetime(2024, 6, 3, 23, 59, tzinfo=UTC), "2000", "USD")
        snapshot(ctx, login, datetime(2024, 6, 4, 0, 0, tzinfo=UTC), "9999", "USD")  # the next day: not yet
    assert equity.equity("USD", date(2024, 5, 31)) is None  # mapped but never polled by then
    assert equity.equity("USD", date(2024, 6, 2)) == Money(Decimal("1000"), "USD")
    assert equity.equity("USD", date(2024, 6, 3)) == Money(Decimal("2000"), "USD")
    assert equity.equity("EUR", date(2024, 6, 3)) == Money(Decimal("2000") * EUR_PER_USD, "EUR")
