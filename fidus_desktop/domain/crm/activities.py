"""Follow-up activities: kinds, statuses, what "my day" shows, and chains that plan the next step.

A chain template says: when an activity of kind K titled T is completed, plan kind K2 titled T2 due N days
later for the same assignee and record (e.g. call done → send proposal in 3 days). Templates are data an
admin edits; this module only applies them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ActivityError(ValueError):
    """An activity or chain template that breaks the rules."""


class ActivityKind(StrEnum):
    CALL = "call"
    EMAIL = "email"
    MEETING = "meeting"
    TODO = "todo"
    DOCUMENT_REQUEST = "document_request"


class ActivityStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class ChainTemplate:
    """When ``after_kind`` (and, if given, ``after_title``) is done, plan ``next_kind`` ``next_title``."""

    after_kind: ActivityKind
    after_title: str | None
    next_kind: ActivityKind
    next_title: str
    due_in_days: int

    def __post_init__(self) -> None:
        if not 0 <= self.due_in_days <= 365:
            raise ActivityError("A chained activity is due 0 to 365 days after the one completed.")
        if not self.next_title.strip():
            raise ActivityError("A chained activity needs a title.")

    def applies_to(self, kind: ActivityKind, title: str) -> bool:
        return kind is self.after_kind and (self.after_title is None
                                            or self.after_title.casefold() == title.strip().casefold())


@dataclass(frozen=True, slots=True)
class PlannedActivity:
    kind: ActivityKind
    title: str
    due: datetime


def chained(templates: Iterable[ChainTemplate], kind: ActivityKind, title: str,
            completed_at: datetime) -> list[PlannedActivity]:
    """The activities to plan now that ``kind``/``title`` was completed at ``completed_at``."""
    return [PlannedActivity(t.next_kind, t.next_title, completed_at + timedelta(days=t.due_in_days))
            for t in templates if t.applies_to(kind, title)]


class DayBucket(StrEnum):
    OVERDUE = "overdue"
    TODAY = "today"
    THIS_WEEK = "this_week"
    LATER = "later"


def day_bucket(due: datetime, now: datetime) -> DayBucket:
    """Where an open activity due at ``due`` goes in "my day": past its time is overdue; weeks end on Sunday
    (both in the time zone of ``now``)."""
    if due < now:
        return DayBucket.OVERDUE
    today = now.date()
    if due.date() == today:
        return DayBucket.TODAY
    week_end = today + timedelta(days=6 - today.weekday())
    return DayBucket.THIS_WEEK if due.date() <= week_end else DayBucket.LATER


@dataclass(frozen=True, slots=True)
class Reminder:
    activity_id: str
    due: datetime
    remind_at: datetime


def reminders_due(activities: Sequence[tuple[str, datetime]], lead: timedelta, now: datetime,
                  already_shown: set[str]) -> list[Reminder]:
    """Reminders to show now: ``lead`` before each due time, including those missed while the app was closed,
    each once."""
    out = [Reminder(aid, due, due - lead) for aid, due in activities
           if due - lead <= now and aid not in already_shown]
    return sorted(out, key=lambda r: r.due)
