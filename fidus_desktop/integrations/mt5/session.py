"""``Mt5Session``: the typed, safe way to talk to any :class:`~.port.Terminal`.

The raw API fails by returning ``None`` and setting ``last_error()``, speaks server wall-clock time
and floats. The session turns that into exceptions, UTC datetimes and Decimal money, and makes the
history query robust:

- the requested UTC window is converted to server time and **widened** by a margin (1 day by
  default) before asking the terminal, so a wrong or changing server offset can never drop a deal
  at the edge of the window; the answer is then de-duplicated by ticket and filtered precisely on
  the deal's UTC time (``date_from <= time < date_to``);
- dates go to the terminal as integer server-time seconds, never as ``datetime`` objects, because
  the package reads naive datetimes in the PC's local zone;
- an empty answer while ``last_error()`` reports invalid parameters or an IPC failure is raised,
  not mistaken for "no deals".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

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
from .errors import CONNECTION_CODES, Mt5AuthError, Mt5RequestError, error_for
from .port import Terminal
from .records import AccountInfo, TradeDeal, TradePosition
from .timezones import ServerTimePolicy

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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
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
        return [self._position(row, info) for row in rows]

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
        unique = {row.ticket: row for row in rows}
        with gc_paused():  # up to 100,000 deals of Decimals and datetimes, none of them cyclic
            converted = (self._deal(row, info) for row in unique.values())
            wanted = (d for d in converted if date_from <= d.time < date_to)
            return sorted(wanted, key=lambda d: (d.time, d.ticket))

    def deals_since(
        self,
        watermark: datetime | None,
        *,
        rescan: timedelta = timedelta(hours=1),
        max_window: timedelta | None = None,
        until: datetime | None = None,
    ) -> DealBatch:
        """Incremental fetch for the poller.

        Fetches from ``watermark - rescan`` (or :data:`HISTORY_START`) to ``until`` (default: now)
        and returns the new watermark. Re-reading the last ``rescan`` catches deals that reached
        the terminal late; storage keys deals by ``(login, ticket)`` so re-read deals are no-ops.
        With ``max_window`` a long catch-up is split into pieces (``complete=False`` until done).
        """
        end = until or self._clock()
        start = watermark - rescan if watermark else HISTORY_START
        complete = True
        if max_window is not None and end - start > max_window:
            end, complete = start + max_window, False
        return DealBatch(self.deals(start, end), end, complete)

    # -- conversion -------------------------------------------------------------------------
    def _deal(self, row: TradeDeal, info: AccountInfo) -> Deal:
        if row.type not in _KINDS or row.entry not in _ENTRIES:
            raise Mt5RequestError(
                f"Deal {row.ticket} has unknown type {row.type} / entry {row.entry}; this terminal "
                "build is newer than FIDUS knows. Update FIDUS before syncing this account."
            )
        digits = info.currency_digits
        return Deal(
            login=info.login, ticket=row.ticket, order=row.order,
            time=self.policy.server_ms_to_utc(row.time_msc or row.time * 1000),
            kind=_KINDS[row.type], side=_SIDES.get(row.type), entry=_ENTRIES[row.entry],
            position_id=row.position_id, symbol=row.symbol,
            volume=price(row.volume), price=price(row.price),
            profit=money(row.profit, digits), commission=money(row.commission, digits),
            swap=money(row.swap, digits), fee=money(row.fee, digits),
            currency=info.currency, comment=row.comment, magic=row.magic, reason=row.reason,
            external_id=row.external_id,
        )

    def _position(self, row: TradePosition, info: AccountInfo) -> Position:
        digits = info.currency_digits
        return Position(
            login=info.login, ticket=row.ticket, identifier=row.identifier,
            opened=self.policy.server_ms_to_utc(row.time_msc or row.time * 1000),
            updated=self.policy.server_ms_to_utc(row.time_update_msc or row.time_update * 1000),
            side=Side.BUY if row.type == PositionType.POSITION_TYPE_BUY else Side.SELL,
            symbol=row.symbol, volume=price(row.volume), price_open=price(row.price_open),
            price_current=price(row.price_current), sl=price(row.sl), tp=price(row.tp),
            swap=money(row.swap, digits), profit=money(row.profit, digits), currency=info.currency,
            magic=row.magic, comment=row.comment,
        )

    # -- error handling ---------------------------------------------------------------------
    def _quote_or_none(self, symbol: str) -> Quote | None:
        tick = self.terminal.symbol_info_tick(symbol)
        if not tick:  # None from the package; a bare False from an adapter that mimics it loosely
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
            raise self._error(action)
        rows = tuple(result)
        if not rows:
            code, message = self.terminal.last_error()
            if code == ResultCode.RES_E_INVALID_PARAMS or code in CONNECTION_CODES:
                raise error_for(code, message, action)
        return rows

    def _error(self, action: str) -> Exception:
        code, message = self.terminal.last_error()
        return error_for(code, message, action)
