"""Deterministic demo data for a believable fund office (``--demo``, ``fidus init --demo``, tests).

Each feature declares its builders (``Feature.demo``: an order and a ``"module:function"``); ``load_demo``
runs every builder of the wired features in order with one seeded ``random.Random``, so the same seed always
gives the same office. Builders are imported only when a demo is loaded. Demo users get random
passwords that are never shown or stored in clear: a demo database is entered with ``--demo`` only.

One demo timeline: the portfolio's data ends on Friday 2026-04-10 (its last NAV; the shipped ECB rates run to
Monday the 13th), so the demo office runs on a clock that starts on the Monday morning after it (``DEMO_NOW``),
when Friday's NAV is the latest, and runs on in real time (``demo_clock``). Builders date what they make from the
services' clock (CRM follow-ups, KYC reviews and expiries, envelope expiries, MT5 history), so "today",
"overdue" and "this week" are the demo's, and its audit entries are in April 2026 too.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from fidus_desktop.clock import Clock
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Services

DEMO_SEED = 20261128
DemoBuilder = Callable[["DemoRun"], None]
# The demo's "now" when it opens: the next business morning after its last NAV date (services.portfolio.demo.END,
# Friday 2026-04-10), 10:00 in Frankfurt, 09:00 in London: a day of follow-ups ahead, Friday's NAV the latest.
DEMO_NOW = datetime(2026, 4, 13, 8, tzinfo=UTC)


def demo_clock() -> Clock:
    """The demo office's clock: ``DEMO_NOW`` at the moment it is made, then real time."""
    return Clock.starting_at(DEMO_NOW)


@dataclass
class DemoRun:
    """What builders share: the services, the seeded RNG, the acting admin, and notes for later builders."""

    services: Services
    rng: random.Random
    actor: Actor
    made: dict[str, Any] = field(default_factory=dict)


def load_demo(services: Services, seed: int = DEMO_SEED) -> DemoRun:
    """Fill an empty database with the demo office."""
    if services.users.count() > 0:
        raise ValidationError("Demo data can only be loaded into an empty database.")
    admin = services.users.create_first_admin(DEMO_ADMIN, _throwaway_password(), "Demo Administrator")
    run = DemoRun(services, random.Random(seed), admin.actor())
    run.made["admin"] = admin
    for build in services.demo_builders():
        build(run)
    return run


def _throwaway_password() -> str:
    return secrets.token_urlsafe(24)


DEMO_ADMIN = "demo.admin"
DEMO_PEOPLE = [
    ("maria.costa", "Maria Costa", "portfolio_manager"),
    ("james.okafor", "James Okafor", "compliance_officer"),
    ("lena.fischer", "Lena Fischer", "back_office"),
    ("sofia.keller", "Sofia Keller", "compliance_officer"),  # the second officer of four-eyes decisions
]
DEMO_USERNAMES = frozenset({DEMO_ADMIN, *(username for username, _, _ in DEMO_PEOPLE)})


def demo_users(run: DemoRun) -> None:
    """One colleague per role (order 10: before every builder that acts as one of them)."""
    for username, name, role in DEMO_PEOPLE:
        run.made[username] = run.services.users.create_user(run.actor, username, _throwaway_password(), role, name)
