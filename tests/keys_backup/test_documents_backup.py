"""Stored documents in backups: the blob section holds each document's sealed chunks, restore puts them back
byte-identical, and a damaged or crafted blob is refused with nothing left behind."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.features.registry import document_owners
from fidus_desktop.security.backup_format import BackupCorrupt, BlobRecord, DocumentRecord, read_backup, write_backup
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.backup import BackupService, restore_backup
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.documents import CHUNKS, DocumentService, StoredDocument
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.personal_data import Vault
from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import SqliteStore
from tests.keys_backup.test_backup import BACKUP_PASSPHRASE, snapshot
from tests.keys_backup.test_documents import documents_of
from tests.support.cost import CHEAP_KDF
from tests.support.demo import open_demo
from tests.support.files import PDF, PNG
from tests.support.keys_office import NOW, PASSPHRASE, Office


def documents_in(store: Store, secrets: SecretStore) -> DocumentService:
    """The document service over ``store`` as this workstation (same keyring) sees it."""
    ctx = ServiceContext(store, lambda: NOW)
    return DocumentService(ctx, Vault(ctx, KeyService(ctx, secrets, kdf=CHEAP_KDF)), owners=document_owners())


@pytest.fixture
def attached(keyed: Office) -> list[StoredDocument]:
    investors = keyed.ctx.services.portfolio.investors
    docs = documents_of(keyed)
    ann = investors.create_investor(keyed.admin, "INV-1", "Ann Smith", "individual").investor_id
    bob = investors.create_investor(keyed.admin, "INV-2", "Bob Jones", "individual").investor_id
    return [docs.attach(keyed.admin, "investor", ann, "contract.pdf", PDF),
            docs.attach(keyed.admin, "investor", bob, "passport.png", PNG)]


@pytest.fixture
def archive(keyed: Office, attached: list[StoredDocument], tmp_path: Path) -> Path:
    path = tmp_path / "office.fidusbak"
    BackupService(keyed.ctx.services.ctx, kdf=CHEAP_KDF).create(keyed.admin, path, BACKUP_PASSPHRASE)
    return path


@pytest.fixture
def target(tmp_path: Path) -> Iterator[SqliteStore]:
    store = SqliteStore(tmp_path / "restored.db")
    yield store
    store.close()


def sealed(store: Store) -> dict[str, bytes]:
    return {chunk["_id"]: chunk["data"] for chunk in store.collection(CHUNKS).iter_all()}


def without_chunks(store: Store) -> dict[str, list[dict]]:
    return {name: docs for name, docs in snapshot(store).items() if name != CHUNKS}


def test_documents_travel_as_blobs_and_come_back_byte_identical(
    keyed: Office, attached: list[StoredDocument], archive: Path, target: SqliteStore, secrets: SecretStore
) -> None:
    records = list(read_backup(archive, BACKUP_PASSPHRASE))
    assert sorted(r.name for r in records if isinstance(r, BlobRecord)) == sorted(d.document_id for d in attached)
    assert not any(isinstance(r, DocumentRecord) and r.collection == CHUNKS for r in records)
    assert BackupService(keyed.ctx.services.ctx, kdf=CHEAP_KDF).verify(archive, BACKUP_PASSPHRASE).blobs == 2
    assert keyed.ctx.services.ctx.audit.last()["after"]["blobs"] == 2

    report = restore_backup(archive, BACKUP_PASSPHRASE, target)
    assert report.blobs == 2
    expected = without_chunks(keyed.ctx.store)
    expected["audit"] = [e for e in expected["audit"] if e["action"] != "backup.create"]
    assert without_chunks(target) == expected
    assert sealed(target) == sealed(keyed.ctx.store)
    assert AuditLog(target, lambda: NOW).verify().ok
    restored = documents_in(target, secrets)
    assert restored.open(keyed.admin, attached[0].document_id) == PDF
    assert restored.open(keyed.admin, attached[1].document_id) == PNG


def test_a_rotated_office_restores_and_opens_with_the_new_key(
    keyed: Office, attached: list[StoredDocument], tmp_path: Path, target: SqliteStore, secrets: SecretStore
) -> None:
    from fidus_desktop.features.registry import PERSONAL_DATA

    keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields)
    path = tmp_path / "rotated.fidusbak"
    BackupService(keyed.ctx.services.ctx, kdf=CHEAP_KDF).create(keyed.admin, path, BACKUP_PASSPHRASE)
    restore_backup(path, BACKUP_PASSPHRASE, target)
    assert documents_in(target, secrets).open(keyed.admin, attached[0].document_id) == PDF


def test_an_altered_blob_is_refused_before_anything_is_written(archive: Path, target: SqliteStore) -> None:
    data = bytearray(archive.read_bytes())
    data[len(data) * 3 // 4] ^= 0x01  # the blobs fill the end of the archive
    archive.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupt, match="altered"):
        restore_backup(archive, BACKUP_PASSPHRASE, target)
    assert snapshot(target) == {}


def test_a_blob_that_matches_no_document_leaves_no_half_database(
    archive: Path, target: SqliteStore, tmp_path: Path
) -> None:
    """Someone holding the backup passphrase rewrote the archive with a stray blob: checksums agree, restore refuses."""
    records = list(read_backup(archive, BACKUP_PASSPHRASE))
    collections: dict[str, list[dict]] = {}
    for record in records:
        if isinstance(record, DocumentRecord):
            collections.setdefault(record.collection, []).append(record.document)
    blobs = [(r.name, r.data) for r in records if isinstance(r, BlobRecord)]
    crafted = tmp_path / "crafted.fidusbak"
    write_backup(crafted, BACKUP_PASSPHRASE, collections.items(), [*blobs, ("no-such-document", blobs[0][1])],
                 kdf=CHEAP_KDF)
    with pytest.raises(BackupCorrupt, match="stored document 'no-such-document' cannot be restored"):
        restore_backup(crafted, BACKUP_PASSPHRASE, target)
    assert snapshot(target) == {}


def test_demo_office_with_documents_round_trip(demo_db: Path, tmp_path: Path, secrets: SecretStore) -> None:
    with open_demo(demo_db, secrets) as (services, actor):
        source = services.ctx.store
        assert services.keys.status().enrolled  # the demo's own data key (made for its sealed envelopes)
        investor_ids = [doc["_id"] for doc in source.collection("investors").find(limit=2, sort=[("number", 1)])]
        attached = [services.documents.attach(actor, "investor", investor_ids[0], "contract.pdf", PDF),
                    services.documents.attach(actor, "investor", investor_ids[1], "passport.png", PNG)]
        path = tmp_path / "demo.fidusbak"
        before = without_chunks(source)
        BackupService(services.ctx, kdf=CHEAP_KDF).create(actor, path, BACKUP_PASSPHRASE)
        restored_store = SqliteStore(tmp_path / "restored.db")
        restore_backup(path, BACKUP_PASSPHRASE, restored_store)
        after = without_chunks(restored_store)
        assert after.keys() == before.keys()
        for name in before:
            assert after[name] == before[name], name
        assert AuditLog(restored_store, lambda: NOW).verify().ok
        restored = documents_in(restored_store, secrets)
        assert [restored.open(actor, d.document_id) for d in attached] == [PDF, PNG]
        restored_store.close()


def test_restored_into_the_mongodb_adapter_documents_open_and_new_ones_attach(
    keyed: Office, attached: list[StoredDocument], archive: Path, secrets: SecretStore
) -> None:
    mongomock = pytest.importorskip("mongomock")
    from fidus_desktop.store.mongo import MongoStore
    from tests.support.mongomock_shim import server_comparisons

    with server_comparisons():
        store = MongoStore(mongomock.MongoClient(), "restored", supports_transactions=False)
        assert restore_backup(archive, BACKUP_PASSPHRASE, store).blobs == 2
        assert sealed(store) == sealed(keyed.ctx.store)
        here, there = documents_in(store, secrets), documents_in(store, secrets)  # two workstations, one server
        assert there.open(keyed.admin, attached[0].document_id) == PDF
        added = here.attach(keyed.admin, "investor", attached[1].owner_id, "second.pdf", PDF)
        assert there.open(keyed.admin, added.document_id) == PDF
        assert {d.name for d in there.list_for(keyed.admin, "investor", attached[1].owner_id)} == {
            "second.pdf", "passport.png"}


def test_a_file_attached_while_the_backup_runs_is_not_half_in_it(
    keyed: Office, attached: list[StoredDocument], tmp_path: Path, target: SqliteStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without transactions (standalone MongoDB) a file may arrive after its collection was archived."""
    import fidus_desktop.services.backup as backup_module

    real = backup_module.stored_blobs

    def attach_then_stream(store: Store, document_ids: list[str]) -> Iterator[tuple[str, bytes]]:
        documents_of(keyed).attach(keyed.admin, "investor", attached[0].owner_id, "late.png", PNG)  # collections done
        yield from real(store, document_ids)

    monkeypatch.setattr(backup_module, "stored_blobs", attach_then_stream)
    path = tmp_path / "during.fidusbak"
    assert BackupService(keyed.ctx.services.ctx, kdf=CHEAP_KDF).create(keyed.admin, path, BACKUP_PASSPHRASE).blobs == 2
    assert restore_backup(path, BACKUP_PASSPHRASE, target).blobs == 2
