"""Follow-up activities through the service: logging, chains on completion, snooze, "my day" buckets,
reminders shown once (also those missed while closed), per-user lead, conversion links, erasure, permissions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.domain.crm.activities import ActivityKind, ActivityStatus, DayBucket
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm.activities import DEFAULT_LEAD_MINUTES
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.store.errors import ConcurrencyError
from tests.conftest import ADMIN_PASSWORD
from tests.support.clock import FakeClock

MONDAY_9 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_9)


@pytest.fixture
def office(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[AppContext, Actor, Actor]]:
    ctx = open_context(f"sqlite:///{(tmp_path / 'crm.db').as_posix()}", clock=clock, log_to_file=False)
    admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Admin").actor()
    pm = ctx.services.users.create_user(admin, "maria", ADMIN_PASSWORD, "portfolio_manager", "Maria").actor()
    yield ctx, admin, pm
    ctx.close()


def prospect(ctx: AppContext, actor: Actor, last: str = "Hartmann") -> str:
    return ctx.services.prospects.create(actor, {"first_name": "Amelia", "last_name": last}).prospect_id


def test_log_complete_chains_the_next_activity(office: tuple[AppContext, Actor, Actor], clock: FakeClock) -> None:
    ctx, _, pm = office
    activities = ctx.services.crm_activities
    pid = prospect(ctx, pm)
    call = activities.log(pm, pid, {"kind": "call", "title": "Intro call", "due": MONDAY_9 + timedelta(hours=2),
                                    "priority": "high", "notes": "Prefers mornings"})
    assert (call.assignee, call.status, call.priority.value) == ("maria", ActivityStatus.OPEN, "high")
    clock.advance(hours=3)
    done = activities.complete(pm, call.activity_id, outcome="Interested")
    assert done.done.status is ActivityStatus.DONE
    [planned] = done.planned
    assert (planned.kind, planned.title) == (ActivityKind.EMAIL, "Send proposal")
    assert planned.due == clock.now + timedelta(days=3)
    assert (planned.chained_from, planned.assignee) == (call.activity_id, "maria")
    assert [a.title for a in activities.for_record(pm, prospect_id=pid)] == ["Intro call", "Send proposal"]
    # the board's next follow-up is the day of the earliest open activity
    assert ctx.services.prospects.get(pm, pid).next_follow_up == planned.due.astimezone().date()
    activities.cancel(pm, planned.activity_id)
    assert ctx.services.prospects.get(pm, pid).next_follow_up is None
    with pytest.raises(ValidationError, match="already done"):
        activities.complete(pm, call.activity_id)
    entries = ctx.services.audit_query.page(office[1], AuditFilter(entity="crm_activity"))
    assert {e.action for e in entries} == {"crm.activity_log", "crm.activity_done", "crm.activity_cancel"}
    assert all("Prefers mornings" not in str(e) for e in entries)


def test_templates_are_data_an_admin_edits(office: tuple[AppContext, Actor, Actor]) -> None:
    ctx, admin, pm = office
    activities = ctx.services.crm_activities
    with pytest.raises(PermissionDenied):
        activities.set_chain_templates(pm, [])
    activities.set_chain_templates(admin, [{"after_kind": "todo", "after_title": "Send deck", "next_kind": "call",
                                            "next_title": "Discuss the deck", "due_in_days": 1}])
    pid = prospect(ctx, pm)
    other = activities.log(pm, pid, {"kind": "todo", "title": "Something else"})
    assert activities.complete(pm, other.activity_id).planned == ()
    deck = activities.log(pm, pid, {"kind": "todo", "title": "send DECK "})
    assert [a.title for a in activities.complete(pm, deck.activity_id).planned] == ["Discuss the deck"]
    with pytest.raises(ValidationError, match="0 to 365 days"):
        activities.set_chain_templates(admin, [{"after_kind": "call", "next_kind": "call", "next_title": "x",
                                                "due_in_days": 999}])


def test_bad_input_names_the_field_and_writes_nothing(office: tuple[AppContext, Actor, Actor]) -> None:
    ctx, _, pm = office
    activities = ctx.services.crm_activities
    pid = prospect(ctx, pm)
    with pytest.raises(ValidationError) as caught:
        activities.log(pm, pid, {"kind": "fax", "due": "next tuesday", "priority": "urgent"})
    assert set(caught.value.problems) == {"kind", "due", "priority"}
    with pytest.raises(ValidationError, match="no prospect"):
        activities.log(pm, "nope", {"kind": "call"})
    assert activities.for_record(pm, prospect_id=pid) == []


def test_my_day_buckets_and_snooze(office: tuple[AppContext, Actor, Actor], clock: FakeClock) -> None:
    ctx, admin, pm = office
    activities = ctx.services.crm_activities
    pid = prospect(ctx, pm)
    for title, due in [("late", MONDAY_9 - timedelta(days=1)), ("today", MONDAY_9 + timedelta(hours=5)),
                       ("thursday", MONDAY_9 + timedelta(days=3)), ("next week", MONDAY_9 + timedelta(days=8))]:
        activities.log(pm, pid, {"kind": "call", "title": title, "due": due})
    activities.log(pm, pid, {"kind": "call", "title": "someone else's", "due": MONDAY_9, "assignee": "lena"})
    day = activities.my_day(pm, MONDAY_9)
    assert [(i.activity.title, i.bucket) for i in day] == [
        ("late", DayBucket.OVERDUE), ("today", DayBucket.TODAY), ("thursday", DayBucket.THIS_WEEK)]
    assert {i.about for i in day} == {"Amelia Hartmann"}
    assert len(activities.my_day(pm, MONDAY_9, include_later=True)) == 4
    late = day[0].activity
    with pytest.raises(ValidationError, match="future"):
        activities.snooze(pm, late.activity_id, MONDAY_9 - timedelta(hours=1))
    activities.snooze(pm, late.activity_id, "2026-03-03 10:30")
    assert [i.bucket for i in activities.my_day(pm, MONDAY_9)][:1] == [DayBucket.TODAY]
    with pytest.raises(ConcurrencyError):
        activities.snooze(pm, late.activity_id, MONDAY_9 + timedelta(days=1), version=late.version)
    assert activities.my_day(admin, MONDAY_9) == []


def test_reminders_show_once_with_the_users_lead(office: tuple[AppContext, Actor, Actor], clock: FakeClock) -> None:
    ctx, _, pm = office
    activities = ctx.services.crm_activities
    pid = prospect(ctx, pm)
    missed = activities.log(pm, pid, {"kind": "call", "title": "missed while closed",
                                      "due": MONDAY_9 - timedelta(days=2)})
    soon = activities.log(pm, pid, {"kind": "meeting", "title": "soon", "due": MONDAY_9 + timedelta(minutes=10)})
    activities.log(pm, pid, {"kind": "call", "title": "later", "due": MONDAY_9 + timedelta(hours=2)})
    assert activities.reminder_lead(pm) == DEFAULT_LEAD_MINUTES
    assert [i.activity.title for i in activities.due_reminders(pm)] == ["missed while closed", "soon"]
    activities.mark_reminded(pm, [missed.activity_id, soon.activity_id])
    assert activities.due_reminders(pm) == []
    activities.set_reminder_lead(pm, 180)
    assert [i.activity.title for i in activities.due_reminders(pm)] == ["later"]
    activities.snooze(pm, soon.activity_id, MONDAY_9 + timedelta(hours=1))  # reminded again before the new time
    assert "soon" in [i.activity.title for i in activities.due_reminders(pm)]
    activities.set_reminder_lead(pm, None)
    assert activities.due_reminders(pm) == []
    with pytest.raises(ValidationError, match="10080"):
        activities.set_reminder_lead(pm, -5)


def test_conversion_links_activities_and_erasure_blanks_them(office: tuple[AppContext, Actor, Actor]) -> None:
    ctx, admin, pm = office
    activities = ctx.services.crm_activities
    pid = prospect(ctx, pm)
    activities.log(pm, pid, {"kind": "call", "title": "Intro"}, done=True)
    ctx.services.prospects.move(pm, pid, "Won")
    investor_id = ctx.services.prospects.convert(admin, pid)  # converting needs investors.manage too
    assert [a.investor_id for a in activities.for_record(pm, investor_id=investor_id)] == [investor_id]
    assert ctx.services.kyc.case_of(admin, investor_id) is not None  # onboarding starts with its KYC case
    other = prospect(ctx, pm, "Vogel")
    activities.log(pm, other, {"kind": "todo", "notes": "private"})
    exported = json.loads(ctx.services.personal_data.export_person(admin, other)[0])
    assert [a["notes"] for a in exported["collections"]["crm_activities"]] == ["private"]
    assert len(exported["collections"]["crm_stage_changes"]) == 1
    ctx.services.personal_data.erase_person(admin, other, now=MONDAY_9)
    [erased] = activities.for_record(admin, prospect_id=other)
    assert (erased.title, erased.notes) == ("[erased]", "[erased]")


def test_permissions(office: tuple[AppContext, Actor, Actor]) -> None:
    ctx, admin, pm = office
    officer = ctx.services.users.create_user(admin, "cora", ADMIN_PASSWORD, Role.COMPLIANCE_OFFICER.value,
                                             "Cora").actor()
    pid = prospect(ctx, pm)
    call = ctx.services.crm_activities.log(pm, pid, {"kind": "call"})
    assert call.title == "Call"
    with pytest.raises(PermissionDenied):
        ctx.services.crm_activities.log(officer, pid, {"kind": "call"})
    with pytest.raises(PermissionDenied):
        ctx.services.crm_activities.complete(officer, call.activity_id)
    assert len(ctx.services.crm_activities.for_record(officer, prospect_id=pid)) == 1
