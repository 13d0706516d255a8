"""Restoring a backup into a database so that it is authorised, audited, and never leaves half a database.

Who may restore:
- Into a new or empty database (disaster recovery on a fresh workstation): the backup passphrase alone. There
  is nobody to sign in against, and nothing is overwritten. The restored database records it as done by
  ``disaster-recovery``.
- Over a database that holds data: a user of *that* database, signed in by its own rules (password, MFA,
  lockout), whose role holds ``backup.restore`` (administrators), ``force``, and a second person's approval
  of this backup file (``services.restore_approval``) unless nobody else in that database may give one. A
  refusal is audited in the target; the restore itself is audited in the restored database, continuing the
  restored chain, naming who approved it.

How it survives a crash (kill -9, power cut, full disk):
- SQLite: the archive is loaded into a staging file next to the target (``<name>.restoring``), audited
  there, switched out of WAL mode (so it is one self-contained file) and only then moved over the target by
  one atomic rename. Until that rename the target is untouched; after it the target is whole. The database
  it replaced is kept beside it (``<stem>.before-restore-<time><suffix>``) so a wrong restore can be undone.
- MongoDB (no file to rename): the archive is loaded and audited in staged collections of the target and only
  then switched in (``store.mongo_restore``); until the switch the target is untouched. During the switch
  ``store.restore_marker`` keeps every command out, and the next restore rolls an interrupted switch back
  before it starts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from fidus_desktop.clock import wall_now
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.backup_format import BackupCorrupt, BackupReport, verify_backup
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.audit_anchor import AuditAnchors
from fidus_desktop.services.backup import RestoreReport, TargetNotEmpty, restore_backup
from fidus_desktop.services.base import ServiceContext, ValidationError
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Permission, PermissionDenied, allowed
from fidus_desktop.services.restore_approval import Approval, RestoreApprovals, RestoreNeedsApproval, backup_fingerprint
from fidus_desktop.store import restore_marker
from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import SqliteStore
from fidus_desktop.store.sqlite_files import (
    create_private_file,
    keep_copy,
    leave_wal,
    remove_database_files,
    sync_folder,
)
from fidus_desktop.store.uri import open_store, sqlite_path

log = logging.getLogger(__name__)
STAGING_SUFFIX = ".restoring"
RECOVERY = Actor.system("disaster-recovery")
Opener = Callable[[str], Store]


class RestoreNeedsSignIn(PermissionDenied):
    """The target holds data: only a signed-in user of it with ``backup.restore`` may replace it."""


@dataclass(frozen=True)
class TargetState:
    """What the restore target holds before anything is written."""

    uri: str
    exists: bool
    occupied: tuple[str, ...]  # collections holding data
    unfinished: str | None  # the backup an interrupted restore was loading, if any

    @property
    def needs_sign_in(self) -> bool:
        """Replacing data needs a signed-in user; finishing an interrupted restore or filling an empty one not."""
        return bool(self.occupied) and self.unfinished is None


@dataclass(frozen=True)
class RestoreOutcome:
    report: RestoreReport
    replaced: bool  # the target held data that is now replaced
    kept_copy: Path | None  # SQLite: where the replaced database was kept
    approval: Approval | None = None  # the second person's approval it ran under (data replaced)


def is_sqlite(uri: str) -> bool:
    return uri.strip().startswith("sqlite:")


def inspect_target(uri: str, opener: Opener = open_store) -> TargetState:
    """Open ``uri`` read-only in spirit (a SQLite file that does not exist is not created)."""
    if is_sqlite(uri) and not sqlite_path(uri.strip()).exists():
        return TargetState(uri, False, (), None)
    store = opener(uri)
    try:
        marker = restore_marker.unfinished(store)
        names = [n for n in store.collection_names() if n != restore_marker.COLLECTION]
        occupied = tuple(sorted(n for n in names if store.collection(n).count() > 0))
        return TargetState(uri, True, occupied, marker["backup"] if marker else None)
    finally:
        store.close()


def sealed_context(store: Store, clock: Callable[[], datetime], secrets: SecretStore | None) -> ServiceContext:
    """Services' wiring for a database this module opens itself: its audit entries are sealed when this
    workstation holds that database's data key, as the composition root does for the open one."""
    ctx = ServiceContext(store, clock)
    ctx.audit.seal_with(KeyService(ctx, secrets or SecretStore()).seal_keys.current)
    return ctx


