"""Backups and restores on a MongoDB replica set, over the strict double (tests/store/strict_mongo.py): the backup
reads outside any transaction through a snapshot, a restore costs the same whatever the documents' versions,
and a restore survives an election."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext, Services
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.config.settings import Settings
from fidus_desktop.integrations.mt5 import DEFAULT_ACCOUNTS, Mt5Session, SimulatedTerminal, policy_from_config
from fidus_desktop.security.backup_format import write_backup
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.backup import BackupService, restore_backup
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.trading.accounts import Mt5AccountInput
from fidus_desktop.services.trading.sync import Poll
from fidus_desktop.store.mongo import MongoStore
from fidus_desktop.store.schema import migrate
from tests.keys_backup.conftest import ADMIN_PASSWORD, CHEAP, NOW, PASSPHRASE, Office, make_office
from tests.keys_backup.test_backup import BACKUP_PASSPHRASE, snapshot
from tests.store.strict_mongo import StrictClient, strict_store


@pytest.fixture
def replica() -> Iterator[MongoStore]:
    with strict_store("office") as store:
        yield store


@pytest.fixture
def mongo_office(replica: MongoStore, tmp_path: Path, secrets: SecretStore) -> Office:
    """The keys_backup office (data key, two people, a KYC scan) on the replica-set double."""
    migrate(replica)
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs")
    settings = Settings(paths.settings_file)
    services = Services(ServiceContext(replica, lambda: NOW), settings, secrets)
    services.ensure_indexes()
    office = make_office(AppContext(paths, settings, secrets, replica, services, "mongodb://strict"), secrets)
    office.keys.init(office.admin, PASSPHRASE)
    office.add_person("p1", "AB-123 456")
    office.add_person("p2", "CD-789 000")
    office.add_kyc("k1", "p1", None, scan=b"\x00binary scan\xff")
    return office


def test_a_replica_set_office_backs_up_through_a_snapshot_and_restores(
    mongo_office: Office, replica: MongoStore, tmp_path: Path
) -> None:
    client: StrictClient = replica.client
    before = snapshot(replica)
    backups = BackupService(mongo_office.ctx.services.ctx, kdf=CHEAP)
    report = backups.create(mongo_office.admin, tmp_path / "office.fidusbak", BACKUP_PASSPHRASE)
    assert report.collections["people"] == 2
    entry = mongo_office.ctx.services.ctx.audit.last()
    assert entry["action"] == "backup.create"
    assert entry["after"]["point_in_time"] is True
    assert abs(report.created_at - datetime.now(UTC)).total_seconds() < 60  # the snapshot's cluster time

    target = MongoStore(client, "restored")
    restore_backup(tmp_path / "office.fidusbak", BACKUP_PASSPHRASE, target)
    assert snapshot(target) == before
    assert AuditLog(target, lambda: NOW).verify().ok


def _archive(path: Path, version: int) -> Path:
    state = {"_id": "state-1", "login": 5_000_123, "watermark": 2**40, "version": version}
    write_backup(path, BACKUP_PASSPHRASE, [("mt5_sync_state", [state])], kdf=CHEAP, created_at=NOW)
    return path


def test_a_restore_costs_the_same_driver_calls_whatever_the_versions(tmp_path: Path) -> None:
    """The MT5 sync state gains a version per poll (about 17,000 a day): a document at version 100,000
    costs what one at version 1 costs, and comes back at its version."""
    calls = {}
    for version in (1, 100_000):
        with strict_store("restored") as target:
            restore_backup(_archive(tmp_path / f"v{version}.fidusbak", version), BACKUP_PASSPHRASE, target)
            assert target.collection("mt5_sync_state").require("state-1")["version"] == version
            calls[version] = sum(target.client.calls.values())
    assert calls[100_000] == calls[1]


def test_a_restore_batch_rolled_back_by_an_election_is_written_again(tmp_path: Path) -> None:
    with strict_store("restored") as target:
        target.client.faults.write.append("Election")
        restore_backup(_archive(tmp_path / "a.fidusbak", 7), BACKUP_PASSPHRASE, target)
        assert target.collection("mt5_sync_state").require("state-1")["version"] == 7
        assert target.client.log.count("abort") == 1


def test_sign_in_on_a_replica_set_survives_a_write_conflict(mongo_office: Office, replica: MongoStore) -> None:
    replica.client.faults.write.append("WriteConflict")  # another workstation's sign-in wrote first
    user = mongo_office.ctx.services.users.authenticate("admin", ADMIN_PASSWORD)
    assert user.username == "admin"
    assert replica.client.log.count("abort") >= 1
    assert mongo_office.ctx.services.ctx.audit.verify().ok


def test_an_mt5_poll_rolled_back_by_a_conflict_is_stored_again(mongo_office: Office, replica: MongoStore) -> None:
    trading = mongo_office.ctx.services.trading
    sim = DEFAULT_ACCOUNTS[0]
    account = trading.accounts.create(mongo_office.admin, Mt5AccountInput(sim.login, sim.server, sim.name,
                                                                          sim.currency))
    terminal = SimulatedTerminal(seed=5, accounts=[sim], now=NOW)
    session = Mt5Session(terminal, policy_from_config("EET-NY"), clock=lambda: terminal.now)
    session.connect(login=sim.login, password=sim.password, server=sim.server)
    deals = session.deals(NOW - timedelta(days=3), NOW)
    poll = Poll(session.account(), session.positions(), deals, watermark=terminal.now)
    replica.client.faults.commit.append("WriteConflict")  # the GUI appended to the audit log at the same moment
    result = trading.sync.record_poll(mongo_office.admin, account, poll)
    assert result.new_deals == len(deals) > 0
    assert trading.sync.deal_count(sim.login) == len(deals)
    assert replica.client.log[-6:] == ["start", "abort", "end", "start", "commit", "end"]


def test_moving_a_sqlite_office_to_a_replica_set(keyed: Office, tmp_path: Path) -> None:
    """The documented move from SQLite to MongoDB: back up, restore --into mongodb://…, audit chain intact."""
    keyed.add_kyc("k1", "p1", None, scan=b"\x00binary scan\xff")
    people = keyed.ctx.store.collection("people")
    people.update("p2", {"name": "Renamed"}, expected_version=people.require("p2")["version"])
    before = snapshot(keyed.ctx.store)
    path = tmp_path / "move.fidusbak"
    BackupService(keyed.ctx.services.ctx, kdf=CHEAP).create(keyed.admin, path, BACKUP_PASSPHRASE)
    with strict_store("moved") as target:
        restore_backup(path, BACKUP_PASSPHRASE, target)
        assert snapshot(target) == before
        assert target.collection("people").require("p2")["version"] == 2
        assert AuditLog(target, lambda: NOW).verify().ok
