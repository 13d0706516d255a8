"""MetaTrader 5 integration: the ``Terminal`` port, its adapters and the typed ``Mt5Session``.

Importing this package never imports the Windows-only ``MetaTrader5`` module (see ``real.py``).
See docs/MT5.md.
"""

from .errors import (
    Mt5AccountMismatch,
    Mt5AuthError,
    Mt5ConnectionError,
    Mt5Error,
    Mt5RequestError,
    Mt5TerminalClosed,
    Mt5Unavailable,
)
from .port import Terminal
from .real import RealTerminal, is_available
from .replay import ReplayTerminal
from .session import DealBatch, Mt5Session
from .sim_history import SimAccount
from .simulated import DEFAULT_ACCOUNTS, SimulatedTerminal
from .timezones import (
    EuropeanSummerTime,
    FixedOffset,
    NewYorkClose,
    ServerTimePolicy,
    detect_offset_minutes,
    policy_from_config,
)
from .worker import WorkerTerminal

__all__ = [
    "DEFAULT_ACCOUNTS",
    "DealBatch",
    "EuropeanSummerTime",
    "FixedOffset",
    "Mt5AccountMismatch",
    "Mt5AuthError",
    "Mt5ConnectionError",
    "Mt5Error",
    "Mt5RequestError",
    "Mt5Session",
    "Mt5TerminalClosed",
    "Mt5Unavailable",
    "NewYorkClose",
    "RealTerminal",
    "ReplayTerminal",
    "ServerTimePolicy",
    "SimAccount",
    "SimulatedTerminal",
    "Terminal",
    "WorkerTerminal",
    "detect_offset_minutes",
    "is_available",
    "policy_from_config",
]
