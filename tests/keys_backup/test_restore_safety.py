"""Restore as an attacker and bad luck would try it: without signing in, without the role, killed half-way.

Over a database that holds data a restore needs a signed-in administrator of that database and --force;
refusals are audited in the target, the restore in the restored database. SQLite targets are staged and
renamed, so a kill -9 at any moment leaves either the old database or the whole new one; MongoDB targets are
loaded beside the live collections and switched in under a marker (tests/keys_backup/test_restore_mongo_staged.py).
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.security.backup_format import write_backup
from fidus_desktop.security.crypto import ScryptParams
from fidus_desktop.services import backup as backup_module
from fidus_desktop.services.restore import STAGING_SUFFIX, restore_into
from fidus_desktop.store import restore_marker
from fidus_desktop.store.schema import migrate
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cli_policy import admins_without_mfa
from tests.support.users import ADMIN_PASSWORD

PASSPHRASE = "blue ledger on the shelf"
ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """A live database (alice admin, bob back office, a note) and a backup of another state of the office."""
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("BACKUP", PASSPHRASE)
    monkeypatch.delenv("FIDUS_USER", raising=False)
    admins_without_mfa()
    live = f"sqlite:///{(tmp_path / 'live.db').as_posix()}"
    assert main(["--db", live, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    monkeypatch.setenv("NEW_PW", "violet kettle under moonlight")
    add_bob = ["user", "add", "bob", "--role", "back_office", "--new-password-env", "NEW_PW", "--user", "alice"]
    assert main(["--db", live, *add_bob]) == 0
    archive = tmp_path / "old.fidusbak"
    assert main(["--db", live, "backup", "create", "--out", str(archive), "--passphrase-env", "BACKUP",
                 "--user", "alice"]) == 0
    ctx = open_context(live, log_to_file=False)
    ctx.store.collection("notes").insert({"_id": "after-backup", "text": "written after the backup"})
    ctx.close()
    capsys.readouterr()
    return {"live": live, "archive": str(archive), "path": str(tmp_path / "live.db")}


def audit_actions(uri: str) -> list[str]:
    ctx = open_context(uri, log_to_file=False)
    try:
        return [e["action"] for e in ctx.services.ctx.audit.iter_chain()]
    finally:
        ctx.close()


def note_exists(uri: str) -> bool:
    ctx = open_context(uri, log_to_file=False)
    try:
        return ctx.store.collection("notes").get("after-backup") is not None
    finally:
        ctx.close()


def test_restore_over_data_without_sign_in_is_refused_and_audited(
    office: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    restore = ("backup", "restore", office["archive"], "--into", office["live"], "--passphrase-env", "BACKUP")
    code, out = run(capsys, *restore)
    assert code == 2
    assert "--force" in out
    code, out = run(capsys, *restore, "--force")
    assert code == 2
    assert "sign in" in out
    assert note_exists(office["live"])
    assert audit_actions(office["live"])[-1] == "backup.restore_refused"


def test_restore_without_the_role_is_refused_and_audited(
    office: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "backup", "restore", office["archive"], "--into", office["live"], "--passphrase-env",
                    "BACKUP", "--force", "--user", "bob", "--password-env", "NEW_PW")
    assert code == 2
    assert "may not restore" in out
    assert note_exists(office["live"])
    ctx = open_context(office["live"], log_to_file=False)
    last = ctx.services.ctx.audit.last()
    ctx.close()
    assert (last["action"], last["actor"], last["after"]["why"]) == (
        "backup.restore_refused", "bob", "role back_office lacks backup.restore")


def test_wrong_admin_password_is_refused_before_anything(
    office: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WRONG", "not the password at all")
    code, _ = run(capsys, "backup", "restore", office["archive"], "--into", office["live"], "--passphrase-env",
                  "BACKUP", "--force", "--user", "alice", "--password-env", "WRONG")
    assert code == 2
    assert note_exists(office["live"])


def test_admin_restore_is_audited_in_the_restored_database_and_keeps_the_old_one(
    office: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "backup", "restore", office["archive"], "--into", office["live"], "--passphrase-env",
                    "BACKUP", "--force", "--user", "alice")
    assert code == 0, out
    assert "kept as" in out
    assert not note_exists(office["live"])  # the backup predates the note
    actions = audit_actions(office["live"])
    assert actions[-1] == "backup.restore"
    assert run(capsys, "--db", office["live"], "audit", "verify", "--user", "alice")[0] == 0
    [kept] = Path(office["path"]).parent.glob("live.before-restore-*.db")
    assert note_exists(f"sqlite:///{kept.as_posix()}")  # the replaced database, whole
    if os.name == "posix":
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        assert stat.S_IMODE(Path(office["path"]).stat().st_mode) == 0o600
    assert not list(Path(office["path"]).parent.glob(f"*{STAGING_SUFFIX}*"))


def test_disaster_recovery_into_a_new_file_needs_only_the_passphrase(
    office: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fresh = f"sqlite:///{(tmp_path / 'new' / 'fresh.db').as_posix()}"
    code, out = run(capsys, "backup", "restore", office["archive"], "--into", fresh, "--passphrase-env", "BACKUP")
    assert code == 0, out
    assert "Disaster recovery" in out
    ctx = open_context(fresh, log_to_file=False)
    last = ctx.services.ctx.audit.last()
    assert ctx.services.ctx.audit.verify().ok
    ctx.close()
    assert (last["action"], last["actor"]) == ("backup.restore", "disaster-recovery")


class Unclosed:
    """The test's mongomock store, kept open across the restore's own open/close calls."""

    def __init__(self, store: object) -> None:
        self.store = store

    def __call__(self, uri: str) -> object:
        return self

    def __getattr__(self, name: str) -> object:
        return getattr(self.store, name)

    def close(self) -> None:
        pass


@pytest.fixture
def mongo_target() -> Iterator[Unclosed]:
    mongomock = pytest.importorskip("mongomock")
    from fidus_desktop.store.mongo import MongoStore
    from tests.support.mongomock_shim import server_comparisons

    with server_comparisons():
        store = MongoStore(mongomock.MongoClient(), "office", supports_transactions=False)
        migrate(store)
        store.collection("notes").insert({"_id": "old", "text": "old data"})
        yield Unclosed(store)


def test_a_restore_killed_while_loading_leaves_the_mongodb_database_as_it_was(
    office: dict[str, str], mongo_target: Unclosed, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fidus_desktop.services.actor import Actor
    from fidus_desktop.services.permissions import Role

    admin = Actor("a", "alice", Role.ADMIN)
    original = backup_module._load_collection
    calls = []

    def dies_half_way(into: object, name: str, docs: list) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is stopped in the middle of loading
        original(into, name, docs)

    monkeypatch.setattr(backup_module, "_load_collection", dies_half_way)
    uri = "mongodb://db.office.local/office"
    with pytest.raises(KeyboardInterrupt):
        restore_into(Path(office["archive"]), PASSPHRASE, uri, actor=admin, force=True, opener=mongo_target)
    migrate(mongo_target.store)  # opens: the backup was loaded beside the live collections, which are untouched
    assert restore_marker.unfinished(mongo_target.store) is None
    assert mongo_target.store.collection("notes").require("old")["text"] == "old data"
    monkeypatch.setattr(backup_module, "_load_collection", original)
    restore_into(Path(office["archive"]), PASSPHRASE, uri, actor=admin, force=True, opener=mongo_target)
    migrate(mongo_target.store)
    assert mongo_target.store.collection("notes").count() == 0
    assert mongo_target.store.collection("users").count() == 2
    assert all("." not in name for name in mongo_target.store.raw_names())  # no staged or replaced leftovers


CHILD = """
import sys
from pathlib import Path
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.restore import restore_into
print("ready", flush=True)
restore_into(Path(sys.argv[1]), sys.argv[2], sys.argv[3], actor=Actor("a", "alice", Role.ADMIN), force=True)
print("done", flush=True)
"""


def big_backup(path: Path, notes: int) -> None:
    docs = ({"_id": f"n{i:06d}", "version": 1, "text": "restored note " * 8} for i in range(notes))
    write_backup(path, PASSPHRASE, [("notes", docs)], kdf=ScryptParams(n=2**4, r=1, p=1))


def state_after_kill(live: Path) -> str:
    """'old' or 'new' and the audit verdict; anything else (partial, unopenable) fails the test."""
    store = SqliteStore(live)
    try:
        notes = store.collection("notes")
        count = notes.count()
        old = notes.get("old-note") is not None
    finally:
        store.close()
    ctx = open_context(f"sqlite:///{live.as_posix()}", log_to_file=False)
    try:
        assert ctx.services.ctx.audit.verify().ok
    finally:
        ctx.close()
    if old and count == 1:
        return "old"
    if not old and count == NOTES and notes_are_the_originals(live):
        return "old-with-notes"
    assert (old, count) == (False, NOTES), f"half-restored database: {count} notes, old note kept: {old}"
    return "new"


NOTES = 20_000


def notes_are_the_originals(live: Path) -> bool:
    store = SqliteStore(live)
    try:
        return store.collection("notes").get("n000000")["text"].startswith("note ")
    finally:
        store.close()


@pytest.mark.slow
def test_kill_9_at_any_moment_of_a_restore_leaves_the_old_or_the_whole_new_database(tmp_path: Path) -> None:
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX; the rename the test relies on is atomic on Windows too")
    live, archive = tmp_path / "live.db", tmp_path / "big.fidusbak"
    store = SqliteStore(live)
    migrate(store)
    store.collection("notes").insert({"_id": "old-note", "text": "old"})
    store.close()
    big_backup(archive, NOTES)
    argv = [sys.executable, "-c", CHILD, str(archive), PASSPHRASE, f"sqlite:///{live.as_posix()}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    ready = time.monotonic()
    assert child.wait(timeout=300) == 0
    full = time.monotonic() - ready
    assert state_after_kill(live) == "new"
    for leftover in tmp_path.glob("live.before-restore-*"):
        leftover.unlink()
    # Back to the old state, then kill restores at spread-out moments of their run.
    store = SqliteStore(live)
    store.drop_collection("notes")
    store.collection("notes").insert({"_id": "old-note", "text": "old"})
    store.close()
    seen = []
    for fraction in (0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.97):
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(full * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait()
        seen.append(state_after_kill(live))
        if seen[-1] == "new":
            break
    assert "old" in seen, f"no kill landed before the switch (full restore {full:.1f} s, {started:.0f})"
    # A leftover staging file does not stop the next restore, which finishes whole.
    child = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert child.returncode == 0, child.stderr
    assert state_after_kill(live) == "new"
    assert not list(tmp_path.glob(f"*{STAGING_SUFFIX}*"))


BACKUP_CHILD = """
import sys
from fidus_desktop.cli.main import main
print("ready", flush=True)
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_kill_9_during_backup_create_leaves_no_file_under_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("SIGKILL is POSIX")
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("BACKUP", PASSPHRASE)
    admins_without_mfa()
    live = tmp_path / "live.db"
    uri = f"sqlite:///{live.as_posix()}"
    assert main(["--db", uri, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    store = SqliteStore(live)
    store.collection("notes").insert_many([{"_id": f"n{i:06d}", "text": "note " * 20} for i in range(NOTES)])
    store.close()
    out = tmp_path / "office.fidusbak"
    argv = [sys.executable, "-c", BACKUP_CHILD, "--db", uri, "backup", "create", "--out", str(out),
            "--passphrase-env", "BACKUP", "--user", "alice"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    ready = time.monotonic()
    assert child.wait(timeout=300) == 0
    full = time.monotonic() - ready
    out.unlink()
    killed_before_the_end = 0
    for fraction in (0.3, 0.6, 0.9):
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(full * fraction)
        child.send_signal(signal.SIGKILL)
        child.wait()
        if out.exists():  # the kill came after the rename: the file must be whole
            assert main(["backup", "verify", str(out), "--passphrase-env", "BACKUP"]) == 0
            out.unlink()
        else:
            killed_before_the_end += 1
        assert state_after_kill(live) == "old-with-notes"
    assert killed_before_the_end >= 1
