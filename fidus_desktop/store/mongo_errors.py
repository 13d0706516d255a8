"""MongoDB driver errors as the storage port's errors, with what the user should do about each.

Transactions follow pymongo's ``ClientSession.with_transaction`` and the server's error labels: a transaction
the server rolled back (``TransientTransactionError``, or a ``WriteConflict``) is a ``TransactionConflict``,
safe to run again; a commit whose outcome is unknown is never reported as "nothing was changed".
"""

from __future__ import annotations

from pymongo.errors import (
    AutoReconnect,
    BulkWriteError,
    ConfigurationError,
    ConnectionFailure,
    DocumentTooLarge,
    DuplicateKeyError,
    InvalidURI,
    OperationFailure,
    PyMongoError,
    ServerSelectionTimeoutError,
)

from fidus_desktop.store.errors import (
    DatabaseUnreachable,
    DuplicateKey,
    InvalidDatabaseUri,
    InvalidDocument,
    OutcomeUnknown,
    StorageError,
    TransactionConflict,
)

_AUTH_CODES = {18}  # AuthenticationFailed
UNAUTHORIZED = 13  # signed in, but the user's roles do not allow this command
WRITE_CONFLICT, MAX_TIME_EXPIRED, _SNAPSHOT_TOO_OLD = 112, 50, 239
TOO_LARGE = {10334, 17419, 17420}  # BSONObjectTooLarge; an update's or a replacement's result beyond 16 MB
TRANSIENT, UNKNOWN_COMMIT = "TransientTransactionError", "UnknownTransactionCommitResult"  # server error labels


def _unreachable(where: str, exc: Exception, *, opening: bool) -> DatabaseUnreachable:
    if isinstance(exc, OperationFailure) and exc.code in _AUTH_CODES:
        return DatabaseUnreachable(
            f"{where}: authentication failed. Check the user name in the URI and set the password with "
            "`fidus config set-db-password USER@HOST`."
        )
    # Not "nothing was changed": a single write outside a transaction may have reached the server before the
    # connection dropped (transactions say so themselves: TransactionConflict or OutcomeUnknown).
    saving = "" if opening else (
        " If you were saving a change, reload and check whether it is there before entering it again."
    )
    return DatabaseUnreachable(
        f"{where} cannot be reached ({type(exc).__name__}). Check that the server is running, that the host and "
        "port in --db / FIDUS_DB are right and that this computer may connect to it (VPN, firewall, Atlas IP "
        f"access list).{saving}"
    )


def codes(exc: PyMongoError | DocumentTooLarge) -> set[int]:
    """The server error codes in ``exc``, including each failed write of a bulk write."""
    found = {getattr(exc, "code", None)}
    if isinstance(exc, BulkWriteError):
        found.update(e.get("code") for e in exc.details.get("writeErrors", []))
    return {c for c in found if isinstance(c, int)}


def is_transient(exc: PyMongoError | DocumentTooLarge) -> bool:
    """The server rolled the transaction back and says running it again may succeed (write conflicts,
    elections, a dropped connection before the commit)."""
    labelled = isinstance(exc, PyMongoError) and exc.has_error_label(TRANSIENT)
    return labelled or WRITE_CONFLICT in codes(exc)


def translate_error(exc: PyMongoError | DocumentTooLarge, where: str, *, opening: bool = False) -> StorageError:
    """A driver error as one of ours (the message names the server, never the password); ``opening``: while
    connecting, when nothing can have been written."""
    found = codes(exc)
    if is_transient(exc):
        return TransactionConflict(
            f"Another workstation (or the MT5 poller) changed the same records at the same moment, or {where} "
            "changed its primary server; this change was rolled back and nothing of it was saved. Try again."
        )
    if isinstance(exc, DuplicateKeyError) or 11000 in found:
        return DuplicateKey(f"That value is already used by another record ({_first_line(exc)}).")
    if isinstance(exc, DocumentTooLarge) or found & TOO_LARGE:
        return InvalidDocument(
            "A record would be larger than the 16 MB MongoDB keeps in one record, so nothing was written. Shorten "
            "it, or attach large content as a document (stored in pieces) instead of inside the record."
        )
    if _SNAPSHOT_TOO_OLD in found:
        return StorageError(
            f"Reading one consistent copy of {where} took longer than the server keeps old versions "
            "(minSnapshotHistoryWindowInSeconds, 5 minutes by default). Run the backup at a quieter time or ask "
            "the database administrator to raise that server parameter; nothing was written."
        )
    if UNAUTHORIZED in found:
        return StorageError(
            f"{where} refused this: the MongoDB user's roles do not allow it ({_first_line(exc)}). Nothing was "
            "changed. Ask the database administrator for the readWrite role on this database, or sign in to it "
            "with a user that has it."
        )
    if isinstance(exc, (ServerSelectionTimeoutError, ConnectionFailure, AutoReconnect)) or found & _AUTH_CODES:
        return _unreachable(where, exc, opening=opening)
    if isinstance(exc, InvalidURI):
        return InvalidDatabaseUri(f"The MongoDB URI for {where} is not valid ({_first_line(exc)}).")
    if isinstance(exc, ConfigurationError):
        return DatabaseUnreachable(f"{where}: the connection settings are not valid ({_first_line(exc)}).")
    return StorageError(f"MongoDB error on {where}: {_first_line(exc)}")


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__


def outcome_unknown(where: str, exc: PyMongoError) -> OutcomeUnknown:
    return OutcomeUnknown(
        f"{where} did not confirm whether this change was saved ({_first_line(exc)}). Reload and check whether "
        "it is there before entering it again; entering it again blindly may record it twice."
    )
