"""The background runner's delivery rules, with real threads: owner, key, failures, announced changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QDialog, QLabel, QWidget
from pytestqt.qtbot import QtBot

from fidus_desktop.services.base import ValidationError
from fidus_desktop.ui.background import Runner
from fidus_desktop.ui.errors import describe_error

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def runner() -> Iterator[Runner]:
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    yield Runner(pool)
    pool.waitForDone(5000)


def gated(value: object) -> tuple[threading.Event, Callable[[], object]]:
    """A job that returns ``value`` once the test opens its gate."""
    gate = threading.Event()

    def job() -> object:
        assert gate.wait(5)
        return value

    return gate, job


def settle(qtbot: QtBot, runner: Runner) -> None:
    """Every job finished and its result delivered or dropped on the GUI thread."""
    assert runner.wait(5000)
    qtbot.waitUntil(lambda: runner.pending() == 0, timeout=5000)


def test_a_result_for_a_closed_dialog_is_dropped(qtbot: QtBot, runner: Runner) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    got: list[object] = []
    gate, job = gated("figures")
    runner.submit(job, owner=dialog, on_done=got.append)
    dialog.close()  # the user closed it while the job ran
    gate.set()
    settle(qtbot, runner)
    assert got == []


def test_a_result_for_a_deleted_widget_is_dropped_and_a_live_one_gets_its_own(qtbot: QtBot, runner: Runner) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    doomed, kept = QLabel(window), QLabel(window)
    got: list[object] = []
    gate, job = gated("doomed")
    runner.submit(job, owner=doomed, on_done=got.append)
    runner.submit(lambda: "kept", owner=kept, on_done=got.append)
    doomed.deleteLater()
    qtbot.waitUntil(lambda: got == ["kept"])
    qtbot.wait(10)  # deleteLater is processed by the event loop
    gate.set()
    settle(qtbot, runner)
    assert got == ["kept"]


def test_a_dialog_not_yet_shown_still_gets_its_result(qtbot: QtBot, runner: Runner) -> None:
    dialog = QDialog()  # fills itself before open()
    qtbot.addWidget(dialog)
    got: list[object] = []
    runner.submit(lambda: "choices", owner=dialog, on_done=got.append)
    settle(qtbot, runner)
    assert got == ["choices"]


def test_a_newer_job_with_the_same_key_supersedes_the_older(qtbot: QtBot, runner: Runner) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    got: list[object] = []
    slow_gate, slow = gated("fund A")
    runner.submit(slow, owner=owner, key="overview", on_done=got.append)
    runner.submit(lambda: "fund B", owner=owner, key="overview", on_done=got.append)
    qtbot.waitUntil(lambda: got == ["fund B"])
    slow_gate.set()  # the older answer arrives last
    settle(qtbot, runner)
    assert got == ["fund B"]


def test_keys_are_per_owner(qtbot: QtBot, runner: Runner) -> None:
    first, second = QWidget(), QWidget()
    for widget in (first, second):
        qtbot.addWidget(widget)
        widget.show()
    got: list[object] = []
    runner.submit(lambda: "first", owner=first, key="load", on_done=got.append)
    runner.submit(lambda: "second", owner=second, key="load", on_done=got.append)
    settle(qtbot, runner)
    assert sorted(got) == ["first", "second"]


def test_a_superseded_read_that_has_not_started_does_not_run(qtbot: QtBot) -> None:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    runner = Runner(pool)
    owner = QWidget()
    qtbot.addWidget(owner)
    ran: list[str] = []
    gate, blocker = gated(None)
    runner.submit(blocker, owner=owner, key="blocker")  # occupies the only thread
    runner.submit(lambda: ran.append("old"), owner=owner, key="load")
    runner.submit(lambda: ran.append("new"), owner=owner, key="load")
    gate.set()
    settle(qtbot, runner)
    assert ran == ["new"]


def test_a_superseded_change_still_runs_and_is_announced(qtbot: QtBot) -> None:
    pool = QThreadPool()
    pool.setMaxThreadCount(1)
    runner = Runner(pool)
    owner = QWidget()
    qtbot.addWidget(owner)
    ran: list[str] = []
    announced: list[frozenset[str]] = []
    runner.changed.connect(announced.append)
    gate, blocker = gated(None)
    runner.submit(blocker, owner=owner, key="save")
    runner.submit(lambda: ran.append("first save"), owner=owner, key="save", changes={"nav"})
    runner.submit(lambda: ran.append("second save"), owner=owner, key="save", changes={"nav"})
    gate.set()
    settle(qtbot, runner)
    assert ran == ["first save", "second save"]  # a write is never skipped
    assert announced == [frozenset({"nav"})] * 2


def test_a_change_is_announced_even_when_its_dialog_was_closed(qtbot: QtBot, runner: Runner) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    announced: list[frozenset[str]] = []
    got: list[object] = []
    runner.changed.connect(announced.append)
    gate, job = gated("saved")
    runner.submit(job, owner=dialog, changes={"transaction"}, on_done=got.append)
    dialog.close()
    gate.set()
    settle(qtbot, runner)
    assert got == []
    assert announced == [frozenset({"transaction"})]


def test_a_failure_is_logged_exactly_once_with_its_trace(qtbot: QtBot, runner: Runner,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    owner = QLabel()
    qtbot.addWidget(owner)

    def broken() -> None:
        raise KeyError("no such column")

    with caplog.at_level(logging.INFO, logger="fidus_desktop"):
        runner.submit(broken, owner=owner, on_error=lambda exc: owner.setText(describe_error(exc)))
        settle(qtbot, runner)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1  # the runner and the label both reported it: one entry
    assert errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], KeyError)
    reference = owner.text().split("reference ")[1][:8]
    assert reference in errors[0].getMessage()
    assert "no such column" not in owner.text()


def test_a_failure_for_a_closed_window_still_reaches_the_log(qtbot: QtBot, runner: Runner,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    dialog = QDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    gate = threading.Event()
    shown: list[BaseException] = []

    def broken() -> None:
        assert gate.wait(5)
        raise RuntimeError("lost in the pool")

    with caplog.at_level(logging.INFO, logger="fidus_desktop"):
        runner.submit(broken, owner=dialog, on_error=shown.append)
        dialog.close()
        gate.set()
        settle(qtbot, runner)
    assert shown == []
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


def test_an_unhandled_failure_is_shown_over_its_owner(qtbot: QtBot, runner: Runner) -> None:
    owner = QWidget()
    qtbot.addWidget(owner)
    owner.show()
    runner.submit(lambda: (_ for _ in ()).throw(ValidationError("Enter a NAV date.")), owner=owner)
    settle(qtbot, runner)
    box = owner.findChild(QWidget, "errorBox")
    assert box is not None
    assert box.text() == "Enter a NAV date."  # type: ignore[attr-defined]
    box.close()
