"""Fixed-yield products: terms, payment schedules, redemption rules, obligations and coverage.

Conventions (why: investors are promised exact dates and amounts, and the office must fund them):

* Simple interest per month on the principal: each payment is
  ``round_money(principal × monthly_rate × months_per_payment)`` (ROUND_HALF_EVEN).
* Dates are calendar months added to the ``start_date``, each computed from the start date (not
  chained), clamped to the month end: Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year), + 2 months
  = Mar 31.
* No interest accrues during ``incubation_months``; interest runs for ``commitment_months`` after
  it, paid every ``payout_frequency`` months, exactly ``commitment_months / months_per_payment``
  payments (12 months paid quarterly = 4 payments of 3 months' interest), the last on the principal
  return date ``start + incubation + commitment``.
* Interest can be redeemed once paid out per schedule; principal only from the principal return date.
* Terms carry a ``version``: an investment keeps the terms it was sold under.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum, StrEnum
from typing import NamedTuple

from fidus_desktop.domain.money import Money, round_money, to_decimal
from fidus_desktop.errors import UserError


class FixedYieldError(UserError, ValueError):
    """Invalid fixed-yield terms, investment or request."""


class RedemptionNotAllowed(FixedYieldError):
    """A redemption asked for before the date it becomes possible."""


class PayoutFrequency(Enum):
    """How often interest is paid; the value is the number of months per payment."""

    MONTHLY = 1
    QUARTERLY = 3
    SEMI_ANNUAL = 6


class Availability(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    INVITATION_ONLY = "invitation_only"


class YieldKind(StrEnum):
    FIXED = "fixed"  # simple interest per month on the principal
    PROFIT_SHARE = "profit_share"  # a share of trading profit, amount known only when earned


class PaymentKind(StrEnum):
    INTEREST = "interest"
    PRINCIPAL = "principal"
    PROFIT_SHARE = "profit_share"


class RedemptionPart(StrEnum):
    INTEREST = "interest"
    PRINCIPAL = "principal"


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months`` calendar months, clamped to the end of the month."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """What a product promises, in the ``version`` it was sold under."""

    product_code: str
    name: str
    version: int
    kind: YieldKind
    payout_frequency: PayoutFrequency
    incubation_months: int
    commitment_months: int
    minimum_investment: Money
    availability: Availability = Availability.OPEN
    monthly_rate: Decimal = Decimal(0)
    investor_share: Decimal = Decimal(0)

    def __post_init__(self) -> None:
        label = f"{self.product_code} v{self.version}"
        object.__setattr__(self, "monthly_rate", to_decimal(self.monthly_rate, "monthly rate"))
        object.__setattr__(self, "investor_share", to_decimal(self.investor_share, "investor share"))
        if self.version < 1:
            raise FixedYieldError(f"{label}: the terms version starts at 1.")
        if self.incubation_months < 0 or self.commitment_months <= 0:
            raise FixedYieldError(f"{label}: incubation must be 0 or more months and commitment at least 1.")
        months = self.payout_frequency.value
        if self.commitment_months % months:
            raise FixedYieldError(
                f"{label}: {self.commitment_months} months of commitment cannot be paid every {months} "
                f"months; make the commitment a multiple of {months}."
            )
        if self.kind is YieldKind.FIXED and not 0 < self.monthly_rate < 1:
            raise FixedYieldError(f"{label}: a fixed product needs a monthly rate such as 0.015 (1.5 %).")
        if self.kind is YieldKind.PROFIT_SHARE and not 0 < self.investor_share <= 1:
            raise FixedYieldError(f"{label}: a profit-share product needs an investor share such as 0.5.")
        if self.minimum_investment.amount < 0:
            raise FixedYieldError(f"{label}: the minimum investment cannot be negative.")

    @property
    def currency(self) -> str:
        return self.minimum_investment.currency

    @property
    def payment_count(self) -> int:
        return self.commitment_months // self.payout_frequency.value


@dataclass(frozen=True, slots=True)
class Investment:
    """Principal invested on ``start_date`` under one version of a product's terms."""

    investment_id: str
    investor_id: str
    terms: ProductTerms
    principal: Money
    start_date: date

    def __post_init__(self) -> None:
        if self.principal.currency != self.terms.currency:
            raise FixedYieldError(
                f"Investment {self.investment_id} is in {self.principal.currency} but "
                f"{self.terms.product_code} is sold in {self.terms.currency}."
            )
        if self.principal < self.terms.minimum_investment:
            raise FixedYieldError(
                f"Investment {self.investment_id} of {self.principal} is below the {self.terms.product_code} "
                f"minimum of {self.terms.minimum_investment}."
            )

    @property
    def interest_start(self) -> date:
        return add_months(self.start_date, self.terms.incubation_months)

    @property
    def principal_return_date(self) -> date:
        return add_months(self.start_date, self.terms.incubation_months + self.terms.commitment_months)


def check_can_invest(terms: ProductTerms, principal: Money, *, invited: bool = False) -> None:
    """Raise unless ``terms`` can be sold now for ``principal`` (availability and minimum)."""
    if terms.availability is Availability.CLOSED:
        raise FixedYieldError(f"{terms.product_code} v{terms.version} is closed to new investments.")
    if terms.availability is Availability.INVITATION_ONLY and not invited:
        raise FixedYieldError(f"{terms.product_code} is by invitation only; record the invitation first.")
    if principal.currency != terms.currency or principal < terms.minimum_investment:
        raise FixedYieldError(
            f"{terms.product_code} needs at least {terms.minimum_investment}; {principal} was offered."
        )


@dataclass(frozen=True, slots=True)
class ScheduledPayment:
    """One payment due: interest or profit share for ``period_start..due_date``, or the principal.

    ``amount`` is ``None`` for a profit share, which is known only once the profit is.
    """

    investment_id: str
    kind: PaymentKind
    due_date: date
    amount: Money | None
    period_start: date


