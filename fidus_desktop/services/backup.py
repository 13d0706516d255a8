"""Encrypted backups of the whole database, their verification and restore (also SQLite → MongoDB moves).

``create`` lists the collections first (a MongoDB server refuses ``listCollections`` inside a transaction),
then streams every collection into ``security.backup_format`` through ``Store.snapshot()``: one read
transaction in SQLite, a snapshot session on a MongoDB 5.0+ replica set (a transaction would be aborted by
the server after 60 s). The archive's ``created_at`` is that point in time; where the database cannot give one
(standalone or pre-5.0 MongoDB) the backup is written anyway, and the audit entry and log say it is not one
point in time. ``restore`` checks the whole archive first (wrong passphrase, damage,
truncation: the target is not touched), refuses a target that holds data unless ``force``, then writes
collection by collection keeping every ``_id``, field and ``version``, so the audit chain still verifies.

Stored documents travel in the archive's blob section: one blob per document, named by its id, holding its
chunks still sealed under the data key (``services.documents``), with a SHA-256 in the manifest. Their
metadata is in the ``documents`` collection; the ``document_chunks`` collection is not archived but rebuilt
from the blobs on restore (each chunk record at version 1).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fidus_desktop.config.settings import Settings
from fidus_desktop.security.backup_format import (
    BackupCorrupt,
    BackupReport,
    BlobRecord,
    DocumentRecord,
    read_backup,
    verify_backup,
    write_backup,
)
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.documents import CHUNKS, DOCUMENTS, DocumentDamaged, restore_blob, stored_blobs
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.store import restore_marker
from fidus_desktop.store.port import Document, Store
from fidus_desktop.store.uri import redact

log = logging.getLogger(__name__)
SUFFIX = ".fidusbak"
_NAME_FORMAT = "fidus-%Y%m%d-%H%M%S"
MIN_PASSPHRASE = 12
BATCH = 500


class TargetNotEmpty(ValidationError):
    """The restore target already holds data and ``force`` was not given."""


@dataclass(frozen=True)
class RestoreReport:
    collections: dict[str, int]
    created_at: datetime
    blobs: int = 0


def check_passphrase(passphrase: str) -> str:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE:
        raise ValidationError({"passphrase": f"A backup passphrase needs at least {MIN_PASSPHRASE} characters."})
    return passphrase


def backup_files(folder: Path) -> list[Path]:
    """The automatic backups in ``folder``, oldest first (their names sort by time)."""
    return sorted(p for p in folder.glob(f"fidus-*{SUFFIX}") if _time_of(p) is not None) if folder.is_dir() else []


def _time_of(path: Path) -> datetime | None:
    try:
        return datetime.strptime(path.name.removesuffix(SUFFIX), _NAME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def last_backup_time(folder: Path) -> datetime | None:
    files = backup_files(folder)
    return _time_of(files[-1]) if files else None


class BackupService(Service):
    """Create, verify and restore backups; the scheduler's daily run with retention."""

    def __init__(self, ctx: ServiceContext, kdf: ScryptParams | None = None) -> None:
        super().__init__(ctx)
        self.kdf = kdf

    def create(self, actor: Actor, out_path: Path, passphrase: str) -> BackupReport:
        """Write every collection to ``out_path`` (a consistent snapshot); audited afterwards."""
        require(actor, Permission.BACKUP_RUN)
        check_passphrase(passphrase)
        archived: list[str] = []  # filled while the documents collection is written, before the blobs
        names = self.store.collection_names()  # outside the snapshot: servers refuse listCollections in one
        with self.store.snapshot() as point_in_time:
            if point_in_time is None:
                log.warning("%s cannot give a consistent read; this backup is not one point in time",
                            self.store.describe())
            report = write_backup(
                out_path, passphrase, self._collections(names, archived), stored_blobs(self.store, archived),
                kdf=self.kdf, created_at=point_in_time or self.now(),
            )

        def write(rec: ChangeRecorder) -> None:
            rec.record("backup.create", "backup", Path(out_path).name,
                       after={"collections": report.collections, "blobs": report.blobs,
                              "point_in_time": point_in_time is not None})

        self.change(actor, Permission.BACKUP_RUN, write)
        return report

    def _collections(self, names: list[str], document_ids: list[str]) -> Iterator[tuple[str, Iterator[Document]]]:
        """Every collection but the chunks (the blob section carries them); notes the stored documents' ids."""
        for name in sorted(names):
            if name == CHUNKS:
                continue
            docs = self.store.collection(name).iter_all()
            yield name, (_noting_ids(docs, document_ids) if name == DOCUMENTS else docs)

    def verify(self, path: Path, passphrase: str) -> BackupReport:
        """Open and check every chunk and checksum; raises ``WrongPassphrase`` / ``BackupCorrupt``."""
        return verify_backup(path, passphrase)

    def restore(self, actor: Actor, path: Path, passphrase: str, into: str, *, force: bool = False) -> RestoreReport:
        """Restore into the database at URI ``into`` (never the open one) the safe way (``services.restore``),
        with ``actor``'s permission; audited in the open database too."""
        from fidus_desktop.services.restore import restore_into  # it builds on this module

        require(actor, Permission.BACKUP_RESTORE)
        report = restore_into(path, passphrase, into, actor=actor, force=force, clock=self.ctx.clock).report

        def write(rec: ChangeRecorder) -> None:
            rec.record("backup.restore", "backup", Path(path).name,
                       after={"into": redact(into), "collections": report.collections, "blobs": report.blobs})

        self.change(actor, Permission.BACKUP_RESTORE, write)
        return report

    def configure(self, actor: Actor, settings: Settings, folder: str, keep: int, every_hours: int) -> None:
        """Set where automatic backups go, how many are kept and how often one is made (this workstation's
        settings file), audited. The folder must be absolute and writable: it is created and a probe file written
        before anything is saved. An empty folder means the per-user default."""
        problems: dict[str, str] = {}
        text = folder.strip()
        if text:
            path = Path(text).expanduser()
            if not path.is_absolute():
                problems["folder"] = f"{text!r} is not a full path; choose the folder with Browse…."
            else:
                try:
                    path.mkdir(parents=True, exist_ok=True)
                    probe = path / ".fidus-write-test"
                    probe.write_bytes(b"")
                    probe.unlink()
                except OSError as exc:
                    problems["folder"] = (f"Backups cannot be written to {path} ({exc.strerror or exc}); choose a "
                                          "folder this user may write to.")
                text = str(path)
        if keep < 1:
            problems["keep"] = "Keep at least one backup copy."
        if every_hours < 1:
            problems["every_hours"] = "Back up at least once every so many hours (1 or more)."
        if problems:
            raise ValidationError(problems)
        names = ("folder", "keep", "every_hours")  # the settings backup.<name>
        before = {name: settings.get(f"backup.{name}") for name in names}
        after = dict(zip(names, (text, keep, every_hours), strict=True))
        for name, value in after.items():
            settings.set(f"backup.{name}", value)
        settings.save()  # first: a failure here records nothing; the change that records it may run again
        self.change(actor, Permission.SETTINGS_MANAGE,
                    lambda rec: rec.record("backup.configure", "backup", "settings", before=before, after=after))

    def run_scheduled(self, actor: Actor, folder: Path, passphrase: str, keep: int) -> Path:
        """Today's automatic backup: write, verify, and only then delete copies beyond the newest ``keep``."""
        if keep < 1:
            raise ValidationError({"keep": "Keep at least one backup copy (setting backup.keep)."})
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob(f"fidus-*{SUFFIX}.partial"):  # from a run that was killed
            leftover.unlink(missing_ok=True)
        path = folder / (self.now().astimezone(UTC).strftime(_NAME_FORMAT) + SUFFIX)
        self.create(actor, path, passphrase)
        self.verify(path, passphrase)
        for old in backup_files(folder)[:-keep]:
            old.unlink(missing_ok=True)
        return path


