"""Reconcile MT5 balance deals with the cash flows the fund has recorded, for the back office.

A client deposit or withdrawal seen on a fund's MT5 account should match a cash flow recorded for that
fund: same currency, same signed amount, booked within ``tolerance_days``. What does not match either way
is listed: a deal nobody recorded, or a recorded flow that never reached the trading account. Unclassified
balance deals are listed too, because they cannot be reconciled until someone decides what they were.

The recorded flows come from a ``CashFlowSource`` (the portfolio service's cash-flow query, wired in the
composition root), so this module does not depend on how the fund books its flows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.trading.balance_rules import BalanceCategory
from fidus_desktop.domain.trading.models import Deal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.accounts import Mt5AccountService
from fidus_desktop.services.trading.classification import ClassificationService

_RECONCILED = {BalanceCategory.CLIENT_DEPOSIT, BalanceCategory.CLIENT_WITHDRAWAL, BalanceCategory.UNCLASSIFIED}


@dataclass(frozen=True)
class RecordedCashFlow:
    """A fund cash flow as the fund's books hold it; ``amount`` is signed (+ money in, − money out)."""

    flow_id: str
    fund_id: str
    booked: date
    amount: Decimal
    currency: str
    description: str = ""


CashFlowSource = Callable[[str, date, date], Sequence[RecordedCashFlow]]  # fund id, first day, last day


class MismatchKind(StrEnum):
    DEAL_NOT_RECORDED = "deal_not_recorded"
    FLOW_NOT_IN_MT5 = "flow_not_in_mt5"
    NEEDS_CLASSIFICATION = "needs_classification"


@dataclass(frozen=True)
class Mismatch:
    kind: MismatchKind
    fund_id: str
    login: int | None
    ticket: int | None
    flow_id: str | None
    day: date
    amount: Decimal
    currency: str
    detail: str


@dataclass(frozen=True)
class Reconciliation:
    fund_id: str
    first_day: date
    last_day: date
    matched: int
    mismatches: list[Mismatch]


class ReconciliationService(Service):
    """Match balance deals of a fund's accounts against its recorded cash flows."""

    def __init__(
        self,
        ctx: ServiceContext,
        accounts: Mt5AccountService,
        classification: ClassificationService,
        cash_flows: CashFlowSource | None = None,
    ) -> None:
        super().__init__(ctx)
        self.accounts = accounts
        self.classification = classification
        self.cash_flows = cash_flows

    def reconcile(
        self,
        actor: Actor,
        fund_id: str,
        first_day: date,
        last_day: date,
        *,
        tolerance_days: int = 3,
        cash_flows: CashFlowSource | None = None,
    ) -> Reconciliation:
        """Mismatches between ``[first_day, last_day]`` (UTC days) for every MT5 account mapped to ``fund_id``."""
        require(actor, Permission.MT5_READ)
        source = cash_flows or self.cash_flows
        if source is None:
            raise ValidationError("No source of recorded fund cash flows is configured; reconciliation needs the "
                                  "fund's cash-flow records (portfolio module).")
        if last_day < first_day:
            raise ValidationError({"last_day": "The last day is before the first day."})
        logins = [a.login for a in self.accounts.all() if a.fund_id == fund_id]
        if not logins:
            raise ValidationError({"fund_id": f"No MT5 account is mapped to fund {fund_id}."})
        start = datetime.combine(first_day, time(), tzinfo=self.now().tzinfo)
        end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=self.now().tzinfo)
        mismatches: list[Mismatch] = []
        deals: list[Deal] = []
        for login in logins:
            for deal, verdict in self.classification.classified(login):
                if not start <= deal.time < end or verdict.category not in _RECONCILED:
                    continue
                if verdict.category is BalanceCategory.UNCLASSIFIED:
                    mismatches.append(_deal_mismatch(MismatchKind.NEEDS_CLASSIFICATION, fund_id, deal,
                                                     f"Classify '{deal.comment}' in the review queue first."))
                else:
                    deals.append(deal)
        flows = list(source(fund_id, first_day, last_day))
        matched = _match(deals, flows, timedelta(days=tolerance_days))
        matched_flows = set(matched.values())
        for deal in deals:
            if (deal.login, deal.ticket) not in matched:
                mismatches.append(_deal_mismatch(
                    MismatchKind.DEAL_NOT_RECORDED, fund_id, deal,
                    f"MT5 {deal.login} shows {deal.net} {deal.currency} ('{deal.comment}') but the fund has no such "
                    f"cash flow within {tolerance_days} days."))
        for flow in flows:
            if flow.flow_id not in matched_flows:
                mismatches.append(Mismatch(
                    MismatchKind.FLOW_NOT_IN_MT5, fund_id, None, None, flow.flow_id, flow.booked, flow.amount,
                    flow.currency, f"The fund recorded {flow.amount} {flow.currency} on {flow.booked} "
                                   f"('{flow.description}') but no MT5 account of the fund shows it."))
        mismatches.sort(key=lambda m: (m.day, m.kind.value))
        return Reconciliation(fund_id, first_day, last_day, len(matched), mismatches)


def _deal_mismatch(kind: MismatchKind, fund_id: str, deal: Deal, detail: str) -> Mismatch:
    return Mismatch(kind, fund_id, deal.login, deal.ticket, None, deal.time.date(), deal.net, deal.currency, detail)


def _match(
    deals: Sequence[Deal], flows: Sequence[RecordedCashFlow], tolerance: timedelta
) -> dict[tuple[int, int], str]:
    """Pair each deal with the closest-dated unused flow of the same currency and amount."""
    free = list(flows)
    pairs: dict[tuple[int, int], str] = {}
    for deal in sorted(deals, key=lambda d: (d.time, d.ticket)):
        day = deal.time.date()
        candidates = [f for f in free if f.currency == deal.currency and f.amount == deal.net
                      and abs(f.booked - day) <= tolerance]
        if candidates:
            best = min(candidates, key=lambda f: (abs(f.booked - day), f.flow_id))
            free.remove(best)
            pairs[(deal.login, deal.ticket)] = best.flow_id
    return pairs
