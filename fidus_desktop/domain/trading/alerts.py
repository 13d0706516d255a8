"""Risk alerts per account, with stable keys so a condition raises one alert, not one per poll.

The poller evaluates the thresholds every cycle and passes the keys it already holds to
:func:`alert_changes`: only conditions that newly appeared are *raised* (notify, store), those that
disappeared are *cleared*, and the rest are left alone. The key names the account, the condition
and, for per-symbol conditions, the symbol: ``mt5:5001001:symbol_exposure:XAUUSD``.

Exposure limits are checked on the positions that could be valued (``exposure.value_exposure``): a breach of what
is known is raised, its message says how many positions were left out, and while any exposure limit is set each
symbol that could not be valued is an alert of its own (``exposure_unvalued``), so an account holding BTCUSD never
looks within its limits just because BTCUSD has no price in the account currency.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from .exposure import Exposure, n_positions


class AlertKind(Enum):
    MARGIN_LEVEL = "margin_level"
    DRAWDOWN = "drawdown"
    GROSS_EXPOSURE = "gross_exposure"
    SYMBOL_EXPOSURE = "symbol_exposure"
    EXPOSURE_UNVALUED = "exposure_unvalued"  # positions left out of the exposure limits


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
    exposure: Exposure,
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
    gross = exposure.gross_notional
    if limit is not None and gross > limit:
        message = f"Account {login}: gross exposure {gross:,.2f} {currency} exceeds {limit:,.2f} {currency}."
        if exposure.unvalued:
            message = (f"Account {login}: gross exposure of valued positions {gross:,.2f} {currency} exceeds "
                       f"{limit:,.2f} {currency}; {n_positions(exposure.unvalued_positions)} could not be valued "
                       f"({', '.join(exposure.unvalued)}).")
        alerts.append(Alert(_key(login, AlertKind.GROSS_EXPOSURE), login, AlertKind.GROSS_EXPOSURE, gross,
                            limit, message))
    limit = thresholds.symbol_exposure_above
    if limit is not None:
        for symbol, valued in exposure.by_symbol.items():
            if valued.gross_notional > limit:
                alerts.append(Alert(
                    _key(login, AlertKind.SYMBOL_EXPOSURE, symbol), login, AlertKind.SYMBOL_EXPOSURE,
                    valued.gross_notional, limit,
                    f"Account {login}: {symbol} exposure {valued.gross_notional:,.2f} {currency} "
                    f"exceeds {limit:,.2f} {currency}.", symbol,
                ))
    if thresholds.gross_exposure_above is not None or thresholds.symbol_exposure_above is not None:
        for symbol, unvalued in exposure.unvalued.items():
            alerts.append(Alert(
                _key(login, AlertKind.EXPOSURE_UNVALUED, symbol), login, AlertKind.EXPOSURE_UNVALUED,
                Decimal(unvalued.positions), Decimal(0),
                f"Account {login}: {n_positions(unvalued.positions)} in {symbol} could not be valued "
                f"({unvalued.reason}), so the exposure limits leave them out.", symbol,
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
