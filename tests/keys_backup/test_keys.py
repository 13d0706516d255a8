"""Data keys: init, enrolment, locked workstations, audited reveals, rotation (whole and resumed)."""

from __future__ import annotations

import json

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.crypto import DecryptionError, WrongPassphrase, field_key_id
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.keys import KEYS, KeyService, KeysNotReady, secret_name
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import LOCKED_TEXT, Locked, Vault, VaultLocked
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import PASSPHRASE, REGISTRY, Office


def other_workstation(office: Office) -> tuple[KeyService, Vault]:
    """The same database seen from a workstation whose keyring is empty."""
    from fidus_desktop.security.keyring_memory import InMemoryKeyring

    keys = KeyService(office.ctx.services.ctx, SecretStore(InMemoryKeyring()), kdf=CHEAP_KDF)
    return keys, Vault(office.ctx.services.ctx, keys)


def reveal(office: Office, vault: Vault, person: str = "p1", field: str = "national_id") -> str | Locked:
    token = office.ctx.store.collection("people").require(person)[field]
    return vault.reveal(office.admin, token, f"person.{field}", entity="people", entity_id=person, field=field)


def test_status_before_and_after_init(office: Office, secrets: SecretStore) -> None:
    status = office.keys.status()
    assert not status.initialised
    assert "fidus key init" in status.describe()
    key_id = office.keys.init(office.admin, PASSPHRASE)
    status = office.keys.status()
    assert (status.active_key_id, status.enrolled, status.rotation) == (key_id, True, None)
    stored = office.ctx.store.collection(KEYS).require(key_id)
    assert stored["wrapped"]["ciphertext"] != secrets.get(secret_name(key_id))  # only wrapped in the database
    assert office.ctx.services.ctx.audit.last()["action"] == "keys.init"


def test_init_is_refused_twice_with_a_short_passphrase_or_for_non_admins(office: Office) -> None:
    with pytest.raises(ValidationError, match="at least 12"):
        office.keys.init(office.admin, "short")
    with pytest.raises(PermissionDenied):
        office.keys.init(office.actor("bo", "back_office"), PASSPHRASE)
    office.keys.init(office.admin, PASSPHRASE)
    with pytest.raises(ValidationError, match="already exists"):
        office.keys.init(office.admin, PASSPHRASE)


def test_unenrolled_workstation_shows_locked_and_cannot_seal_until_enrolled(keyed: Office) -> None:
    keys, vault = other_workstation(keyed)
    assert not keys.status().enrolled
    assert "NOT enrolled" in keys.status().describe()
    locked = reveal(keyed, vault)
    assert isinstance(locked, Locked)
    assert str(locked) == LOCKED_TEXT
    with pytest.raises(VaultLocked, match="not enrolled"):
        vault.seal("x", "person.notes")
    with pytest.raises(WrongPassphrase):
        keys.enroll(keyed.admin, "not the office passphrase")
    assert isinstance(reveal(keyed, vault), Locked)  # nothing kept after a wrong passphrase
    keys.enroll(keyed.admin, PASSPHRASE)
    assert reveal(keyed, vault) == "AB-123 456"


def test_enrol_needs_a_key(office: Office) -> None:
    with pytest.raises(KeysNotReady, match="fidus key init"):
        office.keys.enroll(office.admin, PASSPHRASE)


def test_reveal_is_permission_checked_and_audited_without_the_value(keyed: Office) -> None:
    assert reveal(keyed, keyed.vault, "p2") == "CD-789 000"
    entry = keyed.ctx.services.ctx.audit.last()
    assert (entry["action"], entry["entity"], entry["entity_id"], entry["after"]) == (
        "personal_data.read", "people", "p2", {"field": "national_id"})
    trail = json.dumps([str(doc) for doc in keyed.ctx.store.collection("audit").iter_all()])
    assert "CD-789" not in trail
    pm = keyed.actor("pm", "portfolio_manager")
    token = keyed.ctx.store.collection("people").require("p1")["national_id"]
    with pytest.raises(PermissionDenied):
        keyed.vault.reveal(pm, token, "person.national_id", entity="people", entity_id="p1", field="national_id")


def test_an_altered_or_moved_token_raises_instead_of_showing_garbage(keyed: Office) -> None:
    token = keyed.ctx.store.collection("people").require("p1")["national_id"]
    with pytest.raises(DecryptionError, match="copied from another field"):
        keyed.vault.reveal(keyed.admin, token, "person.notes", entity="people", entity_id="p1", field="notes")
    altered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    with pytest.raises(DecryptionError):
        keyed.vault.reveal(keyed.admin, altered, "person.national_id", entity="people", entity_id="p1",
                           field="national_id")


