"""The office clock: the PC's for a real office, the demo's timeline for ``--demo`` (a fixed offset, so it runs
in real time), and the PC's time behind it for authenticator codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.clock import Clock, local_today, wall_time
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.demo import DEMO_NOW, demo_clock
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.status import StatusPanel
from tests.support.clock import FakeClock


def test_a_clock_started_at_a_moment_runs_on_in_real_time() -> None:
    pc = FakeClock(datetime(2026, 12, 7, 9, 30, tzinfo=UTC))
    clock = Clock.starting_at(datetime(2026, 4, 13, 8, tzinfo=UTC), source=pc)
    assert clock() == datetime(2026, 4, 13, 8, tzinfo=UTC)
    pc.advance(minutes=90)
    assert clock() == datetime(2026, 4, 13, 9, 30, tzinfo=UTC)
    assert clock.shifted
    assert clock.wall() == wall_time(clock) == datetime(2026, 12, 7, 11, tzinfo=UTC)


def test_the_pc_clock_is_not_shifted_and_a_fake_clock_is_its_own_wall_time() -> None:
    assert not Clock().shifted
    assert abs(Clock()() - datetime.now(UTC)) < timedelta(seconds=5)
    fake = FakeClock()
    assert wall_time(fake) == fake.now


def test_today_is_the_workstations_day_on_that_clock() -> None:
    moment = datetime(2026, 4, 12, 23, 30, tzinfo=UTC)
    assert local_today(lambda: moment) == moment.astimezone().date()


def test_the_demo_clock_starts_the_business_morning_after_the_last_nav() -> None:
    from fidus_desktop.services.portfolio.demo import END

    assert DEMO_NOW - demo_clock()() < timedelta(seconds=5)
    assert DEMO_NOW.date() == date(2026, 4, 13)
    assert DEMO_NOW.weekday() == 0
    assert END == date(2026, 4, 10)


def test_a_real_office_runs_on_the_pc_clock(qtbot: QtBot, app_context: AppContext, admin: Actor,
                                            inline_runner: InlineRunner) -> None:
    clock = app_context.services.ctx.clock
    assert isinstance(clock, Clock)
    assert not clock.shifted
    session = UiSession(app_context, admin, inline_runner)
    assert not session.on_demo_timeline()
    assert session.today() == date.today()
    status = StatusPanel(session)
    qtbot.addWidget(status)
    assert status.demo_day is None  # no demo date in a real office's status bar
