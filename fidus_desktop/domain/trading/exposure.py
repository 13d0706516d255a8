"""Exposure of open positions by symbol and by currency, margin level and drawdown from peak.

Notional = lots × contract size × current price, in the symbol's quote currency, converted into
the account currency with the mid prices of the account's own symbols (direct, inverse, or through
USD). FX pairs and metals (XAU, XAG …) are split into their two legs: long 1 lot EURUSD at 1.08 is
+100 000 EUR and −108 000 USD. Index and commodity CFDs have no currency legs: their notional is
reported per symbol only (the currency risk of a CFD is its P&L, not its notional).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from .models import Position

_PERCENT = Decimal("0.01")


class ExposureError(ValueError):
    """A price or instrument needed for the calculation is missing."""


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    base: str
    quote: str
    contract_size: Decimal
    has_currency_legs: bool = True  # FX and metals; False for index/commodity CFDs


def fx_instrument(symbol: str, contract_size: Decimal = Decimal(100_000)) -> Instrument:
    """An FX pair or metal whose first six letters are base and quote (``EURUSD``, ``XAUUSD.r``)."""
    return Instrument(symbol, symbol[:3].upper(), symbol[3:6].upper(), contract_size)


class RateTable:
    """Converts amounts into the account currency from symbol mid prices."""

    def __init__(self, account_currency: str, mids: Mapping[str, Decimal]) -> None:
        self.account_currency = account_currency
        self.mids = {symbol[:6].upper(): mid for symbol, mid in mids.items()}

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
        raise ExposureError(
            f"No price to convert {currency} into {target}: add {currency}{target} or "
            f"{target}{currency} to the watched symbols."
        )

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


def _instrument(position: Position, instruments: Mapping[str, Instrument]) -> Instrument:
    try:
        return instruments[position.symbol]
    except KeyError:
        raise ExposureError(f"Symbol {position.symbol} has no instrument definition (base, quote, "
                            "contract size); add it to the symbol catalogue.") from None


def exposure_by_symbol(
    positions: Iterable[Position], instruments: Mapping[str, Instrument], rates: RateTable
) -> dict[str, SymbolExposure]:
    longs: dict[str, Decimal] = defaultdict(Decimal)
    shorts: dict[str, Decimal] = defaultdict(Decimal)
    signed: dict[str, Decimal] = defaultdict(Decimal)
    gross: dict[str, Decimal] = defaultdict(Decimal)
    for position in positions:
        spec = _instrument(position, instruments)
        notional = rates.convert(position.volume * spec.contract_size * position.price_current, spec.quote)
        (longs if position.side.sign > 0 else shorts)[position.symbol] += position.volume
        signed[position.symbol] += notional * position.side.sign
        gross[position.symbol] += notional
    return {
        s: SymbolExposure(s, longs[s], shorts[s], signed[s], gross[s]) for s in sorted(gross)
    }


@dataclass(frozen=True, slots=True)
class CurrencyExposure:
    currency: str
    amount: Decimal  # signed, in the currency itself
    in_account_currency: Decimal


def exposure_by_currency(
    positions: Iterable[Position], instruments: Mapping[str, Instrument], rates: RateTable
) -> dict[str, CurrencyExposure]:
    legs: dict[str, Decimal] = defaultdict(Decimal)
    for position in positions:
        spec = _instrument(position, instruments)
        if not spec.has_currency_legs:
            continue
        units = position.volume * spec.contract_size * position.side.sign
        legs[spec.base] += units
        legs[spec.quote] -= units * position.price_current
    return {c: CurrencyExposure(c, a, rates.convert(a, c)) for c, a in sorted(legs.items())}


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
