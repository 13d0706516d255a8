"""Exposure of open positions by symbol and by currency, margin level and drawdown from peak.

Notional = lots × contract size × current price, in the symbol's quote currency, converted into
the account currency with the terminal's mid quotes of the conversion pairs (direct, inverse, or
through USD; :func:`conversion_symbols` lists which to ask for, in the broker's naming such as ``USDJPY.r``,
see ``instruments``). A currency with no quote is "not convertible", never taken 1:1. FX pairs and metals
(XAU, XAG …) are split into their two legs: long 1 lot EURUSD at 1.08 is +100 000 EUR and −108 000 USD.
Index and commodity CFDs have no currency legs: their notional is reported per symbol only (the currency risk
of a CFD is its P&L, not its notional).

A position is valued when its symbol has a contract specification and its quote currency converts into the account
currency; :func:`value_exposure` values every such position and lists the others per symbol with the reason
("no contract specification for BTCUSD", "not convertible: no USDJPY quote"), so the known part is still shown and
nothing is valued at a guessed rate. Currency legs need only the contract specification: a missing quote leaves just
the currencies that need it "not convertible".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from fidus_desktop.errors import UserError

from .instruments import Affix, Instrument, currency_pair
from .models import Position, Quote

_PERCENT = Decimal("0.01")


class ExposureError(UserError, ValueError):
    """A conversion quote needed to express an amount in the account currency is missing."""


# Which currency of a pair is quoted first by market convention (EURUSD, GBPJPY, USDJPY, XAUUSD); others follow.
_BASE_PRIORITY = ("XAU", "XAG", "EUR", "GBP", "AUD", "NZD", "USD", "CAD", "CHF")


def market_pair(first: str, second: str) -> str:
    """The two currencies in the order brokers list them, for messages ("no EURUSD quote", not "USDEUR")."""
    def rank(currency: str) -> tuple[int, str]:
        return (_BASE_PRIORITY.index(currency) if currency in _BASE_PRIORITY else len(_BASE_PRIORITY), currency)

    return "".join(sorted((first, second), key=rank))


def conversion_symbols(
    currencies: Iterable[str], account_currency: str, namings: Iterable[Affix] = (Affix(),)
) -> list[str]:
    """The pairs whose quotes convert ``currencies`` into ``account_currency``: direct and inverse, and both
    legs through USD, in each of the broker's ``namings`` (``USDJPY.r``). A broker lists one orientation of each
    pair, so all are asked for and the missing ones are simply not quoted."""
    wanted: dict[str, None] = {}
    for currency in currencies:
        if currency == account_currency:
            continue
        legs = [(currency, account_currency)]
        if "USD" not in (currency, account_currency):
            legs += [(currency, "USD"), ("USD", account_currency)]
        for first, second in legs:
            wanted[first + second] = wanted[second + first] = None
    return [affix.around(pair) for affix in namings for pair in wanted]


class RateTable:
    """Converts amounts into the account currency from symbol mid prices.

    A quote counts for the currency pair inside its broker symbol (``USDJPY.r`` prices USDJPY); when two
    symbols price one pair the first by name is used, and a symbol that prices no pair is ignored.
    """

    def __init__(self, account_currency: str, mids: Mapping[str, Decimal]) -> None:
        self.account_currency = account_currency
        self.mids: dict[str, Decimal] = {}
        for symbol, mid in sorted(mids.items()):
            pair = currency_pair(symbol)
            if pair is not None:
                self.mids.setdefault(pair, mid)

    @classmethod
    def from_quotes(cls, account_currency: str, quotes: Iterable[Quote]) -> RateTable:
        return cls(account_currency, {q.symbol: q.mid for q in quotes})

    def rate(self, currency: str, target: str | None = None) -> Decimal:
        target = target or self.account_currency
        if currency == target:
            return Decimal(1)
        if currency + target in self.mids:
            return self.mids[currency + target]
        if target + currency in self.mids:
            return 1 / self.mids[target + currency]
        if "USD" not in (currency, target):
            try:
                return self.rate(currency, "USD") * self.rate("USD", target)
            except ExposureError:
                pass
        raise ExposureError(f"not convertible: no {market_pair(currency, target)} quote")

    def convert(self, amount: Decimal, currency: str) -> Decimal:
        return amount * self.rate(currency)


@dataclass(frozen=True, slots=True)
class SymbolExposure:
    symbol: str
    long_volume: Decimal
    short_volume: Decimal
    notional: Decimal  # signed, account currency
    gross_notional: Decimal  # |long| + |short|, account currency

    @property
    def net_volume(self) -> Decimal:
        return self.long_volume - self.short_volume


@dataclass(frozen=True, slots=True)
class CurrencyExposure:
    currency: str
    amount: Decimal  # signed, in the currency itself
    in_account_currency: Decimal | None  # None: not convertible (see ``problem``)
    problem: str = ""  # "not convertible: no EURUSD quote"


def n_positions(count: int) -> str:
    """"1 position", "3 positions": for messages about unvalued positions."""
    return f"{count} position" + ("" if count == 1 else "s")


@dataclass(frozen=True, slots=True)
class UnvaluedSymbol:
    """Open positions in one symbol left out of the valued exposure, and why (the same for all of them)."""

    symbol: str
    positions: int
    reason: str  # "no contract specification for BTCUSD", "not convertible: no USDJPY quote"


@dataclass(frozen=True, slots=True)
class Exposure:
    """What could be valued of an account's open positions, and what could not."""

    by_symbol: dict[str, SymbolExposure]  # valued positions only
    by_currency: dict[str, CurrencyExposure]  # legs of every position with a contract specification
    unvalued: dict[str, UnvaluedSymbol]

    @property
    def gross_notional(self) -> Decimal:
        """Sum of the valued symbols' gross notionals: the figure the gross exposure limit checks."""
        return sum((e.gross_notional for e in self.by_symbol.values()), Decimal(0))

    @property
    def unvalued_positions(self) -> int:
        return sum(u.positions for u in self.unvalued.values())


