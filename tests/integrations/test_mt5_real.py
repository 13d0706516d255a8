"""The real adapter, driven through a fake ``MetaTrader5`` module injected into sys.modules."""

import sys
import types
from collections import namedtuple
from datetime import UTC, datetime, timedelta

import pytest

from fidus_desktop.integrations.mt5.enums import ALL_ENUMS
from fidus_desktop.integrations.mt5.errors import Mt5ConnectionError, Mt5Unavailable
from fidus_desktop.integrations.mt5.real import RealTerminal, is_available
from fidus_desktop.integrations.mt5.records import AccountInfo, TradeDeal
from fidus_desktop.integrations.mt5.session import Mt5Session
from fidus_desktop.integrations.mt5.timezones import FixedOffset

# Like the package's structs, plus a field a newer build might add.
PkgDeal = namedtuple("TradeDeal", [*TradeDeal._fields, "new_field"])
PkgAccount = namedtuple("AccountInfo", AccountInfo._fields)


def fake_package(error=(1, "Success"), deals=()):
    module = types.ModuleType("MetaTrader5")
    module.__version__ = "5.0.4424"
    module.calls = []
    for enum in ALL_ENUMS:
        for member in enum:
            setattr(module, member.name, int(member))

    def record(name):
        def call(*args, **kwargs):
            module.calls.append((name, args, kwargs))
            return {"initialize": True, "login": True, "last_error": error}.get(name)
        return call

    for name in ("initialize", "login", "shutdown", "last_error", "positions_get", "orders_get"):
        setattr(module, name, record(name))

    def history_deals_get(*args, **kwargs):
        module.calls.append(("history_deals_get", args, kwargs))
        return None if error[0] != 1 else tuple(deals)

    module.history_deals_get = history_deals_get
    module.account_info = lambda: PkgAccount(
        7, 0, 100, 0, 0, True, True, 2, 2, False, 10.0, 0.0, 0.0, 10.0, 0.0, 10.0, 0.0, 50.0, 30.0,
        0.0, 0.0, 0.0, 0.0, 0.0, "n", "s", "EUR", "c")
    return module


def test_module_imports_without_the_package_and_reports_why(monkeypatch):
    monkeypatch.setitem(sys.modules, "MetaTrader5", None)  # makes the import fail, as on Linux
    assert is_available() == (False, "MetaTrader5 package not installed (Windows only)")
    with pytest.raises(Mt5Unavailable, match="Windows only"):
        RealTerminal().account_info()


def test_package_is_imported_lazily_on_first_call(monkeypatch):
    monkeypatch.setitem(sys.modules, "MetaTrader5", None)
    terminal = RealTerminal()  # constructing it must not import anything
    module = fake_package()
    monkeypatch.setitem(sys.modules, "MetaTrader5", module)
    assert terminal.initialize() is True
    assert is_available() == (True, "MetaTrader5 5.0.4424")


def test_arguments_are_passed_like_the_package_expects(monkeypatch):
    module = fake_package()
    monkeypatch.setitem(sys.modules, "MetaTrader5", module)
    terminal = RealTerminal()
    terminal.initialize(path="C:/MT5/terminal64.exe", login=7, password="pw", server="Srv", timeout=60000)
    terminal.login(8, password="pw2", server="Srv2")
    terminal.positions_get(symbol="EURUSD")
    terminal.history_deals_get(100, 200, group="*USD*")
    terminal.history_deals_get(ticket=5)
    terminal.history_deals_get(position=6)
    assert module.calls == [
        ("initialize", ("C:/MT5/terminal64.exe",),
         {"login": 7, "password": "pw", "server": "Srv", "timeout": 60000}),
        ("login", (8,), {"password": "pw2", "server": "Srv2"}),
        ("positions_get", (), {"symbol": "EURUSD"}),
        ("history_deals_get", (100, 200), {"group": "*USD*"}),
        ("history_deals_get", (), {"ticket": 5}),
        ("history_deals_get", (), {"position": 6}),
    ]


def test_package_records_are_copied_by_field_name(monkeypatch):
    deal = PkgDeal(11, 0, 1_714_560_000, 1_714_560_000_000, 2, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 250.5, 0.0,
                   "", "Deposit", "", "ignored")
    monkeypatch.setitem(sys.modules, "MetaTrader5", fake_package(deals=[deal]))
    [copied] = RealTerminal().history_deals_get(0, 2_000_000_000)
    assert isinstance(copied, TradeDeal)
    assert copied.profit == 250.5
    assert RealTerminal().account_info().currency == "EUR"


def test_errors_are_mapped_through_the_session(monkeypatch):
    monkeypatch.setitem(sys.modules, "MetaTrader5", fake_package(error=(-10004, "No IPC connection")))
    session = Mt5Session(RealTerminal(), FixedOffset(0))
    start = datetime(2024, 5, 1, tzinfo=UTC)
    with pytest.raises(Mt5ConnectionError, match="not running") as caught:
        session.deals(start, start + timedelta(days=1))
    assert caught.value.code == -10004
    assert caught.value.terminal_message == "No IPC connection"


def test_history_without_dates_or_ticket_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "MetaTrader5", fake_package())
    with pytest.raises(ValueError, match="date_from and date_to"):
        RealTerminal().history_deals_get()