def record_refusal(uri: str, actor: Actor, backup_name: str, why: str, opener: Opener = open_store,
                   clock: Callable[[], datetime] = wall_now, secrets: SecretStore | None = None) -> None:
    """Audit a refused restore in the database it would have replaced."""
    store = opener(uri)
    try:
        audit = sealed_context(store, clock, secrets).audit
        audit.append(actor, "backup.restore_refused", "backup", backup_name, after={"why": why})
    finally:
        store.close()


def authorise(state: TargetState, actor: Actor | None, backup_name: str, *, force: bool,
              opener: Opener = open_store, clock: Callable[[], datetime] = wall_now,
              secrets: SecretStore | None = None) -> Actor:
    """The actor the restore is recorded under, or an exception (audited in the target when it holds data)."""
    if state.unfinished is not None:
        if not force:
            raise TargetNotEmpty(
                f"{state.uri} holds part of {state.unfinished} from a restore that did not finish; restore again "
                "with --force to replace it."
            )
        return actor or RECOVERY
    if not state.occupied:
        return actor or RECOVERY
    if not force:
        raise TargetNotEmpty(
            f"The target database ({state.uri}) already holds data in {', '.join(state.occupied)}. Restore into "
            "an empty database, or use --force (signed in as an administrator of that database) to replace it."
        )
    if actor is None:
        why = "not signed in"
        record_refusal(state.uri, Actor.system("unsigned restore"), backup_name, why, opener, clock, secrets)
        raise RestoreNeedsSignIn(
            f"{state.uri} holds data, so replacing it needs an administrator of that database: sign in with "
            "--user NAME (and its password and MFA code), or `fidus login --db URI` first."
        )
    if not allowed(actor.role, Permission.BACKUP_RESTORE):
        record_refusal(state.uri, actor, backup_name, f"role {actor.role.value} lacks backup.restore", opener, clock,
                       secrets)
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not restore a backup over this database; "
            "ask an administrator."
        )
    return actor


def restore_into(path: Path, passphrase: str, uri: str, *, actor: Actor | None, force: bool = False,
                 opener: Opener = open_store, clock: Callable[[], datetime] = wall_now,
                 secrets: SecretStore | None = None, progress: Callable[[str], None] | None = None) -> RestoreOutcome:
    """Check the archive, authorise against the target, then restore atomically (see the module docstring).

    ``progress(step)`` is told each step as it starts (the GUI's progress window), from the calling thread."""
    path = Path(path)
    step = progress or (lambda _text: None)
    step(f"Checking every chunk of {path.name}…")
    backup = verify_backup(path, passphrase)  # nothing is touched unless the whole archive is sound
    state = inspect_target(uri, opener)
    by = authorise(state, actor, path.name, force=force, opener=opener, clock=clock, secrets=secrets)
    approval = _approval(state, by, path, opener, clock, secrets)
    step(f"Loading {sum(backup.collections.values()):,} documents from {path.name}…")

    def load(store: Store) -> RestoreReport:
        report = restore_backup(path, passphrase, store, force=True)
        if approval is not None and approval.request_id and backup_fingerprint(path) != approval.fingerprint:
            raise BackupCorrupt("The backup file changed during the restore, so it is not the one approved; "
                                "nothing was replaced.")
        _audit(sealed_context(store, clock, secrets).audit, by, path.name, backup, state, approval)
        return report

    kept = None
    try:
        if is_sqlite(uri):
            report, kept = _restore_sqlite(sqlite_path(uri.strip()), load, clock)
        else:
            from fidus_desktop.store.mongo import MongoStore  # the driver only for a MongoDB target
            from fidus_desktop.store.mongo_restore import staged_restore

            store = opener(uri)
            try:
                report = staged_restore(cast(MongoStore, store), path.name, by.username, load)
            finally:
                store.close()
    except BaseException as exc:
        if approval is not None:
            _release(uri, by, approval, exc, opener, clock, secrets)
        raise
    step("Restored; recording this workstation's audit anchor…")
    _rebase_anchor(uri, opener, clock, secrets)
    return RestoreOutcome(report, bool(state.occupied), kept, approval)


