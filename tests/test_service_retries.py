"""Service writes over a MongoDB replica set that rolls transactions back at random land exactly once.

A server rolls a transaction back on a write conflict or an election (``TransientTransactionError``) and may
leave a commit's outcome unknown (``UnknownTransactionCommitResult``). ``Service.change`` runs the whole
change again and the adapter retries an unknown commit, so an office's day of work, replayed over the strict
replica-set double with faults injected at random writes and commits, must leave the same records and the same
audit trail as the same day without faults: nothing lost, nothing stored twice, the chain intact.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.store.errors import TransactionConflict
from fidus_desktop.store.mongo import MongoStore
from tests.support.portfolio_office import ADMIN, BACK, D1, D2, D3, D4, PM, PM2
from tests.support.readiness import make_ready
from tests.support.strict_mongo import strict_store

DATA = Path(__file__).resolve().parent / "data"
CRM = Actor("u-crm", "sales", Role.ADMIN, workstation="test")


@contextmanager
def office_services() -> Iterator[tuple[Services, MongoStore]]:
    with strict_store("retries") as store:
        services = Services(ServiceContext(store))
        services.ensure_indexes()
        yield services, store


def office_day(services: Services) -> None:
    """A day of ordinary writes across features, nested changes included (a new investor opens a KYC case)."""
    p = services.portfolio
    fund = p.funds.create_fund(PM, "GLB", "Global", "EUR")
    eur = p.funds.create_class(PM, fund.fund_id, "GLB-A-EUR", "A EUR", "EUR", launch_date="2023-01-01",
                               fees={"entry_rate": "0.02", "exit_rate": "0.01", "management_rate": "0.0125"})
    ann = p.investors.create_investor(ADMIN, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    p.investors.create_investor(ADMIN, "INV-2", "Bob Corp", "corporate")
    make_ready(services, ann.investor_id)  # KYC file completed and approved by two officers, agreement recorded
    p.fx.import_ecb(PM, (DATA / "ecb-extract.csv").read_bytes())
    for day, nav in ((D1, "100"), (D2, "101"), (D3, "102"), (D4, "101.5")):
        p.navs.set_nav(PM, eur.class_id, day, nav)
    entered = p.dealing.enter(PM, TransactionRequest("subscription", eur.class_id, ann.investor_id, D1, D1, D3,
                                                     amount="10000"))
    approved = p.dealing.approve(PM2, entered.transaction_id, entered.version)
    p.dealing.settle(BACK, approved.transaction_id, approved.version)
    shares = p.holdings.add_instrument(PM, "EQ-US", "US equity", "USD", "equity")
    p.holdings.set_prices(PM, shares["_id"], {D4: "100"})
    p.holdings.set_position(PM, fund.fund_id, shares["_id"], "1000")
    lead = services.prospects.create(CRM, {"last_name": "Lee", "email": "lee@example.com"})
    services.prospects.move(CRM, lead.prospect_id, "Won")
    services.prospects.convert(CRM, lead.prospect_id)


def outcome(services: Services, store: MongoStore) -> tuple[list[str], dict[str, int]]:
    """The audit trail's actions in order, and how many records each collection holds."""
    actions = [entry["action"] for entry in services.ctx.audit.iter_chain()]
    counts = {name: store.collection(name).count() for name in store.collection_names()}
    return actions, counts


@pytest.mark.slow  # about 14 s: an office day replayed three times with faults
def test_every_change_lands_once_when_the_server_rolls_transactions_back_at_random() -> None:
    with office_services() as (services, store):
        office_day(services)
        without_faults = outcome(services, store)
    seen: Counter[str] = Counter()
    for seed in range(3):
        with office_services() as (services, store):
            store.client.faults.at_random(seed, rate=0.25, budget=80)
            office_day(services)
            injected = store.client.faults.injected
            assert sum(injected.values()) >= 8, injected  # the day really met rollbacks and unknown commits
            assert outcome(services, store) == without_faults, f"seed {seed}"
            assert services.ctx.audit.verify().ok
            assert store.client.open_sessions == 0
            seen.update(injected)
    assert {"write:WriteConflict", "write:Election", "commit:WriteConflict", "commit:Election",
            "commit:UnknownCommit"} <= set(seen)


def test_a_change_gives_up_only_after_retrying_and_then_says_nothing_was_saved(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fidus_desktop.store.mongo.RETRY_SECONDS", 0.05)
    with office_services() as (services, store):
        store.client.faults.at_random(0, rate=1.0, budget=10_000)
        with pytest.raises(TransactionConflict, match="nothing of it was saved"):
            services.portfolio.funds.create_fund(PM, "GLB", "Global", "EUR")
        store.client.faults.at_random(0, rate=0.0, budget=0)
        assert services.portfolio.funds.funds.count() == 0
        assert services.ctx.audit.last() is None


# Blocks that cannot be run again by ``Service.change``: the MT5 poll's body (its caller, ``record_poll``, runs it
# in ``Store.atomic``), the server check's deliberate concurrent edit, and ``changing`` itself.
BLOCKS_ALLOWED = {"services/trading/sync.py", "services/server_check.py", "services/base.py"}


def test_every_service_change_runs_through_change_or_atomic() -> None:
    """A ``with ….changing(…)`` or ``with ….transaction()`` block cannot be run again after a rollback: services
    write through ``self.change(actor, permission, body)`` or ``store.atomic(fn)`` (docs/STORAGE.md)."""
    root = Path(__file__).resolve().parents[1] / "fidus_desktop"
    found = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in sorted((root / "services").rglob("*.py"))
        if str(path.relative_to(root)) not in BLOCKS_ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.match(r"\s*with .*\.(changing\(|transaction\(\))", line)
    ]
    assert not found, "write these as self.change(actor, permission, body) or store.atomic(fn):\n" + "\n".join(found)


def test_a_follow_up_rolled_back_inside_a_larger_change_is_rerun_with_it_and_not_logged_as_an_error(
        caplog: pytest.LogCaptureFixture) -> None:
    """A follow-up (opening a KYC case, screening) must not hide the change it follows; a concurrent rollback
    inside a larger change is not its failure: the larger change runs again, follow-up included."""
    with office_services() as (services, store):
        kyc, runs = services.kyc, []

        def conflict() -> None:
            raise TransactionConflict("write conflict")

        def larger_change() -> None:
            runs.append(1)
            with kyc.follow_up("Opening a case", "open it by hand"):
                if len(runs) == 1:
                    store.atomic(conflict)  # the follow-up's own change, joined to the larger one

        with caplog.at_level("INFO"):
            store.atomic(larger_change)
            assert len(runs) == 2
            assert not [r for r in caplog.records if r.levelname == "ERROR"]
            with kyc.follow_up("Opening a case", "open it by hand"):  # on its own, it has nothing to rerun it
                raise TransactionConflict("write conflict")
        assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
            "Opening a case failed; open it by hand"]
