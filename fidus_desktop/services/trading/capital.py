"""The MT5 equity behind fixed-yield coverage: what the mapped accounts held on a day.

``services.portfolio.products`` compares obligations with the product cash book plus equity from a
``CapitalSource``; the composition root plugs this one in (trading feature's ``wire``). An account counts
when it is active and mapped to a fund or an investor account; its equity is the last stored snapshot on
or before the day, converted into the coverage currency with the portfolio's FX rates (ECB or manual).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from fidus_desktop.domain.money import Money
from fidus_desktop.services.base import Service, ServiceContext
from fidus_desktop.services.trading.accounts import Mt5AccountService
from fidus_desktop.services.trading.documents import SNAPSHOTS

Convert = Callable[[Money, str, date], Money]


class MappedEquityService(Service):
    """``equity(currency, on)`` is a ``products.CapitalSource``: None when no mapped account was ever polled."""

    def __init__(self, ctx: ServiceContext, accounts: Mt5AccountService, convert: Convert) -> None:
        super().__init__(ctx)
        self.accounts = accounts
        self.snapshots = ctx.store.collection(SNAPSHOTS)
        self.convert = convert

    def equity(self, currency: str, on: date) -> Money | None:
        before = datetime.combine(on + timedelta(days=1), time.min, UTC)
        total, seen = Money.zero(currency), False
        for account in self.accounts.all(active_only=True):
            if account.fund_id is None and account.investor_account_id is None:
                continue
            last = self.snapshots.find_one({"login": account.login, "time": {"$lt": before}}, sort=[("time", -1)])
            if last is None:
                continue
            seen = True
            held = Money(last["equity"], last.get("currency") or account.currency)
            total += held if held.currency == currency else self.convert(held, currency, on)
        return total if seen else None
