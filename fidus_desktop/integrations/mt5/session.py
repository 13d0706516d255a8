"""``Mt5Session``: the typed, safe way to talk to any :class:`~.port.Terminal`.

The raw API fails by returning ``None`` and setting ``last_error()``, speaks server wall-clock time
and floats. The session turns that into exceptions, UTC datetimes and Decimal money, and makes the
history query robust:

- the requested UTC window is converted to server time and **widened** by a margin (1 day by
  default) before asking the terminal, so a wrong or changing server offset can never drop a deal
  at the edge of the window; the answer is then de-duplicated by ticket. ``deals`` filters it
  precisely on the deal's UTC time (``date_from <= time < date_to``); ``deals_since`` (the poller's
  incremental read) does **not**, because a converted time is only as right as the configured
  server-time policy: a broker on GMT+0 left on "EET-NY" would have every new deal filtered out. It
  keeps every ticket of the widened window instead (storage is idempotent by ticket);
- dates go to the terminal as integer server-time seconds, never as ``datetime`` objects, because
  the package reads naive datetimes in the PC's local zone;
- an empty answer while ``last_error()`` reports invalid parameters or an IPC failure is raised,
  not mistaken for "no deals"; ``None`` with a success code is an empty range (real terminals answer
  an empty range either way);
- a deal type FIDUS does not know is kept as kind ``OTHER`` with its raw number, never refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from fidus_desktop.clock import wall_now
from fidus_desktop.domain.trading.models import (
    AccountSnapshot,
    Deal,
    DealKind,
    Entry,
    Position,
    Quote,
    Side,
)
from fidus_desktop.gc_pause import gc_paused

from .enums import DealEntry, DealType, PositionType, ResultCode
from .errors import CONNECTION_CODES, Mt5AccountMismatch, Mt5AuthError, error_for
from .port import Terminal
from .records import AccountInfo, TerminalInfo, TradeDeal, TradePosition
from .timezones import ServerTimePolicy, detect_offset_minutes

T = TypeVar("T")

_KINDS: dict[int, DealKind] = {
    DealType.DEAL_TYPE_BUY: DealKind.TRADE,
    DealType.DEAL_TYPE_SELL: DealKind.TRADE,
    DealType.DEAL_TYPE_BALANCE: DealKind.BALANCE,
    DealType.DEAL_TYPE_CREDIT: DealKind.CREDIT,
    DealType.DEAL_TYPE_CHARGE: DealKind.CHARGE,
    DealType.DEAL_TYPE_CORRECTION: DealKind.CORRECTION,
    DealType.DEAL_TYPE_BONUS: DealKind.BONUS,
    DealType.DEAL_TYPE_COMMISSION: DealKind.COMMISSION,
    DealType.DEAL_TYPE_COMMISSION_DAILY: DealKind.COMMISSION,
    DealType.DEAL_TYPE_COMMISSION_MONTHLY: DealKind.COMMISSION,
    DealType.DEAL_TYPE_COMMISSION_AGENT_DAILY: DealKind.COMMISSION,
    DealType.DEAL_TYPE_COMMISSION_AGENT_MONTHLY: DealKind.COMMISSION,
    DealType.DEAL_TYPE_INTEREST: DealKind.INTEREST,
    DealType.DEAL_TYPE_BUY_CANCELED: DealKind.CANCELED,
    DealType.DEAL_TYPE_SELL_CANCELED: DealKind.CANCELED,
    DealType.DEAL_DIVIDEND: DealKind.DIVIDEND,
    DealType.DEAL_DIVIDEND_FRANKED: DealKind.DIVIDEND,
    DealType.DEAL_TAX: DealKind.TAX,
}
_SIDES: dict[int, Side] = {
    DealType.DEAL_TYPE_BUY: Side.BUY,
    DealType.DEAL_TYPE_SELL: Side.SELL,
    DealType.DEAL_TYPE_BUY_CANCELED: Side.BUY,
    DealType.DEAL_TYPE_SELL_CANCELED: Side.SELL,
}
_ENTRIES: dict[int, Entry] = {
    DealEntry.DEAL_ENTRY_IN: Entry.IN,
    DealEntry.DEAL_ENTRY_OUT: Entry.OUT,
    DealEntry.DEAL_ENTRY_INOUT: Entry.INOUT,
    DealEntry.DEAL_ENTRY_OUT_BY: Entry.OUT_BY,
}
# Deals that can only exist from the first MT5 release on; the default start of a full history sync.
HISTORY_START = datetime(2010, 1, 1, tzinfo=UTC)


def money(value: float, digits: int) -> Decimal:
    """Terminal float → Decimal via its shortest repr, cut to the account currency's digits.

    The terminal computes money to ``currency_digits``; anything beyond is float noise
    (``-0.35000000000000003``).
    """
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-digits))


def price(value: float) -> Decimal:
    return Decimal(str(value))


def same_server(a: str, b: str) -> bool:
    """Trade server names as people type them: case and surrounding blanks do not matter."""
    return a.strip().casefold() == b.strip().casefold()


@dataclass(frozen=True, slots=True)
class DealBatch:
    """Deals of one incremental fetch and the watermark to pass to the next one."""

    deals: list[Deal]
    watermark: datetime
    complete: bool  # False when max_window cut the fetch short: call again straight away


class Mt5Session:
    """One terminal, one logged-in account at a time, typed results."""

    def __init__(
        self,
        terminal: Terminal,
        policy: ServerTimePolicy,
        *,
        history_margin: timedelta = timedelta(days=1),
        clock: Callable[[], datetime] = wall_now,
    ) -> None:
        self.terminal = terminal
        self.policy = policy
        self.history_margin = history_margin
        self._clock = clock

    # -- connection -------------------------------------------------------------------------
    def connect(
        self,
        path: str | None = None,
        login: int | None = None,
        password: str | None = None,
        server: str | None = None,
        timeout: int | None = None,
        portable: bool = False,
    ) -> None:
        """Start or attach the terminal (and log in when ``login`` is given)."""
        ok = self.terminal.initialize(
            path=path, login=login, password=password, server=server, timeout=timeout, portable=portable
        )
        if not ok:
            raise self._error("initialize")
        if login is not None:
            self._expect_login(login)

    def login(self, login: int, password: str, server: str, timeout: int | None = None) -> None:
        """Switch the running terminal to another account."""
        if not self.terminal.login(login, password=password, server=server, timeout=timeout):
            raise self._error(f"login to {login}@{server}")
        self._expect_login(login)

    def current_login(self) -> int | None:
        """The account the terminal is logged in to right now; None when it shows none."""
        info = self.terminal.account_info()
        return None if info is None else info.login

    def expect_account(self, login: int, server: str) -> None:
        """Raise :class:`Mt5AccountMismatch` unless the terminal shows ``login`` on ``server`` right now.

        The user may switch account in the terminal window at any moment; nothing read from another account
        may be filed under this one.
        """
        info = self._account_info()
        if info.login != login or not same_server(info.server, server):
            raise Mt5AccountMismatch(
                f"MetaTrader 5 shows account {info.login} on {info.server}, not {login} on {server} (someone "
                "switched accounts in the terminal, or another program logged it in); nothing of this poll "
                "was stored. FIDUS logs in to the right account again on the next poll.",
                shown_login=info.login,
            )

    def terminal_state(self) -> TerminalInfo:
        """``terminal_info()``: ``connected`` says whether the terminal reaches its trade server now."""
        info = self.terminal.terminal_info()
        if info is None:
            raise self._error("terminal_info")
        return info

    def detect_offset(self, symbols: Iterable[str]) -> int | None:
        """The server's current UTC offset in minutes from the newest tick of ``symbols``; None if none is fresh."""
        newest = 0
        for symbol in dict.fromkeys(symbols):
            tick = self.terminal.symbol_info_tick(symbol)
            if tick and tick.time and tick.bid > 0:
                newest = max(newest, tick.time)
        if not newest:
            return None
        try:
            return detect_offset_minutes(newest, self._clock())
        except ValueError:  # a stale tick (market closed): no verdict
            return None

    def close(self) -> None:
        self.terminal.shutdown()

    # -- queries ----------------------------------------------------------------------------
    def account(self) -> AccountSnapshot:
        info = self._account_info()
        digits = info.currency_digits
        return AccountSnapshot(
            login=info.login, server=info.server, name=info.name, company=info.company,
            currency=info.currency, leverage=info.leverage,
            balance=money(info.balance, digits), credit=money(info.credit, digits),
            profit=money(info.profit, digits), equity=money(info.equity, digits),
            margin=money(info.margin, digits), margin_free=money(info.margin_free, digits),
            margin_level=Decimal(str(info.margin_level)) if info.margin else None,
            trade_allowed=bool(info.trade_allowed), time=self._clock(),
        )

    def positions(self, symbol: str | None = None) -> list[Position]:
        info = self._account_info()
        kwargs: dict[str, Any] = {"symbol": symbol} if symbol else {}  # the real package refuses symbol=None
        rows = self._rows(self.terminal.positions_get(**kwargs), "positions_get")
        digits = {name: self._symbol_digits(name) for name in {row.symbol for row in rows}}
        return [self._position(row, info, digits[row.symbol]) for row in rows]

    def _symbol_digits(self, symbol: str) -> int | None:
        """The decimals ``symbol`` is quoted with, for showing its prices; None when the terminal cannot say."""
        found = self.terminal.symbol_info(symbol)
        return int(found.digits) if found else None

    def quote(self, symbol: str) -> Quote:
        """The latest bid/ask of ``symbol``; a typed error (unknown symbol, lost link) when there is none."""
        quote = self._quote_or_none(symbol)
        if quote is None:
            raise self._error(f"symbol_info_tick({symbol!r})")
        return quote

    def quotes(self, symbols: Iterable[str]) -> dict[str, Quote]:
        """Latest quotes of those ``symbols`` the terminal knows, by symbol.

        A symbol hidden from Market Watch has no tick until selected, so a missing tick is retried once after
        ``symbol_select`` (which adds it to Market Watch). A symbol the terminal does not have (``EURUSD`` and
        ``USDEUR`` are both asked for when either would do) is simply absent; a lost IPC link is raised, since
        then nothing said about the others is true.
        """
        found: dict[str, Quote] = {}
        for symbol in dict.fromkeys(symbols):
            quote = self._quote_or_none(symbol)
            if quote is None and self.terminal.symbol_select(symbol, True):
                quote = self._quote_or_none(symbol)
            if quote is not None:
                found[symbol] = quote
                continue
            code, message = self.terminal.last_error()
            if code in CONNECTION_CODES:
                raise error_for(code, message, f"symbol_info_tick({symbol!r})")
        return found

    def deals(self, date_from: datetime, date_to: datetime, group: str | None = None) -> list[Deal]:
        """Deals with ``date_from <= time < date_to`` (aware datetimes), sorted by time then ticket."""
        info, rows = self._window(date_from, date_to, group)
        with gc_paused():  # up to 100,000 deals of Decimals and datetimes, none of them cyclic
            converted = (self._deal(row, info) for row in rows)
            wanted = (d for d in converted if date_from <= d.time < date_to)
            return sorted(wanted, key=lambda d: (d.time, d.ticket))

    def deals_since(
        self,
        watermark: datetime | None,
        *,
        rescan: timedelta = timedelta(hours=1),
        max_window: timedelta | None = None,
        until: datetime | None = None,
        seen: set[int] | None = None,
    ) -> DealBatch:
        """Incremental fetch for the poller.

        Asks for ``watermark - rescan`` (or :data:`HISTORY_START`) to ``until`` (default: now), widened by
        ``history_margin``, and returns **every ticket** of the answer not in ``seen`` (which it extends), with
        the new watermark. No converted-time filter: a wrong server-time setting must not drop deals. With
        ``max_window`` a long catch-up is split into pieces (``complete=False`` until done). A clock that went
        back before the window start reads nothing and keeps the watermark.
        """
        end = until or self._clock()
        start = watermark - rescan if watermark else HISTORY_START
        if end <= start:
            return DealBatch([], watermark or end, True)
        complete = True
        if max_window is not None and end - start > max_window:
            end, complete = start + max_window, False
        info, rows = self._window(start, end, None)
        skip = seen if seen is not None else set()
        with gc_paused():
            fresh = [self._deal(row, info) for row in rows if row.ticket not in skip]
        skip.update(deal.ticket for deal in fresh)
        fresh.sort(key=lambda d: (d.time, d.ticket))
        return DealBatch(fresh, end, complete)

    def _window(
        self, date_from: datetime, date_to: datetime, group: str | None
    ) -> tuple[AccountInfo, list[TradeDeal]]:
        """The account and the unique deals of ``[date_from, date_to)`` widened by ``history_margin``."""
        if date_to <= date_from:
            raise ValueError(
                f"Empty deal window: {date_from.isoformat()} is not before {date_to.isoformat()}."
            )
        info = self._account_info()
        server_from = self.policy.utc_to_server(date_from - self.history_margin)
        server_to = self.policy.utc_to_server(date_to + self.history_margin) + 1
        kwargs: dict[str, Any] = {"group": group} if group else {}
        raw = self.terminal.history_deals_get(server_from, server_to, **kwargs)
        rows = self._rows(raw, "history_deals_get")
        return info, list({row.ticket: row for row in rows}.values())

    # -- conversion -------------------------------------------------------------------------
    def _deal(self, row: TradeDeal, info: AccountInfo) -> Deal:
        """One deal; a type or entry FIDUS does not know becomes kind OTHER with the raw type kept (the
        classification sends it to the review queue when it moved money)."""
        kind = _KINDS.get(row.type) if row.entry in _ENTRIES else None
        digits = info.currency_digits
        return Deal(
            login=info.login, ticket=row.ticket, order=row.order,
            time=self.policy.server_ms_to_utc(row.time_msc or row.time * 1000),
            kind=kind or DealKind.OTHER, side=_SIDES.get(row.type) if kind else None,
            entry=_ENTRIES.get(row.entry, Entry.IN), raw_type=None if kind else int(row.type),
            position_id=row.position_id, symbol=row.symbol,
            volume=price(row.volume), price=price(row.price),
            profit=money(row.profit, digits), commission=money(row.commission, digits),
            swap=money(row.swap, digits), fee=money(row.fee, digits),
            currency=info.currency, comment=row.comment, magic=row.magic, reason=row.reason,
            external_id=row.external_id,
        )

    def _position(self, row: TradePosition, info: AccountInfo, symbol_digits: int | None = None) -> Position:
        digits = info.currency_digits
        return Position(
            login=info.login, ticket=row.ticket, identifier=row.identifier,
            opened=self.policy.server_ms_to_utc(row.time_msc or row.time * 1000),
            updated=self.policy.server_ms_to_utc(row.time_update_msc or row.time_update * 1000),
            side=Side.BUY if row.type == PositionType.POSITION_TYPE_BUY else Side.SELL,
            symbol=row.symbol, volume=price(row.volume), price_open=price(row.price_open),
            price_current=price(row.price_current), sl=price(row.sl), tp=price(row.tp),
            swap=money(row.swap, digits), profit=money(row.profit, digits), currency=info.currency,
            magic=row.magic, comment=row.comment, digits=symbol_digits,
        )

    # -- error handling ---------------------------------------------------------------------
    def _quote_or_none(self, symbol: str) -> Quote | None:
        tick = self.terminal.symbol_info_tick(symbol)
        if not tick:  # None from the package; a bare False from an adapter that mimics it loosely
            return None
        if tick.bid <= 0 or tick.ask <= 0:  # a symbol just selected: its first tick is all zeros
            return None
        return Quote(symbol, self.policy.server_ms_to_utc(tick.time_msc or tick.time * 1000),
                     price(tick.bid), price(tick.ask))

    def _account_info(self) -> AccountInfo:
        info = self.terminal.account_info()
        if info is None:
            raise self._error("account_info")
        return info

    def _expect_login(self, login: int) -> None:
        actual = self._account_info().login
        if actual != login:
            raise Mt5AuthError(
                f"MetaTrader 5 is logged in to account {actual}, not {login}; log in to {login} "
                "in the terminal or check the login number in the account settings."
            )

    def _rows(self, result: Iterable[T] | None, action: str) -> tuple[T, ...]:
        if result is None:
            code, message = self.terminal.last_error()
            if code == ResultCode.RES_S_OK:  # real terminals answer an empty range with None and success
                return ()
            raise error_for(code, message, action)
        rows = tuple(result)
        if not rows:
            code, message = self.terminal.last_error()
            if code == ResultCode.RES_E_INVALID_PARAMS or code in CONNECTION_CODES:
                raise error_for(code, message, action)
        return rows

    def _error(self, action: str) -> Exception:
        code, message = self.terminal.last_error()
        return error_for(code, message, action)
