"""``WorkerTerminal``: the :class:`~.port.Terminal` of one MT5 installation, hosted in its own process.

The ``MetaTrader5`` package keeps **one** terminal connection per Python process: its functions are
module-level, ``initialize(path)`` attaches the module to one ``terminal64.exe`` and a second
``initialize`` with another path replaces that connection. To follow accounts that each have their own
installation (``terminal_path``), FIDUS runs the package in a child process per path (``spawn``, as
on Windows) and forwards the port's calls over a pipe; records and errors travel back pickled.

Switching paths inside one process (``shutdown`` + ``initialize(path=other)`` before each account) is
the alternative the package allows, but every switch re-attaches the terminal, and a terminal that
stops answering would hold the one module every account uses. With a worker the caller bounds each
call (``call_timeout``): a worker that does not answer in time is killed and the call fails like an
IPC timeout (-10005), so the poller backs off that terminal and keeps polling the others; ``abort()``
kills it at once from another thread, so stopping the poller never waits out that timeout.
"""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from . import errors, processes
from .enums import ResultCode
from .port import DateArg, Terminal
from .real import MODULE_NAME, RealTerminal
from .records import AccountInfo, SymbolInfo, TerminalInfo, Tick, TradeDeal, TradeOrder, TradePosition

log = logging.getLogger(__name__)
_SPAWN = multiprocessing.get_context("spawn")
STARTUP_SECONDS = 30.0  # a fresh Python process importing the package, before any call is timed
_NO_WORKER = (int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection (terminal worker not running)")
_TYPED = {cls.__name__: cls for cls in (errors.Mt5Error, errors.Mt5Unavailable, errors.Mt5ConnectionError,
                                        errors.Mt5AuthError, errors.Mt5RequestError)}


def serve(conn: Connection, factory: Callable[[], Terminal]) -> None:
    """The worker's loop: run each ``(method, args, kwargs)`` on its own terminal, answer, until told to end."""
    terminal = factory()
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            break
        if request is None:
            break
        name, args, kwargs = request
        try:
            conn.send(("ok", getattr(terminal, name)(*args, **kwargs)))
        except errors.Mt5Error as exc:  # e.g. Mt5Unavailable from the lazy import: rebuilt by type name
            conn.send(("mt5", (type(exc).__name__, str(exc), exc.code, exc.terminal_message)))
        except Exception as exc:  # a bug or an unexpected package answer: reported, the worker stays up
            conn.send(("mt5", ("Mt5Error", f"MetaTrader 5 {name} raised {type(exc).__name__}: {exc}", None, "")))
    conn.close()


class WorkerTerminal:
    """A terminal path served by a child process; same calls and failure style as the package."""

    def __init__(
        self, path: str, factory: Callable[[], Terminal] = RealTerminal, *, call_timeout: float = 60.0
    ) -> None:
        self.path = path
        self.factory = factory  # must pickle (a class or a module-level function): it is sent to the child
        self.call_timeout = call_timeout
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._local_error: tuple[int, str] | None = None

    # -- worker lifecycle -------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def _start(self) -> bool:
        """Spawn the worker and wait until it is ready; False (``last_error`` set) when it did not come up."""
        parent, child = _SPAWN.Pipe()
        process = _SPAWN.Process(target=serve, args=(child, self.factory), name=f"mt5-worker {self.path}",
                                 daemon=True)
        process.start()
        child.close()
        self._process, self._conn = process, parent
        try:
            if parent.poll(STARTUP_SECONDS) and parent.recv()[0] == "ready":
                return True
        except (EOFError, OSError):
            pass
        self._stop(kill=True)
        self._local_error = (int(ResultCode.RES_E_INTERNAL_FAIL_INIT),
                             f"The terminal worker for {self.path} did not start within {STARTUP_SECONDS:.0f} s")
        return False

    def _stop(self, *, kill: bool) -> None:
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            if not kill:
                try:
                    conn.send(None)
                except OSError:
                    pass
            conn.close()
        if process is not None:
            if not kill:
                process.join(0.5)
            if process.is_alive():
                process.kill()
                process.join(1.0)

    def abort(self) -> None:
        """Kill the worker now, from any thread: a call waiting on it returns at once as a lost IPC link.

        For ``Mt5Poller.stop()``, which must not wait out ``call_timeout`` for a terminal that hangs.
        """
        process = self._process
        if process is not None and process.is_alive():
            process.kill()

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``name`` in the worker; None with ``last_error()`` set when the worker is gone or too slow."""
        self._local_error = None
        if not self.alive or self._conn is None:
            self._local_error = _NO_WORKER
            return None
        try:
            self._conn.send((name, args, kwargs))
            if not self._conn.poll(self.call_timeout):
                self._stop(kill=True)
                self._local_error = (int(ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT),
                                     f"Terminal worker for {self.path} did not answer {name} within "
                                     f"{self.call_timeout:.0f} s; it was stopped")
                return None
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            self._stop(kill=True)
            self._local_error = _NO_WORKER
            return None
        if kind == "mt5":
            type_name, message, code, terminal_message = value
            raise _TYPED[type_name](message, code, terminal_message)
        return value

    # -- the port ---------------------------------------------------------------------------
    def initialize(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        """Start the worker if needed, then attach it to this installation (``path`` defaults to ours)."""
        if not self.alive:
            self._stop(kill=True)
            if not self._start():
                return False
        return bool(self._call("initialize", path=path or self.path, login=login, password=password,
                               server=server, timeout=timeout, portable=portable))

    def terminal_running(self, path: str | None = None) -> bool | None:
        """Asked here, not in the worker: the process list is the same for every process of this user. Without the
        package nothing can be told (None): the worker's ``initialize`` then reports it missing."""
        if importlib.util.find_spec(MODULE_NAME) is None:
            return None
        return processes.terminal_running(path or self.path)

    def shutdown(self) -> None:
        """Detach from the terminal and end the worker; the next ``initialize`` starts a fresh one."""
        if self.alive:
            try:
                self._call("shutdown")
            except errors.Mt5Error:
                log.debug("Terminal worker shutdown raised", exc_info=True)
        self._stop(kill=False)

    def last_error(self) -> tuple[int, str]:
        if self._local_error is not None:
            return self._local_error
        answer = self._call("last_error")
        return answer if answer is not None else _NO_WORKER

    def version(self) -> tuple[int, int, str] | None:
        return self._call("version")

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool:
        return bool(self._call("login", login, password=password, server=server, timeout=timeout))

    def account_info(self) -> AccountInfo | None:
        return self._call("account_info")

    def terminal_info(self) -> TerminalInfo | None:
        return self._call("terminal_info")

    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None:
        return self._call("positions_get", symbol=symbol, group=group, ticket=ticket)

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None:
        return self._call("orders_get", symbol=symbol, group=group, ticket=ticket)

    def history_deals_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        return self._call("history_deals_get", date_from, date_to, group=group, ticket=ticket, position=position)

    def history_orders_get(
        self,
        date_from: DateArg | None = None,
        date_to: DateArg | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        return self._call("history_orders_get", date_from, date_to, group=group, ticket=ticket, position=position)

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        return self._call("symbol_info_tick", symbol)

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        return self._call("symbol_info", symbol)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        return bool(self._call("symbol_select", symbol, enable))
