"""Instruments, prices and fund positions; market value in the fund's base currency.

An instrument has a unique ``code``, a ``currency``, an ``asset_class`` and a ``lot_size``. Instruments of
asset class ``cash`` are cash accounts: their price is 1 in their currency, no price documents needed.
Prices are one per ``(instrument_id, price_date)``; the valuation uses the last price on or before the date
and flags it ``price_stale`` when older. Every line is converted to the fund's base currency with the
stored FX rates (``fx``): a missing price or rate is a ``ValuationError`` naming every gap, never a silent
1:1. Positions are one per ``(fund_id, instrument_id)`` with a version. Changes need ``funds.manage``.

Cost basis: purchases and sales are recorded as trades (``record_trade``, one per ``(fund_id, reference)``,
with the FX rate of the trade date kept on the trade) and move the position's quantity. A line's book cost is
the average cost of its trades (``domain.cost_basis``) in the base currency at those historical rates, and
its unrealised P&L is its base value less that cost. A position whose quantity was set without trades (or
corrected since) has no known cost: ``book_cost`` is None, never a guess; cash has none.

Realised P&L: each sale's proceeds at its own FX rate less the average cost it took out of the position
(``CostBasis.realised_by``), per instrument for the sales dated in the period ``since``..``on`` (``since``
None: from the first trade). A fully sold position keeps its line (quantity 0) and so its realised P&L. Where
the trades alone sell more than they bought by some date (a sale from a quantity set without trades), neither
cost nor realised P&L is known: both are None. A new trade that would make a trade-built position's history
sell more than it held on some date is refused (``apply_trade``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.cost_basis import CostBasis, OversoldError, Trade
from fidus_desktop.domain.fx import FxRateMissing
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.errors import UserError
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import (
    insert_unique,
    parse_code,
    parse_currency,
    parse_date,
    parse_decimal,
)
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.fx import FxService
from fidus_desktop.store.port import Document, UpsertResult

INSTRUMENTS = "instruments"
PRICES = "prices"
POSITIONS = "positions"
TRADES = "position_trades"
CASH_CLASS = "cash"


class ValuationError(UserError, ValueError):
    """A fund cannot be valued: prices or FX rates are missing (the message lists every gap)."""


@dataclass(frozen=True)
class Instrument:
    instrument_id: str
    code: str
    name: str
    currency: str
    asset_class: str

    @classmethod
    def from_doc(cls, doc: Document) -> Instrument:
        return cls(doc["_id"], doc["code"], doc["name"], doc["currency"], doc["asset_class"])


@dataclass(frozen=True)
class ValuationLine:
    instrument_id: str
    code: str
    asset_class: str
    quantity: Decimal
    price: Decimal
    currency: str
    price_date: date
    price_stale: bool
    local_value: Decimal
    fx_rate: Decimal
    fx_stale: bool
    base_value: Decimal
    lot_size: Decimal
    average_cost: Decimal | None = None  # per unit, instrument currency (None: cost not known)
    book_cost: Decimal | None = None  # of the quantity held, base currency at the trades' FX rates
    realised: Decimal | None = Decimal(0)  # by the period's sales, base currency (None: the trades do not add up)

    @property
    def unrealised(self) -> Decimal | None:
        """Base value less book cost: the gain not yet realised, price and currency move together."""
        return None if self.book_cost is None else self.base_value - self.book_cost


@dataclass(frozen=True)
class Valuation:
    """A fund's holdings on a date in its base currency; ``stale`` if any price or rate is older."""

    fund_id: str
    on: date
    currency: str
    lines: tuple[ValuationLine, ...]
    since: date | None = None  # start of the period whose sales count as realised (None: from the first trade)

    @property
    def total(self) -> Money:
        return Money(sum((line.base_value for line in self.lines), Decimal(0)), self.currency)

    @property
    def cash(self) -> Money:
        return Money(sum((line.base_value for line in self.lines if line.asset_class == CASH_CLASS), Decimal(0)),
                     self.currency)

    @property
    def stale(self) -> bool:
        return any(line.price_stale or line.fx_stale for line in self.lines)

    @property
    def book_cost(self) -> Decimal:
        """The book cost of the lines whose cost is known (``uncosted`` lists the others)."""
        return sum((line.book_cost for line in self.lines if line.book_cost is not None), Decimal(0))

    @property
    def unrealised(self) -> Decimal:
        """Unrealised P&L of the lines whose cost is known."""
        return sum((line.unrealised for line in self.lines if line.unrealised is not None), Decimal(0))

    @property
    def realised(self) -> Decimal:
        """Realised P&L of the period's sales, every instrument."""
        return sum((line.realised for line in self.lines if line.realised is not None), Decimal(0))

    @property
    def uncosted(self) -> tuple[ValuationLine, ...]:
        """Non-cash lines without a known cost (quantity set without trades)."""
        return tuple(line for line in self.lines if line.book_cost is None and line.asset_class != CASH_CLASS)


