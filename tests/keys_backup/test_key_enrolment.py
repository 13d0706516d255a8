"""A compliance officer enrols their own workstation for the data key; an administrator approves it from an
enrolled workstation without anyone typing the office passphrase there. The key travels sealed to the asking
workstation's transfer key, so the database (or a colleague's keyring) does not open it; a swapped public key
is caught by the fingerprint; every step is audited."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.crypto import DecryptionError
from fidus_desktop.security.key_transfer import fingerprint, new_key_pair
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.audit import AuditLog
from fidus_desktop.services.audit_anchor import AuditAnchors
from fidus_desktop.services.audit_seal_keys import secret_name as seal_secret_name
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.key_enrolment import AUDIT_SEAL_KEY, ENROLMENTS, KeyEnrolments
from fidus_desktop.services.keys import KeyService, secret_name
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import Locked, Vault
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import Office


class Workstation:
    """The office database seen from another computer: its own keyring, its own name."""

    def __init__(self, office: Office, name: str) -> None:
        ctx = office.ctx.services.ctx
        self.secrets = SecretStore(InMemoryKeyring())
        self.keys = KeyService(ctx, self.secrets, kdf=CHEAP_KDF)
        self.vault = Vault(ctx, self.keys)
        self.enrolments = KeyEnrolments(ctx, self.keys, self.secrets)
        self.name = name


def reveal(office: Office, vault: Vault, actor: object) -> str | Locked:
    token = office.ctx.store.collection("people").require("p1")["national_id"]
    return vault.reveal(actor, token, "person.national_id", entity="people", entity_id="p1",  # type: ignore[arg-type]
                        field="national_id")


@pytest.fixture
def parties(keyed: Office) -> tuple[Office, Workstation, object]:
    carol_ws = Workstation(keyed, "carol-pc")
    carol = replace(keyed.actor("carol", "compliance_officer"), workstation="carol-pc")
    return keyed, carol_ws, carol


def test_requested_approved_collected_then_personal_data_opens(parties: tuple[Office, Workstation, object]) -> None:
    office, carol_ws, carol = parties
    assert isinstance(reveal(office, carol_ws.vault, carol), Locked)
    request = carol_ws.enrolments.request(carol)  # type: ignore[arg-type]
    assert request.workstation == "carol-pc"
    admin_side = KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets)
    assert [r.request_id for r in admin_side.pending(office.admin)] == [request.request_id]
    with pytest.raises(ValidationError, match="fingerprint does not match"):
        admin_side.approve(office.admin, request.request_id, "0000-0000-0000-0000-0000")
    assert carol_ws.enrolments.collect(carol) == []  # type: ignore[arg-type]  # nothing approved yet
    admin_side.approve(office.admin, request.request_id, request.fingerprint.lower().replace("-", " "))
    stored = office.ctx.store.collection(ENROLMENTS).require(request.request_id)
    assert "sealed_keys" in stored
    assert office.keys.sealing_key().material.hex() not in repr(stored)  # type: ignore[union-attr]
    assert carol_ws.enrolments.collect(carol) == [office.keys.sealing_key().key_id]  # type: ignore[arg-type,union-attr]
    assert reveal(office, carol_ws.vault, carol) == "AB-123 456"
    assert "sealed_keys" not in office.ctx.store.collection(ENROLMENTS).require(request.request_id)
    entries = [e for e in office.ctx.services.ctx.audit.iter_chain() if e["action"].startswith("keys.enrol")]
    assert [e["action"] for e in entries] == ["keys.enrol_requested", "keys.enrol_approved", "keys.enrol"]
    assert (entries[-1]["actor"], entries[-1]["after"]["approved_by"]) == ("carol", "admin")


def test_the_sealed_key_opens_only_on_the_asking_workstation(parties: tuple[Office, Workstation, object]) -> None:
    office, carol_ws, carol = parties
    request = carol_ws.enrolments.request(carol)  # type: ignore[arg-type]
    admin_side = KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets)
    admin_side.approve(office.admin, request.request_id, request.fingerprint)
    thief = Workstation(office, "carol-pc")  # same name, another computer: no transfer key in its keyring
    assert thief.enrolments.collect(carol) == []  # type: ignore[arg-type]
    thief.secrets.set(f"enrolment-key/{request.request_id}", '{"public": "AAAA", "private": "AAAA"}')
    with pytest.raises(DecryptionError):
        thief.enrolments.collect(carol)  # type: ignore[arg-type]


def test_a_swapped_public_key_does_not_match_the_fingerprint_read_out(
    parties: tuple[Office, Workstation, object]
) -> None:
    office, carol_ws, carol = parties
    request = carol_ws.enrolments.request(carol)  # type: ignore[arg-type]
    forged = new_key_pair()  # someone with write access to the database replaces the public key
    requests = office.ctx.store.collection(ENROLMENTS)
    doc = requests.require(request.request_id)
    requests.update(request.request_id, {"public_key": base64.b64encode(forged.public).decode(),
                                         "fingerprint": fingerprint(forged.public)}, expected_version=doc["version"])
    admin_side = KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets)
    with pytest.raises(ValidationError, match="fingerprint does not match"):
        admin_side.approve(office.admin, request.request_id, request.fingerprint)  # what carol's screen showed


def test_who_may_ask_and_who_may_approve(parties: tuple[Office, Workstation, object]) -> None:
    office, carol_ws, carol = parties
    request = carol_ws.enrolments.request(carol)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        carol_ws.enrolments.approve(carol, request.request_id, request.fingerprint)  # type: ignore[arg-type]
    unenrolled = Workstation(office, "admin-laptop")
    with pytest.raises(Exception, match="does not hold the data key"):
        unenrolled.enrolments.approve(office.admin, request.request_id, request.fingerprint)
    admin_side = KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets)
    admin_side.reject(office.admin, request.request_id, "not on the office network")
    with pytest.raises(ValidationError, match="rejected"):
        admin_side.approve(office.admin, request.request_id, request.fingerprint)
    assert carol_ws.enrolments.collect(carol) == []  # type: ignore[arg-type]


def test_a_portfolio_manager_gets_only_the_audit_seal_key_and_its_entries_are_sealed(keyed: Office) -> None:
    office = keyed
    pm_ws = Workstation(office, "pm-pc")
    pm = replace(office.actor("pete", "portfolio_manager"), workstation="pm-pc")
    request = pm_ws.enrolments.request(pm)  # no personal data for portfolio managers: the audit seal key only
    assert request.grant == AUDIT_SEAL_KEY
    admin_side = KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets)
    admin_side.approve(office.admin, request.request_id, request.fingerprint)
    key_id = office.keys.sealing_key().key_id  # type: ignore[union-attr]
    assert pm_ws.enrolments.collect(pm) == [key_id]
    assert pm_ws.secrets.get(secret_name(key_id)) is None  # no data key on the portfolio manager's computer
    assert pm_ws.secrets.get(seal_secret_name(key_id)) is not None
    assert pm_ws.keys.loaded_keys() == []
    assert "audit seal key" in pm_ws.keys.status().describe()
    with pytest.raises(ValidationError, match="already holds the audit seal key"):
        pm_ws.enrolments.request(pm)
    pm_log = AuditLog(office.ctx.store, office.ctx.services.ctx.clock, pm_ws.keys.seal_keys.current)
    written = pm_log.append(pm, "nav.set", "navs", "n1", after={"nav": "101"})
    assert written["seal_key"] == key_id
    verdict, _ = AuditAnchors(office.ctx.services.ctx, office.keys.secrets, seal_keys=office.keys.seal_keys).verify(
        office.admin)
    assert verdict.ok, verdict.reason


def test_the_grant_cannot_be_changed_in_the_database(keyed: Office) -> None:
    """A portfolio manager's approved audit seal key relabelled as a data key grant does not open."""
    office = keyed
    pm_ws = Workstation(office, "pm-pc")
    pm = replace(office.actor("pete", "portfolio_manager"), workstation="pm-pc")
    request = pm_ws.enrolments.request(pm)
    KeyEnrolments(office.ctx.services.ctx, office.keys, office.keys.secrets).approve(
        office.admin, request.request_id, request.fingerprint)
    requests = office.ctx.store.collection(ENROLMENTS)
    doc = requests.require(request.request_id)
    requests.update(request.request_id, {"grant": "data_key"}, expected_version=doc["version"])
    with pytest.raises(DecryptionError):
        pm_ws.enrolments.collect(pm)
