"""Paged deal queries for the lazy deals table (``QAbstractTableModel`` with ``fetchMore``), and the stored
open positions (what the poller last wrote), for every reader whether or not a poller runs in their window.

Sorts are restricted to time, ticket and symbol (a symbol sort continues by time, then ticket). With a
``login`` (the Trading tab's per-account table) the ``mt5_deals`` indexes (login, time, ticket),
(login, symbol, time, ticket) and the unique (login, ticket) serve the filter and the whole order, so counting
and paging stay fast with a million deals; a query across all accounts is not indexed (bulk sync speed was
preferred, see ``SyncService.ensure_indexes``).

Paging is keyset paging when the caller passes the last deal it has (``after``): the next page starts right
after that deal's sort key and ticket through the index, so a page a million deals down costs what the first
does. Without a login the ticket is not unique (two accounts may share one), so no exact cursor exists and
such queries page by offset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from fidus_desktop.domain.trading.models import AccountSnapshot, Deal, DealKind, Position
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.documents import DEALS, POSITIONS, SNAPSHOTS, deal_from_doc, position_from_doc
from fidus_desktop.store.keyset import find_after
from fidus_desktop.store.port import Filter, Sort

SORTABLE = ("time", "ticket", "symbol")
DEFAULT_SORT: Sort = [("time", -1), ("ticket", -1)]
MAX_PAGE = 1000


@dataclass(frozen=True)
class DealFilter:
    """What the deals table shows: every field optional; ``start`` inclusive, ``end`` exclusive (UTC)."""

    login: int | None = None
    symbol: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    kind: DealKind | None = None

    def to_store(self) -> Filter:
        query: Filter = {}
        if self.login is not None:
            query["login"] = self.login
        if self.symbol:
            query["symbol"] = self.symbol
        if self.kind is not None:
            query["kind"] = self.kind.value
        bounds = {}
        for op, value in (("$gte", self.start), ("$lt", self.end)):
            if value is not None:
                if value.tzinfo is None:
                    raise ValidationError({"start" if op == "$gte" else "end": "Give the date range in UTC "
                                                                                "(timezone-aware times)."})
                bounds[op] = value
        if bounds:
            query["time"] = bounds
        return query


@dataclass(frozen=True)
class AccountFigures:
    """Balance, equity and margin of an account at one poll: the account summary bar's figures."""

    login: int
    time: datetime
    currency: str
    balance: Decimal
    equity: Decimal
    margin: Decimal
    margin_free: Decimal
    margin_level: Decimal | None  # percent; None when no margin is used
    profit: Decimal  # floating P&L of the open positions

    @classmethod
    def of(cls, snapshot: AccountSnapshot) -> AccountFigures:
        return cls(snapshot.login, snapshot.time, snapshot.currency, snapshot.balance, snapshot.equity,
                   snapshot.margin, snapshot.margin_free, snapshot.margin_level, snapshot.profit)


class DealQueryService(Service):
    """Count and page stored deals."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.deals = ctx.store.collection(DEALS)
        self.positions = ctx.store.collection(POSITIONS)
        self.snapshots = ctx.store.collection(SNAPSHOTS)

    def latest_figures(self, actor: Actor, login: int) -> AccountFigures | None:
        """The account's figures at the last stored poll (any workstation's poller); None before the first."""
        require(actor, Permission.MT5_READ)
        doc = self.snapshots.find_one({"login": login}, sort=[("time", -1)])  # served by the (login, time) index
        return AccountFigures(**{k: doc[k] for k in AccountFigures.__dataclass_fields__}) if doc else None

    def open_positions(self, actor: Actor, login: int) -> list[Position]:
        """The open positions of ``login`` as of the last poll that stored them (any workstation's poller)."""
        require(actor, Permission.MT5_READ)
        positions = [position_from_doc(d) for d in self.positions.find({"login": login}, sort=[("ticket", 1)])]
        commissions = self.position_commissions(login, [p.identifier for p in positions])
        return [replace(p, commission=commissions.get(p.identifier)) for p in positions]

    def position_commissions(self, login: int, position_ids: list[int]) -> dict[int, Decimal]:
        """Per position id, the exact sum of the commissions of the stored deals of ``login`` with that id
        (MT5 keeps commission on deals only). An id without a stored deal is absent, not 0: its opening deal
        arrives with the next deals sync, and a commission not known yet must not read as none charged."""
        if not position_ids:
            return {}
        groups = self.deals.group_totals({"login": login, "position_id": {"$in": position_ids}},
                                         ["position_id"], "commission")
        return {group.key[0]: group.total for group in groups}

    def count_deals(self, actor: Actor, deal_filter: DealFilter) -> int:
        require(actor, Permission.MT5_READ)
        return self.deals.count(deal_filter.to_store())

    def page_deals(
        self, actor: Actor, deal_filter: DealFilter, sort: Sort | None = None, offset: int = 0, limit: int = 200,
        after: Deal | None = None,
    ) -> list[Deal]:
        """``limit`` deals in ``sort`` order (ticket breaks ties, so pages never overlap).

        ``after``: the last deal of the previous page; the page starts right after it (keyset paging). Without
        it, or without a ``login`` in the filter (see the module docstring), the page starts at ``offset``.
        """
        require(actor, Permission.MT5_READ)
        order = list(sort or DEFAULT_SORT)
        bad = [name for name, _ in order if name not in SORTABLE]
        if bad:
            raise ValidationError({"sort": f"Deals cannot be sorted by {', '.join(bad)}; use {', '.join(SORTABLE)}."})
        if offset < 0 or not 0 < limit <= MAX_PAGE:
            raise ValidationError({"limit": f"Ask for 1 to {MAX_PAGE} deals from an offset of 0 or more."})
        if [name for name, _ in order] == ["symbol"]:
            order.append(("time", order[-1][1]))  # the (login, symbol, time, ticket) index's order
        if all(name != "ticket" for name, _ in order):
            order.append(("ticket", order[-1][1]))
        query = deal_filter.to_store()
        docs = None
        if after is not None and deal_filter.login is not None:
            docs = find_after(self.deals, query, order, [getattr(after, name) for name, _ in order], limit)
        if docs is None:
            docs = self.deals.find(query, sort=order, skip=offset, limit=limit)
        return [deal_from_doc(d) for d in docs]
