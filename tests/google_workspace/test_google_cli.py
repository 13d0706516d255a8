"""``fidus google`` and ``fidus crm outbox``: honest "not configured" / "not connected", the outbox listed,
retried and cancelled, ``fidus doctor`` checking the office's OAuth client file. (Connecting itself opens a
browser on Google's consent page, which no test can answer.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.settings import Settings
from fidus_desktop.features.registry import settings_schema
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run
from tests.support.users import ADMIN_PASSWORD

db = test_cli.db
CLIENT = {"installed": {"client_id": "1.apps.googleusercontent.com", "client_secret": "s",
                        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                        "token_uri": "https://oauth2.googleapis.com/token"}}


def configure(tmp_path: Path, content: object = CLIENT) -> None:
    client = tmp_path / "client.json"
    client.write_text(json.dumps(content))
    settings = Settings.load(AppPaths.for_user().settings_file, settings_schema())
    settings.set("google.oauth_client_file", str(client))
    settings.save()


def queue(db: list[str]) -> str:
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", ADMIN_PASSWORD).actor()
        prospect = ctx.services.prospects.create(alice, {"last_name": "Muster", "email": "anna@example.com"})
        job, _ = ctx.services.google.send_email(alice, prospect.prospect_id, "Hello", "Dear {name}")
        return job.job_id
    finally:
        ctx.close()


def test_not_configured_is_said_and_nothing_is_pretended(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(db, capsys, "google", "status")
    assert code == 0
    assert "Google: not configured for this office." in out
    code, out = run(db, capsys, "google", "connect")
    assert code == 2
    assert "google.oauth_client_file" in out
    code, out = run(db, capsys, "crm", "outbox", "run")
    assert code == 2
    assert "not configured" in out
    code, out = run(db, capsys, "doctor", "--json")
    google = next(c for c in json.loads(out) if c["name"] == "google")
    assert google["detail"] == "not configured"


def test_a_wrong_client_file_fails_the_doctor(db: list[str], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    configure(tmp_path, {"web": CLIENT["installed"]})
    _, out = run(db, capsys, "doctor", "--json")
    google = next(c for c in json.loads(out) if c["name"] == "google")
    assert google["status"] == "fail"
    assert "Desktop app" in google["detail"]


def test_the_outbox_is_listed_cancelled_and_waits_for_a_connection(db: list[str], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    configure(tmp_path)
    code, out = run(db, capsys, "google", "status")
    assert "Google: not connected." in out
    job_id = queue(db)
    code, out = run(db, capsys, "crm", "outbox", "--json")
    assert code == 0
    (job,) = json.loads(out)["jobs"]
    assert (job["job_id"], job["status"], job["summary"]) == (job_id, "queued", "E-mail: Hello")
    assert "payload" not in job
    code, out = run(db, capsys, "crm", "outbox", "run")
    assert code == 2
    assert "fidus google connect" in out
    code, out = run(db, capsys, "crm", "outbox", "retry", job_id)
    assert code == 2
    assert "only a failed job" in out
    code, out = run(db, capsys, "crm", "outbox", "cancel", job_id)
    assert code == 0
    code, out = run(db, capsys, "crm", "outbox", "list", "--status", "cancelled")
    assert job_id in out
    code, out = run(db, capsys, "google", "status", "--json")
    assert json.loads(out)["outbox"]["cancelled"] == 1


def test_email_meeting_and_drive_are_queued_from_the_command_line(db: list[str], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    configure(tmp_path)
    ctx = open_context(db[1], log_to_file=False)
    try:
        alice = ctx.services.users.authenticate("alice", ADMIN_PASSWORD).actor()
        prospect = ctx.services.prospects.create(alice, {"first_name": "Anna", "last_name": "Muster",
                                                         "email": "anna@example.com"}).prospect_id
        ctx.services.crm_mail_templates.save(alice, "Intro", "Hello {first_name}", "Dear {name}")
    finally:
        ctx.close()
    terms = tmp_path / "terms.pdf"
    terms.write_bytes(b"%PDF terms")
    code, out = run(db, capsys, "crm", "email", prospect, "--template", "Intro", "--attach", str(terms))
    assert code == 0, out
    assert out.startswith("Queued: E-mail: Hello Anna")
    code, out = run(db, capsys, "crm", "email", prospect, "--template", "Intro", "--attach", str(terms))
    assert out.startswith("Already in the outbox (queued): E-mail: Hello Anna")
    code, out = run(db, capsys, "crm", "meeting", prospect, "--title", "Intro", "--start", "2026-12-08T10:00",
                    "--time-zone", "Europe/Berlin")
    assert code == 0, out
    assert "Meeting: Intro, 2026-12-08 10:00 (Europe/Berlin)" in out
    code, out = run(db, capsys, "crm", "meeting", prospect, "--title", "Intro", "--start", "next tuesday")
    assert code == 2
    assert "is not a time such as" in out
    code, out = run(db, capsys, "crm", "drive", prospect, "--upload", str(terms))
    assert "Upload terms.pdf" in out
    code, out = run(db, capsys, "crm", "outbox", "list", "--json")
    assert sorted(j["kind"] for j in json.loads(out)["jobs"]) == ["calendar.create", "drive.upload", "gmail.send"]
