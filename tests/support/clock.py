"""A clock tests move by hand (lockout expiry, TOTP steps, challenge expiry)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Callable like ``fidus_desktop.clock.wall_now``; starts at a fixed Monday morning and moves only when told."""

    def __init__(self, now: datetime = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
