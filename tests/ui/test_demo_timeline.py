"""One demo timeline: the demo office opened as ``--demo`` opens it (its own clock, starting the business morning
after its last NAV) shows data in every "today" view: My day has overdue and due-today follow-ups, the
compliance queue has reviews coming due, the deal presets' periods hold deals, dialogs start on the last NAV
date, and the status bar says which date the demo is on."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QComboBox, QLabel
from pytestqt.qtbot import QtBot

from fidus_desktop.domain.crm.activities import DayBucket
from fidus_desktop.services.compliance.queue import Section
from fidus_desktop.services.demo import DEMO_NOW
from fidus_desktop.services.portfolio.demo import END
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.crm.tab import CrmTab
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.status import StatusPanel
from fidus_desktop.ui.trading.deals_panel import DealsPanel
from tests.support.demo import demo_context

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def session(demo_db: Path, inline_runner: InlineRunner) -> Iterator[UiSession]:
    with demo_context(demo_db) as (ctx, admin):
        yield UiSession(ctx, admin, inline_runner)


def test_the_demo_runs_on_its_own_day_and_the_status_bar_says_so(qtbot: QtBot, session: UiSession) -> None:
    now = session.now()
    assert DEMO_NOW <= now < DEMO_NOW + timedelta(minutes=5)  # it started there and runs in real time
    assert session.today() == DEMO_NOW.astimezone().date()
    assert END < session.today() <= END + timedelta(days=3)  # the business day after the last NAV
    assert session.on_demo_timeline()
    status = StatusPanel(session)
    qtbot.addWidget(status)
    assert status.demo_day is not None
    assert status.demo_day.text() == f"Demo — date {session.today():%-d %b %Y}"  # a British user's medium date
    assert "own clock" in status.demo_day.toolTip()


def test_my_day_opens_with_overdue_and_due_today_follow_ups(qtbot: QtBot, session: UiSession) -> None:
    tab = CrmTab(session)
    qtbot.addWidget(tab)
    tab.show()
    tab.views.setCurrentWidget(tab.my_day)
    buckets = Counter(item.bucket for item in session.services.crm_activities.my_day(session.actor))
    assert buckets[DayBucket.OVERDUE] > 0
    assert buckets[DayBucket.TODAY] > 0
    assert buckets[DayBucket.THIS_WEEK] > 0
    summary = tab.my_day.summary.text()
    overdue, today = (int(n) for n in re.match(r"(\d+) overdue · (\d+) today", summary).groups())  # type: ignore[union-attr]
    assert (overdue, today) == (buckets[DayBucket.OVERDUE], buckets[DayBucket.TODAY])


def test_the_compliance_queue_has_reviews_coming_due(session: UiSession) -> None:
    officer = session.services.users.by_username(session.actor, "sofia.keller").actor()
    queue = session.services.compliance_queue.queue(officer)
    reviews = queue.of(Section.REVIEWS)
    assert any(item.overdue for item in reviews), "a document lapsed before the demo's today"
    assert any(not item.overdue for item in reviews), "a document lapses within the month"
    assert queue.of(Section.DOCUMENTS), "documents received in the days before the demo's today"


def test_the_deal_presets_of_the_demo_day_hold_deals(qtbot: QtBot, session: UiSession) -> None:
    panel = DealsPanel(session)
    qtbot.addWidget(panel)
    account = next(a for a in session.services.trading.accounts.all() if a.login == 5001001)
    panel.show_account(account)  # no synced day given: the presets end on the office's today
    counts = {}
    for preset in ("Today", "This week", "This month"):
        panel.findChild(QComboBox, "dealsPeriod").setCurrentText(preset)
        counts[preset] = panel.model.rowCount()
        assert panel.start.date().toPython() <= session.now().date() < panel.end.date().toPython()
    assert all(counts.values()), counts
    assert panel.findChild(QLabel, "dealsCount").text().endswith("deals")


def test_the_dealing_dialog_starts_on_the_last_nav_date(qtbot: QtBot, session: UiSession) -> None:
    tab = PortfolioTab(session)
    qtbot.addWidget(tab)
    tab.show()
    assert tab.data_day() == END
    tab.open_dealing()
    assert tab.dialog is not None
    assert {name: edit.date() for name, edit in tab.dialog.dates.items()} == dict.fromkeys(tab.dialog.dates, END)
    assert tab.dialog.dates["trade_date"].today is not None
    assert tab.dialog.dates["trade_date"].today() == \
        session.today()
    tab.dialog.close()


def test_envelopes_out_for_signature_are_due_back_within_days_of_the_demo_day(session: UiSession) -> None:
    envelopes = session.services.envelopes
    now = envelopes.now()
    listed = {e.status_at(now).value: e for e in envelopes.page(session.actor)}
    assert {"sent", "partially_signed", "completed"} <= set(listed)
    assert "expired" not in listed
    for status in ("sent", "partially_signed"):
        expires = listed[status].expires_at
        assert expires is not None
        assert now < expires <= now + timedelta(days=14), (status, expires)
