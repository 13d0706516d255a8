"""Stored documents on SQLite: attach and open a 25 MB file through ``DocumentService`` against a baseline of
raw AES-256-GCM plus raw ``sqlite3`` in the same run; then a backup and restore carrying two of them.

Run: ``uv run python benchmarks/bench_documents.py [--write]``. Prints a markdown table; ``--write`` also
replaces the "## Stored documents (SQLite)" section of docs/PERFORMANCE.md.

Fairness: both paths store the same bytes in 1 MiB pieces, each sealed with AES-256-GCM and a fresh nonce,
in one transaction on a WAL database with synchronous=NORMAL, and read them back in order. The baseline
skips what the service adds: validation, SHA-256 of the plaintext, the storage codec (base64 in SQLite's
JSON column), permission checks and the audit entries.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from perf_doc import replace_section

from fidus_desktop.bootstrap import Services
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.backup import BackupService, restore_backup
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.documents import CHUNK_BYTES
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.sqlite import SqliteStore

SIZE = 25 * 1024 * 1024
REPEATS = 3
CHEAP = ScryptParams(n=2**14, r=8, p=1)  # key wrapping and backup KDF are not what is measured
PASSPHRASE = "benchmark office passphrase"


def timed(fn: Callable[[], object]) -> float:
    best = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        best.append(time.perf_counter() - start)
    return statistics.median(best)


def baseline(folder: Path, data: bytes) -> tuple[float, float]:
    db = sqlite3.connect(folder / "raw.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE chunks (id TEXT PRIMARY KEY, data BLOB)")
    aead = AESGCM(AESGCM.generate_key(bit_length=256))

    def write() -> None:
        db.execute("BEGIN")
        db.execute("DELETE FROM chunks")
        for index, at in enumerate(range(0, len(data), CHUNK_BYTES)):
            nonce = os.urandom(12)
            db.execute("INSERT INTO chunks VALUES (?, ?)",
                       (f"{index:05d}", nonce + aead.encrypt(nonce, data[at: at + CHUNK_BYTES], b"ctx")))
        db.execute("COMMIT")

    def read() -> None:
        rows = db.execute("SELECT data FROM chunks ORDER BY id").fetchall()
        assert b"".join(aead.decrypt(r[0][:12], r[0][12:], b"ctx") for r in rows) == data

    result = timed(write), timed(read)
    db.close()
    return result


def service_path(folder: Path, data: bytes) -> dict[str, float]:
    store = SqliteStore(folder / "office.db")
    migrate(store)
    services = Services(ServiceContext(store), secrets=SecretStore(InMemoryKeyring()))
    services.keys.kdf = CHEAP
    services.ensure_indexes()
    admin = services.users.create_first_admin("admin", "correct horse battery staple 42", "Admin").actor()
    services.keys.init(admin, PASSPHRASE)
    investor = services.portfolio.investors.create_investor(admin, "INV-1", "Ann Smith", "individual")
    docs = services.documents
    stored = [docs.attach(admin, "investor", investor.investor_id, "scan.pdf", data)]
    attach = timed(lambda: stored.append(docs.attach(admin, "investor", investor.investor_id, "scan.pdf", data)))
    open_ = timed(lambda: docs.open(admin, stored[0].document_id))
    archive, target = folder / "office.fidusbak", folder / "restored.db"
    backups = BackupService(services.ctx, kdf=CHEAP)
    for extra in stored[2:]:
        docs.delete(admin, extra.document_id, extra.version)  # two files of 25 MB in the backup
    start = time.perf_counter()
    backups.create(admin, archive, PASSPHRASE)
    create = time.perf_counter() - start
    start = time.perf_counter()
    restored = SqliteStore(target)
    report = restore_backup(archive, PASSPHRASE, restored)
    restore = time.perf_counter() - start
    assert report.blobs == 2
    restored.close()
    store.close()
    return {"attach": attach, "open": open_, "create": create, "restore": restore,
            "archive_mb": archive.stat().st_size / 1e6, "db_mb": target.stat().st_size / 1e6}


def main() -> None:
    data = b"%PDF-1.7\n" + os.urandom(SIZE - 9)
    with tempfile.TemporaryDirectory() as tmp:
        raw_write, raw_read = baseline(Path(tmp), data)
        measured = service_path(Path(tmp), data)
    mb = SIZE / 1e6
    table = "\n".join([
        "## Stored documents (SQLite)",
        "",
        f"`uv run python benchmarks/bench_documents.py` — {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}; a {mb:.1f} MB file in 1 MiB chunks, median of "
        f"{REPEATS}.",
        "",
        "| Operation | DocumentService | raw AES-GCM + sqlite3 | ratio |",
        "|---|---|---|---|",
        f"| attach (seal + store) | {measured['attach']:.2f} s | {raw_write:.2f} s | "
        f"{measured['attach'] / raw_write:.1f}× |",
        f"| open (read + open + SHA-256) | {measured['open']:.2f} s | {raw_read:.2f} s | "
        f"{measured['open'] / raw_read:.1f}× |",
        "",
        f"Backup with two such files: create {measured['create']:.2f} s ({measured['archive_mb']:.1f} MB archive), "
        f"restore into a new SQLite file {measured['restore']:.2f} s (database {measured['db_mb']:.1f} MB).",
    ])
    print(table)
    if "--write" in sys.argv[1:]:
        replace_section(table)


if __name__ == "__main__":
    main()