def _noting_ids(docs: Iterator[Document], ids: list[str]) -> Iterator[Document]:
    for doc in docs:
        ids.append(doc["_id"])
        yield doc


def restore_backup(path: Path, passphrase: str, into: Store, *, force: bool = False) -> RestoreReport:
    """Check the archive, then load it into ``into`` (empty, or emptied when ``force``)."""
    report = verify_backup(path, passphrase)  # nothing is written unless the whole archive is sound
    occupied = sorted(name for name in _data_collections(into) if into.collection(name).count() > 0)
    if occupied and not force:
        raise TargetNotEmpty(
            f"The target database ({into.describe()}) already holds data in {', '.join(occupied)}. Restore into "
            "an empty database, or use --force to replace everything in it."
        )
    for name in _data_collections(into):
        into.drop_collection(name)
    written: list[str] = []
    try:
        for item in _grouped(read_backup(path, passphrase)):
            if isinstance(item, BlobRecord):
                written.append(CHUNKS)
                _load_blob(into, item)
            else:
                written.append(item[0])
                _load_collection(into, *item)
    except BaseException:
        for name in written:  # the file changed since it was checked: leave no half database behind
            into.drop_collection(name)
        raise
    return RestoreReport(report.collections, report.created_at, report.blobs)


def _data_collections(store: Store) -> list[str]:
    """Every collection but the marker of a restore in progress (``store.restore_marker``), which stays."""
    return [name for name in store.collection_names() if name != restore_marker.COLLECTION]


def _grouped(records: Iterator[DocumentRecord | BlobRecord]) -> Iterator[tuple[str, list[Document]] | BlobRecord]:
    """Documents in batches per collection, and blobs one by one, in archive order."""
    current: str | None = None
    batch: list[Document] = []
    for record in records:
        if isinstance(record, BlobRecord) or record.collection != current or len(batch) >= BATCH:
            if current is not None and batch:
                yield current, batch
            current, batch = None, []
        if isinstance(record, BlobRecord):
            yield record
            continue
        current = record.collection
        batch.append(record.document)
    if current is not None and batch:
        yield current, batch


def _load_blob(into: Store, blob: BlobRecord) -> None:
    try:
        into.atomic(lambda: restore_blob(into, blob.name, blob.data))
    except DocumentDamaged as exc:
        raise BackupCorrupt(f"The backup's stored document {blob.name!r} cannot be restored: {exc}") from exc


def _load_collection(into: Store, name: str, docs: list[Document]) -> None:
    """Insert ``docs`` as archived, ids and versions included: one write per batch whatever the versions (the
    MT5 sync state gains a version per poll), in one transaction, run again if a server election rolls it
    back."""
    collection = into.collection(name)
    into.atomic(lambda: collection.load_many(docs))
