"""Audit seals in an office's life: not configured yet, written where the key is and where it is not, checked on
a workstation without the key, across a key rotation, through a backup and restore, and over a replica set that
rolls transactions back (the seal is made again with the entry)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext, Services, open_context
from fidus_desktop.cli import main
from fidus_desktop.config.secrets import SERVICE, SecretStore
from fidus_desktop.security.audit_seal import SEAL_FIELD, SEAL_KEY_FIELD, SealCheck, derive_seal_key
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.services.keys import KeyService, secret_name
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.restore import restore_into
from tests.support.cli_policy import admins_without_mfa
from tests.support.cost import CHEAP_KDF
from tests.support.keys_office import REGISTRY
from tests.support.users import ADMIN_PASSWORD

OFFICE = "office passphrase in the safe"
BACKUP = "blue ledger on the shelf"


class Workstation:
    """One computer of the office: its own keyring and data folder, opening the shared database file."""

    def __init__(self, tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch,
                 secrets: SecretStore | None = None) -> None:
        self.name = f"pc-{name}"
        self.home = tmp_path / name
        self.secrets = secrets or SecretStore(InMemoryKeyring())
        self.monkeypatch = monkeypatch

    def open(self, db: Path) -> AppContext:
        self.monkeypatch.setenv("FIDUS_HOME", str(self.home))  # its anchors folder
        ctx = open_context(f"sqlite:///{db.as_posix()}", secrets=self.secrets, log_to_file=False)
        ctx.services.keys.kdf = CHEAP_KDF
        return ctx


def admin_on(workstation: Workstation) -> Actor:
    return Actor("admin-id", "admin", Role.ADMIN, workstation=workstation.name)


def verdict(ctx: AppContext):
    return ctx.services.audit_anchors.verify(Actor.system("verify"))[0]


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secrets: SecretStore) -> tuple[Path, Workstation]:
    """Workstation ``a`` (the process's keyring: the CLI's too) made the database, created the data key and
    wrote a few sealed entries."""
    a = Workstation(tmp_path, "a", monkeypatch, secrets)
    db = tmp_path / "office.db"
    ctx = a.open(db)
    admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD).actor()
    ctx.services.keys.init(admin, OFFICE)
    for n in range(3):
        ctx.services.users.create_user(admin, f"user{n}", ADMIN_PASSWORD, "back_office")
    ctx.close()
    return db, a


def test_an_office_without_a_data_key_is_told_sealing_is_not_configured(tmp_path: Path, secrets) -> None:
    ctx = open_context(f"sqlite:///{(tmp_path / 'new.db').as_posix()}", secrets=secrets, log_to_file=False)
    ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD)
    found = verdict(ctx)
    ctx.close()
    assert found.ok
    assert "not configured" in found.notes[0]
    assert "`fidus key init`" in found.notes[0]


def test_an_entry_written_without_the_key_after_sealed_ones_is_reported_with_its_workstation(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, a = office
    b = Workstation(tmp_path, "b", monkeypatch)
    ctx = b.open(db)
    ctx.services.users.create_user(admin_on(b), "bob", ADMIN_PASSWORD, "back_office")  # b has no key: not sealed
    head = ctx.services.ctx.audit.last()
    ctx.close()
    assert SEAL_KEY_FIELD not in head
    ctx = a.open(db)
    found = verdict(ctx)
    ctx.close()
    assert (found.ok, found.first_broken_seq) == (False, head["seq"])
    assert found.reason == (
        f"Entry {head['seq']} has no audit seal: not written by the application (forged or written by a process "
        "without the office key). The unsealed entries name workstation(s) pc-b: if one of them is the office's, "
        "it writes without the office data key; enrol it.")


def test_a_workstation_without_the_key_says_it_could_not_check_the_seals(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, _ = office
    ctx = Workstation(tmp_path, "b", monkeypatch).open(db)
    found = verdict(ctx)
    ctx.close()
    assert (found.ok, found.incomplete, found.first_broken_seq) == (False, True, None)
    assert "could not be checked on this workstation" in found.reason
    assert "`fidus key enroll`" in found.reason


def test_seals_verify_across_a_key_rotation_also_where_the_key_was_enrolled_after_it(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, a = office
    ctx = a.open(db)
    admin = admin_on(a)
    old = ctx.services.keys.status().active_key_id
    ctx.services.keys.rotate(admin, OFFICE, REGISTRY.fields)
    new = ctx.services.keys.status().active_key_id
    ctx.services.users.create_user(admin, "after", ADMIN_PASSWORD, "back_office")
    used = {e.get(SEAL_KEY_FIELD) for e in ctx.services.ctx.audit.iter_chain()}
    assert {old, new} <= used
    assert verdict(ctx).ok
    ctx.close()
    b = Workstation(tmp_path, "b", monkeypatch)
    ctx = b.open(db)
    assert ctx.services.keys.enroll(admin_on(b), OFFICE) == [new]  # the retired key is not in its keyring
    found = verdict(ctx)
    ctx.close()
    assert found.ok, found.reason
    assert "before sealing (sealed from entry 2)" in found.notes[0]


def test_a_backup_and_restore_keep_every_seal(office: tuple[Path, Workstation], tmp_path: Path) -> None:
    db, a = office
    ctx = a.open(db)
    admin = admin_on(a)
    archive = tmp_path / "office.fidusbak"
    before = {e["seq"]: (e.get(SEAL_KEY_FIELD), e.get(SEAL_FIELD)) for e in ctx.services.ctx.audit.iter_chain()}
    ctx.services.backup.create(admin, archive, BACKUP)  # its own entry comes after what the backup holds
    ctx.close()
    restored = tmp_path / "restored.db"
    restore_into(archive, BACKUP, f"sqlite:///{restored.as_posix()}", actor=None, secrets=a.secrets)
    ctx = a.open(restored)
    after = {e["seq"]: (e.get(SEAL_KEY_FIELD), e.get(SEAL_FIELD)) for e in ctx.services.ctx.audit.iter_chain()}
    restore_entry = ctx.services.ctx.audit.last()
    found = verdict(ctx)
    ctx.close()
    assert {seq: after[seq] for seq in before} == before
    assert restore_entry["action"] == "backup.restore"
    assert restore_entry[SEAL_FIELD]
    assert found.ok, found.reason


def test_the_cli_prints_the_state_of_the_seals_and_exits_1_on_a_missing_one(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, a = office
    admins_without_mfa()
    monkeypatch.setenv("PW", ADMIN_PASSWORD)
    verify = ["--db", f"sqlite:///{db.as_posix()}", "audit", "verify", "--user", "admin", "--password-env", "PW"]
    monkeypatch.setenv("FIDUS_HOME", str(a.home))
    capsys.readouterr()
    assert main(verify) == 0
    out = capsys.readouterr().out
    assert "Audit chain intact:" in out
    assert "Audit seals: " in out
    assert "sealed and checked" in out
    b = Workstation(tmp_path, "b", monkeypatch)
    ctx = b.open(db)
    ctx.services.users.create_user(admin_on(b), "bob", ADMIN_PASSWORD, "back_office")  # b has no key
    ctx.close()
    monkeypatch.setenv("FIDUS_HOME", str(a.home))
    assert main(verify) == 1
    out = capsys.readouterr().out
    assert "Audit chain BROKEN at entry" in out
    assert "has no audit seal: not written by the application" in out


def test_a_change_run_again_after_a_rollback_is_sealed_for_the_entry_it_finally_wrote() -> None:
    from tests.support.portfolio_office import ADMIN, PM
    from tests.support.strict_mongo import strict_store

    with strict_store("seals") as store:
        services = Services(ServiceContext(store), secrets=SecretStore(InMemoryKeyring()))
        services.ensure_indexes()
        services.keys.kdf = CHEAP_KDF
        services.keys.init(ADMIN, OFFICE)
        store.client.faults.at_random(1, rate=0.3, budget=40)
        for n in range(12):
            services.portfolio.funds.create_fund(PM, f"F{n}", f"Fund {n}", "EUR")
        assert sum(store.client.faults.injected.values()) >= 3
        check = SealCheck(KeyService(services.ctx, services.secrets).seal_keys.for_id)
        assert services.ctx.audit.verify().ok
        list(check.watch(services.ctx.audit.iter_chain()))
    assert (check.missing, check.wrong, check.unchecked, check.before) == ([], [], {}, 0)
    assert check.sealed == 13


def test_a_process_that_found_no_key_seals_as_soon_as_another_one_creates_it(tmp_path: Path, secrets) -> None:
    """The GUI is open while `fidus key init` runs in another process of the same workstation (same keyring)."""
    db = f"sqlite:///{(tmp_path / 'office.db').as_posix()}"
    gui = open_context(db, secrets=secrets, log_to_file=False)
    admin = gui.services.users.create_first_admin("admin", ADMIN_PASSWORD).actor()  # unsealed: no key yet
    cli = open_context(db, secrets=secrets, log_to_file=False)
    cli.services.keys.kdf = CHEAP_KDF
    cli.services.keys.init(admin, OFFICE)
    cli.close()
    written = gui.services.users.create_user(admin, "bob", ADMIN_PASSWORD, "back_office")
    assert written.username == "bob"
    assert SEAL_FIELD in gui.services.ctx.audit.last()
    found = verdict(gui)
    gui.close()
    assert found.ok, found.reason


def test_doctor_says_whether_this_workstation_seals_its_entries(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    db, a = office
    monkeypatch.setenv("FIDUS_HOME", str(a.home))
    main(["--db", f"sqlite:///{db.as_posix()}", "doctor", "--json"])
    check = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["audit seals"]
    assert check["status"] == "ok"
    a.secrets.backend.delete_password(SERVICE, secret_name(check["detail"].split("key ")[1].rstrip(")")))
    main(["--db", f"sqlite:///{db.as_posix()}", "doctor", "--json"])
    check = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["audit seals"]
    assert check["status"] == "warn"
    assert "writes unsealed audit entries" in check["detail"]
    assert "`fidus key request-enrolment`" in check["fix"]


def test_a_staged_mongodb_restore_over_data_keeps_the_seals_and_seals_its_own_entry(tmp_path: Path) -> None:
    """The backup of a sealed office (strict replica-set double) restored over another database's data: its
    entries keep their seals, and the restore's own entry is sealed by this workstation, which holds the key."""
    from tests.support.portfolio_office import ADMIN, PM
    from tests.support.strict_mongo import strict_store

    secrets = SecretStore(InMemoryKeyring())
    archive = tmp_path / "office.fidusbak"
    with strict_store("office") as store:
        services = Services(ServiceContext(store), secrets=secrets)
        services.ensure_indexes()
        services.keys.kdf = CHEAP_KDF
        services.keys.init(ADMIN, OFFICE)
        for n in range(3):
            services.portfolio.funds.create_fund(PM, f"F{n}", f"Fund {n}", "EUR")
        before = {e["seq"]: (e[SEAL_KEY_FIELD], e[SEAL_FIELD]) for e in services.ctx.audit.iter_chain()}
        services.backup.create(ADMIN, archive, BACKUP)
    with strict_store("target") as target:
        old = Services(ServiceContext(target), secrets=SecretStore(InMemoryKeyring()))
        old.ensure_indexes()
        old.portfolio.funds.create_fund(PM, "OLD", "Old data", "EUR")
        restore_into(archive, BACKUP, "mongodb://strict/target", actor=ADMIN, force=True, opener=lambda _: target,
                     secrets=secrets)
        restored = Services(ServiceContext(target), secrets=secrets)
        entries = list(restored.ctx.audit.iter_chain())
        check = SealCheck(restored.keys.seal_keys.for_id, restored.keys.seal_keys.known)
        assert restored.ctx.audit.verify().ok
        list(check.watch(entries))
    assert {e["seq"]: (e[SEAL_KEY_FIELD], e[SEAL_FIELD]) for e in entries if e["seq"] in before} == before
    assert entries[-1]["action"] == "backup.restore"
    assert (check.missing, check.wrong, check.unchecked) == ([], [], {})


