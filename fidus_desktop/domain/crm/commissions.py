"""Referral agents' commissions: a share of the interest paid to the clients they introduced.

For each client an agent introduced and each interest payment of the client's fixed-yield investments due in
the period (``fixed_yield.payment_schedule``), the commission is ``round_money(interest × agent's rate)``,
ROUND_HALF_EVEN per payment, in the payment's currency; the statement's totals are sums per currency (never
converted). Principal returns and profit shares whose amount is not known yet earn nothing. The default rate
is 10 %.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from fidus_desktop.domain.fixed_yield import Investment, PaymentKind, payment_schedule
from fidus_desktop.domain.money import Money, round_money
from fidus_desktop.errors import UserError

DEFAULT_RATE = Decimal("0.10")


class CommissionError(UserError, ValueError):
    """A commission rule or status change that breaks the rules."""


class CommissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"


NEXT_STATUS = {CommissionStatus.PENDING: CommissionStatus.APPROVED, CommissionStatus.APPROVED: CommissionStatus.PAID}


def check_rate(rate: Decimal) -> Decimal:
    if not Decimal(0) <= rate <= Decimal("0.5"):
        raise CommissionError(f"A commission rate is between 0 and 0.5 (50 %); {rate} was given.")
    return rate


@dataclass(frozen=True, slots=True)
class CommissionLine:
    """One interest payment to one introduced client and the agent's commission on it."""

    agent_code: str
    investor_id: str
    investment_id: str
    due_date: date
    interest: Money
    rate: Decimal
    commission: Money


def commission_lines(agent_code: str, rate: Decimal, investments: Iterable[Investment], start: date,
                     end: date) -> list[CommissionLine]:
    """The commission on every interest payment due in ``start..end`` (inclusive) of ``investments``."""
    check_rate(rate)
    lines = []
    for investment in investments:
        for payment in payment_schedule(investment):
            if payment.kind is not PaymentKind.INTEREST or payment.amount is None:
                continue
            if start <= payment.due_date <= end:
                currency = payment.amount.currency
                lines.append(CommissionLine(
                    agent_code, investment.investor_id, investment.investment_id, payment.due_date, payment.amount,
                    rate, Money(round_money(payment.amount.amount * rate, currency), currency)))
    return sorted(lines, key=lambda line: (line.due_date, line.investor_id, line.investment_id))


class HasCommission(Protocol):
    @property
    def commission(self) -> Money: ...


def totals(lines: Iterable[HasCommission]) -> dict[str, Money]:
    """Commission per currency (of ``CommissionLine``s or anything carrying one's ``commission``)."""
    out: dict[str, Money] = {}
    for line in lines:
        currency = line.commission.currency
        out[currency] = out.get(currency, Money.zero(currency)) + line.commission
    return out


def check_status_change(current: CommissionStatus, target: CommissionStatus, *, entered_by: str,
                        actor: str) -> None:
    """pending → approved → paid only; approval by someone other than who entered the statement."""
    if NEXT_STATUS.get(current) is not target:
        raise CommissionError(f"A {current.value} commission cannot become {target.value}.")
    if target is CommissionStatus.APPROVED and entered_by == actor:
        raise CommissionError("Four-eyes rule: the person who prepared this commission statement cannot approve "
                              "it; ask a colleague in the back office.")
