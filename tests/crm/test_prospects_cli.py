"""Prospects through ``fidus crm`` and the service: import checked as a whole, duplicates, stage log,
conversion exactly once, permissions."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.prospects import DuplicatesFound
from fidus_desktop.services.permissions import PermissionDenied, Role
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run

db = test_cli.db
HEADER = "first_name,last_name,organisation,email,phone,country,source,expected_amount,currency,stage\n"
ROWS = ("Ann,Smith,,ann@example.com,+44 20 7946 0018,GB,referral,250000,EUR,Lead\n"
        "Bob,Jones,Jones Holdings Ltd,bob@example.com,,DE,event,1000000,USD,Negotiation\n"
        ",,Acme Pension Trust,info@acme.example,,CH,website,,,\n")


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "prospects.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def listed(db: list[str], capsys: pytest.CaptureFixture[str], *extra: str) -> list[dict[str, object]]:
    code, out = run(db, capsys, "crm", "prospects", "list", "--json", *extra)
    assert code == 0, out
    return json.loads(out)["prospects"]


def test_import_list_move_and_convert_once(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(db, capsys, "crm", "prospects", "import", write(tmp_path, HEADER + ROWS))
    assert code == 0, out
    assert "Imported 3 prospect(s)" in out
    prospects = {p["last_name"] or p["organisation"]: p for p in listed(db, capsys)}
    assert prospects["Acme Pension Trust"]["stage"] == "Lead"
    assert [p["last_name"] for p in listed(db, capsys, "--stage", "negotiation")] == ["Jones"]
    ann = prospects["Smith"]["prospect_id"]
    code, out = run(db, capsys, "crm", "convert", ann)
    assert code == 2
    assert "Only a won prospect" in out
    code, out = run(db, capsys, "crm", "move", ann, "--stage", "Lost")
    assert code == 2
    assert "lost reason" in out
    assert run(db, capsys, "crm", "move", ann, "--stage", "Won")[0] == 0
    code, first = run(db, capsys, "crm", "convert", ann, "--json")
    assert code == 0, first
    code, second = run(db, capsys, "crm", "convert", ann, "--json")
    assert json.loads(first)["investor_id"] == json.loads(second)["investor_id"]
    code, out = run(db, capsys, "investors", "list", "--json")
    assert [i["name"] for i in json.loads(out)["investors"]] == ["Ann Smith"]
    code, out = run(db, capsys, "investors", "show", json.loads(first)["investor_id"], "--json")
    assert json.loads(out)["residence_country"] == "GB"  # a person's CRM country is where it lives
    code, out = run(db, capsys, "crm", "move", ann, "--stage", "Lead")
    assert code == 2
    assert "converted" in out


def test_a_bad_file_writes_nothing_and_names_each_line(db: list[str], tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    bad = (HEADER + ROWS + "Cid,,,not-an-email,12,XYZ,,-5,EUR,Lead\n"
           "Dan,Smith,,ann@example.com,,GB,,,,Lead\n"
           "Eve,Stone,,,,,,,,Nowhere\n")
    code, out = run(db, capsys, "crm", "prospects", "import", write(tmp_path, bad))
    assert code == 2
    assert "Nothing was imported" in out
    for expected in ("line 5: last_name: Give a last name or an organisation", "line 5: country",
                     "line 5: email", "line 5: expected_amount", "line 6: email: the same as line 2",
                     "line 7: stage: There is no stage 'Nowhere'"):
        assert expected in out
    assert listed(db, capsys) == []
    code, out = run(db, capsys, "crm", "prospects", "import", write(tmp_path, "name,mail\nx,y\n"))
    assert code == 2
    assert "Unknown column(s) name, mail" in out


def test_duplicates_of_prospects_and_investors_are_flagged(db: list[str], tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "crm", "prospects", "import", write(tmp_path, HEADER + ROWS))[0] == 0
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        ctx.services.portfolio.investors.create_investor(admin, "INV-9", "Carla Rossi", "individual",
                                                         email="carla@example.com")
        with pytest.raises(DuplicatesFound) as found:
            ctx.services.prospects.create(admin, {"first_name": "A.", "last_name": "Smyth", "phone": "020 7946 0018",
                                                  "country": "GB", "email": "CARLA@example.com"})
        assert {(m.candidate.kind, m.fields) for m in found.value.matches} == {("prospect", ("phone",)),
                                                                               ("investor", ("email",))}
        kept = ctx.services.prospects.create(admin, {"last_name": "Smyth", "phone": "020 7946 0018", "country": "GB"},
                                             allow_duplicates=True)
        assert kept.phone == "020 7946 0018"
    finally:
        ctx.close()


def test_stage_moves_are_logged_with_time_in_stage_and_lost_needs_a_listed_reason(db: list[str]) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        p = ctx.services.prospects.create(admin, {"last_name": "Lee", "email": "lee@example.com"})
        with pytest.raises(ValidationError, match="not a lost reason"):
            ctx.services.prospects.move(admin, p.prospect_id, "Lost", reason="Weather")
        ctx.services.prospects.move(admin, p.prospect_id, "Lost", reason="Timing", note="call again in spring")
        ctx.services.prospects.move(admin, p.prospect_id, "Lead")  # reopened
        moves = ctx.services.prospects.history(admin, p.prospect_id)
        assert [(m.from_stage, m.to_stage, m.reason) for m in moves] == [
            (None, "Lead", None), ("Lead", "Lost", "Timing"), ("Lost", "Lead", None)]
        assert all(m.seconds_in_previous is not None and m.seconds_in_previous >= 0 for m in moves[1:])
        audit = [e["action"] for e in ctx.store.collection("audit").find({}) if e["action"].startswith("crm.")]
        assert audit == ["crm.prospect_create", "crm.prospect_move", "crm.prospect_move"]
        assert "lee@example.com" not in json.dumps(list(ctx.store.collection("audit").find({})), default=str)
    finally:
        ctx.close()


def test_two_conversions_at_once_make_one_investor(db: list[str]) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        admin = ctx.services.users.authenticate("alice", test_cli.ADMIN_PASSWORD).actor()
        p = ctx.services.prospects.create(admin, {"last_name": "Race", "organisation": "Race Capital"})
        ctx.services.prospects.move(admin, p.prospect_id, "Won")
        barrier, results = threading.Barrier(2), []

        def convert() -> None:
            barrier.wait()
            results.append(ctx.services.prospects.convert(admin, p.prospect_id))

        threads = [threading.Thread(target=convert) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 2
        assert len(set(results)) == 1
        assert ctx.services.portfolio.investors.investors.count() == 1
    finally:
        ctx.close()


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_and_manage_prospects(db: list[str], role: Role) -> None:
    ctx = open_context(db[1], log_to_file=False)
    try:
        actor = Actor("u-x", "xavier", role, workstation="test")
        can = set()
        for name, attempt in (("read", lambda: ctx.services.prospects.list(actor)),
                              ("manage", lambda: ctx.services.prospects.create(actor, {"last_name": "Z"})),
                              ("stages", lambda: ctx.services.crm_stages.set_lost_reasons(actor, ["Fees"]))):
            try:
                attempt()
                can.add(name)
            except PermissionDenied:
                pass
        assert can == {Role.ADMIN: {"read", "manage", "stages"}, Role.PORTFOLIO_MANAGER: {"read", "manage"},
                       Role.BACK_OFFICE: {"read", "manage"}, Role.COMPLIANCE_OFFICER: {"read"},
                       Role.CLIENT: set()}[role]
    finally:
        ctx.close()
