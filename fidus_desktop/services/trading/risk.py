"""Risk alerts and exposure: evaluated on every poll, logged once per condition, acknowledged by a person.

``domain.trading.alerts`` gives each condition a stable key (``mt5:5001001:margin_level``). The alert log
(``mt5_alerts``) holds one record per *occurrence*: raised when the key first appears, cleared when the
condition no longer holds, so a margin call that lasts an hour is one alert, not 720. Acknowledging needs
``alerts.ack`` and is audited; raising and clearing are written in the poll's own transaction.

Exposure is converted into the account currency with the terminal's quotes of the conversion pairs
(:func:`conversion_symbols_for`), which the poller reads on its own thread and the poll stores next to the
positions (``mt5_quotes``); :meth:`RiskService.exposure` reads both back from the store, so no screen waits
on the terminal. A currency without a quote is reported "not convertible: no EURUSD quote"; a position that
cannot be valued (no contract specification, or no quote for its quote currency) is listed with that reason while
every other position is still valued, and the exposure alerts run on the valued part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from fidus_desktop.domain.trading.alerts import (
    Alert,
    AlertChanges,
    AlertKind,
    AlertThresholds,
    alert_changes,
    evaluate_alerts,
)
from fidus_desktop.domain.trading.exposure import (
    Exposure,
    RateTable,
    conversion_symbols,
    drawdown_from_peak,
    exposure_currencies,
    value_exposure,
)
from fidus_desktop.domain.trading.instruments import Instrument, broker_namings, find_instrument
from fidus_desktop.domain.trading.models import AccountSnapshot, Position, Quote
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.documents import (
    ALERTS,
    POSITIONS,
    QUOTES,
    SNAPSHOTS,
    SYNC_STATE,
    position_from_doc,
)
from fidus_desktop.store.port import Document


def _instruments(positions: Sequence[Position]) -> dict[str, Instrument]:
    """The contract specifications of the symbols held (``EURUSD.r`` has EURUSD's); a symbol without one is left
    out, so its positions are listed as not valued."""
    return {p.symbol: spec for p in positions if (spec := find_instrument(p.symbol)) is not None}


@dataclass(frozen=True)
class AlertRecord:
    alert_id: str
    key: str
    login: int
    kind: AlertKind
    symbol: str
    value: Decimal
    threshold: Decimal
    message: str
    raised_at: datetime
    cleared_at: datetime | None
    acknowledged_by: str
    acknowledged_at: datetime | None
    version: int

    @property
    def active(self) -> bool:
        return self.cleared_at is None

    @classmethod
    def from_doc(cls, doc: Document) -> AlertRecord:
        return cls(doc["_id"], doc["key"], doc["login"], AlertKind(doc["kind"]), doc["symbol"], doc["value"],
                   doc["threshold"], doc["message"], doc["raised_at"], doc.get("cleared_at"),
                   doc.get("acknowledged_by", ""), doc.get("acknowledged_at"), doc["version"])


def conversion_symbols_for(account_currency: str, positions: Sequence[Position]) -> list[str]:
    """The symbols whose quotes the poller reads so the exposure of ``positions`` can be valued, named as the
    account's FX positions are (``EURUSD.r`` held: ``USDJPY.r`` asked; plain names when it holds no FX).

    A symbol without a contract specification adds nothing: its exposure cannot be valued anyway.
    """
    instruments = _instruments(positions)
    return conversion_symbols(sorted(exposure_currencies(positions, instruments)), account_currency,
                              broker_namings(instruments))


@dataclass(frozen=True)
class AccountExposure(Exposure):
    """Exposure of one account as of its last stored poll, for the risk view and ``fidus mt5 exposure``: what could
    be valued (by symbol and by currency) and, in ``unvalued``, what could not and why."""

    login: int
    currency: str  # the account currency the figures are in; "" when no position is stored
    quotes: dict[str, Quote] = field(default_factory=dict)


@dataclass(frozen=True)
class RiskLevels:
    """Margin level and drawdown from the equity peak as of the last stored snapshot, for the risk view."""

    login: int
    as_of: datetime
    equity: Decimal
    margin_level: Decimal | None  # percent; None when no margin is used
    equity_peak: Decimal
    drawdown_percent: Decimal  # below the equity peak: the figure the drawdown alert checks


def current_alerts(
    thresholds: AlertThresholds, snapshot: AccountSnapshot, positions: Sequence[Position], equity_peak: Decimal,
    quotes: Sequence[Quote] = (),
) -> list[Alert]:
    """The conditions that hold right now for one account.

    Exposure is converted into the account currency with the terminal's ``quotes`` of the conversion pairs
    (``domain.trading.exposure``); the exposure limits are checked on the positions that could be valued, and
    those that could not are alerts of their own (``domain.trading.alerts``).
    """
    exposure = value_exposure(positions, _instruments(positions), RateTable.from_quotes(snapshot.currency, quotes))
    return evaluate_alerts(
        snapshot.login, thresholds, margin_level=snapshot.margin_level,
        drawdown_percent=drawdown_from_peak(snapshot.equity, equity_peak), exposure=exposure,
        currency=snapshot.currency,
    )


class RiskService(Service):
    """The alert log: raise, clear, list, acknowledge."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.alerts = ctx.store.collection(ALERTS)
        self.quotes = ctx.store.collection(QUOTES)
        self.positions = ctx.store.collection(POSITIONS)
        self.snapshots = ctx.store.collection(SNAPSHOTS)
        self.sync_state = ctx.store.collection(SYNC_STATE)

    def ensure_indexes(self) -> None:
        self.alerts.ensure_index(["key", "raised_at"], unique=True)
        self.alerts.ensure_index(["active", "login"])
        self.alerts.ensure_index([("raised_at", -1)])
        self.quotes.ensure_index(["login", "symbol"], unique=True)

    def replace_quotes(self, login: int, quotes: Sequence[Quote]) -> None:
        """Keep exactly this poll's conversion quotes for ``login``; call inside the poll's transaction."""
        wanted = {q.symbol for q in quotes}
        for doc in self.quotes.find({"login": login}, projection=["symbol"]):
            if doc["symbol"] not in wanted:
                self.quotes.delete(doc["_id"])
        if quotes:
            self.quotes.upsert_many([{"login": login, "symbol": q.symbol, "time": q.time, "bid": q.bid,
                                      "ask": q.ask} for q in quotes], ("login", "symbol"))

    def exposure(self, actor: Actor, login: int) -> AccountExposure:
        """Exposure by symbol and by currency from the stored positions and quotes of the last poll, with the
        positions that could not be valued listed per symbol."""
        require(actor, Permission.MT5_READ)
        positions = [position_from_doc(d) for d in self.positions.find({"login": login}, sort=[("ticket", 1)])]
        quotes = {d["symbol"]: Quote(d["symbol"], d["time"], d["bid"], d["ask"])
                  for d in self.quotes.find({"login": login}, sort=[("symbol", 1)])}
        currency = positions[0].currency if positions else ""
        valued = value_exposure(positions, _instruments(positions), RateTable.from_quotes(currency, quotes.values()))
        return AccountExposure(valued.by_symbol, valued.by_currency, valued.unvalued, login, currency, quotes)

    def levels(self, actor: Actor, login: int) -> RiskLevels | None:
        """Margin level and drawdown from peak of the last stored snapshot; None before the first poll.

        Snapshots are stored at most once a minute, so ``as_of`` says how old the figures are.
        """
        require(actor, Permission.MT5_READ)
        last = self.snapshots.find_one({"login": login}, sort=[("time", -1)])
        if last is None:
            return None
        state = self.sync_state.find_one({"login": login}) or {}
        peak = state.get("equity_peak") or last["equity"]
        return RiskLevels(login, last["time"], last["equity"], last["margin_level"], peak,
                          drawdown_from_peak(last["equity"], peak))

    def apply(self, rec: ChangeRecorder, login: int, current: Sequence[Alert]) -> AlertChanges:
        """Store what changed since the last poll; call inside the poll's transaction."""
        open_docs = {d["key"]: d for d in self.alerts.find({"active": True, "login": login})}
        changes = alert_changes(open_docs, current)
        now = self.now()
        for alert in changes.raised:
            doc = self.alerts.insert({
                "key": alert.key, "login": alert.login, "kind": alert.kind.value, "symbol": alert.symbol,
                "value": alert.value, "threshold": alert.threshold, "message": alert.message, "raised_at": now,
                "cleared_at": None, "active": True, "acknowledged_by": "", "acknowledged_at": None,
            })
            rec.record("mt5.alert.raise", ALERTS, doc["_id"], after=doc)
        for key in changes.cleared:
            before = open_docs[key]
            after = self.alerts.update(before["_id"], {"active": False, "cleared_at": now},
                                       expected_version=before["version"])
            rec.record("mt5.alert.clear", ALERTS, after["_id"], before=before, after=after)
        return changes

    def active(self, actor: Actor, login: int | None = None) -> list[AlertRecord]:
        require(actor, Permission.MT5_READ)
        query: Document = {"active": True} if login is None else {"active": True, "login": login}
        return [AlertRecord.from_doc(d) for d in self.alerts.find(query, sort=[("raised_at", -1)])]

    def history(self, actor: Actor, login: int | None = None, limit: int = 200) -> list[AlertRecord]:
        """The newest alerts (active and cleared) for the alert log view."""
        require(actor, Permission.MT5_READ)
        query = None if login is None else {"login": login}
        return [AlertRecord.from_doc(d) for d in self.alerts.find(query, sort=[("raised_at", -1)], limit=limit)]

    def acknowledge(self, actor: Actor, alert_id: str) -> AlertRecord:
        """Someone has seen the alert and is dealing with it (audited; the alert stays until it clears)."""

        def write(rec: ChangeRecorder) -> Document:
            before = self.alerts.get(alert_id)
            if before is None:
                raise ValidationError({"alert_id": f"No alert {alert_id}; it may have been removed."})
            if before.get("acknowledged_by"):
                raise ValidationError({"alert_id": f"This alert was already acknowledged by "
                                                   f"{before['acknowledged_by']}."})
            after = self.alerts.update(before["_id"], {"acknowledged_by": actor.username,
                                                       "acknowledged_at": self.now()},
                                       expected_version=before["version"])
            rec.record("mt5.alert.acknowledge", ALERTS, after["_id"], before=before, after=after)
            return after

        after = self.change(actor, Permission.ALERTS_ACK, write)
        return AlertRecord.from_doc(after)
