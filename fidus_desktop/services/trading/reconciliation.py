"""Reconcile MT5 balance deals with the cash flows the fund has recorded, for the back office.

A client deposit or withdrawal seen on a fund's MT5 account should match a cash flow recorded for that
fund: same currency, same signed amount, booked within ``tolerance_days``. What does not match either way
is listed: a deal nobody recorded, or a recorded flow that never reached the trading account. Unclassified
balance deals are listed too, because they cannot be reconciled until someone decides what they were.

The recorded flows come from a ``CashFlowSource`` (the portfolio cash ledger's settled subscriptions and
redemptions, wired in the composition root), so this module does not depend on how the fund books its flows.
Where there is nothing to reconcile against (no source, a fund without a cash ledger, an account mapped to a
managed investor account or to nothing) the result says "not configured" and why, instead of listing every
deal as unrecorded. The back office may mark a mismatch as explained with a note (audited, one per mismatch in
``mt5_reconciliation_notes``); it stays listed with the note, so the explanation is visible, but it no longer
counts as open.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.trading.balance_rules import BalanceCategory
from fidus_desktop.domain.trading.models import Deal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.accounts import Mt5Account, Mt5AccountService
from fidus_desktop.services.trading.classification import ClassificationService

NOTES = "mt5_reconciliation_notes"
_RECONCILED = {BalanceCategory.CLIENT_DEPOSIT, BalanceCategory.CLIENT_WITHDRAWAL, BalanceCategory.UNCLASSIFIED}
NO_SOURCE = "no source of recorded fund cash flows is configured (the portfolio cash ledger is not wired)."


@dataclass(frozen=True)
class RecordedCashFlow:
    """A fund cash flow as the fund's books hold it; ``amount`` is signed (+ money in, − money out)."""

    flow_id: str
    fund_id: str
    booked: date
    amount: Decimal
    currency: str
    description: str = ""


# (actor, fund id, first day, last day) → the fund's flows booked in that window, or None when the fund keeps
# no cash records at all (then nothing can be reconciled). The source checks the actor's own read permission.
CashFlowSource = Callable[[Actor, str, date, date], Sequence[RecordedCashFlow] | None]


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
    note: str = ""  # the back office's explanation, "" while open
    explained_by: str = ""

    @property
    def key(self) -> str:
        """Names this mismatch across runs: the deal (login, ticket) or the recorded flow."""
        subject = self.flow_id if self.ticket is None else f"{self.login}:{self.ticket}"
        return f"{self.kind.value}:{subject}"

    @property
    def open(self) -> bool:
        return not self.note


@dataclass(frozen=True)
class Match:
    """A balance deal and the recorded flow it was paired with."""

    login: int
    ticket: int
    deal_day: date
    flow_id: str
    booked: date
    amount: Decimal
    currency: str
    description: str


