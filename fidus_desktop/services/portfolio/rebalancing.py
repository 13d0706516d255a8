"""Rebalancing: target weights per fund, drift against the holdings, trade proposals and their CSV.

Targets are stored one document per fund (weights per instrument code or per asset class, a tolerance
band) with a version; setting them needs ``funds.manage``. Proposals value the holdings through
``holdings.value_fund`` (base currency, FX applied) and run ``domain.rebalancing.propose_rebalance``; cash
positions (asset class ``cash``) are the available cash, everything else is a position.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.money import Money
from fidus_desktop.domain.rebalancing import (
    Position,
    RebalanceError,
    RebalanceMode,
    RebalanceProposal,
    TargetLevel,
    proposal_to_csv,
    propose_rebalance,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import parse_choice, parse_decimal
from fidus_desktop.services.portfolio.holdings import CASH_CLASS, HoldingsService
from fidus_desktop.store.port import Document

REBALANCE_TARGETS = "rebalance_targets"


class RebalancingService(Service):
    def __init__(self, ctx: ServiceContext, holdings: HoldingsService) -> None:
        super().__init__(ctx)
        self.targets = ctx.store.collection(REBALANCE_TARGETS)
        self.holdings = holdings

    def ensure_indexes(self) -> None:
        self.targets.ensure_index(["fund_id"], unique=True)

    def set_targets(self, actor: Actor, fund_id: str, weights: dict[str, Any], *, level: Any = "instrument",
                    tolerance: Any = "0.01") -> Document:
        """Replace a fund's targets (weights are fractions summing to 1: 0.25 = 25 %)."""
        self.holdings.funds.funds.require(fund_id)
        parsed = {str(k).strip().upper() if level == "instrument" else str(k).strip().lower():
                  parse_decimal(v, f"weights.{k}", f"The weight of {k}", minimum=0) for k, v in weights.items()}
        if abs(sum(parsed.values(), Decimal(0)) - 1) > Decimal("0.000001"):
            raise ValidationError({"weights": f"The weights sum to {sum(parsed.values())}, not 1 (100 %)."})
        doc = {"fund_id": fund_id, "weights": parsed,
               "level": parse_choice(level, tuple(TargetLevel), "level", "The target level"),
               "tolerance": parse_decimal(tolerance, "tolerance", "The tolerance", minimum=0),
               "updated_at": self.now()}

        def write(rec: ChangeRecorder) -> Document:
            before = self.targets.find_one({"fund_id": fund_id})
            self.targets.upsert_many([doc], ["fund_id"])
            after = self.targets.find_one({"fund_id": fund_id})
            assert after is not None
            rec.record("rebalance_targets.set", "rebalance_targets", after["_id"], before=before, after=after)
            return after

        return self.change(actor, Permission.FUNDS_MANAGE, write)

    def propose(self, actor: Actor, fund_id: str, on: date, *, mode: Any = "both", min_trade: Any = "0"
                ) -> RebalanceProposal:
        """Drift and a trade list for ``fund_id`` valued on ``on``."""
        require(actor, Permission.FUNDS_READ)
        targets = self.targets.find_one({"fund_id": fund_id})
        if targets is None:
            raise ValidationError({"fund_id": "This fund has no target weights yet; set them first."})
        valuation = self.holdings.value_fund(fund_id, on)
        currency = valuation.currency
        positions = []
        for line in valuation.lines:
            if line.asset_class == CASH_CLASS:
                continue
            unit_price = line.base_value / line.quantity if line.quantity else line.price * line.fx_rate
            positions.append(Position(line.code, line.quantity, Money(unit_price, currency), line.asset_class,
                                      line.lot_size))
        try:
            return propose_rebalance(positions, targets["weights"], cash=valuation.cash,
                                     mode=RebalanceMode(parse_choice(mode, tuple(RebalanceMode), "mode", "The mode")),
                                     level=TargetLevel(targets["level"]), tolerance=targets["tolerance"],
                                     min_trade=Money(parse_decimal(min_trade, "min_trade", "The minimum trade"),
                                                     currency))
        except RebalanceError as exc:
            raise ValidationError({"": str(exc)}) from None

    @staticmethod
    def to_csv(proposal: RebalanceProposal) -> str:
        return proposal_to_csv(proposal)
