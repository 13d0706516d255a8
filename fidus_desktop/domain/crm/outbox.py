"""The Google outbox's policy: which failures are retried, when, and which need a person.

Every Google action is a stored job first, run later by a worker (services/crm/outbox.py). This module only
decides: 429 and 5xx (and network errors) are retried with exponential backoff and full jitter, capped, up to
``MAX_ATTEMPTS``; 401 or ``invalid_grant`` means the user's consent was revoked or expired (reconnect Google);
403 means a missing scope or a refused permission; other 4xx are the request's fault. Those stop and wait for
a person, with the reason shown in the tab.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

BASE_DELAY = timedelta(seconds=2)
MAX_DELAY = timedelta(minutes=30)
MAX_ATTEMPTS = 8


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for its time (``next_attempt_at``)
    RUNNING = "running"  # claimed by a worker (a worker that died leaves it to be re-checked, never re-sent blind)
    DONE = "done"
    FAILED = "failed"  # needs a person: retry or cancel in the tab
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    RETRY = "retry"
    RECONNECT = "reconnect"  # consent revoked or expired: "Reconnect Google"
    NEEDS_PERSON = "needs_person"


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reason: str
    next_attempt_at: datetime | None = None


def classify(status: int | None, detail: str = "") -> Outcome:
    """What an HTTP status (None: no answer, a network error) means for the job."""
    if status is None or status == 429 or 500 <= status <= 599:
        return Outcome.RETRY
    if status == 401 or "invalid_grant" in detail:
        return Outcome.RECONNECT
    return Outcome.NEEDS_PERSON


def backoff(attempt: int, rng: random.Random) -> timedelta:
    """Delay before retry number ``attempt`` (1, 2, …): uniform in [0, min(cap, base × 2^(attempt-1))]."""
    ceiling = min(MAX_DELAY.total_seconds(), BASE_DELAY.total_seconds() * 2 ** max(0, attempt - 1))
    return timedelta(seconds=rng.uniform(0, ceiling))


def after_failure(status: int | None, detail: str, attempts: int, now: datetime, rng: random.Random) -> Decision:
    """The job's fate after failed attempt number ``attempts``."""
    outcome = classify(status, detail)
    what = f"HTTP {status}" if status is not None else "no answer from Google"
    if outcome is Outcome.RECONNECT:
        return Decision(outcome, f"{what}: Google access was revoked or has expired; reconnect Google, then retry.")
    if outcome is Outcome.NEEDS_PERSON:
        hint = "a permission (scope) is missing; reconnect Google to grant it" if status == 403 else detail
        return Decision(outcome, f"{what}: {hint}".rstrip(": "))
    if attempts >= MAX_ATTEMPTS:
        return Decision(Outcome.NEEDS_PERSON, f"{what} {attempts} times; retry later or cancel.")
    return Decision(outcome, f"{what}; retrying", now + backoff(attempts, rng))
