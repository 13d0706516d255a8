"""Whole-file operations on SQLite databases that restores need: private creation, a consistent copy, leaving
WAL mode so one file is the whole database, and durable renames."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from fidus_desktop.security.private_files import create_private
from fidus_desktop.store.errors import DatabaseUnreachable


def create_private_file(path: Path) -> None:
    """An empty new file readable by its owner only (0600 on POSIX)."""
    os.close(create_private(path, exclusive=True))


def new_private_database(path: Path) -> None:
    """Create a database file that does not exist yet as owner-only, before SQLite creates it with the umask's
    mode (its -wal and -shm files copy the database file's mode)."""
    if path.exists():
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private_file(path)
    except FileExistsError:
        return  # another process created it meanwhile
    except OSError as exc:
        raise DatabaseUnreachable(f"Cannot create the database file {path}: {exc.strerror or exc}.") from exc


def remove_database_files(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{path}{extra}")


def leave_wal(path: Path) -> None:
    """Fold the WAL into the file and switch to a rollback journal, so the file alone is the database.

    SQLite refuses the switch while another connection has the file open, which is what tells us nobody else
    is using a database about to be replaced.
    """
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=2)
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        mode = str(exc)
    if str(mode).lower() != "delete":
        raise DatabaseUnreachable(
            f"{path} is in use by another program (FIDUS Desktop on this or another workstation?); close it and "
            "run the restore again. Nothing was changed."
        )
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def keep_copy(target: Path, now: datetime) -> Path:
    """A consistent copy of the database about to be replaced (``<stem>.before-restore-<time><suffix>``), written
    aside and renamed into place."""
    stamp = now.astimezone(UTC).strftime("%Y%m%d-%H%M%S")
    copy = target.with_name(f"{target.stem}.before-restore-{stamp}{target.suffix}")
    partial = copy.with_name(copy.name + ".partial")
    remove_database_files(partial)
    create_private_file(partial)
    try:
        source, dest = sqlite3.connect(target), sqlite3.connect(partial)
        try:
            source.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
            source.close()
        os.replace(partial, copy)
    except BaseException:
        remove_database_files(partial)
        raise
    return copy


def sync_folder(folder: Path) -> None:
    """Make the rename durable (POSIX; Windows has no directory handles to sync)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