def test_a_workstation_sealing_with_a_retired_key_is_warned_about_by_verify_and_doctor(
    office: tuple[Path, Workstation], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A workstation holding only the audit seal key, not enrolled again after a rotation, keeps sealing with the
    retired key: its entries verify (a warning names them and it), and `fidus doctor` on it says to enrol again."""
    db, a = office
    ctx = a.open(db)
    admin = admin_on(a)
    [old] = ctx.services.keys.loaded_keys()
    ctx.services.keys.seal_keys.remember(derive_seal_key(old))  # as a sealing-only enrolment leaves it
    ctx.services.keys.rotate(admin, OFFICE, REGISTRY.fields)
    rotated = ctx.services.ctx.audit.last()["seq"]
    new = ctx.services.keys.status().active_key_id
    ctx.close()
    a.secrets.delete(secret_name(new))  # seen from a workstation that holds only the old audit seal key
    ctx = a.open(db)
    assert ctx.services.keys.seal_keys.current().key_id == old.key_id
    ctx.services.users.create_user(admin, "late", ADMIN_PASSWORD, "back_office")
    ctx.close()
    b = Workstation(tmp_path, "b", monkeypatch)  # an administrator's, enrolled for the new key
    ctx = b.open(db)
    ctx.services.keys.enroll(admin_on(b), OFFICE)
    found = verdict(ctx)
    ctx.close()
    assert found.ok, found.reason
    [warning] = found.warnings
    assert warning.startswith(f"⚠ Audit seals: Entry {rotated + 1} has a seal under key {old.key_id} although "
                                     f"that key was retired at entry {rotated} (keys.rotated). They name "
                                     f"workstation(s) {a.name}.")
    monkeypatch.setenv("FIDUS_HOME", str(a.home))
    main(["--db", f"sqlite:///{db.as_posix()}", "doctor", "--json"])
    check = {c["name"]: c for c in json.loads(capsys.readouterr().out)}["audit seals"]
    assert check["status"] == "warn"
    assert f"with key {old.key_id}, which a rotation retired" in check["detail"]
    assert "Enrol it again" in check["fix"]
