"""The MT5 simulator's accounts as tests set them up, and what its terminal holds (trading and Trading-tab tests)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, Mt5Session, SimulatedTerminal, policy_from_config
from fidus_desktop.integrations.mt5.enums import ResultCode
from fidus_desktop.integrations.mt5.session import HISTORY_START
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5AccountInput

SIM_NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)


def sim_account_input(login: int, **changes: object) -> Mt5AccountInput:
    sim = next(a for a in DEFAULT_ACCOUNTS if a.login == login)
    fields: dict[str, object] = {
        "login": sim.login, "server": sim.server, "name": sim.name, "currency": sim.currency,
        "initial_allocation": "100000", "server_time": "UTC+0" if sim.login == 7002001 else "EET-NY",
    }
    fields.update(changes)
    return Mt5AccountInput(**fields)  # type: ignore[arg-type]


# The simulator's accounts with three weeks of history instead of five months: same logins, fast tests.
RECENT_ACCOUNTS = tuple(replace(a, opened=SIM_NOW - timedelta(days=21)) for a in DEFAULT_ACCOUNTS)


def truth(terminal: SimulatedTerminal, login: int) -> set[int]:
    """Every deal ticket the terminal holds for ``login`` up to its clock."""
    sim = next(a for a in DEFAULT_ACCOUNTS if a.login == login)
    session = Mt5Session(terminal, policy_from_config("UTC+0" if login == 7002001 else "EET-NY"),
                         clock=lambda: terminal.now)
    session.connect(login=login, password=sim.password, server=sim.server)
    return {d.ticket for d in session.deals(HISTORY_START, terminal.now + timedelta(seconds=1))}


def stored(trading: TradingServices, login: int) -> list[int]:
    return [d["ticket"] for d in trading.sync.deals.find({"login": login}, projection=["ticket"])]


class FlakyTerminal:
    """Delegates to a simulator; while ``down`` every call fails like a closed MT5 terminal."""

    def __init__(self, inner: SimulatedTerminal) -> None:
        self.inner = inner
        self.down = False

    @property
    def now(self) -> Any:
        return self.inner.now

    def last_error(self) -> tuple[int, str]:
        return (int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection") if self.down else \
            self.inner.last_error()

    def shutdown(self) -> None:
        self.inner.shutdown()

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                return False if name in ("initialize", "login") else None
            return method(*args, **kwargs)

        return call

