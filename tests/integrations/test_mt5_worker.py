"""WorkerTerminal: one MT5 installation per child process, same calls and failure style as the package."""

from __future__ import annotations

import threading
import time
from functools import partial

import pytest

from fidus_desktop.integrations.mt5 import (
    Mt5ConnectionError,
    Mt5RequestError,
    Mt5Session,
    Mt5Unavailable,
    SimulatedTerminal,
    WorkerTerminal,
)
from fidus_desktop.integrations.mt5.enums import ResultCode
from fidus_desktop.integrations.mt5.records import AccountInfo
from fidus_desktop.integrations.mt5.timezones import NewYorkClose

pytestmark = pytest.mark.slow  # each test spawns a Python process
PATH = "C:/MT5/5001001/terminal64.exe"


class HangingTerminal(SimulatedTerminal):
    """A terminal that stops answering account_info (a frozen terminal64.exe)."""

    def account_info(self) -> AccountInfo | None:
        time.sleep(30)
        return None


def session_over(worker: WorkerTerminal) -> Mt5Session:
    return Mt5Session(worker, NewYorkClose(), clock=lambda: SimulatedTerminal().now)


def test_calls_records_and_errors_cross_the_process_boundary() -> None:
    worker = WorkerTerminal(PATH, partial(SimulatedTerminal, seed=3))
    try:
        session = session_over(worker)
        session.connect(path=PATH, login=5001001, password="sim-alpha", server="FidusSim-Live")
        assert worker.alive
        assert session.account().login == 5001001
        assert session.quote("EURUSD").bid > 0
        with pytest.raises(Mt5RequestError, match="BTCXYZ"):
            session.quote("BTCXYZ")
        assert worker.last_error()[0] == ResultCode.RES_E_NOT_FOUND
        worker._process.kill()  # type: ignore[union-attr]  # the worker dies (crash, task manager)
        worker._process.join(5)  # type: ignore[union-attr]
        with pytest.raises(Mt5ConnectionError, match="worker not running"):
            session.account()
        session.connect(path=PATH, login=5001001, password="sim-alpha", server="FidusSim-Live")
        assert session.account().login == 5001001, "initialize starts a fresh worker"
    finally:
        worker.shutdown()
    assert not worker.alive


def test_a_worker_that_stops_answering_is_stopped_and_reads_as_an_ipc_timeout() -> None:
    worker = WorkerTerminal(PATH, partial(HangingTerminal, seed=3), call_timeout=1.0)
    try:
        assert worker.initialize()
        started = time.monotonic()
        assert worker.account_info() is None
        assert time.monotonic() - started < 5
        assert worker.last_error()[0] == ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT
        assert not worker.alive
    finally:
        worker.shutdown()


def test_abort_from_another_thread_ends_a_hung_call_at_once() -> None:
    """What Mt5Poller.stop() relies on: no waiting out call_timeout for a terminal that hangs."""
    worker = WorkerTerminal(PATH, partial(HangingTerminal, seed=3), call_timeout=60.0)
    try:
        assert worker.initialize()
        threading.Timer(0.5, worker.abort).start()
        started = time.monotonic()
        with pytest.raises(Mt5ConnectionError, match="worker not running"):
            session_over(worker).account()
        assert time.monotonic() - started < 3
        assert not worker.alive
    finally:
        worker.shutdown()


def test_without_the_package_the_worker_reports_unavailable() -> None:
    worker = WorkerTerminal(PATH)  # RealTerminal in the child: no MetaTrader5 package off Windows
    try:
        with pytest.raises(Mt5Unavailable, match="Windows only"):
            worker.initialize()
    finally:
        worker.shutdown()
