"""Proving an office's MongoDB server before the office moves to it (``fidus doctor --deep URI``).

Everything runs in two throwaway databases on that server, dropped afterwards whatever happens: a synthetic
MT5 poll of 20,000 deals from the simulated terminal (timed: what the poller stores on a busy first sync), a
concurrent edit of one record from two threads (exactly one must be told it lost), and a backup of the first
database restored into the second the way a restore works (loaded beside a collection already there, then
switched in with ``renameCollection``, which proves the user may rename) with the audit chain verified. It also
reports what the server says about itself: version, topology, write concern, read preference and any URI option
the application overrides.

The storage contract suite is the developer's half of the proof: ``FIDUS_TEST_MONGODB_URI=URI uv run pytest -m
mongodb tests/store`` (docs/STORAGE.md).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, Mt5Session, SimulatedTerminal, policy_from_config
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.backup import BackupService, restore_backup
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading.accounts import Mt5AccountInput
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.store.errors import ConcurrencyError, InvalidDatabaseUri, StorageError
from fidus_desktop.store.port import Store
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.uri import open_store

if TYPE_CHECKING:
    from fidus_desktop.store.mongo import MongoStore

POLL_DEALS = 20_000


class CheckFailed(Exception):
    """A check ran but the server did not behave as the application needs."""


@dataclass(frozen=True)
class Finding:
    """One result of the check: what was tried, whether it passed, and the facts."""

    name: str
    ok: bool
    detail: str


def prove_server(
    uri: str,
    folder: Path,
    *,
    password_lookup: Callable[[str], str | None] | None = None,
    deals: int = POLL_DEALS,
) -> list[Finding]:
    """Run the checks against the MongoDB server named by ``uri``; ``folder`` holds the backup file meanwhile."""
    if not uri.startswith(("mongodb://", "mongodb+srv://")):
        raise InvalidDatabaseUri(
            "`fidus doctor --deep` proves a MongoDB server; give a mongodb:// or mongodb+srv:// URI."
        )
    name = f"fidus_check_{uuid.uuid4().hex[:10]}"
    source = open_store(uri, password_lookup=password_lookup, database=name)
    target: Store | None = None
    try:
        target = open_store(uri, password_lookup=password_lookup, database=name + "_restored")
        findings = [_server(source)]
        ctx = _office(source)
        findings.append(_step("MT5 poll", lambda: _poll(ctx, deals)))
        findings.append(_step("concurrent edit", lambda: _concurrent_edit(source)))
        findings.append(_step("backup, restore, audit verify", lambda: _backup_round_trip(ctx, target, folder)))
        return findings
    finally:
        for store in (source, target):
            if store is not None:
                _drop_everything(store)
                store.close()


def _server(store: Store) -> Finding:
    facts = [store.describe(), *store.details(), *store.warnings()]
    return Finding("server", store.supports_transactions and not store.warnings(), "; ".join(facts))


def _step(name: str, run: Callable[[], str]) -> Finding:
    try:
        return Finding(name, True, run())
    except (StorageError, CheckFailed) as exc:
        return Finding(name, False, str(exc))


def _office(store: Store) -> ServiceContext:
    migrate(store)
    ctx = ServiceContext(store)
    ctx.audit.ensure_indexes()
    return ctx


def _poll(ctx: ServiceContext, wanted: int) -> str:
    now = ctx.clock().replace(microsecond=0)
    busy = replace(DEFAULT_ACCOUNTS[0], trades_per_day=2000, balance_ops_per_day=2,
                   opened=now - timedelta(days=max(1, wanted // 3500 + 1)))
    terminal = SimulatedTerminal(seed=7, accounts=[busy], now=now)
    session = Mt5Session(terminal, policy_from_config("EET-NY"), clock=lambda: terminal.now)
    session.connect(login=busy.login, password=busy.password, server=busy.server)
    deals = session.deals(busy.opened, now)[:wanted]
    trading = TradingServices(ctx, secrets=SecretStore(InMemoryKeyring()))
    trading.ensure_indexes()
    actor = Actor.system("server check")
    account = trading.accounts.create(actor, Mt5AccountInput(busy.login, busy.server, busy.name, busy.currency))
    poll = Poll(session.account(), session.positions(), deals, watermark=terminal.now)
    started = time.perf_counter()
    result = trading.sync.record_poll(actor, account, poll)
    took = time.perf_counter() - started
    if result.new_deals != len(deals):
        raise CheckFailed(f"{len(deals):,} synthetic deals polled, but {result.new_deals:,} stored")
    return f"{len(deals):,} synthetic deals stored in one transaction in {took:.1f} s"


def _concurrent_edit(store: Store) -> str:
    records = store.collection("check_edits")
    record = records.insert({"name": "original"})
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def edit(name: str) -> None:
        start.wait()
        try:
            with store.transaction():
                records.update(record["_id"], {"name": name}, expected_version=1)
            outcomes.append("saved")
        except ConcurrencyError:
            outcomes.append("told")
        except StorageError as exc:
            outcomes.append(f"failed: {exc}")
        finally:
            store.release_thread()

    threads = [threading.Thread(target=edit, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if sorted(outcomes) != ["saved", "told"]:
        raise CheckFailed(f"two edits of one record from two threads ended as {outcomes}; expected one saved and "
                          "one told to reload")
    return "two workstations editing one record: one saved, the other told to reload"


def _backup_round_trip(ctx: ServiceContext, target: Store, folder: Path) -> str:
    from fidus_desktop.store.mongo_restore import staged_restore  # the driver only when a server is proved

    backups = BackupService(ctx, kdf=ScryptParams(n=2**14, r=8, p=1))
    path = folder / "server-check.fidusbak"
    passphrase = secrets.token_urlsafe(24)  # the file is deleted below; nobody needs to open it again
    try:
        report = backups.create(Actor.system("server check"), path, passphrase)
        target.collection("check_replaced").insert({"note": "replaced by the restore"})
        restored = staged_restore(cast("MongoStore", target), path.name, "server check",
                                  lambda staged: restore_backup(path, passphrase, staged))
    finally:
        path.unlink(missing_ok=True)
    verdict = AuditLog(target, ctx.clock).verify()
    if "check_replaced" in target.collection_names():
        raise CheckFailed("the restore left a collection of the database it replaced")
    if restored.collections != report.collections or not verdict.ok:
        raise CheckFailed(f"the restored copy differs ({restored.collections} vs {report.collections}) or its "
                             "audit chain does not verify")
    documents = sum(report.collections.values())
    return (f"{documents:,} records backed up at {report.created_at:%H:%M:%S} UTC, restored beside the old ones "
            "and switched in, audit chain verified")


def _drop_everything(store: Store) -> None:
    """Every collection of the throwaway database, a half-done restore's staged ones included."""
    mongo = cast("MongoStore", store)
    for raw in mongo.raw_names():
        if not raw.startswith("system."):
            mongo.drop_raw(raw)