def _approval(state: TargetState, by: Actor, path: Path, opener: Opener,
              clock: Callable[[], datetime], secrets: SecretStore | None) -> Approval | None:
    """Replacing data needs a second person's approval of this very file (``services.restore_approval``)."""
    if not state.needs_sign_in:
        return None
    fingerprint = backup_fingerprint(path)
    store = opener(state.uri)
    try:
        return RestoreApprovals(sealed_context(store, clock, secrets)).claim(by, fingerprint)
    except RestoreNeedsApproval:
        sealed_context(store, clock, secrets).audit.append(
            by, "backup.restore_refused", "backup", path.name,
            after={"why": "no approved restore request for this backup by this user"})
        raise
    finally:
        store.close()


def _release(uri: str, by: Actor, approval: Approval, exc: BaseException, opener: Opener,
             clock: Callable[[], datetime], secrets: SecretStore | None) -> None:
    """The restore failed: if the target was not replaced its approval may be used again (best effort)."""
    try:
        store = opener(uri)
        try:
            approvals = RestoreApprovals(sealed_context(store, clock, secrets))
            approvals.release(by, approval, str(exc) or type(exc).__name__)
        finally:
            store.close()
    except Exception:  # the restore's own error is the one to report
        log.warning("Could not release the approval of restore request %s", approval.request_id, exc_info=True)


def _rebase_anchor(uri: str, opener: Opener, clock: Callable[[], datetime], secrets: SecretStore | None) -> None:
    """This workstation's audit anchor of the target now names the restored chain's head."""
    store = opener(uri)
    try:
        AuditAnchors(ServiceContext(store, clock), secrets).rebase()
    finally:
        store.close()


def _audit(log: AuditLog, by: Actor, name: str, backup: BackupReport, state: TargetState,
            approval: Approval | None) -> None:
    authorised = "passphrase only (empty target)" if by is RECOVERY else f"{by.username} signed in"
    log.append(by, "backup.restore", "backup", name, after={
        "backup_created_at": backup.created_at,
        "collections": backup.collections,
        "blobs": backup.blobs,
        "replaced": list(state.occupied),
        "authorised_by": authorised if approval is None else f"{authorised}; {approval.describe()}",
        "approved_by": approval.approved_by if approval else None,
        "restore_request": approval.request_id if approval else None,
    })


def _restore_sqlite(target: Path, load: Callable[[Store], RestoreReport],
                    clock: Callable[[], datetime]) -> tuple[RestoreReport, Path | None]:
    target = target.absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValidationError(f"Cannot create the folder for {target}: {exc}") from exc
    staged = target.with_name(target.name + STAGING_SUFFIX)
    remove_database_files(staged)  # left by a restore that was killed: the target was never touched
    create_private_file(staged)
    try:
        store = SqliteStore(staged)
        try:
            report = load(store)
        finally:
            store.close()
        leave_wal(staged)
        kept = keep_copy(target, clock()) if target.exists() else None
        if target.exists():
            leave_wal(target)  # fails if another program still has it open: nothing switched
        os.replace(staged, target)
        sync_folder(target.parent)
    except BaseException:
        remove_database_files(staged)
        raise
    return report, kept
