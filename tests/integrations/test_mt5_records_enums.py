"""Records and constants must match the official MetaTrader5 package exactly."""

import pytest

from fidus_desktop.integrations.mt5.enums import DealEntry, DealType, OrderState, OrderType, ResultCode
from fidus_desktop.integrations.mt5.records import (
    AccountInfo,
    Tick,
    TradeDeal,
    TradePosition,
    record_from_mapping,
)


def test_record_fields_are_the_packages_in_the_same_order():
    assert TradeDeal._fields == (
        "ticket", "order", "time", "time_msc", "type", "entry", "magic", "position_id", "reason",
        "volume", "price", "commission", "swap", "profit", "fee", "symbol", "comment", "external_id",
    )
    assert TradePosition._fields == (
        "ticket", "time", "time_msc", "time_update", "time_update_msc", "type", "magic", "identifier",
        "reason", "volume", "price_open", "sl", "tp", "price_current", "swap", "profit", "symbol",
        "comment", "external_id",
    )
    assert Tick._fields == ("time", "bid", "ask", "last", "volume", "time_msc", "flags", "volume_real")
    assert AccountInfo._fields[:3] == ("login", "trade_mode", "leverage")
    assert AccountInfo._fields[-4:] == ("name", "server", "currency", "company")
    assert len(AccountInfo._fields) == 28


def test_official_constant_values():
    assert DealType.DEAL_TYPE_BALANCE == 2
    assert DealType.DEAL_TYPE_COMMISSION == 7
    assert DealType.DEAL_TYPE_INTEREST == 12
    assert DealType.DEAL_TYPE_BUY_CANCELED == 13
    assert DealType.DEAL_TAX == 17
    assert DealEntry.DEAL_ENTRY_OUT_BY == 3
    assert OrderType.ORDER_TYPE_CLOSE_BY == 8
    assert OrderState.ORDER_STATE_REQUEST_CANCEL == 9
    assert ResultCode.RES_E_AUTO_TRADING_DISABLED == -8
    assert ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT == -10005


def test_record_from_mapping_ignores_new_fields_and_names_missing_ones():
    tick = {"time": 1, "bid": 1.0, "ask": 1.1, "last": 0.0, "volume": 0, "time_msc": 1000, "flags": 6,
            "volume_real": 0.0, "field_of_a_future_build": 42}
    assert record_from_mapping(Tick, tick).ask == 1.1
    del tick["bid"]
    with pytest.raises(ValueError, match=r"missing field.*bid"):
        record_from_mapping(Tick, tick)
