"""Audit viewer queries: validated filters, keyset pages, CSV export, and tamper detection by seq."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.services.audit_query import AuditFilter, AuditQueryService
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from tests.support.audit import tamper
from tests.support.keys_office import NOW, PASSPHRASE, Office


@pytest.fixture
def query(office: Office) -> AuditQueryService:
    for name in ("ann", "ben", "cat"):
        office.actor(name, "back_office")
    office.keys.init(office.admin, PASSPHRASE)
    return office.ctx.services.audit_query


def test_pages_are_newest_first_and_keyed_by_seq(query: AuditQueryService, office: Office) -> None:
    everything = query.page(office.admin, AuditFilter())
    assert [e.seq for e in everything] == [5, 4, 3, 2, 1]
    first = query.page(office.admin, AuditFilter(), limit=3)
    rest = query.page(office.admin, AuditFilter(), before_seq=first[-1].seq, limit=3)
    assert [e.seq for e in first + rest] == [5, 4, 3, 2, 1]
    assert query.count(office.admin, AuditFilter(action="keys.")) == 1
    assert query.count(office.admin, AuditFilter(action="keys")) == 0  # no dot: exact action


def test_filters_by_actor_entity_action_and_dates(query: AuditQueryService, office: Office) -> None:
    entries = query.page(office.admin, AuditFilter(actor="admin", entity="user"))
    assert {e.actor for e in entries} == {"admin"}
    assert len(entries) == 3
    assert query.page(office.admin, AuditFilter(since=NOW, until=NOW + timedelta(seconds=1)))
    assert query.page(office.admin, AuditFilter(until=NOW)) == []
    assert query.page(office.admin, AuditFilter(action="nothing.like.this")) == []


@pytest.mark.parametrize(
    ("where", "field"),
    [
        (AuditFilter(actor=7), "actor"),  # type: ignore[arg-type]
        (AuditFilter(since=datetime(2026, 1, 1)), "since"),  # naive: which zone?
        (AuditFilter(since=NOW, until=NOW), "until"),
    ],
)
def test_bad_filters_name_the_field(query: AuditQueryService, office: Office, where: AuditFilter, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        query.page(office.admin, where)
    assert field in caught.value.problems


def test_bad_page_sizes_and_roles_are_refused(query: AuditQueryService, office: Office) -> None:
    with pytest.raises(ValidationError, match="1 to 1000"):
        query.page(office.admin, AuditFilter(), limit=0)
    with pytest.raises(PermissionDenied):
        query.page(office.actor("pm", "portfolio_manager"), AuditFilter())


def test_csv_export_writes_the_matching_entries(query: AuditQueryService, office: Office, tmp_path: Path) -> None:
    out = tmp_path / "audit.csv"
    assert query.export_csv(office.admin, AuditFilter(entity="user"), out) == 4
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["seq"] for r in rows] == ["4", "3", "2", "1"]
    assert rows[0]["action"] == "user.create"
    assert rows[0]["at"].startswith("2026-03-02T09:00")


def test_verify_names_the_first_tampered_entry(query: AuditQueryService, office: Office) -> None:
    assert query.verify(office.admin).ok
    tamper(office.ctx.store, 3, actor="mallory")
    verdict = query.verify(office.admin)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 3)
    assert "altered" in verdict.reason