def exposure_currencies(positions: Iterable[Position], instruments: Mapping[str, Instrument]) -> set[str]:
    """Every currency the exposure of ``positions`` is in: both legs of FX and metals, a CFD's quote currency.

    A position whose symbol is not in ``instruments`` adds none: it cannot be valued anyway."""
    currencies: set[str] = set()
    for position in positions:
        spec = instruments.get(position.symbol)
        if spec is not None:
            currencies.update((spec.base, spec.quote) if spec.has_currency_legs else (spec.quote,))
    return currencies


def _by_symbol(valued: Iterable[tuple[Position, Decimal]]) -> dict[str, SymbolExposure]:
    """Lots and notionals per symbol from positions with their unsigned notional in the account currency."""
    longs: dict[str, Decimal] = defaultdict(Decimal)
    shorts: dict[str, Decimal] = defaultdict(Decimal)
    signed: dict[str, Decimal] = defaultdict(Decimal)
    gross: dict[str, Decimal] = defaultdict(Decimal)
    for position, notional in valued:
        (longs if position.side.sign > 0 else shorts)[position.symbol] += position.volume
        signed[position.symbol] += notional * position.side.sign
        gross[position.symbol] += notional
    return {s: SymbolExposure(s, longs[s], shorts[s], signed[s], gross[s]) for s in sorted(gross)}


def _by_currency(
    specified: Iterable[tuple[Position, Instrument]], rates: RateTable
) -> dict[str, CurrencyExposure]:
    """Net amount per currency; one without a conversion quote keeps its amount and says why it has no value."""
    legs: dict[str, Decimal] = defaultdict(Decimal)
    for position, spec in specified:
        if not spec.has_currency_legs:
            continue
        units = position.volume * spec.contract_size * position.side.sign
        legs[spec.base] += units
        legs[spec.quote] -= units * position.price_current
    result: dict[str, CurrencyExposure] = {}
    for currency, amount in sorted(legs.items()):
        try:
            result[currency] = CurrencyExposure(currency, amount, rates.convert(amount, currency))
        except ExposureError as exc:
            result[currency] = CurrencyExposure(currency, amount, None, str(exc))
    return result


def value_exposure(
    positions: Iterable[Position], instruments: Mapping[str, Instrument], rates: RateTable
) -> Exposure:
    """Exposure by symbol and by currency of every position that can be valued; the others listed per symbol.

    A symbol missing from ``instruments`` has no contract size, so neither notional nor currency legs; a symbol
    whose quote currency has no conversion quote still has its legs by currency (each leg converted or not on its
    own), but no notional in the account currency.
    """
    specified: list[tuple[Position, Instrument]] = []
    valued: list[tuple[Position, Decimal]] = []
    reasons: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for position in positions:
        spec = instruments.get(position.symbol)
        if spec is None:
            reason = f"no contract specification for {position.symbol}"
        else:
            specified.append((position, spec))
            try:
                rate = rates.rate(spec.quote)
            except ExposureError as exc:
                reason = str(exc)
            else:
                valued.append((position, position.volume * spec.contract_size * position.price_current * rate))
                continue
        reasons[position.symbol] = reason
        counts[position.symbol] += 1
    unvalued = {s: UnvaluedSymbol(s, counts[s], reasons[s]) for s in sorted(reasons)}
    return Exposure(_by_symbol(valued), _by_currency(specified, rates), unvalued)


def margin_level(equity: Decimal, margin: Decimal) -> Decimal | None:
    """Equity / margin × 100 (%, 2 dp); None when no margin is used (MT5 shows 0 then)."""
    if margin <= 0:
        return None
    return (equity / margin * 100).quantize(_PERCENT, rounding=ROUND_HALF_EVEN)


def drawdown_from_peak(equity: Decimal, peak: Decimal) -> Decimal:
    """Current fall below the equity peak, in % of the peak (2 dp); 0 at or above the peak."""
    if peak <= 0 or equity >= peak:
        return Decimal("0.00")
    return ((peak - equity) / peak * 100).quantize(_PERCENT, rounding=ROUND_HALF_EVEN)
