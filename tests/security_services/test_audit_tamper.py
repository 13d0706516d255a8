"""Tampering with the audit trail as someone with direct write access to the database would.

Each case starts from a database this workstation has used (so it holds an anchor of the chain's head) and
whose office has a data key (so entries are sealed from the second one on), tampers with the stored entries
directly, and runs what ``fidus audit verify`` runs. docs/SECURITY.md lists the same cases with the counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.security import passwords
from fidus_desktop.security.audit_chain import append_entry
from fidus_desktop.security.audit_seal import SEAL_FIELD, SEAL_KEY_FIELD, SealKey, derive_seal_key
from fidus_desktop.services.audit import AUDIT, chain_fields
from fidus_desktop.services.audit_anchor import Anchor, anchor_from_backup
from fidus_desktop.services.backup import BackupService
from fidus_desktop.store.port import Store
from fidus_desktop.store.sqlite import SqliteStore

PASSWORD = "correct horse battery staple 42"
PASSPHRASE = "blue ledger on the shelf"
OFFICE_PASSPHRASE = "office passphrase in the safe"
ENTRIES = 12  # the first administrator, the data key, ten more users


def entries(store: Store) -> list[dict]:
    return store.collection(AUDIT).find(sort=[("seq", 1)])


def delete_last(count: int) -> Callable[[Store], None]:
    def tamper(store: Store) -> None:
        for doc in entries(store)[-count:]:
            store.collection(AUDIT).delete(doc["_id"])

    return tamper


def delete_seq(seq: int) -> Callable[[Store], None]:
    def tamper(store: Store) -> None:
        doc = store.collection(AUDIT).find_one({"seq": seq})
        store.collection(AUDIT).delete(doc["_id"])

    return tamper


def edit(seq: int, rehash: bool = False) -> Callable[[Store], None]:
    """Change what entry ``seq`` says; with ``rehash`` seal it and every later entry again, consistently."""

    def tamper(store: Store) -> None:
        audit = store.collection(AUDIT)
        docs = entries(store)
        previous = chain_fields(docs[seq - 2]) if seq > 1 else None
        for doc in docs[seq - 1 :]:
            fields = chain_fields(doc)
            if doc["seq"] == seq:
                fields["actor"] = "somebody else"
            if rehash:
                fields = append_entry(previous, {k: v for k, v in fields.items()
                                                 if k not in ("seq", "prev_hash", "hash")})
            audit.update(doc["_id"], fields, expected_version=doc["version"])
            previous = fields
            if not rehash:
                return

    return tamper


def swap(store: Store) -> None:
    audit = store.collection(AUDIT)
    a, b = audit.find_one({"seq": 3}), audit.find_one({"seq": 4})
    audit.update(a["_id"], {"seq": -3}, expected_version=a["version"])
    audit.update(b["_id"], {"seq": 3}, expected_version=b["version"])
    a = audit.require(a["_id"])
    audit.update(a["_id"], {"seq": 4}, expected_version=a["version"])


MADE_UP_KEY = SealKey("0123456789abcdef", b"forger's own key".ljust(32, b"."))  # an id the office does not have


def forge_append(copy_seal_from: int | None = None, sealed_with: SealKey | None = None) -> Callable[[Store], None]:
    """Append an entry with a correct chain hash after the head; optionally with entry ``copy_seal_from``'s seal,
    or sealed under ``sealed_with`` (a key of the forger's own, or a retired key that leaked)."""

    def tamper(store: Store) -> None:
        last = chain_fields(entries(store)[-1])
        forged = {**{k: v for k, v in last.items() if k not in ("seq", "prev_hash", "hash", SEAL_FIELD,
                                                                  SEAL_KEY_FIELD)},
                  "action": "user.create", "entity_id": "forged"}
        if sealed_with is not None:
            entry = append_entry(last, forged, sealed_with)
        elif copy_seal_from is not None:
            donor = store.collection(AUDIT).find_one({"seq": copy_seal_from})
            forged[SEAL_KEY_FIELD] = donor[SEAL_KEY_FIELD]
            entry = append_entry(last, forged)
            entry[SEAL_FIELD] = donor[SEAL_FIELD]
        else:
            entry = append_entry(last, forged)
        store.collection(AUDIT).insert(entry)

    return tamper


def strip(field: str, seq: int) -> Callable[[Store], None]:
    """Remove ``field`` (the seal, or the seal key's id) from entry ``seq``."""

    def tamper(store: Store) -> None:
        doc = store.collection(AUDIT).find_one({"seq": seq})
        store.collection(AUDIT).update(doc["_id"], {}, expected_version=doc["version"], unset=(field,))

    return tamper


def drop(store: Store) -> None:
    store.drop_collection(AUDIT)


CASES: dict[str, Callable[[Store], None]] = {
    "edit an entry in the middle": edit(5),
    "edit the last entry": edit(ENTRIES),
    "edit the first entry": edit(1),
    "delete an entry in the middle": delete_seq(6),
    "delete the first entry": delete_seq(1),
    "delete the last entry": delete_last(1),
    "delete the last five entries": delete_last(5),
    "delete every entry": delete_last(ENTRIES),
    "drop the audit table": drop,
    "edit an entry and re-hash the rest consistently": edit(7, rehash=True),
    "edit the first entry and re-hash the whole chain": edit(1, rehash=True),
    "swap two entries": swap,
    "append a forged entry after the newest anchor": forge_append(),
    "append a forged entry with a seal copied from another entry": forge_append(copy_seal_from=ENTRIES),
    "append a forged entry sealed under a made-up key": forge_append(sealed_with=MADE_UP_KEY),
    "remove the seal of the last entry": strip(SEAL_FIELD, ENTRIES),
    "remove the seal key id of an entry": strip(SEAL_KEY_FIELD, 4),
}


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def office(tmp_path: Path, secrets) -> Path:
    """A database with an administrator, a data key and ENTRIES audit entries, closed (this workstation's anchor
    written). The first entry was written before the data key existed, so it is not sealed."""
    path = tmp_path / "office.db"
    ctx = open_context(f"sqlite:///{path.as_posix()}", secrets=secrets, log_to_file=False)
    users = ctx.services.users
    admin = users.create_first_admin("admin", PASSWORD).actor()
    ctx.services.keys.init(admin, OFFICE_PASSPHRASE)
    for n in range(ENTRIES - 2):
        users.create_user(admin, f"user{n}", PASSWORD, "back_office")
    assert ctx.services.ctx.audit.last()["seq"] == ENTRIES
    ctx.close()
    return path


def reopen(path: Path, secrets) -> AppContext:
    return open_context(f"sqlite:///{path.as_posix()}", secrets=secrets, log_to_file=False)


def tampered(path: Path, how: Callable[[Store], None]) -> None:
    store = SqliteStore(path)  # the attacker's own tool: no FIDUS rules, no anchor update
    how(store)
    store.close()


def verdict_after(path: Path, secrets, extra: tuple[Anchor, ...] = ()):
    ctx = reopen(path, secrets)
    try:
        return ctx.services.audit_anchors.verify(ctx.services.users.authenticate("admin", PASSWORD).actor()
                                                 if ctx.store.collection("users").count() else _system(), extra)[0]
    finally:
        ctx.close()


def _system():
    from fidus_desktop.services.actor import Actor

    return Actor.system("verify")


@pytest.mark.parametrize("case", list(CASES))
def test_every_tampering_is_detected(office: Path, secrets, case: str) -> None:
    tampered(office, CASES[case])
    verdict = verdict_after(office, secrets)
    assert not verdict.ok, case
    # Detection is sticky: opening and closing the tampered database does not move the anchor past the damage.
    reopen(office, secrets).close()
    assert not verdict_after(office, secrets).ok


def test_the_anchor_is_not_moved_over_a_cut(office: Path, secrets) -> None:
    tampered(office, delete_last(3))
    ctx = reopen(office, secrets)
    admin = ctx.services.users.authenticate("admin", PASSWORD).actor()  # sign-in appends entries again
    assert ctx.services.audit_anchors.workstation_anchor().seq == ENTRIES
    ctx.close()
    assert reopen(office, secrets).services.audit_anchors.workstation_anchor().seq == ENTRIES
    assert admin.username == "admin"


def test_an_altered_anchor_file_is_detected(office: Path, secrets) -> None:
    ctx = reopen(office, secrets)
    anchor_file = ctx.services.audit_anchors.path
    ctx.close()
    data = json.loads(anchor_file.read_text())
    data["seq"] = 3  # an attacker moves the anchor back to before the entries they delete
    anchor_file.write_text(json.dumps(data))
    tampered(office, delete_last(ENTRIES - 3))
    verdict = verdict_after(office, secrets)
    assert not verdict.ok
    assert "altered" in verdict.reason


def test_a_backup_anchors_the_chain_when_the_workstation_anchor_is_gone(
    office: Path, secrets, tmp_path: Path
) -> None:
    ctx = reopen(office, secrets)
    admin = ctx.services.users.authenticate("admin", PASSWORD).actor()
    archive = tmp_path / "office.fidusbak"
    BackupService(ctx.services.ctx).create(admin, archive, PASSPHRASE)
    anchor_file = ctx.services.audit_anchors.path
    ctx.close()
    anchor = anchor_from_backup(archive, PASSPHRASE)
    assert anchor is not None
    anchor_file.unlink()  # the attacker also removes this workstation's anchor
    tampered(office, delete_last(4))
    verdict = verdict_after(office, secrets, (anchor,))
    assert not verdict.ok
    assert "backup office.fidusbak" in verdict.reason


def test_the_untouched_office_verifies_with_its_seals(office: Path, secrets) -> None:
    verdict = verdict_after(office, secrets)  # signing in to verify is one more sealed entry
    assert verdict.ok, verdict.reason
    assert verdict.notes == (f"Audit seals: {ENTRIES} entries sealed and checked; 1 entry before sealing "
                             "(sealed from entry 2).",)


@pytest.mark.parametrize("copied", [False, True])
def test_a_forged_append_is_reported_by_seq_as_not_written_by_the_application(
    office: Path, secrets, copied: bool
) -> None:
    tampered(office, forge_append(copy_seal_from=ENTRIES if copied else None))
    verdict = verdict_after(office, secrets)
    assert (verdict.ok, verdict.first_broken_seq) == (False, ENTRIES + 1)
    kind = "a wrong audit seal" if copied else "no audit seal"
    assert verdict.reason.startswith(f"Entry {ENTRIES + 1} has {kind}: not written by the application (forged or "
                                     "written by a process without the office key).")


def test_a_seal_under_a_key_retired_before_the_entry_is_warned_about(office: Path, secrets) -> None:
    """Someone holding a retired (say, leaked) key appends after the rotation finished: a warning naming the entry,
    not a break, since a workstation not enrolled again since the rotation seals the same way (docs/SECURITY.md)."""
    ctx = reopen(office, secrets)
    admin = ctx.services.users.authenticate("admin", PASSWORD).actor()
    [old] = ctx.services.keys.loaded_keys()
    ctx.services.keys.rotate(admin, OFFICE_PASSPHRASE, [])
    rotated = ctx.services.ctx.audit.last()
    assert rotated["action"] == "keys.rotated"
    assert rotated[SEAL_KEY_FIELD] != old.key_id
    ctx.close()
    tampered(office, forge_append(sealed_with=derive_seal_key(old)))
    forged = rotated["seq"] + 1
    verdict = verdict_after(office, secrets)
    assert verdict.ok, verdict.reason  # the seal itself matches: the retired key is still the office's
    [summary] = verdict.notes
    assert summary.startswith("Audit seals: ")
    [warning] = verdict.warnings
    assert warning.startswith(f"⚠ Audit seals: Entry {forged} has a seal under key {old.key_id} although that key "
                              f"was retired at entry {rotated['seq']} (keys.rotated). They name workstation(s) ")
    assert "treat these entries as suspect" in warning
