"""Balance-deal classification with a review queue for what no rule recognises.

Every balance deal gets one record in ``mt5_balance_classes`` keyed ``(login, ticket)``: the category the
rules gave (``auto``), or ``unclassified`` waiting in the review queue (``review``), or the category a
person chose (``resolved``, audited). The rule list lives in the database (``mt5_settings``, edited with
:meth:`ClassificationService.set_rules`, audited) and defaults to ``DEFAULT_RULES`` from docs/MT5.md.
Changing the rules re-classifies every deal a person has not resolved; resolved ones are never overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.trading.balance_rules import (
    BALANCE_AFFECTING,
    DEFAULT_RULES,
    BalanceCategory,
    BalanceRule,
    BalanceRules,
    Classification,
    RuleError,
    is_balance_affecting,
)
from fidus_desktop.domain.trading.models import Deal, DealKind
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.documents import BALANCE_CLASSES, DEALS, TRADING_SETTINGS, deal_from_doc
from fidus_desktop.store.port import Document

RULES_KEY = "balance_rules"


class ReviewStatus(StrEnum):
    AUTO = "auto"  # a rule decided
    REVIEW = "review"  # no rule matched: waiting for a person
    RESOLVED = "resolved"  # a person decided (kept when rules change)


@dataclass(frozen=True)
class BalanceItem:
    """One classified balance deal, as the review queue and the back office see it."""

    login: int
    ticket: int
    time: datetime
    amount: Decimal
    currency: str
    comment: str
    category: BalanceCategory
    status: ReviewStatus
    rule: str  # the pattern that decided, or "" (unclassified / decided by a person)
    resolved_by: str
    note: str
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> BalanceItem:
        return cls(doc["login"], doc["ticket"], doc["time"], doc["amount"], doc["currency"], doc["comment"],
                   BalanceCategory(doc["category"]), ReviewStatus(doc["status"]), doc.get("rule", ""),
                   doc.get("resolved_by", ""), doc.get("note", ""), doc["version"])


def rule_to_config(rule: BalanceRule) -> dict[str, str]:
    return {"category": rule.category.value, "match": rule.match, "pattern": rule.pattern,
            "direction": rule.direction.value}


def _decision(classification: Classification) -> Document:
    """The stored fields for a rule's verdict (unclassified goes to the review queue)."""
    return {
        "category": classification.category.value,
        "status": (ReviewStatus.REVIEW if classification.needs_review else ReviewStatus.AUTO).value,
        "rule": classification.rule.pattern if classification.rule else "",
    }


