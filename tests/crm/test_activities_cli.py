"""``fidus crm activities …`` and ``fidus crm my-day``: plan, complete (the chain's next step printed), snooze,
cancel, list; bad input exits 2 with the field named and writes nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from fidus_desktop.bootstrap import open_context
from tests.crm.test_prospects_cli import HEADER, ROWS, listed, write
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run

db = test_cli.db


def test_plan_complete_snooze_and_my_day(db: list[str], tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "crm", "prospects", "import", write(tmp_path, HEADER + ROWS))[0] == 0
    ann = next(p for p in listed(db, capsys) if p["last_name"] == "Smith")["prospect_id"]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    code, out = run(db, capsys, "crm", "activities", "add", ann, "--kind", "call", "--title", "Intro call",
                    "--due", f"{yesterday} 10:00", "--priority", "high", "--json")
    assert code == 0, out
    call = json.loads(out)
    assert (call["assignee"], call["status"]) == ("alice", "open")
    code, out = run(db, capsys, "crm", "my-day", "--json")
    assert [(a["title"], a["bucket"], a["about"]) for a in json.loads(out)["activities"]] == [
        ("Intro call", "overdue", "Ann Smith")]
    code, out = run(db, capsys, "crm", "activities", "done", call["activity_id"], "--outcome", "keen")
    assert code == 0, out
    assert "Planned next: Send proposal" in out
    code, out = run(db, capsys, "crm", "activities", "list", "--prospect", ann, "--json")
    proposal = json.loads(out)["activities"][-1]
    assert [a["status"] for a in json.loads(out)["activities"]] == ["done", "open"]
    later = (date.today() + timedelta(days=20)).isoformat()
    code, out = run(db, capsys, "crm", "activities", "snooze", proposal["activity_id"], "--until", later)
    assert code == 0, out
    assert later in out
    code, out = run(db, capsys, "crm", "my-day")
    assert "Nothing due" in out
    assert run(db, capsys, "crm", "activities", "cancel", proposal["activity_id"])[0] == 0
    code, out = run(db, capsys, "crm", "activities", "done", proposal["activity_id"])
    assert code == 2
    assert "already cancelled" in out


def test_bad_input_exits_2_and_writes_nothing(db: list[str], tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "crm", "prospects", "import", write(tmp_path, HEADER + ROWS))[0] == 0
    ann = listed(db, capsys)[0]["prospect_id"]
    code, out = run(db, capsys, "crm", "activities", "add", ann, "--kind", "call", "--due", "tomorrow")
    assert code == 2
    assert "due: 'tomorrow' is not a due time; write YYYY-MM-DD" in out
    assert "Traceback" not in out
    code, out = run(db, capsys, "crm", "activities", "add", "no-such-id", "--kind", "call")
    assert code == 2
    assert "There is no prospect" in out
    code, out = run(db, capsys, "crm", "activities", "list", "--prospect", ann, "--json")
    assert json.loads(out)["activities"] == []


def test_chain_templates_from_a_file(db: list[str], tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(db, capsys, "crm", "chains", "list", "--json")
    templates = json.loads(out)["templates"]
    assert templates[0] == {"after_kind": "call", "after_title": None, "next_kind": "email",
                            "next_title": "Send proposal", "due_in_days": 3}
    templates[0]["due_in_days"] = 5
    path = tmp_path / "chains.json"
    path.write_text(json.dumps({"templates": templates[:1]}), encoding="utf-8")
    code, out = run(db, capsys, "crm", "chains", "set", str(path))
    assert code == 0, out
    code, out = run(db, capsys, "crm", "chains", "list")
    assert out.splitlines()[1].split() == ["call", "email", "'Send", "proposal'", "5"]
    path.write_text("[{\"after_kind\": \"fax\"}]", encoding="utf-8")
    code, out = run(db, capsys, "crm", "chains", "set", str(path))
    assert code == 2
    assert "chain template needs" in out
    path.write_text("{not json", encoding="utf-8")
    code, out = run(db, capsys, "crm", "chains", "set", str(path))
    assert code == 2
    assert "is not JSON" in out


def test_an_activity_on_an_investor(db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        investor = ctx.services.portfolio.investors.create_investor(admin, "INV-7", "Carla Rossi", "individual")
    finally:
        ctx.close()
    code, out = run(db, capsys, "crm", "activities", "add", "--investor", "INV-7", "--kind", "document_request",
                    "--title", "Annual KYC refresh", "--due", "2020-01-01")
    assert code == 0, out
    code, out = run(db, capsys, "crm", "my-day", "--json")
    assert [(a["title"], a["about"]) for a in json.loads(out)["activities"]] == [
        ("Annual KYC refresh", "Carla Rossi (INV-7)")]
    code, out = run(db, capsys, "crm", "activities", "list", "--investor", investor.investor_id, "--json")
    assert len(json.loads(out)["activities"]) == 1
    code, out = run(db, capsys, "crm", "activities", "add", "--kind", "call")
    assert code == 2
    assert "Name either the prospect" in out
