"""The ``MetaTrader5`` package's integer constants, with their official names and values.

Kept here so code that runs on Linux (tests, simulator, replay, CI) can speak the same numbers as
the Windows-only package. Values match the MQL5 enumerations ENUM_DEAL_TYPE, ENUM_DEAL_ENTRY,
ENUM_POSITION_TYPE, ENUM_ORDER_TYPE, ENUM_ORDER_STATE, ENUM_DEAL_REASON and the ``last_error()``
result codes; ``tests/integrations/test_mt5_real.py`` checks them against a module that exposes
the same names. Note DEAL_TYPE_INTEREST is 12 (not 13): BUY_CANCELED is 13.
"""

from __future__ import annotations

from enum import IntEnum


class DealType(IntEnum):
    DEAL_TYPE_BUY = 0
    DEAL_TYPE_SELL = 1
    DEAL_TYPE_BALANCE = 2
    DEAL_TYPE_CREDIT = 3
    DEAL_TYPE_CHARGE = 4
    DEAL_TYPE_CORRECTION = 5
    DEAL_TYPE_BONUS = 6
    DEAL_TYPE_COMMISSION = 7
    DEAL_TYPE_COMMISSION_DAILY = 8
    DEAL_TYPE_COMMISSION_MONTHLY = 9
    DEAL_TYPE_COMMISSION_AGENT_DAILY = 10
    DEAL_TYPE_COMMISSION_AGENT_MONTHLY = 11
    DEAL_TYPE_INTEREST = 12
    DEAL_TYPE_BUY_CANCELED = 13
    DEAL_TYPE_SELL_CANCELED = 14
    DEAL_DIVIDEND = 15
    DEAL_DIVIDEND_FRANKED = 16
    DEAL_TAX = 17


class DealEntry(IntEnum):
    DEAL_ENTRY_IN = 0
    DEAL_ENTRY_OUT = 1
    DEAL_ENTRY_INOUT = 2
    DEAL_ENTRY_OUT_BY = 3


class DealReason(IntEnum):
    DEAL_REASON_CLIENT = 0
    DEAL_REASON_MOBILE = 1
    DEAL_REASON_WEB = 2
    DEAL_REASON_EXPERT = 3
    DEAL_REASON_SL = 4
    DEAL_REASON_TP = 5
    DEAL_REASON_SO = 6
    DEAL_REASON_ROLLOVER = 7
    DEAL_REASON_VMARGIN = 8
    DEAL_REASON_SPLIT = 9


class PositionType(IntEnum):
    POSITION_TYPE_BUY = 0
    POSITION_TYPE_SELL = 1


class OrderType(IntEnum):
    ORDER_TYPE_BUY = 0
    ORDER_TYPE_SELL = 1
    ORDER_TYPE_BUY_LIMIT = 2
    ORDER_TYPE_SELL_LIMIT = 3
    ORDER_TYPE_BUY_STOP = 4
    ORDER_TYPE_SELL_STOP = 5
    ORDER_TYPE_BUY_STOP_LIMIT = 6
    ORDER_TYPE_SELL_STOP_LIMIT = 7
    ORDER_TYPE_CLOSE_BY = 8


class OrderState(IntEnum):
    ORDER_STATE_STARTED = 0
    ORDER_STATE_PLACED = 1
    ORDER_STATE_CANCELED = 2
    ORDER_STATE_PARTIAL = 3
    ORDER_STATE_FILLED = 4
    ORDER_STATE_REJECTED = 5
    ORDER_STATE_EXPIRED = 6
    ORDER_STATE_REQUEST_ADD = 7
    ORDER_STATE_REQUEST_MODIFY = 8
    ORDER_STATE_REQUEST_CANCEL = 9


class ResultCode(IntEnum):
    """Codes returned by ``last_error()`` (the package's own, not the MQL5 runtime errors)."""

    RES_S_OK = 1
    RES_E_FAIL = -1
    RES_E_INVALID_PARAMS = -2
    RES_E_NO_MEMORY = -3
    RES_E_NOT_FOUND = -4
    RES_E_INVALID_VERSION = -5
    RES_E_AUTH_FAILED = -6
    RES_E_UNSUPPORTED = -7
    RES_E_AUTO_TRADING_DISABLED = -8
    RES_E_INTERNAL_FAIL = -10000
    RES_E_INTERNAL_FAIL_SEND = -10001
    RES_E_INTERNAL_FAIL_RECEIVE = -10002
    RES_E_INTERNAL_FAIL_INIT = -10003
    RES_E_INTERNAL_FAIL_CONNECT = -10004
    RES_E_INTERNAL_FAIL_TIMEOUT = -10005


ALL_ENUMS: tuple[type[IntEnum], ...] = (
    DealType, DealEntry, DealReason, PositionType, OrderType, OrderState, ResultCode,
)
