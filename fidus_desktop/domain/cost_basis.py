"""A holding's cost basis by the average-cost method, in its own currency and in the fund's base currency.

Why average cost: a fund values and reports its positions as pooled units, not as lots (IFRS 9 allows a
weighted average; the fund's own units are priced that way too). A purchase adds what it cost, price ×
quantity plus its fees, converted at the FX rate of its trade date; a sale takes out the cost of the units
sold at the average cost (the cost per unit of what is left does not change) and selling everything leaves
nothing. The base-currency cost keeps the historical rates, so an unrealised gain in the base currency holds
both the price and the currency move.

Realised P&L of a sale: its proceeds (price × units less the sale's fees) at the sale's FX rate, less the
base-currency cost the sale took out of the position. So realised plus unrealised P&L is the value less the
net amount invested (purchases paid less sale proceeds), each at its own trade's rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from fidus_desktop.errors import UserError

ZERO = Decimal(0)


class OversoldError(UserError, ValueError):
    """A sale of more units than the position holds (short positions are not kept)."""


@dataclass(frozen=True)
class Trade:
    """One purchase (``quantity`` > 0) or sale (< 0) at ``price`` per unit in the instrument's currency."""

    quantity: Decimal
    price: Decimal
    fx_rate: Decimal  # instrument currency → fund base currency on the trade date
    fees: Decimal = ZERO  # instrument currency; part of what a purchase cost


@dataclass(frozen=True)
class CostBasis:
    """What the units held cost: ``local`` in the instrument's currency, ``base`` in the fund's."""

    quantity: Decimal = ZERO
    local: Decimal = ZERO
    base: Decimal = ZERO

    @property
    def average_price(self) -> Decimal | None:
        """Cost per unit held, in the instrument's currency (None when nothing is held)."""
        return self.local / self.quantity if self.quantity else None

    def after(self, trade: Trade) -> CostBasis:
        if trade.quantity > 0:
            paid = trade.quantity * trade.price + trade.fees
            return CostBasis(self.quantity + trade.quantity, self.local + paid, self.base + paid * trade.fx_rate)
        if -trade.quantity > self.quantity:
            raise OversoldError(f"A sale of {-trade.quantity} units is more than the {self.quantity} held; "
                                "record the purchases first or correct the quantity.")
        left = self.quantity + trade.quantity
        if not left:
            return CostBasis()
        share = left / self.quantity
        return CostBasis(left, self.local * share, self.base * share)

    def realised_by(self, trade: Trade) -> Decimal:
        """The base-currency P&L a sale realises from this position (zero for a purchase)."""
        if trade.quantity > 0:
            return ZERO
        proceeds = (-trade.quantity * trade.price - trade.fees) * trade.fx_rate
        return proceeds - (self.base - self.after(trade).base)


def cost_basis(trades: Iterable[Trade]) -> CostBasis:
    """The cost of what is held after ``trades``, applied in order."""
    basis = CostBasis()
    for trade in trades:
        basis = basis.after(trade)
    return basis