class ClassificationService(Service):
    """Classify balance deals, hold the rules, and run the review queue."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.items = ctx.store.collection(BALANCE_CLASSES)
        self.settings = ctx.store.collection(TRADING_SETTINGS)
        self.deals = ctx.store.collection(DEALS)

    def ensure_indexes(self) -> None:
        self.items.ensure_index(["login", "ticket"], unique=True)
        self.items.ensure_index(["status", "time"])
        self.settings.ensure_index(["key"], unique=True)

    # -- rules ------------------------------------------------------------------------------
    def rules(self) -> BalanceRules:
        doc = self.settings.find_one({"key": RULES_KEY})
        return BalanceRules.from_config(doc["rules"]) if doc else DEFAULT_RULES

    def rule_config(self) -> list[dict[str, str]]:
        return [rule_to_config(r) for r in self.rules().rules]

    def set_rules(self, actor: Actor, items: Sequence[Mapping[str, str]]) -> int:
        """Replace the rule list (validated first) and re-classify unresolved deals; returns how many moved."""
        try:
            rules = BalanceRules.from_config(items)
        except RuleError as exc:
            raise ValidationError({"rules": str(exc)}) from None
        config = [rule_to_config(r) for r in rules.rules]

        def write(rec: ChangeRecorder) -> int:
            before = self.settings.find_one({"key": RULES_KEY})
            if before is None:
                after = self.settings.insert({"key": RULES_KEY, "rules": config})
            else:
                after = self.settings.update(before["_id"], {"rules": config}, expected_version=before["version"])
            rec.record("mt5.balance_rules.set", TRADING_SETTINGS, after["_id"], before=before, after=after)
            return self._reclassify(rules)

        return self.change(actor, Permission.MT5_MANAGE, write)

    def _reclassify(self, rules: BalanceRules) -> int:
        """Re-apply comment rules to balance deals (items without ``kind`` predate other kinds: balance)."""
        moved = 0
        for doc in self.items.find({"status": {"$ne": ReviewStatus.RESOLVED.value}}):
            if doc.get("kind", DealKind.BALANCE.value) != DealKind.BALANCE.value:
                continue
            decided = _decision(rules.classify(doc["comment"], doc["amount"]))
            if any(doc.get(k) != v for k, v in decided.items()):
                self.items.update(doc["_id"], decided, expected_version=doc["version"])
                moved += 1
        return moved

    # -- used by the sync, inside its transaction ---------------------------------------------
    def classify_new(self, deals: Iterable[Deal]) -> list[tuple[Deal, Classification]]:
        """Record a classification for every balance-affecting deal not seen before; return those deals and
        verdicts (an unknown deal type that moved money waits in the review queue)."""
        balance = [d for d in deals if is_balance_affecting(d)]
        if not balance:
            return []
        known = {
            (d["login"], d["ticket"])
            for d in self.items.find({"ticket": {"$in": [d.ticket for d in balance]}}, projection=["login", "ticket"])
        }
        rules = self.rules()
        new = [(d, rules.classify_deal(d)) for d in balance if (d.login, d.ticket) not in known]
        if new:
            self.items.insert_many([
                {"login": d.login, "ticket": d.ticket, "time": d.time, "amount": d.net, "currency": d.currency,
                 "comment": d.comment, "kind": d.kind.value, **_decision(verdict)}
                for d, verdict in new
            ])
        return new

    def follow_corrections(self, rec: ChangeRecorder, deals: Sequence[Deal]) -> None:
        """Deals the broker revised: their classification follows (amount, comment, kind, the rules' verdict); one a
        person had decided goes back to the review queue, since the decision was made on other figures; one that no
        longer moves money (cancelled) leaves the classification (audited)."""
        if not deals:
            return
        rules = self.rules()
        items = {d["ticket"]: d for d in self.items.find({"login": deals[0].login,
                                                          "ticket": {"$in": [d.ticket for d in deals]}})}
        for deal in deals:
            item = items.get(deal.ticket)
            if item is None:
                continue  # classify_new takes it if it now moves money
            if not is_balance_affecting(deal):
                self.items.delete(item["_id"], expected_version=item["version"])
                rec.record("mt5.balance_deal.withdrawn", BALANCE_CLASSES, item["_id"], before=item)
                continue
            decided = _decision(rules.classify_deal(deal))
            if item["status"] == ReviewStatus.RESOLVED.value:
                decided = {"status": ReviewStatus.REVIEW.value, "category": BalanceCategory.UNCLASSIFIED.value,
                           "rule": "", "note": f"revised by the broker after {item.get('resolved_by', '')}'s decision"}
            after = self.items.update(item["_id"], {"amount": deal.net, "comment": deal.comment,
                                                    "kind": deal.kind.value, **decided},
                                      expected_version=item["version"])
            rec.record("mt5.balance_deal.correct", BALANCE_CLASSES, item["_id"], before=item, after=after)

    # -- review queue -------------------------------------------------------------------------
    def review_queue(self, actor: Actor, login: int | None = None) -> list[BalanceItem]:
        """Balance deals no rule recognised, oldest first."""
        require(actor, Permission.MT5_READ)
        query: Document = {"status": ReviewStatus.REVIEW.value}
        if login is not None:
            query["login"] = login
        return [BalanceItem.from_doc(d) for d in self.items.find(query, sort=[("time", 1), ("ticket", 1)])]

    def items_for(self, actor: Actor, login: int) -> list[BalanceItem]:
        require(actor, Permission.MT5_READ)
        return [BalanceItem.from_doc(d) for d in self.items.find({"login": login}, sort=[("time", 1)])]

    def resolve(self, actor: Actor, login: int, ticket: int, category: str, note: str = "") -> BalanceItem:
        """A person decides what a balance deal was (audited); rules never overwrite the decision."""
        try:
            chosen = BalanceCategory(category)
        except ValueError:
            raise ValidationError({"category": f"{category!r} is not a balance category; use one of "
                                               f"{', '.join(c.value for c in BalanceCategory)}."}) from None
        if chosen is BalanceCategory.UNCLASSIFIED:
            raise ValidationError({"category": "Choose what the deal was; 'unclassified' is not a decision."})

        def write(rec: ChangeRecorder) -> Document:
            before = self.items.find_one({"login": login, "ticket": ticket})
            if before is None:
                raise ValidationError({"ticket": f"Deal {ticket} of account {login} is not a known balance deal."})
            after = self.items.update(before["_id"], {
                "category": chosen.value, "status": ReviewStatus.RESOLVED.value, "rule": "",
                "resolved_by": actor.username, "resolved_at": self.now(), "note": note.strip(),
            }, expected_version=before["version"])
            rec.record("mt5.balance_deal.resolve", BALANCE_CLASSES, after["_id"], before=before, after=after)
            return after

        after = self.change(actor, Permission.MT5_MANAGE, write)
        return BalanceItem.from_doc(after)

    # -- for analytics and reconciliation --------------------------------------------------------
    def classified(self, login: int) -> list[tuple[Deal, Classification]]:
        """Every stored balance-affecting deal of ``login`` with its current category (unrecorded ones: rules now)."""
        categories = {d["ticket"]: BalanceCategory(d["category"]) for d in self.items.find({"login": login})}
        rules = self.rules()
        pairs = []
        kinds = sorted(kind.value for kind in BALANCE_AFFECTING)
        for doc in self.deals.find({"login": login, "kind": {"$in": kinds}}, sort=[("time", 1)]):
            deal = deal_from_doc(doc)
            if not is_balance_affecting(deal):
                continue
            category = categories.get(deal.ticket)
            pairs.append((deal, Classification(category, None) if category else rules.classify_deal(deal)))
        return pairs

