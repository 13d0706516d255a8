"""Trading fixtures: a temporary SQLite store, trading services with an in-memory keyring, the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, SimulatedTerminal
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.clock import FakeClock
from tests.support.simulated_accounts import RECENT_ACCOUNTS, SIM_NOW, sim_account_input


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    db = SqliteStore(tmp_path / "t.db")
    yield db
    db.close()


@pytest.fixture
def ctx(store: SqliteStore) -> ServiceContext:
    context = ServiceContext(store, FakeClock(datetime(2024, 6, 3, 12, 30, tzinfo=UTC)))
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


@pytest.fixture
def sim_accounts(trading: TradingServices, pm: Actor) -> list[int]:
    """The simulator's three accounts set up with their passwords in the (in-memory) keyring."""
    for sim in DEFAULT_ACCOUNTS:
        trading.accounts.create(pm, sim_account_input(sim.login), password=sim.password)
    return [a.login for a in DEFAULT_ACCOUNTS]


@pytest.fixture
def terminal() -> SimulatedTerminal:
    return SimulatedTerminal(seed=11, accounts=RECENT_ACCOUNTS, now=SIM_NOW)