def tokens(office: Office) -> set[str]:
    people = office.ctx.store.collection("people").find()
    return {field_key_id(doc[f]) for doc in people for f in ("national_id", "notes")}


def test_rotation_reencrypts_fields_blobs_and_indexes_then_retires_the_old_key(keyed: Office, secrets) -> None:
    keyed.add_kyc("k1", "p1", None, scan=b"passport scan")
    old_id = keyed.keys.status().active_key_id
    old_index = keyed.ctx.store.collection("people").require("p1")["national_id_bi"]
    report = keyed.keys.rotate(keyed.admin, PASSPHRASE, REGISTRY.fields)
    assert report.old_key_id == old_id
    assert report.documents == {"kyc_files": 1, "people": 2}
    assert tokens(keyed) == {report.new_key_id}
    assert reveal(keyed, keyed.vault) == "AB-123 456"
    person = keyed.ctx.store.collection("people").require("p1")
    assert person["national_id_bi"] != old_index
    assert person["national_id_bi"] == keyed.vault.blind_index("ab123456", "national_id")
    kyc = keyed.ctx.store.collection("kyc_files").require("k1")
    assert keyed.vault.open_blob(kyc["scan"], REGISTRY.fields[2], "k1") == b"passport scan"
    assert keyed.ctx.store.collection(KEYS).get(old_id) is None
    assert secrets.get(secret_name(old_id)) is None
    status = keyed.keys.status()
    assert (status.active_key_id, status.enrolled, status.rotation) == (report.new_key_id, True, None)
    assert keyed.ctx.services.ctx.audit.verify().ok


def test_wrong_passphrase_rotates_nothing(keyed: Office) -> None:
    with pytest.raises(WrongPassphrase):
        keyed.keys.rotate(keyed.admin, "not the office passphrase", REGISTRY.fields)
    assert keyed.keys.rotation() is None
    assert len(tokens(keyed)) == 1


def test_an_interrupted_rotation_resumes_where_it_stopped(keyed: Office) -> None:
    keyed.add_kyc("k1", "p1", None)
    old_id = keyed.keys.status().active_key_id

    def crash_in_people(collection: str, done: int, total: int) -> None:
        if collection == "people":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keyed.keys.rotate(keyed.admin, PASSPHRASE, REGISTRY.fields, crash_in_people)
    state = keyed.keys.rotation()
    assert state is not None
    assert state.done == ("kyc_files",)
    assert state.from_key_id == old_id
    assert "in progress" in keyed.keys.status().describe()
    assert tokens(keyed) == {old_id}  # people untouched: its batch never committed
    # While the rotation is pending, new values are sealed with the new key, and lookups find both.
    keyed.add_person("p3", "EF-1")
    assert field_key_id(keyed.ctx.store.collection("people").require("p3")["notes"]) == state.to_key_id
    assert len(keyed.vault.lookup_indexes("EF-1", "national_id")) == 2
    seen: list[str] = []
    report = keyed.keys.rotate(keyed.admin, PASSPHRASE, REGISTRY.fields, lambda c, d, t: seen.append(c))
    assert report.new_key_id == state.to_key_id
    assert "people" in seen
    assert tokens(keyed) == {state.to_key_id}
    assert keyed.keys.rotation() is None
    assert keyed.ctx.store.collection(KEYS).get(old_id) is None
    assert reveal(keyed, keyed.vault, "p2") == "CD-789 000"


def test_a_workstation_enrolled_before_a_rotation_must_enrol_again(keyed: Office) -> None:
    keys, vault = other_workstation(keyed)
    keys.enroll(keyed.admin, PASSPHRASE)
    keyed.keys.rotate(keyed.admin, PASSPHRASE, REGISTRY.fields)
    assert isinstance(reveal(keyed, vault), Locked)
    keys.enroll(keyed.admin, PASSPHRASE)
    assert reveal(keyed, vault) == "AB-123 456"


def test_init_without_a_keyring_keeps_nothing(office, monkeypatch) -> None:
    """All or nothing: no key record and no audit entry unless this workstation could keep the key."""
    from fidus_desktop.config.secrets import SecretsUnavailable
    from fidus_desktop.services.keys import KeysNotReady

    def no_keyring(name: str, value: str) -> None:
        raise SecretsUnavailable("No OS keyring is available.")

    audit_before = office.ctx.services.ctx.audit.last()["seq"]
    monkeypatch.setattr(office.keys.secrets, "set", no_keyring)
    with pytest.raises(KeysNotReady, match="no usable keyring"):
        office.keys.init(office.admin, "office safe combination 7")
    assert office.ctx.store.collection("keys").count() == 0
    assert office.ctx.services.ctx.audit.last()["seq"] == audit_before
