"""Contract specifications, and the market name inside a broker's symbol (``EURUSD.r``, ``#EURUSD``, ``EURUSDm``).

Brokers list one instrument under their own naming: a prefix (``#``) and/or a suffix (``.r``, ``.pro``, ``m``,
``_i``) around the market name. :func:`parse_broker_symbol` finds that core only where it cannot be a different
instrument: six capital letters that are two ISO 4217 currencies (an FX pair, ``XAU``/``XAG`` counted as currencies),
or a name of the catalogue (:data:`CATALOGUE`: metals, index CFDs), then a suffix that begins with a separator or is
lower-case letters. Anything else (``US30.cash`` while US30 is not catalogued, ``USTECH100``, ``BTCUSD``, ``eurusd``)
is not recognised and stays "no contract specification", rather than being split into made-up currencies.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import NamedTuple

# Active ISO 4217 currencies, plus CNH (offshore yuan, which brokers quote as USDCNH). Precious metals (XAU …) are
# not here: a metal is valued only with a catalogued contract size.
ISO_CURRENCIES = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF
    CLP CNH CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL
    HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL
    MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON
    RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH
    UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL
""".split())

# Characters brokers put between the market name and their affix: EURUSD.r, EURUSD_i, #EURUSD, EURUSD+, EURUSD-ECN.
SEPARATORS = ".#_!+~-"
_SEP = re.escape(SEPARATORS)
# The core is the whole run of capitals and digits after the prefix, so a recognised split is the only one.
_BROKER_SYMBOL = re.compile(
    rf"(?P<prefix>[{_SEP}]{{0,2}})(?P<core>[A-Z][A-Z0-9]*)(?P<suffix>(?:[{_SEP}][A-Za-z0-9]{{0,8}}|[a-z]{{1,6}})?)"
)


@dataclass(frozen=True, slots=True)
class Instrument:
    symbol: str
    base: str
    quote: str
    contract_size: Decimal
    has_currency_legs: bool = True  # FX and metals; False for index/commodity CFDs


def fx_instrument(pair: str, contract_size: Decimal = Decimal(100_000)) -> Instrument:
    """An FX pair or metal named by its six letters, base then quote (``EURUSD``, ``XAUUSD``)."""
    return Instrument(pair, pair[:3], pair[3:6], contract_size)


# Contract specifications of the symbols FIDUS values; FX pairs of two ISO currencies not listed are 100 000.
CATALOGUE: dict[str, Instrument] = {
    "XAUUSD": fx_instrument("XAUUSD", Decimal(100)),
    "XAGUSD": fx_instrument("XAGUSD", Decimal(5000)),
    "US500": Instrument("US500", "US500", "USD", Decimal(1), has_currency_legs=False),
}
# Metals of the catalogue count as currencies of a pair (XAUUSD, USDXAU), so their quotes convert exposure.
_PAIR_CURRENCIES = ISO_CURRENCIES | {
    leg for spec in CATALOGUE.values() if spec.has_currency_legs for leg in (spec.base, spec.quote)
}


class Affix(NamedTuple):
    """What a broker puts around market names: ``#`` before, ``.r`` after (both empty for plain names)."""

    prefix: str = ""
    suffix: str = ""

    def around(self, core: str) -> str:
        """``core`` in this naming: Affix("", ".r") around USDJPY is ``USDJPY.r``."""
        return self.prefix + core + self.suffix


class BrokerSymbol(NamedTuple):
    """A broker's symbol split into the market name and the broker's affix: ``#EURUSD.r`` → EURUSD, ``#``, ``.r``."""

    core: str
    prefix: str
    suffix: str

    @property
    def affix(self) -> Affix:
        return Affix(self.prefix, self.suffix)

    @property
    def name(self) -> str:
        return self.affix.around(self.core)


def is_currency_pair(core: str, currencies: Collection[str] = ISO_CURRENCIES) -> bool:
    """Six letters that are two different ``currencies`` (``EURUSD``; not ``USTECH`` or ``EUREUR``)."""
    return len(core) == 6 and core[:3] != core[3:] and core[:3] in currencies and core[3:] in currencies


def parse_broker_symbol(
    symbol: str, names: Collection[str] = (), currencies: Collection[str] = ISO_CURRENCIES
) -> BrokerSymbol | None:
    """The core of ``symbol``, a pair of ``currencies`` or one of ``names``, with the broker's prefix and suffix;
    None when no such core is there (never raises, whatever the text)."""
    match = _BROKER_SYMBOL.fullmatch(symbol)
    if match is None:
        return None
    core = match["core"]
    if core not in names and not is_currency_pair(core, currencies):
        return None
    return BrokerSymbol(core, match["prefix"], match["suffix"])


def broker_symbol(symbol: str) -> BrokerSymbol | None:
    """``symbol`` split against the catalogue and the currency pairs FIDUS can value or convert with."""
    return parse_broker_symbol(symbol, CATALOGUE, _PAIR_CURRENCIES)


def find_instrument(symbol: str) -> Instrument | None:
    """The contract specification of a broker's symbol: its core's catalogue entry, else an FX pair of two ISO
    currencies at 100 000; None when neither (an uncatalogued metal pair or CFD has no contract size to assume)."""
    parsed = broker_symbol(symbol)
    if parsed is None:
        return None
    spec = CATALOGUE.get(parsed.core)
    if spec is None and is_currency_pair(parsed.core):
        spec = fx_instrument(parsed.core)
    return None if spec is None else replace(spec, symbol=symbol)


def currency_pair(symbol: str) -> str | None:
    """The six-letter pair a quote of ``symbol`` prices (``USDJPY.r`` → USDJPY), or None if it prices no pair."""
    parsed = broker_symbol(symbol)
    if parsed is None or not is_currency_pair(parsed.core, _PAIR_CURRENCIES):
        return None
    return parsed.core


def broker_namings(symbols: Iterable[str]) -> list[Affix]:
    """The affixes of the FX and metal ``symbols``, most used first (ties by affix); the plain naming when none is
    FX. Conversion pairs are asked for in the broker's own naming: ``EURUSD.r`` held, ``USDJPY.r`` asked."""
    counts: Counter[Affix] = Counter()
    for symbol in symbols:
        parsed = broker_symbol(symbol)
        if parsed is not None and is_currency_pair(parsed.core, _PAIR_CURRENCIES):
            counts[parsed.affix] += 1
    return sorted(counts, key=lambda affix: (-counts[affix], affix)) or [Affix()]
