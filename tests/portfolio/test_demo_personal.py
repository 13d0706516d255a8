"""The demo office has a data key and sealed personal fields: Reveal works where the key is, not elsewhere."""

from __future__ import annotations

import random
from pathlib import Path

from fidus_desktop.bootstrap import Services
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.personal_data import Locked
from fidus_desktop.services.portfolio.demo_personal import SEALED_INVESTORS, demo_iban
from fidus_desktop.services.portfolio.investors import parse_iban
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.demo import open_demo


def test_demo_ibans_pass_the_check_digits() -> None:
    rng = random.Random(7)
    for _ in range(500):
        iban = demo_iban(rng)
        assert parse_iban(iban) == iban


def test_the_demo_seals_fields_that_reveal_only_with_its_key(demo_db: Path) -> None:
    with open_demo(demo_db) as (services, actor):  # enrolled with the demo's data key, as the workstation it built
        assert services.keys.status().initialised
        investors = services.portfolio.investors
        sealed = [i for i in investors.page(actor, None, None, 0, 100) if i.on_file]
        assert len(sealed) == SEALED_INVESTORS
        first = sealed[0]
        assert {"tax_id", "iban"} <= first.on_file
        iban = investors.reveal(actor, first.investor_id, "iban")
        assert parse_iban(iban) == iban
    store = SqliteStore(demo_db)  # a workstation not enrolled: locked, not an error
    try:
        services = Services(ServiceContext(store), secrets=SecretStore(InMemoryKeyring()))
        assert isinstance(services.portfolio.investors.reveal(actor, first.investor_id, "iban"), Locked)
    finally:
        store.close()
