"""Risk alerts per account, with stable keys so a condition raises one alert, not one per poll.

The poller evaluates the thresholds every cycle and passes the keys it already holds to
:func:`alert_changes`: only conditions that newly appeared are *raised* (notify, store), those that
disappeared are *cleared*, and the rest are left alone. The key names the account, the condition
and, for per-symbol conditions, the symbol: ``mt5:5001001:symbol_exposure:XAUUSD``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .exposure import SymbolExposure


class AlertKind(Enum):
    MARGIN_LEVEL = "margin_level"
    DRAWDOWN = "drawdown"
    GROSS_EXPOSURE = "gross_exposure"
    SYMBOL_EXPOSURE = "symbol_exposure"


@dataclass(frozen=True, slots=True)
class AlertThresholds:
    """Per-account limits; ``None`` disables a check."""

    margin_level_below: Decimal | None = None  # percent
    drawdown_above: Decimal | None = None  # percent from equity peak
    gross_exposure_above: Decimal | None = None  # account currency, all symbols
    symbol_exposure_above: Decimal | None = None  # account currency, any one symbol


@dataclass(frozen=True, slots=True)
class Alert:
    key: str
    login: int
    kind: AlertKind
    value: Decimal
    threshold: Decimal
    message: str
    symbol: str = ""


def _key(login: int, kind: AlertKind, symbol: str = "") -> str:
    return f"mt5:{login}:{kind.value}" + (f":{symbol}" if symbol else "")


def evaluate_alerts(
    login: int,
    thresholds: AlertThresholds,
    *,
    margin_level: Decimal | None,
    drawdown_percent: Decimal,
    exposures: Mapping[str, SymbolExposure],
    currency: str,
) -> list[Alert]:
    """Alerts active right now for one account (no margin used means no margin alert)."""
    alerts = []
    limit = thresholds.margin_level_below
    if limit is not None and margin_level is not None and margin_level < limit:
        alerts.append(Alert(_key(login, AlertKind.MARGIN_LEVEL), login, AlertKind.MARGIN_LEVEL, margin_level,
                            limit, f"Account {login}: margin level {margin_level}% is below {limit}%."))
    limit = thresholds.drawdown_above
    if limit is not None and drawdown_percent > limit:
        alerts.append(Alert(_key(login, AlertKind.DRAWDOWN), login, AlertKind.DRAWDOWN, drawdown_percent,
                            limit, f"Account {login}: drawdown {drawdown_percent}% exceeds {limit}%."))
    limit = thresholds.gross_exposure_above
    gross = sum((e.gross_notional for e in exposures.values()), Decimal(0))
    if limit is not None and gross > limit:
        alerts.append(Alert(_key(login, AlertKind.GROSS_EXPOSURE), login, AlertKind.GROSS_EXPOSURE, gross,
                            limit, f"Account {login}: gross exposure {gross:,.2f} {currency} exceeds "
                                   f"{limit:,.2f} {currency}."))
    limit = thresholds.symbol_exposure_above
    if limit is not None:
        for symbol, exposure in exposures.items():
            if exposure.gross_notional > limit:
                alerts.append(Alert(
                    _key(login, AlertKind.SYMBOL_EXPOSURE, symbol), login, AlertKind.SYMBOL_EXPOSURE,
                    exposure.gross_notional, limit,
                    f"Account {login}: {symbol} exposure {exposure.gross_notional:,.2f} {currency} "
                    f"exceeds {limit:,.2f} {currency}.", symbol,
                ))
    return alerts


@dataclass(frozen=True, slots=True)
class AlertChanges:
    raised: list[Alert]
    cleared: list[str]


def alert_changes(active_keys: Iterable[str], current: Sequence[Alert]) -> AlertChanges:
    """Which alerts are new and which stored ones no longer hold."""
    known = set(active_keys)
    now = {a.key for a in current}
    return AlertChanges([a for a in current if a.key not in known], sorted(known - now))
