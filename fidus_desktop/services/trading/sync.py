"""Idempotent storage of what the poller read from MT5: one transaction per poll.

Deals and orders are upserted by their natural key ``(login, ticket)`` under unique indexes, equity
snapshots by ``(login, time)``; the deal watermark (cursor) is stored per account in ``mt5_sync_state``
in the **same** transaction as the deals it covers. So a crash, a restart, a re-poll or two overlapping
windows can neither lose a deal (the cursor never moves past unstored deals) nor store one twice.

A deal the broker changed afterwards (a cancelled deal keeps its ticket while its type and profit change) is
updated in place and audited as ``mt5.deal.correct`` with both versions. The poller's lease on the account is
confirmed in the same transaction, so a poller that lost it stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.trading.alerts import AlertChanges
from fidus_desktop.domain.trading.balance_rules import Classification
from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, Position, Quote
from fidus_desktop.gc_pause import gc_paused
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.classification import ClassificationService
from fidus_desktop.services.trading.documents import (
    DEAL_KEY,
    DEALS,
    ORDERS,
    POSITIONS,
    SNAPSHOT_KEY,
    SNAPSHOTS,
    SYNC_STATE,
    deal_to_doc,
    position_to_doc,
    snapshot_to_doc,
)
from fidus_desktop.services.trading.lease import SyncLeaseService
from fidus_desktop.services.trading.risk import RiskService, current_alerts
from fidus_desktop.store.port import Document


class ConnectionState(StrEnum):
    """What the status bar and ``fidus mt5 status`` show per account."""

    STOPPED = "stopped"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # the terminal failed; retrying with backoff
    UNAVAILABLE = "unavailable"  # no MetaTrader5 package on this machine
    ERROR = "error"  # this account was refused (login, password, another account shown); retrying slowly
    ELSEWHERE = "elsewhere"  # another poller (CLI, another workstation) holds this account's lease


@dataclass(frozen=True)
class Poll:
    """What one poll of one account read from the terminal."""

    snapshot: AccountSnapshot
    positions: Sequence[Position]
    deals: Sequence[Deal] = ()
    orders: Sequence[Document] = ()
    watermark: datetime | None = None  # the new deal cursor; None when deals were not read this poll
    quotes: Sequence[Quote] = ()  # conversion pairs for exposure (``risk.conversion_symbols_for``)
    reread_from: datetime | None = None  # a re-read still owed from here (after a reconnect); with watermark only
    server_offset: Document | None = None  # the latest server-clock check: detected vs configured minutes


def _one_per_ticket(deals: Sequence[Deal]) -> list[Deal]:
    """The poll's deals with each ticket once (the last read wins): a catch-up reads several windows and each
    one rescans the hour before it, so one poll can hold the same deal twice."""
    return list({deal.ticket: deal for deal in deals}.values())


@dataclass(frozen=True)
class SyncResult:
    login: int
    new_deals: int
    new_orders: int
    new_balance_deals: int
    needs_review: int
    snapshot_stored: bool
    alerts: AlertChanges
    corrected_deals: int = 0


@dataclass(frozen=True)
class SyncState:
    login: int
    watermark: datetime | None
    last_poll_at: datetime | None
    last_deals_at: datetime | None
    last_snapshot_at: datetime | None
    equity_peak: Decimal | None
    connection: ConnectionState
    detail: str
    connection_at: datetime | None
    reread_from: datetime | None = None
    server_offset: Document | None = None

    @classmethod
    def from_doc(cls, doc: Document) -> SyncState:
        return cls(doc["login"], doc.get("watermark"), doc.get("last_poll_at"), doc.get("last_deals_at"),
                   doc.get("last_snapshot_at"), doc.get("equity_peak"),
                   ConnectionState(doc.get("connection", ConnectionState.STOPPED.value)), doc.get("detail", ""),
                   doc.get("connection_at"), doc.get("reread_from"), doc.get("server_offset"))


class SyncService(Service):
    """Writes polls; reads cursors and sync status."""

    def __init__(
        self, ctx: ServiceContext, classification: ClassificationService, risk: RiskService,
        leases: SyncLeaseService | None = None,
    ) -> None:
        super().__init__(ctx)
        self.classification = classification
        self.risk = risk
        self.leases = leases or SyncLeaseService(ctx)
        self.deals = ctx.store.collection(DEALS)
        self.orders = ctx.store.collection(ORDERS)
        self.snapshots = ctx.store.collection(SNAPSHOTS)
        self.positions = ctx.store.collection(POSITIONS)
        self.state = ctx.store.collection(SYNC_STATE)

    def ensure_indexes(self) -> None:
        self.deals.ensure_index(list(DEAL_KEY), unique=True)
        # Each index costs about 15 µs per inserted deal in a bulk sync (benchmarks/bench_mt5_ingest.py), so only
        # the deals table's per-account views (with or without a symbol) and the analytics reads get one.
        self.deals.ensure_index(["login", "time", "ticket"])
        self.deals.ensure_index(["login", "symbol", "time", "ticket"])
        self.orders.ensure_index(list(DEAL_KEY), unique=True)
        self.snapshots.ensure_index(list(SNAPSHOT_KEY), unique=True)
        self.positions.ensure_index(["login", "ticket"], unique=True)
        self.state.ensure_index(["login"], unique=True)

    # -- reading ----------------------------------------------------------------------------
    def sync_state(self, login: int) -> SyncState | None:
        doc = self.state.find_one({"login": login})
        return SyncState.from_doc(doc) if doc else None

    def watermark(self, login: int) -> datetime | None:
        """Where the next deal fetch of ``login`` starts (None: from the beginning of history)."""
        state = self.sync_state(login)
        return state.watermark if state else None

    def server_clock_mismatches(self) -> list[tuple[int, Document]]:
        """Accounts whose trade server's clock, detected at the last (re)connect, disagrees with ``server_time``."""
        return [(doc["login"], doc["server_offset"]) for doc in self.state.find({}, sort=[("login", 1)])
                if doc.get("server_offset")
                and doc["server_offset"]["detected_minutes"] != doc["server_offset"]["configured_minutes"]]

    def deal_count(self, login: int) -> int:
        return self.deals.count({"login": login})

    # -- writing ----------------------------------------------------------------------------
    def record_poll(
        self, actor: Actor, account: Mt5Account, poll: Poll, *, snapshot_every: timedelta = timedelta(minutes=1),
        lease: tuple[str, timedelta] | None = None,
    ) -> SyncResult:
        """Store one poll atomically: deals, orders, balance classifications, snapshot, positions, cursor, alerts.

        A snapshot goes into the time series at most every ``snapshot_every`` (the listener still sees each
        one); the equity peak moves with new cash flows so a deposit is not mistaken for a recovery. With
        ``lease`` (holder, duration) the account's lease is confirmed and renewed first, or nothing is stored.
        """
        with gc_paused():  # a large first poll allocates about a million acyclic objects: see gc_pause
            # atomic: a MongoDB server rolls the poll back when the GUI (or another workstation) writes the same
            # records or the audit log at the same moment; the poll is then stored again, not lost.
            return self.store.atomic(lambda: self._record_poll(actor, account, poll, snapshot_every, lease))

    def _record_poll(
        self, actor: Actor, account: Mt5Account, poll: Poll, snapshot_every: timedelta,
        lease: tuple[str, timedelta] | None,
    ) -> SyncResult:
        login = account.login
        unique_deals = _one_per_ticket(poll.deals)
        with self.changing(actor, Permission.MT5_SYNC) as rec:
            if lease is not None:
                self.leases.confirm(login, *lease)
            state = self.state.find_one({"login": login}) or self.state.insert({"login": login})
            docs = [deal_to_doc(d) for d in unique_deals]
            corrected = self._record_corrections(rec, login, docs)
            deals = self.deals.upsert_many(docs, DEAL_KEY) if docs else None
            orders = self.orders.upsert_many(list(poll.orders), DEAL_KEY) if poll.orders else None
            by_ticket = {d.ticket: d for d in unique_deals}
            self.classification.follow_corrections(rec, [by_ticket[t] for t in corrected])
            new_balance = self.classification.classify_new(unique_deals)
            changes: dict[str, object] = {"last_poll_at": poll.snapshot.time}
            if poll.watermark is not None:
                changes.update(watermark=poll.watermark, last_deals_at=poll.snapshot.time, reread_from=poll.reread_from)
            if poll.server_offset is not None:
                changes["server_offset"] = poll.server_offset
            last_snapshot = state.get("last_snapshot_at")
            store_snapshot = last_snapshot is None or poll.snapshot.time - last_snapshot >= snapshot_every
            if store_snapshot:
                self.snapshots.upsert_many([snapshot_to_doc(poll.snapshot)], SNAPSHOT_KEY)
                changes["last_snapshot_at"] = poll.snapshot.time
            self._replace_positions(login, poll.positions)
            self.risk.replace_quotes(login, poll.quotes)
            peak = _next_peak(state.get("equity_peak"), poll.snapshot.equity, new_balance)
            changes["equity_peak"] = peak
            alerts = self.risk.apply(
                rec, login, current_alerts(account.thresholds, poll.snapshot, poll.positions, peak, poll.quotes)
            )
            after = self.state.update(state["_id"], changes, expected_version=state["version"])
            new_deals, new_orders = (deals.inserted if deals else 0), (orders.inserted if orders else 0)
            if new_deals or new_orders:
                rec.record("mt5.sync", SYNC_STATE, after["_id"], after={
                    "login": login, "new_deals": new_deals, "new_orders": new_orders, "watermark": poll.watermark,
                })
        return SyncResult(login, new_deals, new_orders, len(new_balance),
                          sum(1 for _, c in new_balance if c.needs_review), store_snapshot, alerts, len(corrected))

    def _record_corrections(self, rec: ChangeRecorder, login: int, docs: Sequence[Document]) -> list[int]:
        """Audit every stored deal these documents change (the broker revised it); returns their tickets.

        Tickets grow with time, so the stored deals at or above the poll's lowest ticket are the only ones it can
        touch: one indexed range read of the overlap, not of the account.
        """
        if not docs:
            return []
        incoming = {doc["ticket"]: doc for doc in docs}
        corrected = []
        for before in self.deals.find({"login": login, "ticket": {"$gte": min(incoming)}}):
            after = incoming.get(before["ticket"])
            if after is not None and any(before.get(k) != v for k, v in after.items()):
                rec.record("mt5.deal.correct", DEALS, before["_id"], before=before, after=after)
                corrected.append(before["ticket"])
        return corrected

    def note_connection(self, login: int, state: ConnectionState, detail: str = "") -> None:
        """Remember the poller's connection state so ``fidus mt5 status`` (another process) can show it.

        Operational status, not business data: stored without an audit entry.
        """
        changes = {"connection": state.value, "detail": detail, "connection_at": self.now()}

        def note() -> None:
            doc = self.state.find_one({"login": login})
            if doc is None:
                self.state.insert({"login": login, **changes})
            else:
                self.state.update(doc["_id"], changes, expected_version=doc["version"])

        self.store.atomic(note)  # the poll of the same account may write its state at the same moment

    def _replace_positions(self, login: int, positions: Sequence[Position]) -> None:
        open_tickets = {p.ticket for p in positions}
        for doc in self.positions.find({"login": login}, projection=["ticket"]):
            if doc["ticket"] not in open_tickets:
                self.positions.delete(doc["_id"])
        if positions:
            self.positions.upsert_many([position_to_doc(p) for p in positions], ("login", "ticket"))


def _next_peak(
    previous: Decimal | None, equity: Decimal, new_balance: Sequence[tuple[Deal, Classification]]
) -> Decimal:
    """Equity peak for drawdown alerts: the old peak moved by new cash flows, then raised to today's equity."""
    if previous is None:
        return equity
    return max(previous + sum((d.net for d, _ in new_balance), Decimal(0)), equity)
