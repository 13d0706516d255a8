"""What time it is for the office: the one place the product reads the PC's clock.

Services read "now" from their ``ServiceContext.clock`` (the composition root chooses it) and screens ask the
session (``UiSession.now``/``today``), never ``date.today()`` or ``datetime.now()`` themselves
(tests/test_clock_guard.py keeps it so). A real office's clock is the PC's. The demo office's data ends on a
fixed day, so its clock starts there and runs on in real time (``Clock.starting_at``): "today" in CRM, the
compliance queue, envelope expiries, dealing and the MT5 simulator is the demo's day, and every view opens on
data. Only a few things follow the PC's clock whatever the office's date (``wall_now``): authenticator codes,
a real MT5 terminal, the database's own housekeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta


def wall_now() -> datetime:
    """The PC's clock in UTC: for what must follow real time even on the demo's timeline."""
    return datetime.now(UTC)


class Clock:
    """Callable like ``wall_now``: the PC's clock, moved by a fixed ``offset`` (zero for a real office)."""

    def __init__(self, offset: timedelta = timedelta(0), source: Callable[[], datetime] = wall_now) -> None:
        self.offset, self.source = offset, source

    @classmethod
    def starting_at(cls, moment: datetime, source: Callable[[], datetime] = wall_now) -> Clock:
        """A clock that says ``moment`` now and runs on in real time from there (the demo's)."""
        return cls(moment - source(), source)

    def __call__(self) -> datetime:
        return self.source() + self.offset

    @property
    def shifted(self) -> bool:
        """True when this clock is not the PC's (the demo's timeline): the status bar says so."""
        return bool(self.offset)

    def wall(self) -> datetime:
        """The PC's time behind this clock."""
        return self.source()


def local_today(clock: Callable[[], datetime]) -> date:
    """The day it is on ``clock`` in this workstation's time zone (what a user means by "today")."""
    return clock().astimezone().date()


def wall_time(clock: Callable[[], datetime]) -> datetime:
    """The PC's time behind ``clock``: a shifted ``Clock``'s wall time, any other clock's own (a test's fake)."""
    return clock.wall() if isinstance(clock, Clock) else clock()
