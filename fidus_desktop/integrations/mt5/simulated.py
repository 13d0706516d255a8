"""A deterministic simulated MT5 terminal implementing the :class:`~.port.Terminal` port.

Used by tests, demos and the poller's development loop on Linux. For a given seed and clock it
always returns the same accounts, prices, positions and deals (same tickets), so a second sync of
the same window stores nothing new. The clock only moves through :meth:`SimulatedTerminal.advance`
or :meth:`SimulatedTerminal.set_now`. With ``failure_rate > 0`` it also fails like a real terminal:
``initialize()`` returning False with an IPC code, calls dropping the IPC connection, wrong
passwords. Faults come from their own random stream, so they never change the history. It also quotes
the cross pairs of ``sim_market.CROSS_SYMBOLS`` (for exposure conversion), and ``installation(path)``
gives a second terminal on the same market and clock, as an account's own MT5 installation.

Like a real terminal it receives history late (``sim_link``): during an outage of its trade-server link
(:meth:`SimulatedTerminal.add_outage`), after the user closed it (:meth:`close_by_user`) or while it was logged
in to another account, an account's newer deals only appear ``history_delay`` seconds after it is connected
again, with their original times. ``initialize()`` starts a terminal the user closed (the package does);
:meth:`switch_account_by_user` logs in to another account as a person at the terminal would;
:meth:`add_deal` and :meth:`revise_deal` add deals of any type and change deals afterwards.

Limits, on purpose: no pending orders, no weekends or market hours, prices are random walks; positions and
account figures are always current (only deal history arrives late).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from fidus_desktop.gc_pause import gc_paused

from .enums import OrderState, ResultCode
from .filters import date_seconds, group_matches
from .records import AccountInfo, SymbolInfo, TerminalInfo, Tick, TradeDeal, TradeOrder, TradePosition
from .sim_history import (
    ORDER_OFFSET,
    SLOTS_PER_DAY,
    SWAP_PER_LOT_NIGHT,
    TICKET_BASE,
    AccountHistory,
    SimAccount,
    server_offsets_ms,
)
from .sim_link import HistoryEdits, TradeServerLink
from .sim_market import DAY_MS, DEFAULT_SYMBOLS, PricePaths, SimSymbol
from .timezones import FixedOffset, epoch_ms

DEFAULT_ACCOUNTS: tuple[SimAccount, ...] = (
    SimAccount(5001001, "sim-alpha", "FidusSim-Live", "Alpha Fund – main", "USD"),
    SimAccount(5001002, "sim-alpha-eur", "FidusSim-Live", "Alpha Fund – EUR", "EUR", trades_per_day=6),
    SimAccount(7002001, "sim-beta", "OtherBroker-Real", "Beta Mandate", "GBP", leverage=30,
               trades_per_day=3, policy=FixedOffset(0)),
)
_OK = (int(ResultCode.RES_S_OK), "Success")
_NO_IPC = (int(ResultCode.RES_E_INTERNAL_FAIL_CONNECT), "No IPC connection")
_INIT_FAILURES = (
    (int(ResultCode.RES_E_INTERNAL_FAIL_INIT), "IPC initialize failed, MetaTrader 5 x64 not found"),
    (int(ResultCode.RES_E_INTERNAL_FAIL_TIMEOUT), "IPC timeout"),
)
_CALL_FAILURES = (
    (int(ResultCode.RES_E_INTERNAL_FAIL_SEND), "IPC send failed"),
    (int(ResultCode.RES_E_INTERNAL_FAIL_RECEIVE), "IPC recv failed"),
    _NO_IPC,
)
_DEAL_COLUMNS = ("ticket", "order", "time_server", "type", "entry", "position_id", "reason",
                 "volume", "price", "commission", "swap", "profit", "symbol", "comment")


DEFAULT_PATH = "C:/Program Files/FIDUS Simulated MT5/terminal64.exe"


class _SimClock:
    """The simulated wall clock (UTC ms), shared by every installation of one simulated market."""

    def __init__(self, ms: int) -> None:
        self.ms = ms


@dataclass(frozen=True)
class _OpenTrades:
    """Columns of the positions open at one instant."""

    position_id: np.ndarray
    open_utc: np.ndarray
    sym: np.ndarray
    side: np.ndarray
    volume: np.ndarray
    price_open: np.ndarray


class SimulatedTerminal:
    """Several accounts on one or more simulated servers, one logged in at a time."""

    def __init__(
        self,
        seed: int = 0,
        accounts: Sequence[SimAccount] = DEFAULT_ACCOUNTS,
        *,
        now: datetime = datetime(2024, 6, 3, 12, tzinfo=UTC),
        failure_rate: float = 0.0,
        symbols: tuple[SimSymbol, ...] = DEFAULT_SYMBOLS,
        history_delay: float = 0.0,
    ) -> None:
        if len({a.login for a in accounts}) != len(accounts):
            raise ValueError("Simulated account logins must be unique.")
        self.seed = seed
        self.failure_rate = failure_rate
        self.market = PricePaths(seed, symbols)
        self.accounts = {a.login: a for a in accounts}
        self._histories = {a.login: AccountHistory(seed, a, self.market) for a in accounts}
        self._clock = _SimClock(epoch_ms(now))
        self.path = DEFAULT_PATH
        self._faults = random.Random(seed)
        self._connected = False
        self._login: int = accounts[0].login
        self._error = _OK
        self.link = TradeServerLink(history_delay_ms=int(history_delay * 1000))
        self.edits = HistoryEdits()
        self.running = True  # the terminal64.exe process; False after close_by_user()
        self.launched = 0  # how many times initialize() had to start it
        self._closed_at: int | None = None
        self._logged_out_at: dict[int, int] = {}  # login -> when this terminal last switched away from it

    def installation(self, path: str) -> SimulatedTerminal:
        """Another MT5 installation (an account's ``terminal_path``) on the same simulated market and clock.

        Same accounts, history and prices; its own connection, login, last error and fault stream, as a
        second ``terminal64.exe`` attached by its own process would have.
        """
        other = copy.copy(self)
        other.path = path
        other._faults = random.Random(f"{self.seed}:{path}")
        other._connected, other._error = False, _OK
        other._logged_out_at = {}
        return other

    # -- clock ------------------------------------------------------------------------------
    @property
    def _now_ms(self) -> int:
        return self._clock.ms

    @property
    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now_ms / 1000, tz=UTC)

    def advance(self, seconds: float) -> None:
        """Move the simulated clock forward; new deals and price moves become visible."""
        if seconds < 0:
            raise ValueError("The simulated clock only moves forward.")
        self._clock.ms += int(seconds * 1000)

    def set_now(self, moment: datetime) -> None:
        self._clock.ms = epoch_ms(moment)

    # -- what a real terminal does on its own -------------------------------------------------------
    def add_outage(self, start: datetime, end: datetime) -> None:
        """The terminal loses its trade server from ``start`` to ``end``; the missing history follows later."""
        self.link.add_outage(epoch_ms(start), epoch_ms(end))

    def close_by_user(self) -> None:
        """A person closes MetaTrader 5: every call fails with no IPC until it is started again."""
        self.running, self._connected = False, False
        self._closed_at = self._now_ms

    def terminal_running(self, path: str | None = None) -> bool:
        """Whether the terminal process runs (what a process list shows), for attach-only connecting."""
        return self.running

    def switch_account_by_user(self, login: int) -> None:
        """A person logs the terminal in to another account (File > Login), no password asked here."""
        if login not in self.accounts:
            raise ValueError(f"No simulated account {login}.")
        self._switch_to(login)

    def add_deal(self, login: int, at: datetime, *, type: int, profit: float, comment: str = "",
                 ticket: int | None = None, entry: int = 0, symbol: str = "") -> int:
        """Book one more deal of any ``type`` (also one FIDUS does not know) at ``at``; returns its ticket."""
        history = self._histories[login]
        utc = epoch_ms(at)
        number = ticket if ticket is not None else (
            TICKET_BASE + history.day_of(utc) * SLOTS_PER_DAY + 99_000 + len(self.edits.extra[login]))
        self.edits.add(login, {
            "ticket": number, "order": 0, "time_utc": utc, "type": type, "entry": entry, "position_id": 0,
            "reason": 0, "volume": 0.0, "price": 0.0, "commission": 0.0, "swap": 0.0, "profit": profit,
            "symbol": symbol, "comment": comment,
            "time_server": utc + int(server_offsets_ms(history.account.policy, np.array([utc]))[0]),
        })
        return number

    def revise_deal(self, login: int, ticket: int, at: datetime, **changes: object) -> None:
        """From ``at`` on the broker shows deal ``ticket`` changed (e.g. ``type=DEAL_TYPE_BUY_CANCELED, profit=0``)."""
        unknown = set(changes) - set(_DEAL_COLUMNS)
        if unknown:
            raise ValueError(f"Deals have no column(s) {', '.join(sorted(unknown))}.")
        self.edits.revise(login, ticket, epoch_ms(at), dict(changes))

    # -- connection -------------------------------------------------------------------------
    def initialize(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> bool:
        if self._fault():
            self._connected = False
            return self._fail(self._faults.choice(_INIT_FAILURES))
        if not self.running:  # the package starts a terminal that is not running
            self.running, self.launched = True, self.launched + 1
            if self._closed_at is not None:  # it fetches what it missed while closed, after history_delay
                for known in self.accounts:
                    self.link.add_gap(known, self._closed_at, self._now_ms)
                self._closed_at = None
        self._connected = True
        if login is not None:
            return self._authenticate(login, password, server)
        self._error = _OK
        return True

    def shutdown(self) -> None:
        self._connected = False

    def last_error(self) -> tuple[int, str]:
        return self._error

    def version(self) -> tuple[int, int, str] | None:
        return (500, 4410, "14 Jun 2024") if self._ready() else None

    def login(
        self, login: int, password: str | None = None, server: str | None = None, timeout: int | None = None
    ) -> bool:
        if not self._ready():
            return False
        return self._authenticate(login, password, server)

    # -- account and terminal ---------------------------------------------------------------
    def account_info(self) -> AccountInfo | None:
        if not self._ready():
            return None
        acct = self.accounts[self._login]
        balance = self._histories[self._login].balance_until(self._now_ms)
        profits, swaps, margins = self._valuation(self._open_trades())
        profit = round(float(profits.sum() + swaps.sum()), 2)
        margin = round(float(margins.sum()), 2)
        equity = round(balance + profit, 2)
        return AccountInfo(
            login=acct.login, trade_mode=2, leverage=acct.leverage, limit_orders=200, margin_so_mode=0,
            trade_allowed=True, trade_expert=True, margin_mode=2, currency_digits=2, fifo_close=False,
            balance=balance, credit=0.0, profit=profit, equity=equity, margin=margin,
            margin_free=round(equity - margin, 2),
            margin_level=round(equity / margin * 100, 2) if margin else 0.0,
            margin_so_call=50.0, margin_so_so=30.0, margin_initial=0.0, margin_maintenance=0.0,
            assets=0.0, liabilities=0.0, commission_blocked=0.0, name=acct.name, server=acct.server,
            currency=acct.currency, company=acct.company,
        )

    def terminal_info(self) -> TerminalInfo | None:
        if not self._ready():
            return None
        return TerminalInfo(
            community_account=False, community_connection=False, connected=self.link.connected(self._now_ms),
            dlls_allowed=False,
            trade_allowed=True, tradeapi_disabled=False, email_enabled=False, ftp_enabled=False,
            notifications_enabled=False, mqid=False, build=4410, maxbars=100_000, codepage=0,
            ping_last=35_000, community_balance=0.0, retransmission=0.0,
            company=self.accounts[self._login].company, name="MetaTrader 5 (simulated)", language="English",
            path=self.path.rsplit("/", 1)[0], data_path="C:/Users/sim/AppData/Roaming/MetaQuotes",
            commondata_path="C:/Users/sim/AppData/Roaming/MetaQuotes/Terminal/Common",
        )

    def symbol_info(self, symbol: str) -> SymbolInfo | None:
        if not self._ready():
            return None
        quoted = self.market.quote(symbol, self._now_ms)
        if quoted is None:
            self._fail((int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found"))
            return None
        self._error = _OK
        return SymbolInfo(symbol, quoted[1])

    def symbol_info_tick(self, symbol: str) -> Tick | None:
        if not self._ready():
            return None
        quoted = self.market.quote(symbol, self._now_ms)
        if quoted is None:  # the package answers None (not False) and says why in last_error()
            self._fail((int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found"))
            return None
        mid, digits, spread = quoted
        server_ms = self._server_ms(self._now_ms)
        self._error = _OK
        return Tick(time=server_ms // 1000, bid=round(mid - spread / 2, digits),
                    ask=round(mid + spread / 2, digits), last=0.0, volume=0,
                    time_msc=server_ms, flags=6, volume_real=0.0)

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        """Every simulated symbol is always in Market Watch; an unknown one cannot be selected."""
        if not self._ready():
            return False
        if self.market.quote(symbol, self._now_ms) is None:
            return self._fail((int(ResultCode.RES_E_NOT_FOUND), f"Terminal: Symbol {symbol} not found"))
        self._error = _OK
        return True

    # -- positions and orders ---------------------------------------------------------------
    def positions_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradePosition, ...] | None:
        if not self._ready():
            return None
        trades = self._open_trades()
        profits, swaps, _ = self._valuation(trades)
        now_server = self._server_ms(self._now_ms)
        rows = []
        for i, position in enumerate(trades.position_id.tolist()):
            spec = self.market.symbols[int(trades.sym[i])]
            if not self._selected(spec.name, symbol, group) or ticket not in (None, position):
                continue
            opened = self._server_ms(int(trades.open_utc[i]))
            side = int(trades.side[i])
            mid = float(self.market.mid(int(trades.sym[i]), np.array([self._now_ms]))[0])
            current = round(mid - spec.spread / 2 if side == 0 else mid + spec.spread / 2, spec.digits)
            rows.append(TradePosition(
                ticket=position, time=opened // 1000, time_msc=opened, time_update=now_server // 1000,
                time_update_msc=now_server, type=side, magic=0, identifier=position, reason=0,
                volume=float(trades.volume[i]), price_open=float(trades.price_open[i]), sl=0.0, tp=0.0,
                price_current=current, swap=float(swaps[i]), profit=float(profits[i]), symbol=spec.name,
                comment="", external_id="",
            ))
        self._error = _OK
        return tuple(rows)

    def orders_get(
        self, symbol: str | None = None, group: str | None = None, ticket: int | None = None
    ) -> tuple[TradeOrder, ...] | None:
        """No pending orders are simulated: an empty tuple, as the package returns."""
        if not self._ready():
            return None
        self._error = _OK
        return ()

    # -- history ----------------------------------------------------------------------------
    def history_deals_get(
        self,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeDeal, ...] | None:
        if not self._ready():
            return None
        columns = self._history_columns(date_from, date_to, group, ticket, position)
        if columns is None:
            return ()
        with gc_paused():
            return tuple(map(TradeDeal._make, zip(
                columns["ticket"].tolist(), columns["order"].tolist(),
                (columns["time_server"] // 1000).tolist(), columns["time_server"].tolist(),
                columns["type"].tolist(), columns["entry"].tolist(), [0] * len(columns["ticket"]),
                columns["position_id"].tolist(), columns["reason"].tolist(), columns["volume"].tolist(),
                columns["price"].tolist(), columns["commission"].tolist(), columns["swap"].tolist(),
                columns["profit"].tolist(), [0.0] * len(columns["ticket"]), columns["symbol"].tolist(),
                columns["comment"].tolist(), [""] * len(columns["ticket"]), strict=True,
            )))

    def history_orders_get(
        self,
        date_from: datetime | int | None = None,
        date_to: datetime | int | None = None,
        group: str | None = None,
        ticket: int | None = None,
        position: int | None = None,
    ) -> tuple[TradeOrder, ...] | None:
        """Market orders filled by the trade deals (each deal has its own order)."""
        if not self._ready():
            return None
        columns = self._history_columns(date_from, date_to, group, ticket, position)
        if columns is None:
            return ()
        rows = []
        for i in np.flatnonzero(columns["order"] != 0).tolist():
            t = int(columns["time_server"][i])
            volume, price = float(columns["volume"][i]), float(columns["price"][i])
            rows.append(TradeOrder(
                ticket=int(columns["order"][i]), time_setup=t // 1000, time_setup_msc=t, time_done=t // 1000,
                time_done_msc=t, time_expiration=0, type=int(columns["type"][i]), type_time=0,
                type_filling=1, state=int(OrderState.ORDER_STATE_FILLED), magic=0,
                position_id=int(columns["position_id"][i]), position_by_id=0,
                reason=int(columns["reason"][i]), volume_initial=volume, volume_current=0.0,
                price_open=price, sl=0.0, tp=0.0, price_current=price, price_stoplimit=0.0,
                symbol=str(columns["symbol"][i]), comment=str(columns["comment"][i]), external_id="",
            ))
        return tuple(rows)

    # -- internals --------------------------------------------------------------------------
    def _history_columns(
        self, date_from: datetime | int | None, date_to: datetime | int | None,
        group: str | None, order: int | None, position: int | None,
    ) -> dict[str, np.ndarray] | None:
        """Deal columns the terminal shows for one of the package's three query shapes (a date range, ``ticket=``
        an **order** ticket, ``position=``), sorted by server time then ticket; ``None`` (with last_error set)
        when the arguments are invalid."""
        history = self._histories[self._login]
        if order is not None or position is not None:
            anchor = (order if order is not None else position or 0) - ORDER_OFFSET
            day = (anchor - TICKET_BASE) // SLOTS_PER_DAY
            days = range(day, day + 1) if day >= history.first_day else range(0)
            low, high = -(2**62), 2**62
        elif date_from is None or date_to is None or date_seconds(date_from) > date_seconds(date_to):
            self._fail((int(ResultCode.RES_E_INVALID_PARAMS), "Terminal: Invalid params"))
            return None
        else:
            low, high = date_seconds(date_from) * 1000, date_seconds(date_to) * 1000 + 999
            offsets = history.account.policy.offsets
            days = history.days_touching(low - max(offsets) * 1000, high - min(offsets) * 1000)
        keys = (*_DEAL_COLUMNS, "time_utc")
        chunks = [{k: history.chunk(d).deals[k] for k in keys} for d in days]
        extra = self.edits.extra.get(self._login)
        if extra:
            chunks.append({k: np.array([row[k] for row in extra], dtype=object if k in ("symbol", "comment")
                                       else None) for k in keys})
        merged = {k: np.concatenate([c[k] for c in chunks]) if chunks else np.empty(0) for k in keys}
        known_until = self.link.visible_until(self._login, self._now_ms)
        self._apply_revisions(merged, known_until)
        server = merged["time_server"]
        mask = (merged["time_utc"] <= known_until) & (server >= low) & (server <= high)
        if order is not None:
            mask &= merged["order"] == order
        if position is not None:
            mask &= merged["position_id"] == position
        if group:
            mask &= np.array([group_matches(str(s), group) for s in merged["symbol"].tolist()], dtype=np.bool_)
        order_by = np.lexsort((merged["ticket"][mask], merged["time_server"][mask]))
        self._error = _OK
        return {k: merged[k][mask][order_by] for k in _DEAL_COLUMNS}

    def _apply_revisions(self, merged: dict[str, np.ndarray], known_until: int) -> None:
        """Show each deal as the broker last changed it, as far as the terminal knows (``merged`` is a copy)."""
        for ticket, changes in self.edits.applicable(self._login, known_until):
            rows = np.flatnonzero(merged["ticket"] == ticket)
            for name, value in changes.items():
                merged[name][rows] = value

    def _open_trades(self) -> _OpenTrades:
        history = self._histories[self._login]
        chunks = [history.chunk(d).trades for d in history.days_touching(self._now_ms, self._now_ms)]
        keys = ("position_id", "open_utc", "close_utc", "sym", "side", "volume", "price_open")
        merged = {k: np.concatenate([c[k] for c in chunks]) for k in keys}
        mask = (merged["open_utc"] <= self._now_ms) & (merged["close_utc"] > self._now_ms)
        return _OpenTrades(*(merged[k][mask] for k in keys if k != "close_utc"))

    def _valuation(self, trades: _OpenTrades) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Floating profit, accrued swap and margin of each open trade, in account currency."""
        acct = self.accounts[self._login]
        n = len(trades.position_id)
        profit, margin = np.zeros(n), np.zeros(n)
        now = np.array([self._now_ms])
        for s, spec in enumerate(self.market.symbols):
            mask = trades.sym == s
            if not mask.any():
                continue
            sign = np.where(trades.side[mask] == 0, 1.0, -1.0)
            mid = float(self.market.mid(s, now)[0])
            current = np.round(mid - sign * spec.spread / 2, spec.digits)
            rate = float(self.market.conversion(spec.quote, acct.currency, now)[0])
            size = trades.volume[mask] * spec.contract_size
            profit[mask] = np.round((current - trades.price_open[mask]) * sign * size * rate, 2)
            margin[mask] = size * trades.price_open[mask] * rate / acct.leverage
        nights = (self._now_ms // DAY_MS) - (trades.open_utc // DAY_MS)
        swaps = np.round(-trades.volume * SWAP_PER_LOT_NIGHT * nights, 2) + 0.0
        return profit, swaps, margin

    def _server_ms(self, utc_ms: int) -> int:
        policy = self.accounts[self._login].policy
        return int(utc_ms + server_offsets_ms(policy, np.array([utc_ms]))[0])

    def _authenticate(self, login: int, password: str | None, server: str | None) -> bool:
        acct = self.accounts.get(login)
        if acct is None or acct.password != password or (server is not None and server != acct.server):
            return self._fail((int(ResultCode.RES_E_AUTH_FAILED), "Terminal: Authorization failed"))
        self._switch_to(login)
        self._error = _OK
        return True

    def _switch_to(self, login: int) -> None:
        """Log in to ``login``: the previous account stops receiving history, this one fetches what it missed."""
        if login == self._login:
            return
        self._logged_out_at[self._login] = self._now_ms
        left = self._logged_out_at.pop(login, None)
        if left is not None:
            self.link.add_gap(login, left, self._now_ms)
        self._login = login

    def _ready(self) -> bool:
        """Connected and not hit by a simulated IPC drop (which disconnects until initialize)."""
        if not self._connected:
            self._fail(_NO_IPC)
            return False
        if self._fault():
            self._connected = False
            self._fail(self._faults.choice(_CALL_FAILURES))
            return False
        return True

    def _fault(self) -> bool:
        return self.failure_rate > 0 and self._faults.random() < self.failure_rate

    def _fail(self, error: tuple[int, str]) -> bool:
        self._error = error
        return False

    @staticmethod
    def _selected(symbol: str, only: str | None, group: str | None) -> bool:
        return (only is None or symbol == only) and (not group or group_matches(symbol, group))
