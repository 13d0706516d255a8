"""fidus documents attach|list|get: results, messages and exit codes; backup verify counts stored files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.keys import secret_name
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run
from tests.support.files import PDF
from tests.support.users import ADMIN_PASSWORD

db = test_cli.db


@pytest.fixture
def investor(db: list[str]) -> str:
    """Investor INV-7 in the CLI's database."""
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", ADMIN_PASSWORD).actor()
        ctx.services.portfolio.investors.create_investor(alice, "INV-7", "Ann Smith", "individual")
    finally:
        ctx.close()
    return "INV-7"


def test_attach_list_get(db: list[str], investor: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    source = tmp_path / "contract.pdf"
    source.write_bytes(PDF)
    code, out = run(db, capsys, "documents", "attach", "--investor", investor, str(source))
    assert code == 0, out
    assert "Stored contract.pdf (2,560,009 bytes, encrypted)" in out

    code, out = run(db, capsys, "documents", "list", "--investor", investor, "--json")
    assert code == 0
    (listed,) = json.loads(out)["documents"]
    assert (listed["name"], listed["media_type"], listed["size"]) == ("contract.pdf", "application/pdf", len(PDF))

    copy = tmp_path / "copy.pdf"
    code, out = run(db, capsys, "documents", "get", listed["document_id"], "--out", str(copy))
    assert code == 0, out
    assert copy.read_bytes() == PDF

    code, out = run(db, capsys, "backup", "create", "--out", str(tmp_path / "b.fidusbak"), "--passphrase-env", "BACKUP")
    assert code == 0
    assert "1 stored file(s)" in out
    code, out = run(db, capsys, "backup", "verify", str(tmp_path / "b.fidusbak"), "--passphrase-env", "BACKUP")
    assert code == 0
    assert "1 stored file(s)" in out


def test_refusals_and_a_locked_workstation(db: list[str], investor: str, capsys: pytest.CaptureFixture[str],
                                           tmp_path: Path, memory_keyring) -> None:
    fake = tmp_path / "scan.pdf"
    fake.write_bytes(b"GIF89a not a pdf")
    code, out = run(db, capsys, "documents", "attach", "--investor", investor, str(fake))
    assert code == 2
    assert "its content is not a application/pdf file" in out
    code, out = run(db, capsys, "documents", "attach", "--investor", "INV-404", str(fake))
    assert code == 2
    assert "There is no investor 'INV-404'" in out
    code, out = run(db, capsys, "documents", "list", "--investor", investor)
    assert (code, out.strip()) == (0, "No stored documents.")

    good = tmp_path / "contract.pdf"
    good.write_bytes(PDF)
    run(db, capsys, "documents", "attach", "--investor", investor, str(good))
    document_id = json.loads(run(db, capsys, "documents", "list", "--investor", investor, "--json")[1])[
        "documents"][0]["document_id"]
    key_id = json.loads(run(db, capsys, "key", "status", "--json")[1])["active_key_id"]
    SecretStore(memory_keyring).delete(secret_name(key_id))  # a workstation that is not enrolled
    code, out = run(db, capsys, "documents", "get", document_id, "--out", str(tmp_path / "copy.pdf"))
    assert code == 1
    assert "fidus key enroll" in out
    assert not (tmp_path / "copy.pdf").exists()
