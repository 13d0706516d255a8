"""Four eyes on a restore over data: requested by one administrator, approved by a second person (another
administrator or a compliance officer), used once by the requester for that very backup file, all audited.

The office: alice (admin), bob (back office), carol (compliance officer); a backup of an earlier state and a note
written after it, which a restore would discard.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.clock import wall_now
from fidus_desktop.services import restore as restore_module
from fidus_desktop.services.restore import restore_into
from fidus_desktop.services.restore_approval import VALID_FOR, RestoreNeedsApproval
from tests.support.cli_policy import no_mfa_required
from tests.support.users import ADMIN_PASSWORD

PASSPHRASE = "blue ledger on the shelf"
OTHER_PW = "violet kettle under moonlight"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    monkeypatch.setenv("FIDUS_PASSWORD", ADMIN_PASSWORD)
    monkeypatch.setenv("OTHER_PW", OTHER_PW)
    monkeypatch.setenv("BACKUP", PASSPHRASE)
    monkeypatch.delenv("FIDUS_USER", raising=False)
    no_mfa_required()
    live = f"sqlite:///{(tmp_path / 'live.db').as_posix()}"
    assert main(["--db", live, "init", "--admin-user", "alice", "--admin-password-env", "FIDUS_PASSWORD"]) == 0
    for name, role in (("bob", "back_office"), ("carol", "compliance_officer")):
        assert main(["--db", live, "user", "add", name, "--role", role, "--new-password-env", "OTHER_PW",
                     "--user", "alice"]) == 0
    archive = tmp_path / "old.fidusbak"
    assert main(["--db", live, "backup", "create", "--out", str(archive), "--passphrase-env", "BACKUP",
                 "--user", "alice"]) == 0
    ctx = open_context(live, log_to_file=False)
    ctx.store.collection("notes").insert({"_id": "after-backup", "text": "written after the backup"})
    ctx.close()
    capsys.readouterr()
    return {"live": live, "archive": str(archive)}


def as_user(name: str) -> list[str]:
    return ["--user", name, "--password-env", "FIDUS_PASSWORD" if name == "alice" else "OTHER_PW"]


def restore(office: dict[str, str], archive: str | None = None) -> list[str]:
    return ["backup", "restore", archive or office["archive"], "--into", office["live"], "--passphrase-env",
            "BACKUP", "--force", *as_user("alice")]


def request(capsys: pytest.CaptureFixture[str], office: dict[str, str]) -> str:
    code, out = run(capsys, "--db", office["live"], "backup", "request-restore", office["archive"], "--reason",
                    "the import of 3 May booked every deal twice", "--passphrase-env", "BACKUP", *as_user("alice"))
    assert code == 0, out
    found = re.search(r"Restore request (\S+) recorded", out)
    assert found, out
    return found.group(1)


def audit(uri: str) -> list[dict]:
    ctx = open_context(uri, log_to_file=False)
    try:
        return list(ctx.services.ctx.audit.iter_chain())
    finally:
        ctx.close()


def note_exists(uri: str) -> bool:
    ctx = open_context(uri, log_to_file=False)
    try:
        return ctx.store.collection("notes").get("after-backup") is not None
    finally:
        ctx.close()


def test_one_administrator_alone_cannot_restore_over_data(
    office: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, *restore(office))
    assert code == 2
    assert "second person's approval" in out
    assert "request-restore" in out
    assert note_exists(office["live"])
    last = audit(office["live"])[-1]
    assert (last["action"], last["actor"]) == ("backup.restore_refused", "alice")
    assert "no approved restore request" in last["after"]["why"]


def test_requested_approved_by_a_second_person_then_restored_once(
    office: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    request_id = request(capsys, office)
    live = ["--db", office["live"]]
    code, out = run(capsys, *live, "backup", "approve-restore", request_id, *as_user("alice"))
    assert code == 2
    assert "four eyes" in out
    code, out = run(capsys, *live, "backup", "approve-restore", request_id, *as_user("bob"))
    assert code == 2
    assert "may not" in out
    code, out = run(capsys, *live, "backup", "restore-requests", "--json", *as_user("carol"))
    assert code == 0
    assert request_id in out
    assert "pending" in out
    code, out = run(capsys, *live, "backup", "approve-restore", request_id, "--note", "checked with alice",
                    *as_user("carol"))
    assert code == 0, out
    code, out = run(capsys, *restore(office))
    assert code == 0, out
    assert not note_exists(office["live"])
    entries = audit(office["live"])
    last = entries[-1]
    assert (last["action"], last["actor"], last["after"]["approved_by"]) == ("backup.restore", "alice", "carol")
    assert last["after"]["restore_request"] == request_id
    assert "approved by carol" in last["after"]["authorised_by"]
    assert run(capsys, *live, "audit", "verify", *as_user("alice"))[0] == 0
    # The replaced database keeps the request, its approval and its use.
    [kept] = Path(office["live"].removeprefix("sqlite:///")).parent.glob("live.before-restore-*.db")
    kept_actions = [e["action"] for e in audit(f"sqlite:///{kept.as_posix()}") if "restore" in e["action"]]
    assert kept_actions == ["backup.restore_requested", "backup.restore_approved",
                                 "backup.restore_approval_used"]


def test_approval_is_for_that_file_and_that_requester(
    office: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    request_id = request(capsys, office)
    assert run(capsys, "--db", office["live"], "backup", "approve-restore", request_id, *as_user("carol"))[0] == 0
    other = tmp_path / "other.fidusbak"
    assert main(["--db", office["live"], "backup", "create", "--out", str(other), "--passphrase-env", "BACKUP",
                 "--user", "alice"]) == 0
    code, out = run(capsys, *restore(office, str(other)))  # another backup than the approved one
    assert code == 2
    assert "approval" in out
    copy = tmp_path / "copy.fidusbak"  # the same bytes under another name are the approved backup
    shutil.copyfile(office["archive"], copy)
    code, out = run(capsys, *restore(office, str(copy)))
    assert code == 0, out


def test_rejected_request_does_not_authorise(office: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    request_id = request(capsys, office)
    code, out = run(capsys, "--db", office["live"], "backup", "reject-restore", request_id, "--reason",
                    "restore only the deals, not the whole office", *as_user("carol"))
    assert code == 0, out
    assert run(capsys, *restore(office))[0] == 2
    assert note_exists(office["live"])
    code, out = run(capsys, "--db", office["live"], "backup", "approve-restore", request_id, *as_user("carol"))
    assert code == 2
    assert "already rejected" in out


def test_an_approval_expires_and_is_released_when_the_restore_fails(
    office: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fidus_desktop.services.actor import Actor
    from fidus_desktop.services.permissions import Role

    request_id = request(capsys, office)
    assert run(capsys, "--db", office["live"], "backup", "approve-restore", request_id, *as_user("carol"))[0] == 0
    ctx = open_context(office["live"], log_to_file=False)
    alice = Actor(ctx.store.collection("users").find_one({"username": "alice"})["_id"], "alice", Role.ADMIN)
    ctx.close()
    later = wall_now() + VALID_FOR + timedelta(minutes=1)
    with pytest.raises(RestoreNeedsApproval):
        restore_into(Path(office["archive"]), PASSPHRASE, office["live"], actor=alice, force=True,
                     clock=lambda: later)

    def full_disk(*_: object, **__: object) -> None:
        raise OSError(28, "No space left on device")

    original = restore_module.restore_backup
    monkeypatch.setattr(restore_module, "restore_backup", full_disk)
    with pytest.raises(OSError, match="No space left"):
        restore_into(Path(office["archive"]), PASSPHRASE, office["live"], actor=alice, force=True)
    assert note_exists(office["live"])
    assert audit(office["live"])[-1]["action"] == "backup.restore_approval_released"
    monkeypatch.setattr(restore_module, "restore_backup", original)
    outcome = restore_into(Path(office["archive"]), PASSPHRASE, office["live"], actor=alice, force=True)
    assert outcome.replaced
    assert not note_exists(office["live"])
