"""Typed MT5 errors with a human explanation of every ``last_error()`` code.

The package reports failures as ``None``/``False`` plus a ``(code, message)`` pair; callers above
the session only ever see these exceptions, so the status bar and ``fidus doctor`` can say what to
do instead of printing ``-10004``.
"""

from __future__ import annotations

from fidus_desktop.errors import UserError

from .enums import ResultCode

_EXPLANATIONS: dict[int, str] = {
    ResultCode.RES_E_FAIL: "The terminal reported a generic failure.",
    ResultCode.RES_E_INVALID_PARAMS: (
        "The terminal rejected the request parameters (often a date range it could not read)."
    ),
    ResultCode.RES_E_NO_MEMORY: "The terminal ran out of memory; close charts or restart MetaTrader 5.",
    ResultCode.RES_E_NOT_FOUND: (
        "The requested symbol, order or deal does not exist in the terminal (for a symbol: check the "
        "broker's exact name, suffix included, and show it in Market Watch)."
    ),
    ResultCode.RES_E_INVALID_VERSION: "This MetaTrader 5 build is too old for the Python API; update it.",
    ResultCode.RES_E_AUTH_FAILED: (
        "Login failed: check the login number, password and server name exactly as shown in "
        "MetaTrader 5 (File > Login to Trade Account); the server name is case-sensitive."
    ),
    ResultCode.RES_E_UNSUPPORTED: "The terminal does not support this call.",
    ResultCode.RES_E_AUTO_TRADING_DISABLED: "Algo trading is disabled in the terminal.",
    ResultCode.RES_E_INTERNAL_FAIL: (
        "Internal IPC error between FIDUS and the terminal; restart MetaTrader 5."
    ),
    ResultCode.RES_E_INTERNAL_FAIL_SEND: (
        "Sending to the terminal failed (IPC send); the terminal probably closed. Restart it."
    ),
    ResultCode.RES_E_INTERNAL_FAIL_RECEIVE: (
        "Receiving from the terminal failed (IPC receive); the terminal probably closed. Restart it."
    ),
    ResultCode.RES_E_INTERNAL_FAIL_INIT: (
        "The terminal could not be attached (or, with [mt5] attach_only off, started): IPC initialize "
        "failed. Check the path to terminal64.exe, start MetaTrader 5 by hand and close any update or login "
        "dialog. "
        "FIDUS and MetaTrader 5 must run as the same Windows user, both elevated or both not."
    ),
    ResultCode.RES_E_INTERNAL_FAIL_CONNECT: (
        "No IPC connection to the terminal: MetaTrader 5 is not running (closed, or it crashed) or was "
        "started by another Windows user. Start it as this user and log in; FIDUS attaches by itself at its "
        "next retry and never starts a terminal on its own unless [mt5] attach_only is off."
    ),
    ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT: (
        "The terminal did not answer in time (IPC timeout): wait until MetaTrader 5 has fully "
        "started and shows the account, or raise the timeout."
    ),
}

CONNECTION_CODES = frozenset({
    ResultCode.RES_E_INTERNAL_FAIL,
    ResultCode.RES_E_INTERNAL_FAIL_SEND,
    ResultCode.RES_E_INTERNAL_FAIL_RECEIVE,
    ResultCode.RES_E_INTERNAL_FAIL_INIT,
    ResultCode.RES_E_INTERNAL_FAIL_CONNECT,
    ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT,
})


def explain(code: int) -> str:
    """A sentence saying what ``code`` means and how to fix it."""
    return _EXPLANATIONS.get(code, f"Unknown MetaTrader 5 error code {code}.")


class Mt5Error(UserError):
    """Any MT5 failure; carries the terminal's code and message when there is one."""

    def __init__(self, message: str, code: int | None = None, terminal_message: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.terminal_message = terminal_message


class Mt5Unavailable(Mt5Error):
    """The ``MetaTrader5`` package cannot be imported (it exists for Windows only)."""


class Mt5ConnectionError(Mt5Error):
    """The terminal could not be reached or stopped answering (IPC codes -10000 … -10005)."""


class Mt5AuthError(Mt5Error):
    """Login, password or server refused by the trade server."""


class Mt5RequestError(Mt5Error):
    """The terminal refused a request (invalid parameters, not found …)."""


class Mt5AccountMismatch(Mt5Error):
    """The terminal shows another account than the one being read (switched in the terminal window)."""

    def __init__(self, message: str, shown_login: int) -> None:
        super().__init__(message)
        self.shown_login = shown_login


class Mt5TerminalClosed(Mt5ConnectionError):
    """The terminal is not running and FIDUS only attaches (it never starts a terminal the user closed)."""


def error_for(code: int, terminal_message: str, action: str) -> Mt5Error:
    """The typed exception for a failed ``action`` given ``last_error()``'s result."""
    text = f"MetaTrader 5 {action} failed ({code} {terminal_message!r}): {explain(code)}"
    if code in CONNECTION_CODES:
        return Mt5ConnectionError(text, code, terminal_message)
    if code == ResultCode.RES_E_AUTH_FAILED:
        return Mt5AuthError(text, code, terminal_message)
    return Mt5RequestError(text, code, terminal_message)
