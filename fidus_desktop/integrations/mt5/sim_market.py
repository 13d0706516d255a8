"""Deterministic simulated prices for the simulated terminal.

Each symbol follows a random walk that is a pure function of ``(seed, symbol, UTC time)``: daily
log-levels come from per-block random streams, and inside a day a Brownian bridge joins one day's
level to the next on a one-minute grid. Any instant can therefore be priced without simulating
everything before it, and the same seed always gives the same price at the same instant.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

SIM_EPOCH_MS = int(datetime(2015, 1, 1, tzinfo=UTC).timestamp()) * 1000
DAY_MS = 86_400_000
# Each symbol trades at its ``start_price`` on this day, so recent years look plausible.
_ANCHOR_DAY = (int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) * 1000 - SIM_EPOCH_MS) // DAY_MS
MINUTE_MS = 60_000
_MINUTES = 1440
_BLOCK_DAYS = 1024
_CACHE_DAYS = 4096


@dataclass(frozen=True)
class SimSymbol:
    name: str
    base: str  # first currency of an FX pair or metal; the index name for CFDs
    quote: str  # profit currency
    contract_size: float
    start_price: float
    daily_vol: float  # standard deviation of the daily log return
    digits: int
    spread: float  # in price units


DEFAULT_SYMBOLS: tuple[SimSymbol, ...] = (
    SimSymbol("EURUSD", "EUR", "USD", 100_000, 1.10, 0.005, 5, 0.00008),
    SimSymbol("GBPUSD", "GBP", "USD", 100_000, 1.27, 0.006, 5, 0.00012),
    SimSymbol("USDJPY", "USD", "JPY", 100_000, 145.0, 0.006, 3, 0.012),
    SimSymbol("XAUUSD", "XAU", "USD", 100, 2000.0, 0.009, 2, 0.25),
    SimSymbol("US500", "US500", "USD", 1, 4800.0, 0.010, 2, 0.5),
)


@dataclass(frozen=True)
class SimCross:
    """A cross pair the simulator quotes but never trades, for converting exposure between currencies.

    Its mid is derived from the traded USD pairs (EURGBP = EURUSD / GBPUSD), as a broker's cross rates
    are, so converting directly or through USD gives the same answer up to rounding.
    """

    name: str
    base: str
    quote: str
    digits: int
    spread: float


CROSS_SYMBOLS: tuple[SimCross, ...] = (
    SimCross("EURGBP", "EUR", "GBP", 5, 0.00012),
    SimCross("EURJPY", "EUR", "JPY", 3, 0.020),
    SimCross("GBPJPY", "GBP", "JPY", 3, 0.030),
)


class PricePaths:
    """Mid prices for every symbol at any UTC millisecond after :data:`SIM_EPOCH_MS`."""

    def __init__(
        self, seed: int, symbols: tuple[SimSymbol, ...] = DEFAULT_SYMBOLS,
        crosses: tuple[SimCross, ...] = CROSS_SYMBOLS,
    ) -> None:
        self.seed = seed
        self.symbols = symbols
        self.index = {s.name: i for i, s in enumerate(symbols)}
        self.crosses = {c.name: c for c in crosses if c.name not in self.index}
        self._levels: list[np.ndarray] = [np.empty(0) for _ in symbols]
        self._days: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._days_lock = threading.Lock()

    def _daily_levels(self, sym: int, upto_day: int) -> np.ndarray:
        """Log price at the start of each UTC day since the epoch, extended block by block."""
        levels = self._levels[sym]
        spec = self.symbols[sym]
        while len(levels) <= upto_day + 1:
            block = len(levels) // _BLOCK_DAYS if len(levels) else 0
            rng = np.random.default_rng([self.seed, 101, sym, block])
            steps = rng.normal(0.0, spec.daily_vol, _BLOCK_DAYS)
            start = levels[-1] if len(levels) else -steps[0]
            levels = np.concatenate([levels, start + np.cumsum(steps)])
        self._levels[sym] = levels
        return levels

    def _day_path(self, sym: int, day: int) -> np.ndarray:
        """Log price on each minute of ``day`` (1441 points, both day boundaries included)."""
        key = (sym, day)
        with self._days_lock:  # the poller follows each terminal on its own thread (demo: all simulated)
            path = self._days.get(key)
            if path is not None:
                self._days.move_to_end(key)
                return path
        walk_levels = self._daily_levels(sym, max(day, _ANCHOR_DAY))
        levels = walk_levels - walk_levels[_ANCHOR_DAY] + np.log(self.symbols[sym].start_price)
        rng = np.random.default_rng([self.seed, 202, sym, day])
        sigma = self.symbols[sym].daily_vol / np.sqrt(_MINUTES)
        walk = np.concatenate([[0.0], np.cumsum(rng.normal(0.0, sigma, _MINUTES))])
        frac = np.arange(_MINUTES + 1) / _MINUTES
        path = levels[day] + frac * (levels[day + 1] - levels[day]) + walk - frac * walk[-1]
        with self._days_lock:
            self._days[key] = path  # deterministic for the key: a path computed twice at once is the same path
            if len(self._days) > _CACHE_DAYS:
                self._days.popitem(last=False)
        return path

    def mid(self, sym: int, utc_ms: np.ndarray) -> np.ndarray:
        """Mid prices of symbol number ``sym`` at the given UTC milliseconds (vectorised)."""
        utc_ms = np.asarray(utc_ms, dtype=np.int64)
        if utc_ms.size and utc_ms.min() < SIM_EPOCH_MS:
            raise ValueError("The simulated market starts on 2015-01-01 UTC.")
        offset = utc_ms - SIM_EPOCH_MS
        days = offset // DAY_MS
        minutes = (offset % DAY_MS) // MINUTE_MS
        out = np.empty(utc_ms.shape, dtype=np.float64)
        for day in np.unique(days):
            mask = days == day
            out[mask] = self._day_path(sym, int(day))[minutes[mask]]
        return np.round(np.exp(out), self.symbols[sym].digits)

    def quote(self, symbol: str, utc_ms: int) -> tuple[float, int, float] | None:
        """Mid, digits and spread of a traded symbol or a cross at one instant; None for an unknown symbol."""
        index = self.index.get(symbol)
        if index is not None:
            spec = self.symbols[index]
            return float(self.mid(index, np.array([utc_ms]))[0]), spec.digits, spec.spread
        cross = self.crosses.get(symbol)
        if cross is None:
            return None
        mid = float(self.conversion(cross.base, cross.quote, np.array([utc_ms]))[0])
        return round(mid, cross.digits), cross.digits, cross.spread

    def conversion(self, from_ccy: str, to_ccy: str, utc_ms: np.ndarray) -> np.ndarray:
        """Factor turning amounts in ``from_ccy`` into ``to_ccy`` at each instant (via USD if needed)."""
        utc_ms = np.asarray(utc_ms, dtype=np.int64)
        if from_ccy == to_ccy:
            return np.ones(utc_ms.shape)
        direct = self.index.get(from_ccy + to_ccy)
        if direct is not None:
            return self.mid(direct, utc_ms)
        inverse = self.index.get(to_ccy + from_ccy)
        if inverse is not None:
            return 1.0 / self.mid(inverse, utc_ms)
        if "USD" in (from_ccy, to_ccy):
            raise ValueError(f"The simulated market has no {from_ccy}/{to_ccy} rate.")
        return self.conversion(from_ccy, "USD", utc_ms) * self.conversion("USD", to_ccy, utc_ms)