@dataclass(frozen=True)
class Reconciliation:
    """The result for one fund (or, when ``not_configured``, one account that cannot be reconciled)."""

    fund_id: str | None
    logins: tuple[int, ...]
    first_day: date
    last_day: date
    matched: list[Match] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    not_configured: str = ""  # why nothing could be reconciled; "" when it was

    @property
    def configured(self) -> bool:
        return not self.not_configured

    def of_kind(self, kind: MismatchKind) -> list[Mismatch]:
        return [m for m in self.mismatches if m.kind is kind]

    @property
    def open_mismatches(self) -> list[Mismatch]:
        return [m for m in self.mismatches if m.open]


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
        self.notes = ctx.store.collection(NOTES)

    def ensure_indexes(self) -> None:
        self.notes.ensure_index(["key"], unique=True)

    def explain(self, actor: Actor, key: str, note: str) -> None:
        """Mark the mismatch ``key`` (``Mismatch.key``) as explained with ``note``; a new note replaces the old."""
        text = self.required_text(note, "note", "A note saying why this mismatch is in order", max_length=500)
        if not isinstance(key, str) or key.partition(":")[0] not in set(MismatchKind):
            raise ValidationError({"key": f"{key!r} does not name a reconciliation mismatch."})
        if key.startswith(MismatchKind.NEEDS_CLASSIFICATION.value):
            raise ValidationError({"key": "An unclassified balance deal is not explained but classified: choose its "
                                          "category in the review queue."})

        def write(rec: ChangeRecorder) -> None:
            before = self.notes.find_one({"key": key})
            changes = {"note": text, "explained_by": actor.username, "explained_at": self.now()}
            if before is None:
                after = self.notes.insert({"key": key, **changes})
            else:
                after = self.notes.update(before["_id"], changes, expected_version=before["version"])
            rec.record("mt5.reconciliation.explain", NOTES, after["_id"], before=before, after=after)

        self.change(actor, Permission.MT5_RECONCILE, write)

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
        require(actor, Permission.MT5_RECONCILE)
        _check_window(first_day, last_day)
        logins = tuple(a.login for a in self.accounts.all() if a.fund_id == fund_id)
        if not logins:
            raise ValidationError({"fund_id": f"No MT5 account is mapped to fund {fund_id}."})
        return self._fund(actor, fund_id, logins, first_day, last_day, tolerance_days, cash_flows or self.cash_flows)

    def reconcile_all(
        self, actor: Actor, first_day: date, last_day: date, *, login: int | None = None, tolerance_days: int = 3
    ) -> list[Reconciliation]:
        """One result per fund with mapped accounts, and a "not configured" one per account mapped elsewhere.

        ``login`` narrows it to that account's fund (all the fund's accounts, since a flow may reach any of them).
        """
        require(actor, Permission.MT5_RECONCILE)
        _check_window(first_day, last_day)
        accounts = self.accounts.all()
        if login is not None:
            chosen = next((a for a in accounts if a.login == login), None)
            if chosen is None:
                raise ValidationError({"login": f"MT5 account {login} is not set up; see 'fidus mt5 accounts'."})
            accounts = [a for a in accounts if a.login == login or (chosen.fund_id and a.fund_id == chosen.fund_id)]
        funds: dict[str, list[int]] = {}
        results = []
        for account in accounts:
            if account.fund_id:
                funds.setdefault(account.fund_id, []).append(account.login)
            else:
                results.append(Reconciliation(None, (account.login,), first_day, last_day,
                                              not_configured=_unmapped_reason(account)))
        fund_results = [self._fund(actor, fund_id, tuple(logins), first_day, last_day, tolerance_days,
                                   self.cash_flows) for fund_id, logins in funds.items()]
        return fund_results + results

    def _fund(
        self, actor: Actor, fund_id: str, logins: tuple[int, ...], first_day: date, last_day: date,
        tolerance_days: int, source: CashFlowSource | None,
    ) -> Reconciliation:
        flows = source(actor, fund_id, first_day, last_day) if source is not None else None
        if flows is None:
            reason = NO_SOURCE if source is None else (
                "the fund has no cash ledger in FIDUS yet (no subscription or redemption settled here), so there "
                "are no recorded flows to reconcile its MT5 balance deals against.")
            return Reconciliation(fund_id, logins, first_day, last_day, not_configured=reason)
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
        matched = _match(deals, flows, timedelta(days=tolerance_days))
        paired = {(m.login, m.ticket) for m in matched}
        matched_flows = {m.flow_id for m in matched}
        for deal in deals:
            if (deal.login, deal.ticket) not in paired:
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
        return Reconciliation(fund_id, logins, first_day, last_day, matched, self._with_notes(mismatches))

    def _with_notes(self, mismatches: list[Mismatch]) -> list[Mismatch]:
        if not mismatches:
            return mismatches
        notes = {d["key"]: d for d in self.notes.find({"key": {"$in": [m.key for m in mismatches]}})}
        return [replace(m, note=notes[m.key]["note"], explained_by=notes[m.key]["explained_by"])
                if m.key in notes else m for m in mismatches]


def reconciliation_state(result: Reconciliation) -> str:
    """One line for people: the counts, or why nothing could be reconciled (the panel and the CLI print it)."""
    if not result.configured:
        return f"not configured – {result.not_configured}"
    explained = len(result.mismatches) - len(result.open_mismatches)
    return (f"{len(result.matched)} matched, {len(result.open_mismatches)} to check"
            + (f", {explained} explained" if explained else ""))


def _check_window(first_day: date, last_day: date) -> None:
    if last_day < first_day:
        raise ValidationError({"last_day": "The last day is before the first day; swap them."})


def _unmapped_reason(account: Mt5Account) -> str:
    if account.investor_account_id:
        return (f"MT5 {account.login} is mapped to a managed investor account; FIDUS keeps no cash ledger for "
                "investor accounts, so its balance deals cannot be reconciled here.")
    return f"MT5 {account.login} is not mapped to a fund; map it (Trading tab, Change mapping…) to reconcile it."


def _deal_mismatch(kind: MismatchKind, fund_id: str, deal: Deal, detail: str) -> Mismatch:
    return Mismatch(kind, fund_id, deal.login, deal.ticket, None, deal.time.date(), deal.net, deal.currency, detail)


def _match(deals: Sequence[Deal], flows: Sequence[RecordedCashFlow], tolerance: timedelta) -> list[Match]:
    """Pair each deal with the closest-dated unused flow of the same currency and amount."""
    free = list(flows)
    pairs: list[Match] = []
    for deal in sorted(deals, key=lambda d: (d.time, d.ticket)):
        day = deal.time.date()
        candidates = [f for f in free if f.currency == deal.currency and f.amount == deal.net
                      and abs(f.booked - day) <= tolerance]
        if candidates:
            best = min(candidates, key=lambda f: (abs(f.booked - day), f.flow_id))
            free.remove(best)
            pairs.append(Match(deal.login, deal.ticket, day, best.flow_id, best.booked, best.amount, best.currency,
                               best.description))
    return pairs
