"""Trading fixtures: a temporary SQLite store, trading services with an in-memory keyring, the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, SimulatedTerminal
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5AccountInput
from fidus_desktop.store.sqlite import SqliteStore

SIM_NOW = datetime(2024, 6, 3, 12, tzinfo=UTC)


class Clock:
    """A settable service clock (audit entries, alert times)."""

    def __init__(self) -> None:
        self.now = datetime(2024, 6, 3, 12, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    db = SqliteStore(tmp_path / "t.db")
    yield db
    db.close()


@pytest.fixture
def ctx(store: SqliteStore) -> ServiceContext:
    context = ServiceContext(store, Clock())
    context.audit.ensure_indexes()
    return context


@pytest.fixture
def trading(ctx: ServiceContext) -> TradingServices:
    services = TradingServices(ctx, secrets=SecretStore(InMemoryKeyring()))
    services.ensure_indexes()
    return services


@pytest.fixture
def pm() -> Actor:
    return Actor("u-pm", "maria.costa", Role.PORTFOLIO_MANAGER, "ws-1")


@pytest.fixture
def back_office() -> Actor:
    return Actor("u-bo", "lena.fischer", Role.BACK_OFFICE, "ws-2")


def sim_account_input(login: int, **changes: object) -> Mt5AccountInput:
    sim = next(a for a in DEFAULT_ACCOUNTS if a.login == login)
    fields: dict[str, object] = {
        "login": sim.login, "server": sim.server, "name": sim.name, "currency": sim.currency,
        "initial_allocation": "100000", "server_time": "UTC+0" if sim.login == 7002001 else "EET-NY",
    }
    fields.update(changes)
    return Mt5AccountInput(**fields)  # type: ignore[arg-type]


@pytest.fixture
def sim_accounts(trading: TradingServices, pm: Actor) -> list[int]:
    """The simulator's three accounts set up with their passwords in the (in-memory) keyring."""
    for sim in DEFAULT_ACCOUNTS:
        trading.accounts.create(pm, sim_account_input(sim.login), password=sim.password)
    return [a.login for a in DEFAULT_ACCOUNTS]


# The simulator's accounts with three weeks of history instead of five months: same logins, fast tests.
RECENT_ACCOUNTS = tuple(replace(a, opened=SIM_NOW - timedelta(days=21)) for a in DEFAULT_ACCOUNTS)


@pytest.fixture
def terminal() -> SimulatedTerminal:
    return SimulatedTerminal(seed=11, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
