"""Anchors of the audit chain kept outside the database, so that cutting off its end is detected.

A hash chain alone cannot show that its last entries were deleted, the table dropped, or the whole chain
re-hashed after an edit: what is left is still a valid chain. An anchor is ``(seq, hash)`` of an entry as it
was seen at some moment; an entry with that ``seq`` and that hash must still be in the chain.

- **This workstation's anchor**: the head of the chain whenever a CLI command or the GUI closes the
  database, in ``<data dir>/audit-anchors/<database>.json`` (owner-only), sealed with an HMAC whose key is
  in this workstation's keyring, never in the database. It only moves forward: if the entry it names is gone
  or changed, it is left as evidence and ``fidus audit verify`` reports the break.
- **Anchor files** (``fidus audit anchor --out FILE``) and **backups**: each backup holds the audit chain as
  it was, so its last entry anchors the live chain (``fidus audit verify --anchor FILE``).

What anchors cannot show, entries appended after the newest anchor by someone who can write the database
directly, the audit seals show (``security.audit_seal``): ``verify`` checks both in one pass. What neither
shows is documented in docs/SECURITY.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore, SecretsUnavailable
from fidus_desktop.security.audit_chain import HASH_FIELD, SEQ_FIELD, ChainVerdict, verify_chain
from fidus_desktop.security.audit_seal import SealCheck
from fidus_desktop.security.backup_format import DocumentRecord, read_backup
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AUDIT
from fidus_desktop.services.audit_seal_keys import ENABLE, ENROL, AuditSealKeys
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.store.errors import StorageError

log = logging.getLogger(__name__)
KEY_NAME = "audit-anchor-key"
FORMAT = 1


class AnchorAltered(ValueError):
    """The workstation's anchor file does not carry a valid seal: it was edited or replaced."""


@dataclass(frozen=True)
class Anchor:
    """An entry of the chain as seen at ``recorded_at``; ``source`` says where it came from."""

    seq: int
    hash: str
    recorded_at: datetime
    source: str

    def as_dict(self) -> dict[str, object]:
        return {"format": FORMAT, "seq": self.seq, "hash": self.hash, "recorded_at": self.recorded_at.isoformat()}


def _body(database: str, anchor: Anchor) -> bytes:
    return json.dumps({**anchor.as_dict(), "database": database}, sort_keys=True).encode("utf-8")