class HoldingsService(Service):
    """Instruments, prices, positions and their valuation."""

    def __init__(self, ctx: ServiceContext, funds: FundService, fx: FxService) -> None:
        super().__init__(ctx)
        self.instruments = ctx.store.collection(INSTRUMENTS)
        self.prices = ctx.store.collection(PRICES)
        self.positions = ctx.store.collection(POSITIONS)
        self.trades = ctx.store.collection(TRADES)
        self.funds, self.fx = funds, fx

    def ensure_indexes(self) -> None:
        self.instruments.ensure_index(["code"], unique=True)
        self.prices.ensure_index(["instrument_id", "price_date"], unique=True)
        self.positions.ensure_index(["fund_id", "instrument_id"], unique=True)
        self.positions.ensure_index(["updated_at"])
        self.trades.ensure_index(["fund_id", "reference"], unique=True)
        self.trades.ensure_index(["fund_id", "instrument_id", "trade_date"])

    def instrument_doc(self, code: Any, name: Any, currency: Any, asset_class: Any, lot_size: Any = "1") -> Document:
        return {"code": parse_code(code, "code", "The instrument code"),
                "name": self.required_text(name, "name", "The instrument name"),
                "currency": parse_currency(currency),
                "asset_class": self.required_text(asset_class, "asset_class", "The asset class", max_length=40).lower(),
                "lot_size": parse_decimal(lot_size, "lot_size", "The lot size", positive=True)}

    def add_instrument(self, actor: Actor, code: Any, name: Any, currency: Any, asset_class: Any,
                       lot_size: Any = "1") -> Document:
        doc = self.instrument_doc(code, name, currency, asset_class, lot_size)

        def write(rec: ChangeRecorder) -> Document:
            stored = insert_unique(self.instruments, doc, "code", f"Instrument {doc['code']} already exists.")
            rec.record("instrument.create", "instrument", stored["_id"], after=stored)
            return stored

        return self.change(actor, Permission.FUNDS_MANAGE, write)

    def list_instruments(self, actor: Actor) -> list[Instrument]:
        """Every instrument, by code."""
        require(actor, Permission.FUNDS_READ)
        return [Instrument.from_doc(d) for d in self.instruments.find({}, sort=[("code", 1)])]

    def set_prices(self, actor: Actor, instrument_id: str, prices: dict[Any, Any]) -> int:
        """Store ``{date: price}`` for an instrument (idempotent by date); returns how many changed."""
        self.instruments.require(instrument_id)
        today = self.now().date()
        docs = [{"instrument_id": instrument_id,
                 "price_date": parse_date(d, "price_date", "The price date", today=today),
                 "price": parse_decimal(p, "price", "The price", positive=True)} for d, p in prices.items()]

        def write(rec: ChangeRecorder) -> UpsertResult:
            result = self.prices.upsert_many(docs, ["instrument_id", "price_date"])
            rec.record("price.import", "instrument", instrument_id,
                       after={"inserted": result.inserted, "updated": result.updated})
            return result

        result = self.change(actor, Permission.FUNDS_MANAGE, write)
        return result.inserted + result.updated

    def set_position(self, actor: Actor, fund_id: str, instrument_id: str, quantity: Any,
                     version: int | None = None) -> Document:
        """Set a fund's quantity of an instrument; pass the ``version`` read when editing an existing one."""
        self.funds.funds.require(fund_id)
        self.instruments.require(instrument_id)
        qty = parse_decimal(quantity, "quantity", "The quantity", minimum=0)

        def write(rec: ChangeRecorder) -> Document:
            before = self.positions.find_one({"fund_id": fund_id, "instrument_id": instrument_id})
            if before is None:
                after = self.positions.insert({"fund_id": fund_id, "instrument_id": instrument_id, "quantity": qty,
                                               "updated_at": self.now()})
            else:
                after = self.positions.update(before["_id"], {"quantity": qty, "updated_at": self.now()},
                                              expected_version=before["version"] if version is None else version)
            rec.record("position.set", "position", after["_id"], before=before, after=after)
            return after

        return self.change(actor, Permission.FUNDS_MANAGE, write)

    def valuation(self, actor: Actor, fund_id: str, on: date, since: date | None = None) -> Valuation:
        """The fund's holdings on ``on``, with the P&L realised by sales from ``since`` (None: ever) to ``on``."""
        require(actor, Permission.FUNDS_READ)
        if since is not None and since > on:
            raise ValidationError({"since": f"The period starts on {since}, after its end {on}: swap the dates."})
        return self.value_fund(fund_id, on, since)

    def record_trade(self, actor: Actor, fund_id: str, instrument_id: str, reference: Any, trade_date: Any,
                     quantity: Any, price: Any, fees: Any = "0", fx_rate: Any = None) -> Document:
        """A purchase (``quantity`` > 0) or sale (< 0) at ``price`` per unit: stored with its FX rate to the base
        currency (``fx_rate``, default the stored rate of ``trade_date``) and added to the position's quantity,
        in one change. Recording the same ``reference`` again with the same figures changes nothing."""
        doc = self.trade_doc(fund_id, instrument_id, reference, trade_date, quantity, price, fees, fx_rate)

        def write(rec: ChangeRecorder) -> Document:
            return self.recorded_trade(doc) or self.apply_trade(rec, actor, doc)

        return self.change(actor, Permission.FUNDS_MANAGE, write)

    def trade_doc(self, fund_id: str, instrument_id: str, reference: Any, trade_date: Any, quantity: Any,
                  price: Any, fees: Any = "0", fx_rate: Any = None) -> Document:
        """A trade checked and ready to store (``record_trade``, the trades import): a ``ValidationError`` names
        what is wrong."""
        fund = self.funds.get_fund(fund_id)
        instrument = self.instruments.require(instrument_id)
        if instrument["asset_class"] == CASH_CLASS:
            raise ValidationError({"instrument_id": f"{instrument['code']} is a cash account: set its balance "
                                                    "instead of recording trades."})
        day = parse_date(trade_date, "trade_date", "The trade date", today=self.now().date())
        qty = parse_decimal(quantity, "quantity", "The quantity")
        doc: Document = {"fund_id": fund_id, "instrument_id": instrument_id,
               "reference": self.required_text(reference, "reference", "The trade reference", max_length=60),
               "trade_date": day, "quantity": qty,
               "price": parse_decimal(price, "price", "The price", positive=True),
               "fees": parse_decimal(fees, "fees", "The fees", minimum=0),
               "fx_rate": self._trade_rate(instrument["currency"], fund.base_currency, day, fx_rate)}
        if not qty:
            raise ValidationError({"quantity": "The quantity must not be zero: positive for a purchase, negative "
                                               "for a sale."})
        return doc

    def recorded_trade(self, doc: Document) -> Document | None:
        """The stored trade of ``doc``'s reference if its figures are the same (None: not recorded yet); other
        figures under that reference are a ``ValidationError``."""
        same = self.trades.find_one({"fund_id": doc["fund_id"], "reference": doc["reference"]})
        if same is not None and any(same[key] != value for key, value in doc.items()):
            raise ValidationError({"reference": f"Trade {doc['reference']} is already recorded with other "
                                                "figures; use a new reference or correct the quantity."})
        return same

    def apply_trade(self, rec: ChangeRecorder, actor: Actor, doc: Document) -> Document:
        """Store a new trade and move its position (inside a change); a sale of more than is held is refused."""
        before = self.positions.find_one({"fund_id": doc["fund_id"], "instrument_id": doc["instrument_id"]})
        held, qty = (before["quantity"] if before else Decimal(0)), doc["quantity"]
        if held + qty < 0:
            code = self.instruments.require(doc["instrument_id"])["code"]
            raise ValidationError({"quantity": f"A sale of {-qty} {code} is more than the {held} held."})
        if qty < 0:
            self._check_history(doc, held)
        stored = self.trades.insert(doc | {"recorded_at": self.now(), "recorded_by": actor.username})
        if before is None:
            after = self.positions.insert({"fund_id": doc["fund_id"], "instrument_id": doc["instrument_id"],
                                           "quantity": qty, "updated_at": self.now()})
        else:
            after = self.positions.update(before["_id"], {"quantity": held + qty, "updated_at": self.now()},
                                          expected_version=before["version"])
        rec.record("trade.record", "position", after["_id"], before=before, after=after | {"trade": stored})
        return stored

    def _trade_rate(self, currency: str, base: str, day: date, given: Any) -> Decimal:
        if given is not None:
            return parse_decimal(given, "fx_rate", "The FX rate", positive=True)
        try:
            return self.fx.rate(currency, base, day).rate
        except FxRateMissing as exc:
            raise ValidationError({"fx_rate": str(exc).rstrip(".") + ", or give the FX rate the trade was settled "
                                                                   "at."}) from None

    def trades_of(self, actor: Actor, fund_id: str, instrument_id: str | None = None) -> list[Document]:
        """The fund's recorded trades (of one instrument), oldest first."""
        require(actor, Permission.FUNDS_READ)
        query = {"fund_id": fund_id} | ({"instrument_id": instrument_id} if instrument_id else {})
        return list(self.trades.find(query, sort=[("trade_date", 1), ("recorded_at", 1)]))

    def _costs(self, fund_id: str, on: date, since: date | None
               ) -> tuple[dict[str, CostBasis | None], dict[str, Decimal | None]]:
        """Each instrument's cost basis from all the fund's trades, in trade-date then recording order, and the
        P&L realised by its sales dated ``since``..``on``; None for both where the trades oversell."""
        costs: dict[str, CostBasis | None] = {}
        realised: dict[str, Decimal | None] = {}
        for doc in self.trades.find({"fund_id": fund_id}, sort=[("trade_date", 1), ("recorded_at", 1)]):
            key, trade = doc["instrument_id"], Trade(doc["quantity"], doc["price"], doc["fx_rate"], doc["fees"])
            basis, gained = costs.get(key, CostBasis()), realised.get(key, Decimal(0))
            if basis is None or gained is None:
                continue
            try:
                if (since is None or doc["trade_date"] >= since) and doc["trade_date"] <= on:
                    realised[key] = gained + basis.realised_by(trade)
                costs[key] = basis.after(trade)
            except OversoldError:  # a sale from a quantity set without trades: its cost is not known
                costs[key] = realised[key] = None
        return costs, realised

    def _check_history(self, doc: Document, held: Decimal) -> None:
        """Refuse a trade after which the position's trades, by trade date, sell more than they held on some
        date (only for a position built by trades alone: a quantity set by hand has no such history)."""
        history = list(self.trades.find({"fund_id": doc["fund_id"], "instrument_id": doc["instrument_id"]},
                                        sort=[("trade_date", 1), ("recorded_at", 1)]))
        if sum((t["quantity"] for t in history), Decimal(0)) != held:
            return
        running = Decimal(0)
        for trade in sorted([*history, doc], key=lambda t: t["trade_date"]):  # stable: the new one last on its day
            running += trade["quantity"]
            if running < 0:
                code = self.instruments.require(doc["instrument_id"])["code"]
                raise ValidationError({"trade_date": (
                    f"By trade date, the sale of {-trade['quantity']} {code} on {trade['trade_date']} would be more "
                    f"than the {running - trade['quantity']} held then; check the dates or record the purchase "
                    "first.")})

    def value_fund(self, fund_id: str, on: date, since: date | None = None) -> Valuation:
        """Every position priced on or before ``on`` and converted to the base currency."""
        fund = self.funds.get_fund(fund_id)
        lines, gaps = [], []
        costs, realised = self._costs(fund_id, on, since)
        for position in self.positions.find({"fund_id": fund_id}):
            instrument = self.instruments.require(position["instrument_id"])
            if instrument["asset_class"] == CASH_CLASS:
                price, price_date = Decimal(1), on
            else:
                found = self.prices.find_one({"instrument_id": instrument["_id"], "price_date": {"$lte": on}},
                                             sort=[("price_date", -1)])
                if found is None:
                    gaps.append(f"no price for {instrument['code']} on or before {on}")
                    continue
                price, price_date = found["price"], found["price_date"]
            local = round_money(position["quantity"] * price, instrument["currency"])
            try:
                base, quote = self.fx.convert(Money(local, instrument["currency"]), fund.base_currency, on)
            except FxRateMissing as exc:
                gaps.append(str(exc))
                continue
            cost = costs.get(instrument["_id"])
            gained = realised.get(instrument["_id"], Decimal(0))
            if cost is not None and (cost.quantity != position["quantity"] or not cost.quantity):
                cost = None  # the quantity was set or corrected without trades: its cost is not known
            lines.append(ValuationLine(instrument["_id"], instrument["code"], instrument["asset_class"],
                                       position["quantity"], price, instrument["currency"], price_date,
                                       price_date != on, local, quote.rate, quote.stale, base.amount,
                                       instrument["lot_size"],
                                       cost.average_price if cost else None,
                                       round_money(cost.base, fund.base_currency) if cost else None,
                                       None if gained is None else round_money(gained, fund.base_currency)))
        if gaps:
            raise ValuationError(f"{fund.code} cannot be valued on {on}: " + "; ".join(gaps) + ".")
        return Valuation(fund_id, on, fund.base_currency, tuple(sorted(lines, key=lambda line: line.code)), since)
