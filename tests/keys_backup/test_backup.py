"""Backups: round trips into SQLite and the MongoDB adapter, attacks that must leave the target unchanged,
and the scheduled run with its retention."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.security.backup_format import BackupCorrupt
from fidus_desktop.security.crypto import WrongPassphrase
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.backup import (
    BackupService,
    TargetNotEmpty,
    backup_files,
    last_backup_time,
    restore_backup,
)
from fidus_desktop.services.base import ServiceContext, ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cost import CHEAP_KDF
from tests.support.demo import open_demo
from tests.support.keys_office import NOW, Office

BACKUP_PASSPHRASE = "blue ledger on the shelf"


def snapshot(store: Store) -> dict[str, list[dict]]:
    return {name: list(store.collection(name).iter_all()) for name in sorted(store.collection_names())
            if store.collection(name).count()}


@pytest.fixture
def backups(keyed: Office) -> BackupService:
    keyed.add_kyc("k1", "p1", None, scan=b"\x00binary scan\xff")
    people = keyed.ctx.store.collection("people")
    doc = people.require("p2")
    people.update("p2", {"name": "Renamed"}, expected_version=doc["version"])  # a document at version 2
    return BackupService(keyed.ctx.services.ctx, kdf=CHEAP_KDF)


@pytest.fixture
def archived(backups: BackupService, keyed: Office) -> dict[str, list[dict]]:
    """The office as it was backed up (the backup's own audit entry comes after)."""
    return snapshot(keyed.ctx.store)


@pytest.fixture
def archive(backups: BackupService, keyed: Office, archived: dict, tmp_path: Path) -> Path:
    path = tmp_path / "office.fidusbak"
    backups.create(keyed.admin, path, BACKUP_PASSPHRASE)
    return path


@pytest.fixture
def target(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "restored.db")
    yield store
    store.close()


def test_round_trip_into_sqlite_keeps_every_document_version_and_the_audit_chain(
    archived: dict, archive: Path, backups: BackupService, target: SqliteStore
) -> None:
    report = backups.verify(archive, BACKUP_PASSPHRASE)
    assert report.collections["people"] == 2
    restored = restore_backup(archive, BACKUP_PASSPHRASE, target)
    assert restored.collections == report.collections
    assert snapshot(target) == archived
    assert target.collection("people").require("p2")["version"] == 2
    assert AuditLog(target, lambda: NOW).verify().ok


def test_backup_is_audited_and_needs_its_permission(keyed: Office, backups: BackupService, tmp_path: Path) -> None:
    backups.create(keyed.admin, tmp_path / "a.fidusbak", BACKUP_PASSPHRASE)
    assert keyed.ctx.services.ctx.audit.last()["action"] == "backup.create"
    with pytest.raises(PermissionDenied):
        backups.create(keyed.actor("pm", "portfolio_manager"), tmp_path / "b.fidusbak", BACKUP_PASSPHRASE)
    with pytest.raises(ValidationError, match="at least 12"):
        backups.create(keyed.admin, tmp_path / "c.fidusbak", "short")
    assert not (tmp_path / "b.fidusbak").exists()


def test_restore_into_the_mongodb_adapter(archived: dict, archive: Path) -> None:
    mongomock = pytest.importorskip("mongomock")
    from fidus_desktop.store.mongo import MongoStore
    from tests.support.mongomock_shim import server_comparisons

    with server_comparisons():
        store = MongoStore(mongomock.MongoClient(), "restored", supports_transactions=False)
        restore_backup(archive, BACKUP_PASSPHRASE, store)
        assert snapshot(store) == archived
        assert AuditLog(store, lambda: NOW).verify().ok


def damaged(archive: Path, how: str) -> Path:
    data = bytearray(archive.read_bytes())
    if how == "truncated":
        data = data[: len(data) - 40]
    else:
        data[len(data) // 2] ^= 0x01
    archive.write_bytes(bytes(data))
    return archive


@pytest.mark.parametrize(
    ("how", "error", "message"),
    [("truncated", BackupCorrupt, "truncated"), ("altered", BackupCorrupt, "altered")],
)
def test_damaged_archives_are_refused_before_anything_is_written(
    archive: Path, target: SqliteStore, how: str, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        restore_backup(damaged(archive, how), BACKUP_PASSPHRASE, target)
    assert snapshot(target) == {}


def test_wrong_passphrase_is_told_apart_and_writes_nothing(archive: Path, target: SqliteStore) -> None:
    with pytest.raises(WrongPassphrase, match="does not open this backup"):
        restore_backup(archive, "not the backup passphrase", target)
    assert snapshot(target) == {}


def test_non_empty_target_is_refused_unless_forced(archive: Path, target: SqliteStore, keyed: Office) -> None:
    target.collection("notes").insert({"_id": "keep", "text": "existing data"})
    with pytest.raises(TargetNotEmpty, match=r"already holds data in notes.*--force"):
        restore_backup(archive, BACKUP_PASSPHRASE, target)
    assert target.collection("notes").require("keep")["text"] == "existing data"
    restore_backup(archive, BACKUP_PASSPHRASE, target, force=True)
    assert target.collection("notes").count() == 0
    assert target.collection("people").count() == 2


def test_service_restore_needs_the_restore_permission_and_is_audited(
    keyed: Office, archive: Path, backups: BackupService, tmp_path: Path
) -> None:
    into = f"sqlite:///{(tmp_path / 'restored-by-service.db').as_posix()}"
    with pytest.raises(PermissionDenied):
        backups.restore(keyed.actor("bo", "back_office"), archive, BACKUP_PASSPHRASE, into)
    assert not (tmp_path / "restored-by-service.db").exists()
    backups.restore(keyed.admin, archive, BACKUP_PASSPHRASE, into)
    entry = keyed.ctx.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"]) == ("backup.restore", "office.fidusbak")
    restored = SqliteStore(tmp_path / "restored-by-service.db")
    assert AuditLog(restored, lambda: NOW).last()["action"] == "backup.restore"  # and in the restored one
    restored.close()


def test_scheduled_backups_keep_the_newest_copies(keyed: Office, tmp_path: Path) -> None:
    folder = tmp_path / "auto"
    today = [NOW]
    service = BackupService(ServiceContext(keyed.ctx.store, lambda: today[0]), kdf=CHEAP_KDF)
    made = []
    for day in range(3):
        today[0] = NOW + timedelta(days=day)
        made.append(service.run_scheduled(keyed.admin, folder, BACKUP_PASSPHRASE, keep=2))
    assert backup_files(folder) == made[1:]
    assert last_backup_time(folder) == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert last_backup_time(tmp_path / "missing") is None
    with pytest.raises(ValidationError, match="at least one"):
        service.run_scheduled(keyed.admin, folder, BACKUP_PASSPHRASE, keep=0)


def test_demo_office_round_trip(demo_db: Path, tmp_path: Path) -> None:
    with open_demo(demo_db) as (services, actor):
        source = services.ctx.store
        path = tmp_path / "demo.fidusbak"
        before = snapshot(source)
        BackupService(services.ctx, kdf=CHEAP_KDF).create(actor, path, BACKUP_PASSPHRASE)
        target = SqliteStore(tmp_path / "restored.db")
        restore_backup(path, BACKUP_PASSPHRASE, target)
        after = snapshot(target)
        assert after.keys() == before.keys()
        for name in before:
            assert after[name] == before[name], name
        assert AuditLog(target, lambda: NOW).verify().ok
        target.close()
