"""A database this user may not write to (write-protected file or folder, or ``?mode=ro``) can still be read,
verified and reported on, and is left byte for byte as it was; a command that would change it is refused with
a message (exit 2), and so is one that would have to upgrade its schema."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.security import passwords
from fidus_desktop.store import uri as uri_module
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cli_policy import no_mfa_required
from tests.support.portfolio_office import ADMIN, build_office

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The portfolio office with administrator alice, migrated and closed (its WAL folded into the file)."""
    monkeypatch.setattr(passwords, "DEFAULT_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    built = build_office(tmp_path)
    built.services.users.create_user(ADMIN, "alice", PASSWORD, "admin")
    built.services.ctx.store.close()
    path = tmp_path / "t.db"
    open_context(f"sqlite:///{path.as_posix()}", log_to_file=False).close()
    no_mfa_required()
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    monkeypatch.delenv("FIDUS_USER", raising=False)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys: pytest.CaptureFixture[str], uri: str, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--db", uri, *argv, "--user", "alice"])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_read_verify_and_report_without_writing(
    office: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = digest(office)
    uri = f"sqlite:///{office.as_posix()}?mode=ro"
    code, out = run(capsys, uri, "audit", "verify")
    assert code == 0, out
    assert "intact" in out
    for command in (["funds", "list"], ["investors", "list"], ["dealing", "list"],
                    ["report", "factsheet", "--fund", "GLB", "--out", str(tmp_path / "f.pdf")],
                    ["audit", "export", "--out", str(tmp_path / "audit.csv")]):
        code, out = run(capsys, uri, *command)
        assert code == 0, (command, out)
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    code, out = run(capsys, uri, "user", "add", "newcomer", "--role", "client", "--new-password-env",
                    "FIDUS_PASSWORD")
    assert code == 2
    assert "read-only" in out
    assert "nothing was written" in out
    assert digest(office) == before
    wal = office.with_name(office.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_a_write_protected_file_opens_read_only_by_itself(
    office: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real_access = os.access

    def protected(path: object, mode: int, **kwargs: object) -> bool:
        if Path(str(path)) == office and mode & os.W_OK:
            return False  # as chmod 0400 would say to anyone but root
        return real_access(path, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(uri_module.os, "access", protected)
    before = digest(office)
    uri = f"sqlite:///{office.as_posix()}"
    assert run(capsys, uri, "audit", "verify")[0] == 0
    code, out = run(capsys, uri, "user", "add", "newcomer", "--role", "client", "--new-password-env",
                    "FIDUS_PASSWORD")
    assert code == 2
    assert "may not write to the file" in out
    assert digest(office) == before


def test_an_outdated_schema_is_not_upgraded_read_only(office: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = SqliteStore(office)
    meta = store.collection("meta")
    doc = meta.require("schema")
    meta.update("schema", {"schema_version": 1}, expected_version=doc["version"])
    store.close()
    before = digest(office)
    code, out = run(capsys, f"sqlite:///{office.as_posix()}?mode=ro", "funds", "list")
    assert code == 2
    assert "schema version 1" in out
    assert "writable copy" in out
    assert digest(office) == before


def test_a_missing_read_only_database_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, f"sqlite:///{(tmp_path / 'none.db').as_posix()}?mode=ro", "audit", "verify")
    assert code == 2
    assert "no database" in out
    assert not (tmp_path / "none.db").exists()
