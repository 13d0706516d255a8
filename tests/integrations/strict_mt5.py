"""A stricter fake of the ``MetaTrader5`` package for the real adapter's tests, over the simulated terminal.

It keeps the package's calling conventions where the simulator is lenient: module-level functions, dates only
positional (``history_deals_get(date_from, date_to, group=…)``; keyword dates raise ``TypeError`` as the C
extension's parser does), no ``None`` for typed parameters, ``None`` (not an empty tuple) for an empty range
while ``last_error()`` says success, ``ticket=`` selecting deals by their **order** ticket, and result structs with
a field the records do not know (a newer build). Behind it, the simulator supplies what a real terminal does on its
own: outages, history arriving late after a reconnect or login, unknown deal types, deals changed afterwards.
"""

from __future__ import annotations

import types
from collections import namedtuple
from typing import Any

from fidus_desktop.integrations.mt5.enums import ALL_ENUMS, ResultCode
from fidus_desktop.integrations.mt5.records import TradeDeal
from fidus_desktop.integrations.mt5.simulated import SimulatedTerminal

PkgDeal = namedtuple("TradeDeal", [*TradeDeal._fields, "reserved"])  # type: ignore[misc]


def _typed(**kwargs: Any) -> None:
    for name, value in kwargs.items():
        if value is None:
            raise TypeError(f"{name} must be an integer, not None")


def strict_package(sim: SimulatedTerminal) -> types.ModuleType:
    module = types.ModuleType("MetaTrader5")
    module.__version__ = "5.0.4424"  # type: ignore[attr-defined]
    for enum in ALL_ENUMS:
        for member in enum:
            setattr(module, member.name, int(member))

    def initialize(*args: Any, **kwargs: Any) -> bool:
        if len(args) > 1:
            raise TypeError("initialize() takes at most 1 positional argument (path)")
        _typed(**kwargs)
        return sim.initialize(*args, **kwargs)

    def login(login: int, **kwargs: Any) -> bool:
        _typed(**kwargs)
        return sim.login(login, **kwargs)

    def history_deals_get(*args: Any, **kwargs: Any) -> tuple[Any, ...] | None:
        if "date_from" in kwargs or "date_to" in kwargs:
            raise TypeError("history_deals_get() date_from and date_to are positional-only")
        _typed(**kwargs)
        if args and len(args) != 2:
            raise TypeError("history_deals_get() takes 2 positional arguments (date_from, date_to)")
        rows = sim.history_deals_get(*args, **kwargs)
        if rows is None:
            return None
        if not rows:  # real terminals answer an empty range with None and RES_S_OK
            sim._error = (int(ResultCode.RES_S_OK), "Success")
            return None
        return tuple(PkgDeal(*row, 0) for row in rows)

    module.initialize = initialize  # type: ignore[attr-defined]
    module.login = login  # type: ignore[attr-defined]
    module.history_deals_get = history_deals_get  # type: ignore[attr-defined]
    for name in ("shutdown", "last_error", "version", "account_info", "terminal_info", "positions_get",
                 "orders_get", "history_orders_get", "symbol_info_tick", "symbol_select"):
        setattr(module, name, getattr(sim, name))
    return module