def parse_anchor(text: str, source: str) -> Anchor:
    """An anchor from its JSON form; ``ValidationError`` saying what is wrong."""
    try:
        data = json.loads(text)
        seq, digest = data["seq"], data["hash"]
        recorded = datetime.fromisoformat(data["recorded_at"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError({"anchor": f"{source} is not an audit anchor file ({exc})."}) from None
    if type(seq) is not int or seq < 1 or not isinstance(digest, str) or len(digest) != 64:
        raise ValidationError({"anchor": f"{source} does not hold a valid entry number and hash."})
    return Anchor(seq, digest, recorded, source)


def anchor_from_backup(path: Path, passphrase: str) -> Anchor | None:
    """The last audit entry a backup holds (it is read whole, so its checks all apply); None without one."""
    last: dict | None = None
    for record in read_backup(path, passphrase):
        if isinstance(record, DocumentRecord) and record.collection == AUDIT:
            if last is None or record.document[SEQ_FIELD] > last[SEQ_FIELD]:
                last = record.document
    if last is None:
        return None
    return Anchor(int(last[SEQ_FIELD]), str(last[HASH_FIELD]), last["at"], f"backup {Path(path).name}")


class AuditAnchors(Service):
    """This workstation's sealed anchor of the open database, and the checks against it."""

    def __init__(self, ctx: ServiceContext, secrets_store: SecretStore | None = None,
                 folder: Callable[[], Path] | None = None, seal_keys: AuditSealKeys | None = None) -> None:
        super().__init__(ctx)
        self.secrets = secrets_store or SecretStore()
        self.seal_keys = seal_keys or KeyService(ctx, self.secrets).seal_keys
        self._folder = folder or (lambda: AppPaths.for_user().data_dir / "audit-anchors")

    @property
    def path(self) -> Path:
        name = hashlib.sha256(self.store.describe().encode("utf-8")).hexdigest()[:24]
        return self._folder() / f"{name}.json"

    def _key(self) -> bytes:
        stored = self.secrets.get(KEY_NAME)
        if stored is None:
            stored = base64.b64encode(secrets.token_bytes(32)).decode("ascii")
            self.secrets.set(KEY_NAME, stored)
        return base64.b64decode(stored)

    def _seal(self, anchor: Anchor) -> str:
        return hmac.new(self._key(), _body(self.store.describe(), anchor), hashlib.sha256).hexdigest()

    def workstation_anchor(self) -> Anchor | None:
        """What this workstation last saw of this database; ``AnchorAltered`` if its file was tampered with."""
        if not self.path.exists():
            return None
        text = self.path.read_text(encoding="utf-8")
        anchor = parse_anchor(text, "this workstation's anchor")
        seal = json.loads(text).get("mac")
        if not isinstance(seal, str) or not hmac.compare_digest(seal, self._seal(anchor)):
            raise AnchorAltered(
                f"This workstation's audit anchor {self.path} was altered or replaced (its seal does not match the "
                "key in this workstation's keyring); the database may have been tampered with as well."
            )
        return anchor

    def _write(self, anchor: Anchor) -> None:
        body = {**anchor.as_dict(), "database": self.store.describe(), "mac": self._seal(anchor)}
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(self.path, json.dumps(body, indent=1).encode("utf-8"))

    def head(self) -> Anchor | None:
        last = self.ctx.audit.last()
        if last is None:
            return None
        return Anchor(int(last[SEQ_FIELD]), str(last[HASH_FIELD]), self.now(), "this database")

    def still_holds(self, anchor: Anchor) -> bool:
        entry = self.ctx.audit.entries.find_one({SEQ_FIELD: anchor.seq})
        return entry is not None and entry.get(HASH_FIELD) == anchor.hash

    def advance(self) -> bool:
        """Move this workstation's anchor to the head, only if the chain still holds the anchored entry.

        Called when the database is closed; never raises (a missing keyring is logged), so closing never fails.
        """
        try:
            head = self.head()
            if head is None:
                return False
            current = self.workstation_anchor()
            if current is not None and (current.seq == head.seq and current.hash == head.hash):
                return True
            if current is not None and not self.still_holds(current):
                log.warning("Audit chain no longer holds entry %s this workstation saw; anchor kept.", current.seq)
                return False
            self._write(head)
            return True
        except (SecretsUnavailable, AnchorAltered, ValidationError, OSError, StorageError) as exc:
            log.warning("Audit anchor not recorded: %s", exc)
            return False

    def rebase(self) -> None:
        """After this workstation restored a backup into the database: its head is the new anchor (the
        restore itself is the audit entry). Never raises, like ``advance``."""
        try:
            head = self.head()
            if head is not None:
                self._write(head)
        except (SecretsUnavailable, OSError, StorageError) as exc:
            log.warning("Audit anchor not recorded after the restore: %s", exc)

    def verify(self, actor: Actor, extra: Sequence[Anchor] = ()) -> tuple[ChainVerdict, list[Anchor]]:
        """The chain checked against this workstation's anchor and ``extra`` ones, and its seals; the anchors used.

        When everything holds, this workstation's anchor moves to the head."""
        require(actor, Permission.AUDIT_READ)
        try:
            own = self.workstation_anchor()
        except AnchorAltered as exc:
            return ChainVerdict(ok=False, checked=0, first_broken_seq=None, reason=str(exc)), []
        used = [a for a in (own, *extra) if a is not None]
        by_seq: dict[int, Anchor] = {}
        for anchor in used:
            seen = by_seq.setdefault(anchor.seq, anchor)
            if seen.hash != anchor.hash:
                reason = f"{seen.source} and {anchor.source} disagree about entry {anchor.seq}."
                return ChainVerdict(ok=False, checked=0, first_broken_seq=anchor.seq, reason=reason), used
        seals = SealCheck(self.seal_keys.for_id, self.seal_keys.known)
        verdict = verify_chain(seals.watch(self.ctx.audit.iter_chain()),
                               anchors={seq: a.hash for seq, a in by_seq.items()})
        if not verdict.ok and verdict.first_broken_seq in by_seq:
            source = by_seq[verdict.first_broken_seq].source
            verdict = replace(verdict, reason=f"{verdict.reason} (anchor: {source})")
        verdict = self._with_seals(verdict, seals)
        if verdict.ok:
            self.advance()
        return verdict, used

    def _with_seals(self, verdict: ChainVerdict, seals: SealCheck) -> ChainVerdict:
        """A sound chain fails on a missing or wrong seal, is incomplete when the seals cannot be checked here,
        and otherwise notes the state of sealing (also when it is not configured: never silent) and warns about
        seals made with an already-retired key."""
        if not verdict.ok:
            return verdict
        problem = seals.problem()
        if problem is not None:
            return replace(verdict, ok=False, first_broken_seq=seals.tampered[0], reason=problem)
        late = seals.late_warning()  # a warning, not a break: see SealCheck and docs/SECURITY.md
        unchecked = seals.unchecked_reason(ENROL)
        if unchecked is not None:
            reason = " ".join(part for part in (verdict.reason, unchecked, late) if part)
            return replace(verdict, ok=False, incomplete=True, reason=reason)
        return replace(verdict, notes=(seals.summary(self.seal_keys.configured(), ENABLE),),
                       warnings=(late,) if late else ())

    def reset(self, actor: Actor, reason: str) -> Anchor | None:
        """Accept the chain as it is now (after a restore elsewhere); audited with the anchor it replaces."""
        reason = self.required_text(reason, "reason", "A reason")
        try:
            previous = self.workstation_anchor()
        except AnchorAltered:
            previous = None

        def write(rec: ChangeRecorder) -> None:
            rec.record("audit.anchor_reset", "audit", "anchor", before=previous.as_dict() if previous else None,
                       after={"reason": reason})

        self.change(actor, Permission.BACKUP_RESTORE, write)
        head = self.head()
        if head is not None:
            self._write(head)
        return head
