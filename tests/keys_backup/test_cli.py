"""fidus key|audit|backup|privacy: results, messages and exit codes (real KDF costs: a few tenths of a second)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.features.registry import PERSONAL_DATA
from fidus_desktop.services.keys import secret_name
from tests.support.audit import tamper
from tests.support.cli_policy import admins_without_mfa
from tests.support.keys_office import PASSPHRASE, REGISTRY
from tests.support.users import ADMIN_PASSWORD

BACKUP_PASSPHRASE = "blue ledger on the shelf"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A database with administrator alice and a data key; every command acts as her."""
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_USER", "alice")
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("OFFICE", PASSPHRASE)
    monkeypatch.setenv("BACKUP", BACKUP_PASSPHRASE)
    admins_without_mfa()
    uri = ["--db", f"sqlite:///{(tmp_path / 'office.db').as_posix()}"]
    assert main([*uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    assert main([*uri, "key", "init", "--passphrase-env", "OFFICE"]) == 0
    return uri


def run(db: list[str], capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main([*db, *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_key_status_enrol_and_rotate(db: list[str], capsys: pytest.CaptureFixture[str], memory_keyring) -> None:
    code, out = run(db, capsys, "key", "status", "--json")
    assert code == 0
    assert json.loads(out)["enrolled"] is True
    SecretStore(memory_keyring).delete(secret_name(json.loads(out)["active_key_id"]))  # a new workstation
    code, out = run(db, capsys, "key", "status", "--json")
    assert code == 1
    assert json.loads(out)["enrolled"] is False
    assert run(db, capsys, "key", "enroll", "--passphrase-env", "FIDUS_PASSWORD")[0] == 2  # wrong passphrase
    code, out = run(db, capsys, "key", "enroll", "--passphrase-env", "OFFICE")
    assert code == 0
    assert "enrolled" in out
    code, out = run(db, capsys, "key", "rotate", "--passphrase-env", "OFFICE")
    assert code == 0
    assert "Rotated data key" in out
    code, out = run(db, capsys, "key", "status")
    assert code == 0
    assert "this workstation is enrolled" in out


def test_audit_verify_and_export(db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out = run(db, capsys, "audit", "verify")
    assert code == 0
    assert "intact" in out
    code, out = run(db, capsys, "audit", "export", "--out", str(tmp_path / "a.csv"), "--action", "keys.")
    assert code == 0
    assert "Wrote 1 audit entries" in out
    assert run(db, capsys, "audit", "export", "--out", str(tmp_path / "b.csv"), "--since", "yesterday")[0] == 2
    ctx = open_context(db[1], log_to_file=False)
    tamper(ctx.store, 2, action="nothing.happened")
    ctx.close()
    code, out = run(db, capsys, "audit", "verify")
    assert code == 1
    assert "BROKEN at entry 2" in out


def test_backup_create_verify_restore(db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    archive = str(tmp_path / "office.fidusbak")
    code, out = run(db, capsys, "backup", "create", "--out", archive, "--passphrase-env", "BACKUP")
    assert code == 0
    assert "Backup written" in out
    code, out = run(db, capsys, "backup", "verify", archive, "--passphrase-env", "BACKUP")
    assert code == 0
    assert "is intact" in out
    assert run(db, capsys, "backup", "verify", archive, "--passphrase-env", "OFFICE")[0] == 2
    into = f"sqlite:///{(tmp_path / 'restored.db').as_posix()}"
    code, out = run(db, capsys, "backup", "restore", archive, "--into", into, "--passphrase-env", "BACKUP")
    assert code == 0
    assert "Restored" in out
    code, out = run(db, capsys, "backup", "restore", archive, "--into", into, "--passphrase-env", "BACKUP")
    assert code == 2
    assert "--force" in out
    restore = ("backup", "restore", archive, "--into", into, "--passphrase-env", "BACKUP")
    assert run(db, capsys, *restore, "--force")[0] == 0
    assert run(["--db", into], capsys, "audit", "verify")[0] == 0
    Path(archive).write_bytes(Path(archive).read_bytes()[:-10])
    code, out = run(db, capsys, "backup", "verify", archive, "--passphrase-env", "BACKUP")
    assert code == 1
    assert "truncated" in out


def test_privacy_export_and_erase(
    db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(PERSONAL_DATA, "fields", REGISTRY.fields)
    monkeypatch.setattr(PERSONAL_DATA, "people", REGISTRY.people)
    ctx = open_context(db[1], log_to_file=False)
    vault = ctx.services.vault
    ctx.store.collection("people").insert({"_id": "p1", "name": "Ada", "email": "ada@example.org",
                                           "notes": vault.seal("prefers email", "person.notes")})
    ctx.close()
    code, out = run(db, capsys, "privacy", "export", "--person", "p1", "--out", str(tmp_path / "dsar"))
    assert code == 0
    assert json.loads((tmp_path / "dsar" / "person-p1.json").read_bytes())["collections"]["people"][0]["notes"] == (
        "prefers email")
    assert (tmp_path / "dsar" / "person-p1.pdf").read_bytes().startswith(b"%PDF")
    assert run(db, capsys, "privacy", "erase", "--person", "p1")[0] == 2  # not confirmed, no terminal
    code, out = run(db, capsys, "privacy", "erase", "--person", "p1", "--yes")
    assert code == 0
    assert "Pseudonymised 1 record(s)" in out
    assert run(db, capsys, "privacy", "export", "--person", "nobody", "--out", str(tmp_path))[0] == 2


def test_audit_verify_checks_anchor_files_and_backups(
    db: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    anchor, archive = str(tmp_path / "anchor.json"), str(tmp_path / "office.fidusbak")
    code, out = run(db, capsys, "audit", "anchor", "--out", anchor)
    assert code == 0, out
    assert run(db, capsys, "backup", "create", "--out", archive, "--passphrase-env", "BACKUP")[0] == 0
    code, out = run(db, capsys, "audit", "verify", "--anchor", anchor, "--anchor", archive, "--passphrase-env",
                    "BACKUP")
    assert code == 0, out
    assert "anchor file anchor.json" in out
    assert "backup office.fidusbak" in out
    # Someone cuts the chain back to its first entry and removes this workstation's anchor file.
    ctx = open_context(db[1], log_to_file=False)
    ctx.services.audit_anchors.path.unlink()
    audit = ctx.store.collection("audit")
    for doc in audit.find({"seq": {"$gt": 1}}):
        audit.delete(doc["_id"])
    ctx.store.close()
    code, out = run(db, capsys, "audit", "verify", "--anchor", archive, "--passphrase-env", "BACKUP")
    assert code == 1
    assert "BROKEN" in out
    assert "backup office.fidusbak" in out
    assert run(db, capsys, "audit", "verify", "--anchor", str(tmp_path / "none.json"))[0] == 2
