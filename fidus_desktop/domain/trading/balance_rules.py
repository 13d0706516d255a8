"""Classify balance-affecting deals: balance deals (deposits, withdrawals, transfers, rebates) by their comment,
credit, bonus, correction and charge deals by their type, and deal types FIDUS does not know not at all (review).

MT5 records every cash movement as a DEAL_TYPE_BALANCE deal whose only description is the
broker's free-text comment, so "Withdrawal to separation account" (profit taken out, still the
fund's performance) and "Withdrawal" (client capital leaving) look alike to the terminal. An ordered
list of rules decides: the **first** rule whose pattern and direction match wins; nothing matching
means ``UNCLASSIFIED``, which goes to a review queue instead of being guessed.

Configuration shape (one mapping per rule, order matters)::

    [{"category": "profit_withdrawal", "match": "regex", "pattern": "separation", "direction": "out"},
     {"category": "client_deposit", "match": "keyword", "pattern": "deposit", "direction": "in"}]

``match`` is ``keyword`` (case-insensitive substring, the default) or ``regex`` (case-insensitive
``re.search``); ``direction`` is ``in`` (amount > 0), ``out`` (amount < 0) or ``any`` (default).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum

from fidus_desktop.errors import UserError

from .models import Deal, DealKind


class BalanceCategory(Enum):
    CLIENT_DEPOSIT = "client_deposit"
    CLIENT_WITHDRAWAL = "client_withdrawal"
    PROFIT_WITHDRAWAL = "profit_withdrawal"  # to the separation account: performance, not capital
    INTERNAL_TRANSFER = "internal_transfer"
    FEE_REBATE = "fee_rebate"
    CREDIT = "credit"  # broker credit (DEAL_TYPE_CREDIT): equity, never capital or performance
    BONUS = "bonus"
    CORRECTION = "correction"
    CHARGE = "charge"
    UNCLASSIFIED = "unclassified"


# Deal kinds that move the balance or equity without being trading: classified, and outside trading profit.
BALANCE_AFFECTING = frozenset({DealKind.BALANCE, DealKind.CREDIT, DealKind.BONUS, DealKind.CORRECTION,
                               DealKind.CHARGE, DealKind.OTHER})
_BY_KIND = {DealKind.CREDIT: BalanceCategory.CREDIT, DealKind.BONUS: BalanceCategory.BONUS,
            DealKind.CORRECTION: BalanceCategory.CORRECTION, DealKind.CHARGE: BalanceCategory.CHARGE}


def is_balance_affecting(deal: Deal) -> bool:
    """A cash movement to classify: every balance, credit, bonus, correction or charge deal, and a deal of a type
    FIDUS does not know when it moved money."""
    return deal.kind in BALANCE_AFFECTING and (deal.kind is not DealKind.OTHER or deal.net != 0)


class Direction(Enum):
    ANY = "any"
    IN = "in"
    OUT = "out"

    def accepts(self, amount: Decimal) -> bool:
        return self is Direction.ANY or (amount > 0 if self is Direction.IN else amount < 0)


class RuleError(UserError, ValueError):
    """A classification rule in the settings is malformed."""


@dataclass(frozen=True)
class BalanceRule:
    category: BalanceCategory
    pattern: str
    match: str = "keyword"
    direction: Direction = Direction.ANY
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.pattern.strip():
            raise RuleError(f"A {self.category.value} rule has an empty pattern.")
        if self.match == "keyword":
            source = re.escape(" ".join(self.pattern.split()))
        elif self.match == "regex":
            source = self.pattern
        else:
            raise RuleError(f"Rule match {self.match!r} is unknown; use 'keyword' or 'regex'.")
        try:
            object.__setattr__(self, "_regex", re.compile(source, re.IGNORECASE))
        except re.error as exc:
            raise RuleError(
                f"Rule pattern {self.pattern!r} is not a valid regular expression: {exc}."
            ) from None

    def matches(self, comment: str, amount: Decimal) -> bool:
        return self.direction.accepts(amount) and bool(self._regex.search(" ".join(comment.split())))


@dataclass(frozen=True)
class Classification:
    category: BalanceCategory
    rule: BalanceRule | None  # the rule that decided, for the audit trail

    @property
    def needs_review(self) -> bool:
        return self.category is BalanceCategory.UNCLASSIFIED


_UNCLASSIFIED = Classification(BalanceCategory.UNCLASSIFIED, None)


class BalanceRules:
    """An ordered rule list; first match wins."""

    def __init__(self, rules: Sequence[BalanceRule]) -> None:
        self.rules = tuple(rules)

    @classmethod
    def from_config(cls, items: Iterable[Mapping[str, str]]) -> BalanceRules:
        rules = []
        for number, item in enumerate(items, start=1):
            try:
                rules.append(BalanceRule(
                    category=BalanceCategory(item["category"]),
                    pattern=item["pattern"],
                    match=item.get("match", "keyword"),
                    direction=Direction(item.get("direction", "any")),
                ))
            except KeyError as exc:
                raise RuleError(f"Balance rule {number} lacks {exc.args[0]!r}.") from None
            except ValueError as exc:
                raise RuleError(f"Balance rule {number}: {exc}") from None
        return cls(rules)

    def classify(self, comment: str, amount: Decimal) -> Classification:
        for rule in self.rules:
            if rule.matches(comment, amount):
                return Classification(rule.category, rule)
        return _UNCLASSIFIED

    def classify_deal(self, deal: Deal) -> Classification:
        """Balance deals by comment; credit, bonus, correction, charge by type; an unknown type goes to review."""
        if deal.kind is DealKind.BALANCE:
            return self.classify(deal.comment, deal.net)
        category = _BY_KIND.get(deal.kind)
        return Classification(category, None) if category else _UNCLASSIFIED

    def classify_deals(self, deals: Iterable[Deal]) -> list[tuple[Deal, Classification]]:
        """Every balance-affecting deal with its classification (trades, commissions, swaps … are not cash flows)."""
        return [(d, self.classify_deal(d)) for d in deals if is_balance_affecting(d)]


# Order matters, the specific first: a transfer naming two accounts is internal even when it says "deposit";
# "Deposit via wire transfer" and "Withdrawal by bank transfer" are the client's money, not internal transfers;
# a bare "transfer" is internal last. Checked against real-world comments in tests/trading/test_balance_wording.py.
_PAYMENT_RAILS = r"wire|bank|card|swift|sepa|skrill|neteller|paypal|crypto|usdt"
DEFAULT_RULES = BalanceRules([
    BalanceRule(BalanceCategory.PROFIT_WITHDRAWAL, r"separation|profit\s*(share|withdrawal)", "regex",
                Direction.OUT),
    BalanceRule(BalanceCategory.FEE_REBATE, r"rebate|commission\s+refund|cashback", "regex"),
    BalanceRule(BalanceCategory.INTERNAL_TRANSFER,
                r"\binternal\b|between\s+(my\s+)?accounts|\btransfer\s+(to|from)\s+(account\s*)?#?\d+"
                r"|\bfrom\s+(account\s*)?#?\d+\s+to\s+(account\s*)?#?\d+", "regex"),
    BalanceRule(BalanceCategory.CLIENT_DEPOSIT, rf"deposit|{_PAYMENT_RAILS}|top[\s-]?up|funding|incoming", "regex",
                Direction.IN),
    BalanceRule(BalanceCategory.CLIENT_WITHDRAWAL, rf"withdraw|payout|{_PAYMENT_RAILS}|outgoing", "regex",
                Direction.OUT),
    BalanceRule(BalanceCategory.INTERNAL_TRANSFER, r"\btransfer\b", "regex"),
])
