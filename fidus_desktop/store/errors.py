"""Errors every storage adapter raises the same way, so services never see driver exceptions."""

from __future__ import annotations

from fidus_desktop.errors import UserError


class StorageError(UserError):
    """Base of every storage problem; the message says what is wrong and how to fix it."""


class DatabaseUnreachable(StorageError):
    """The database cannot be reached (server down, wrong host, locked or unreadable file)."""


class InvalidDatabaseUri(StorageError):
    """The ``--db`` URI / ``FIDUS_DB`` value is not one this application understands."""


class InvalidDocument(StorageError):
    """A document or value that may not be stored (operator keys, NUL, float money, oversized)."""


class InvalidFilter(StorageError):
    """A filter outside the documented subset of MongoDB query syntax."""


class NotFound(StorageError):
    """No document with that id."""


class DuplicateKey(StorageError):
    """A unique index already holds that value."""


class ConcurrencyError(StorageError):
    """The document changed since it was read (its version moved on); reload and apply the edit again."""


class TransactionConflict(ConcurrencyError):
    """A transaction met a concurrent one on the same records (or a server fail-over) and was rolled back whole.

    Nothing of it was saved, so running the whole change again is safe; ``Store.atomic`` does that itself.
    """


class OutcomeUnknown(StorageError):
    """The database did not confirm whether a change was saved (the connection was lost during the commit).

    Never reported as "nothing was changed": the user must check before entering the change again.
    """


class SchemaTooNew(StorageError):
    """The database was written by a newer FIDUS Desktop; upgrade the application before opening it."""


class RestoreUnfinished(StorageError):
    """A restore over this database was interrupted: it holds part of a backup and must not be used."""


class ReadOnlyDatabase(StorageError):
    """The database is open read-only (write-protected file or folder, ``?mode=ro``, or a MongoDB user whose roles
    only read) and the command would change it; nothing was written."""


def read_only_refusal(database: str, why: str) -> ReadOnlyDatabase:
    """The one message every adapter gives when a command would change a database open read-only."""
    return ReadOnlyDatabase(
        f"The database {database} is open read-only ({why}) and this command would change it; nothing was written. "
        "Reading, reports and `fidus audit verify` work; to change it, work on a writable copy or ask for write "
        "access."
    )


class DatabaseMissing(DatabaseUnreachable):
    """The named SQLite file does not exist and the caller did not ask to create a database."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.path = path  # the file that would be created (the GUI's first-run wizard names it)
