"""Merging duplicate prospects: groups found by shared keys, the kept one's empty fields filled, stage log and
activities moved, the duplicate removed, one audited transaction; a converted duplicate is refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from tests.conftest import ADMIN_PASSWORD
from tests.crm.test_prospects_cli import HEADER, ROWS, write
from tests.keys_backup import test_cli
from tests.keys_backup.test_cli import run

db = test_cli.db


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[AppContext, Actor]]:
    ctx = open_context(f"sqlite:///{(tmp_path / 'crm.db').as_posix()}", log_to_file=False)
    yield ctx, ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Admin").actor()
    ctx.close()


def test_merge_keeps_history_and_activities(office: tuple[AppContext, Actor]) -> None:
    ctx, admin = office
    prospects, activities = ctx.services.prospects, ctx.services.crm_activities
    keep = prospects.create(admin, {"first_name": "Ann", "last_name": "Smith", "email": "ann@example.com"})
    dup = prospects.create(admin, {"first_name": "Ann", "last_name": "Smith", "phone": "+44 20 7946 0018",
                                   "expected_amount": "250000", "currency": "EUR", "stage": "Lead"},
                           allow_duplicates=True)
    other = prospects.create(admin, {"organisation": "Unrelated Trust"})
    prospects.move(admin, dup.prospect_id, "Negotiation")
    activities.log(admin, dup.prospect_id, {"kind": "call", "title": "Intro"})
    assert [[p.prospect_id for p in g] for g in prospects.duplicate_groups(admin)] == [
        [keep.prospect_id, dup.prospect_id]]
    merged = prospects.merge(admin, keep.prospect_id, dup.prospect_id)
    assert (merged.email, merged.phone, merged.expected_amount, merged.currency) == (
        "ann@example.com", "+44 20 7946 0018", 250000, "EUR")
    assert merged.stage == "Lead"  # the kept prospect's stage stays
    moves = prospects.history(admin, keep.prospect_id)
    assert [(m.from_stage, m.to_stage) for m in moves] == [(None, "Lead"), (None, "Lead"), ("Lead", "Negotiation")]
    assert [a.title for a in activities.for_record(admin, prospect_id=keep.prospect_id)] == ["Intro"]
    with pytest.raises(ValidationError, match="no prospect"):
        prospects.get(admin, dup.prospect_id)
    assert prospects.duplicate_groups(admin) == []
    [entry] = ctx.services.audit_query.page(admin, AuditFilter(action="crm.prospect_merge"))
    # the duplicate's follow-up day came from its open activity
    assert entry.after == {"kept": keep.prospect_id,
                           "filled": ["currency", "expected_amount", "next_follow_up", "phone"]}
    assert "7946" not in str(entry)
    assert prospects.get(admin, other.prospect_id).organisation == "Unrelated Trust"


def test_merge_refusals(office: tuple[AppContext, Actor]) -> None:
    ctx, admin = office
    prospects = ctx.services.prospects
    a = prospects.create(admin, {"last_name": "Lee", "email": "lee@example.com"})
    b = prospects.create(admin, {"last_name": "Lee", "email": "lee@example.com"}, allow_duplicates=True)
    prospects.move(admin, b.prospect_id, "Won")
    prospects.convert(admin, b.prospect_id)
    with pytest.raises(ValidationError, match="became an investor"):
        prospects.merge(admin, a.prospect_id, b.prospect_id)
    with pytest.raises(ValidationError, match="two different"):
        prospects.merge(admin, a.prospect_id, a.prospect_id)
    officer = ctx.services.users.create_user(admin, "cora", ADMIN_PASSWORD, "compliance_officer", "C").actor()
    with pytest.raises(PermissionDenied):
        prospects.merge(officer, b.prospect_id, a.prospect_id)
    c = prospects.create(admin, {"last_name": "Lee", "email": "lee@example.com"}, allow_duplicates=True)
    ctx.store.collection("crm_mail").insert({"party_id": c.prospect_id, "subject": "Hello"})  # mail read from Gmail
    with pytest.raises(ValidationError, match="has Google e-mails"):
        prospects.merge(admin, a.prospect_id, c.prospect_id)
    merged = prospects.merge(admin, b.prospect_id, a.prospect_id)  # into the converted one is fine
    assert merged.investor_id


def test_cli_duplicates_merge_and_export(db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db, capsys, "crm", "prospects", "import", write(tmp_path, HEADER + ROWS))[0] == 0
    again = HEADER + "Ann,Smith,,,+44 20 7946 0018,GB,event,,,\n"
    code, out = run(db, capsys, "crm", "prospects", "import", write(tmp_path, again), "--allow-duplicates")
    assert code == 0, out
    code, out = run(db, capsys, "crm", "duplicates", "--json")
    [group] = json.loads(out)["groups"]
    keep, duplicate = (p["prospect_id"] for p in group)
    code, out = run(db, capsys, "crm", "merge", keep, duplicate)
    assert code == 0, out
    assert "history and activities moved" in out
    assert "No duplicate prospects." in run(db, capsys, "crm", "duplicates")[1]
    code, out = run(db, capsys, "crm", "export", "--format", "xlsx", "--out", str(tmp_path / "prospects"))
    assert code == 0, out
    assert "Exported 3 prospect(s)" in out
    sheet = load_workbook(tmp_path / "prospects.xlsx").active
    header = [c.value for c in sheet[1]]
    assert {"first_name", "last_name", "organisation", "email", "phone", "expected_amount", "stage"} <= set(header)
    values = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert sorted(v["last_name"] or v["organisation"] for v in values) == ["Acme Pension Trust", "Jones", "Smith"]
    assert next(v for v in values if v["last_name"] == "Jones")["expected_amount"] == 1000000
    assert oct((tmp_path / "prospects.xlsx").stat().st_mode & 0o777) == "0o600"
    code, out = run(db, capsys, "crm", "merge", keep, keep)
    assert code == 2
    assert "two different" in out
