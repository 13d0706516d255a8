"""Instruments, prices and fund positions; market value in the fund's base currency.

An instrument has a unique ``code``, a ``currency``, an ``asset_class`` and a ``lot_size``. Instruments of
asset class ``cash`` are cash accounts: their price is 1 in their currency, no price documents needed.
Prices are one per ``(instrument_id, price_date)``; the valuation uses the last price on or before the date
and flags it ``price_stale`` when older. Every line is converted to the fund's base currency with the
stored FX rates (``fx``): a missing price or rate is a ``ValuationError`` naming every gap, never a silent
1:1. Positions are one per ``(fund_id, instrument_id)`` with a version. Changes need ``funds.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.fx import FxRateMissing
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.errors import UserError
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext
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
CASH_CLASS = "cash"


class ValuationError(UserError, ValueError):
    """A fund cannot be valued: prices or FX rates are missing (the message lists every gap)."""


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


@dataclass(frozen=True)
class Valuation:
    """A fund's holdings on a date in its base currency; ``stale`` if any price or rate is older."""

    fund_id: str
    on: date
    currency: str
    lines: tuple[ValuationLine, ...]

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


class HoldingsService(Service):
    """Instruments, prices, positions and their valuation."""

    def __init__(self, ctx: ServiceContext, funds: FundService, fx: FxService) -> None:
        super().__init__(ctx)
        self.instruments = ctx.store.collection(INSTRUMENTS)
        self.prices = ctx.store.collection(PRICES)
        self.positions = ctx.store.collection(POSITIONS)
        self.funds, self.fx = funds, fx

    def ensure_indexes(self) -> None:
        self.instruments.ensure_index(["code"], unique=True)
        self.prices.ensure_index(["instrument_id", "price_date"], unique=True)
        self.positions.ensure_index(["fund_id", "instrument_id"], unique=True)
        self.positions.ensure_index(["updated_at"])

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

    def valuation(self, actor: Actor, fund_id: str, on: date) -> Valuation:
        require(actor, Permission.FUNDS_READ)
        return self.value_fund(fund_id, on)

    def price_moves(self, actor: Actor, valuation: Valuation) -> dict[str, Decimal]:
        """Per priced line of ``valuation``: the P&L of its last price move, in the base currency.

        Quantity × (its price − the instrument's previous stored price) × the valuation's FX rate. Positions
        carry no cost basis, so this "last move" P&L is what a holding's gain can be measured from; cash and an
        instrument with a single price have none (absent from the result).
        """
        require(actor, Permission.FUNDS_READ)
        moves = {}
        for line in valuation.lines:
            if line.asset_class == CASH_CLASS:
                continue
            before = self.prices.find_one({"instrument_id": line.instrument_id,
                                           "price_date": {"$lt": line.price_date}}, sort=[("price_date", -1)])
            if before is not None:
                local = line.quantity * (line.price - before["price"])
                moves[line.instrument_id] = round_money(local * line.fx_rate, valuation.currency)
        return moves

    def value_fund(self, fund_id: str, on: date) -> Valuation:
        """Every position priced on or before ``on`` and converted to the base currency."""
        fund = self.funds.get_fund(fund_id)
        lines, gaps = [], []
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
            lines.append(ValuationLine(instrument["_id"], instrument["code"], instrument["asset_class"],
                                       position["quantity"], price, instrument["currency"], price_date,
                                       price_date != on, local, quote.rate, quote.stale, base.amount,
                                       instrument["lot_size"]))
        if gaps:
            raise ValuationError(f"{fund.code} cannot be valued on {on}: " + "; ".join(gaps) + ".")
        return Valuation(fund_id, on, fund.base_currency, tuple(sorted(lines, key=lambda line: line.code)))
