"""Record a scrubbed session of a real terminal as a :class:`~.replay.ReplayTerminal` fixture.

An office that meets a terminal behaving in a way the simulator does not (a broker's comment wording, an odd deal
type, a revised deal) records what its terminal answers and hands it over as a test fixture, without personal
data: the login becomes a neutral number everywhere (comments included), the account holder's name, the terminal's
data paths (they contain the Windows user name), e-mail addresses and long digit runs in comments (IBANs, card and
phone numbers) are replaced. The password is never read: the replay terminal gets a placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .errors import error_for
from .port import Terminal
from .timezones import ServerTimePolicy

REPLAY_LOGIN = 10_000_001
REPLAY_PASSWORD = "replay"  # noqa: S105 - a placeholder the replay terminal checks, never a real password
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_LONG_DIGITS = re.compile(r"\d[\d \-]{8,}\d")  # card, IBAN and phone numbers; short refs (#5521) stay


def _rows(terminal: Terminal, result: Iterable[Any] | None, action: str) -> list[dict[str, Any]]:
    if result is None:
        code, message = terminal.last_error()
        if code != 1:
            raise error_for(code, message, action)
        return []
    return [row._asdict() for row in result]


def scrub_text(text: str, login: int) -> str:
    """A comment without the login, e-mail addresses or long digit runs."""
    text = text.replace(str(login), str(REPLAY_LOGIN))
    return _LONG_DIGITS.sub("#########", _EMAIL.sub("someone@example.com", text))


def record_fixture(
    terminal: Terminal, policy: ServerTimePolicy, server_time: str, date_from: datetime, date_to: datetime,
) -> dict[str, Any]:
    """What the attached, logged-in terminal shows for ``[date_from, date_to)``, scrubbed, in the replay shape."""
    info = terminal.account_info()
    state = terminal.terminal_info()
    if info is None or state is None:
        code, message = terminal.last_error()
        raise error_for(code, message, "account_info")
    login = info.login
    low, high = policy.utc_to_server(date_from), policy.utc_to_server(date_to)
    deals = _rows(terminal, terminal.history_deals_get(low, high), "history_deals_get")
    orders = _rows(terminal, terminal.history_orders_get(low, high), "history_orders_get")
    positions = _rows(terminal, terminal.positions_get(), "positions_get")
    pending = _rows(terminal, terminal.orders_get(), "orders_get")
    for row in (*deals, *orders, *positions, *pending):
        row["comment"] = scrub_text(row["comment"], login)
        row["external_id"] = ""
    symbols = sorted({row["symbol"] for row in (*deals, *positions, *pending) if row["symbol"]})
    ticks = {}
    for symbol in symbols:
        tick = terminal.symbol_info_tick(symbol)
        if tick:
            ticks[symbol] = tick._asdict()
    account = {**info._asdict(), "login": REPLAY_LOGIN, "name": "Recorded account"}
    terminal_state = {**state._asdict(), "data_path": "C:\\Users\\user\\AppData\\Roaming\\MetaQuotes\\Terminal\\X",
                      "commondata_path": "C:\\Users\\user\\AppData\\Roaming\\MetaQuotes\\Terminal\\Common"}
    return {
        "_source": f"Recorded with fidus mt5 record from {date_from:%Y-%m-%d} to {date_to:%Y-%m-%d}, scrubbed "
                   "(login, name, paths, e-mail addresses and long numbers replaced).",
        "version": list(terminal.version() or (0, 0, "")),
        "server_time": server_time,
        "terminal_info": terminal_state,
        "accounts": [{"password": REPLAY_PASSWORD, "account_info": account, "positions": positions,
                      "orders": pending, "deals": deals, "history_orders": orders, "ticks": ticks}],
    }