def payment_schedule(investment: Investment) -> tuple[ScheduledPayment, ...]:
    """Every payment the terms promise, in date order, ending with the principal return."""
    terms = investment.terms
    months = terms.payout_frequency.value
    kind = PaymentKind.INTEREST if terms.kind is YieldKind.FIXED else PaymentKind.PROFIT_SHARE
    principal = investment.principal
    amount = (Money(round_money(principal.amount * terms.monthly_rate * months, principal.currency),
                    principal.currency) if kind is PaymentKind.INTEREST else None)
    start, offset = investment.start_date, terms.incubation_months
    payments = [
        ScheduledPayment(investment.investment_id, kind, add_months(start, offset + i * months), amount,
                         add_months(start, offset + (i - 1) * months))
        for i in range(1, terms.payment_count + 1)
    ]
    payments.append(ScheduledPayment(investment.investment_id, PaymentKind.PRINCIPAL,
                                     investment.principal_return_date, principal, investment.start_date))
    return tuple(payments)


def profit_share_amount(trading_profit: Money, terms: ProductTerms) -> Money:
    """The investor's share of a period's trading profit (nothing on a loss)."""
    if terms.kind is not YieldKind.PROFIT_SHARE:
        raise FixedYieldError(f"{terms.product_code} pays fixed interest, not a profit share.")
    share = max(trading_profit.amount, Decimal(0)) * terms.investor_share
    return Money(round_money(share, trading_profit.currency), trading_profit.currency)


class RedemptionCheck(NamedTuple):
    allowed: bool
    earliest_date: date


def redemption_allowed(
    investment: Investment, on: date, part: RedemptionPart = RedemptionPart.PRINCIPAL
) -> RedemptionCheck:
    """Whether ``part`` can be redeemed on ``on``, and the earliest date it can be."""
    if part is RedemptionPart.PRINCIPAL:
        earliest = investment.principal_return_date
    else:
        earliest = payment_schedule(investment)[0].due_date
    return RedemptionCheck(on >= earliest, earliest)


def require_redemption_allowed(investment: Investment, on: date, part: RedemptionPart) -> None:
    """Raise ``RedemptionNotAllowed`` naming the date a refused request becomes possible."""
    allowed, earliest = redemption_allowed(investment, on, part)
    if not allowed:
        rule = ("principal is returned at the end of the commitment" if part is RedemptionPart.PRINCIPAL
                else "interest can be redeemed once paid out per the schedule")
        raise RedemptionNotAllowed(
            f"Investment {investment.investment_id}: {part} cannot be redeemed on {on}; {rule}. "
            f"It becomes possible on {earliest}."
        )


def interest_paid_out(investment: Investment, on: date) -> Money:
    """Fixed interest paid out per schedule on or before ``on`` (what can be redeemed as interest)."""
    paid = [p.amount for p in payment_schedule(investment)
            if p.kind is PaymentKind.INTEREST and p.due_date <= on and p.amount is not None]
    return sum(paid, Money.zero(investment.principal.currency))


@dataclass(frozen=True, slots=True)
class MonthlyObligation:
    """Interest and principal due in one calendar month, in one currency."""

    year: int
    month: int
    interest: Money
    principal: Money

    @property
    def total(self) -> Money:
        return self.interest + self.principal


def monthly_obligations(investments: Iterable[Investment]) -> list[MonthlyObligation]:
    """Fixed interest and principal due per month across ``investments``, per currency, by month.

    Profit shares are left out: their amounts are not known in advance.
    """
    due: dict[tuple[int, int, str], tuple[Money, Money]] = {}
    for investment in investments:
        currency = investment.principal.currency
        for payment in payment_schedule(investment):
            if payment.amount is None:
                continue
            key = (payment.due_date.year, payment.due_date.month, currency)
            interest, principal = due.get(key, (Money.zero(currency), Money.zero(currency)))
            if payment.kind is PaymentKind.PRINCIPAL:
                principal += payment.amount
            else:
                interest += payment.amount
            due[key] = (interest, principal)
    return [MonthlyObligation(y, m, i, p) for (y, m, _), (i, p) in sorted(due.items())]


class CoverageLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Coverage:
    """Obligations against capital held. ``gap`` > 0 is a shortfall; ``gap_percent`` of obligations."""

    obligations: Money
    capital: Money
    gap: Money
    gap_percent: Decimal
    level: CoverageLevel


def coverage(
    obligations: Money,
    cash: Money,
    equity: Money,
    *,
    warning_percent: Decimal = Decimal(5),
    critical_percent: Decimal = Decimal(10),
) -> Coverage:
    """Compare ``obligations`` with capital (``cash + equity``): a shortfall of ``warning_percent``
    of the obligations or more is a warning, ``critical_percent`` or more critical.
    """
    if not 0 <= warning_percent <= critical_percent:
        raise FixedYieldError(
            f"Coverage thresholds must satisfy 0 ≤ warning ({warning_percent}) ≤ critical "
            f"({critical_percent}); lower the warning or raise the critical threshold."
        )
    capital = cash + equity
    gap = (obligations - capital).rounded()
    if obligations.amount > 0:
        percent = (gap.amount * 100 / obligations.amount).quantize(Decimal("0.01"))
    else:
        percent = Decimal("0.00") if gap.amount <= 0 else Decimal(100)
    if percent >= critical_percent and gap.amount > 0:
        level = CoverageLevel.CRITICAL
    elif percent >= warning_percent and gap.amount > 0:
        level = CoverageLevel.WARNING
    else:
        level = CoverageLevel.OK
    return Coverage(obligations, capital, gap, percent, level)
