"""Derived NAV: the NAV per unit of every class of a fund from its holdings, prices, cash and fees owed.

``derive_nav(actor, fund_id, on)`` values the holdings (``holdings.value_fund``: a missing price or FX rate
is an error naming every gap, a stale one is flagged), takes each class's fees owed on ``on`` (``fees.owed``:
management and performance fees charged up to ``on`` − fee payments up to ``on``; a payment already left the
fund's cash, so deducting it again would count it twice), and splits the rest across the classes with
``domain.nav_derivation`` (rule: docs/PORTFOLIO.md).
With ``save=True`` (or ``save(actor, derivation, reason)`` after a preview) the NAVs are written with
``source="derived"`` through the same path as entered NAVs: a new date is inserted, a different stored value is
corrected with a reason (old value kept), all in one audited transaction checked against the versions the
derivation read. Reading needs ``funds.read``; saving needs ``nav.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.fees import FeesOwed
from fidus_desktop.domain.fx import FxQuote, FxRateMissing
from fidus_desktop.domain.nav_derivation import ClassInput, ClassNav, NavDerivationError, derive_class_navs
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import parse_date
from fidus_desktop.services.portfolio.fees import FeeService
from fidus_desktop.services.portfolio.funds import FundService, ShareClass
from fidus_desktop.services.portfolio.fx import FxService
from fidus_desktop.services.portfolio.holdings import HoldingsService, Valuation, ValuationError
from fidus_desktop.services.portfolio.ledgers import Ledgers
from fidus_desktop.services.portfolio.nav import NavPoint, NavService
from fidus_desktop.store.errors import ConcurrencyError
from fidus_desktop.store.port import Document


@dataclass(frozen=True)
class DerivedClassNav:
    """A class's derived NAV beside the NAV stored on that date (if any), its fees and the rates used."""

    share: ClassNav
    fees: FeesOwed  # class currency: charged − paid = ``share.fees_owed``
    previous_nav_date: date | None
    fx: FxQuote  # class currency → base on the NAV date
    previous_fx: FxQuote | None  # on the previous NAV date (weights)
    stored: NavPoint | None

    @property
    def changes_stored(self) -> bool:
        return self.share.nav_per_unit is not None and (
            self.stored is None or self.stored.nav_per_unit != self.share.nav_per_unit)


@dataclass(frozen=True)
class NavDerivation:
    """The breakdown: holdings and cash (base currency), fees owed, each class's share and NAV, FX used."""

    fund_id: str
    fund_code: str
    on: date
    currency: str
    valuation: Valuation
    classes: tuple[DerivedClassNav, ...]

    @property
    def holdings(self) -> Decimal:
        return self.valuation.total.amount - self.valuation.cash.amount

    @property
    def cash(self) -> Decimal:
        return self.valuation.cash.amount

    @property
    def gross(self) -> Decimal:
        return self.valuation.total.amount

    @property
    def fees(self) -> Decimal:
        return sum((c.share.fees_base for c in self.classes), Decimal(0))

    @property
    def net(self) -> Decimal:
        return sum((c.share.net_base for c in self.classes), Decimal(0))

    @property
    def stale(self) -> bool:
        """A price or FX rate used is older than the NAV date."""
        return self.valuation.stale or any(c.fx.stale or (c.previous_fx and c.previous_fx.stale)
                                           for c in self.classes)

    def describe(self) -> str:
        """The breakdown as text (the NAV dialog and ``fidus nav derive`` show it)."""
        ccy = self.currency
        lines = [f"{self.fund_code} on {self.on} ({ccy}): holdings {self.holdings:,.2f} + cash {self.cash:,.2f} "
                 f"− fees owed {self.fees:,.2f} = net assets {self.net:,.2f}"]
        for c in self.classes:
            s = c.share
            if s.nav_per_unit is None:
                lines.append(f"  {s.code}: {s.message}")
                continue
            stored = f"; stored {c.stored.nav_per_unit}" if c.stored else ""
            lines.append(f"  {s.code}: {s.weight:.4%} of the fund = {s.gross_base:,.2f} {ccy} − fees owed "
                         f"{s.fees_base:,.2f} → {s.net_assets:,.2f} {s.currency} / {s.units} units = "
                         f"{s.nav_per_unit} (FX {c.fx.rate:.6f}{' stale' if c.fx.stale else ''}{stored})")
            accrued = c.fees.accrued.amount if c.fees.accrued is not None else Decimal(0)
            lines.append(f"    fees {s.currency}: charged {c.fees.charged.amount:,.2f} + accrued {accrued:,.2f} − "
                         f"paid {c.fees.paid.amount:,.2f} = owed {c.fees.owed.amount:,.2f}")
        if self.stale:
            lines.append("Some prices or FX rates are older than the NAV date (stale).")
        return "\n".join(lines)


class NavDerivationService(Service):
    """Derive NAVs from holdings; save them as ``derived`` NAV points."""

    def __init__(self, ctx: ServiceContext, funds: FundService, navs: NavService, holdings: HoldingsService,
                 fx: FxService, fees: FeeService, ledgers: Ledgers) -> None:
        super().__init__(ctx)
        self.funds, self.navs, self.holdings, self.fx, self.fees, self.ledgers = (
            funds, navs, holdings, fx, fees, ledgers)

    def derive_nav(self, actor: Actor, fund_id: str, on: Any, *, save: bool = False, reason: Any = None
                   ) -> NavDerivation:
        """The NAV per unit of every class of ``fund_id`` on ``on``; with ``save`` also stored (see ``save``)."""
        require(actor, Permission.FUNDS_READ)
        day = parse_date(on, "nav_date", "The NAV date", today=self.now().date())
        fund = self.funds.get_fund(fund_id)
        try:
            valuation = self.holdings.value_fund(fund_id, day)
            inputs = [self._class_input(actor, c, fund.base_currency, day)
                      for c in self.funds.list_classes(actor, fund_id)]
            shares = derive_class_navs(valuation.total.amount, fund.base_currency, day, [i for i, *_ in inputs])
        except (ValuationError, FxRateMissing, NavDerivationError) as exc:
            raise ValidationError({"nav_date": str(exc)}) from None
        classes = tuple(DerivedClassNav(share, fees, i.previous_nav_date, quote, previous,
                                        self.navs.nav_on(i.class_id, day))
                        for share, (i, fees, quote, previous) in zip(shares, inputs, strict=True))
        derivation = NavDerivation(fund_id, fund.code, day, fund.base_currency, valuation, classes)
        if save:
            self.save(actor, derivation, reason)
        return derivation

    def _class_input(self, actor: Actor, share_class: ShareClass, base: str, day: date
                     ) -> tuple[ClassInput, FeesOwed, FxQuote, FxQuote | None]:
        """Units before the day's dealing, its fees owed, the previous NAV and the rates of both dates."""
        units = self.ledgers.units_outstanding(share_class.class_id, day - timedelta(days=1))
        previous = self.navs.latest(share_class.class_id, day - timedelta(days=1))
        quote = self.fx.rate(share_class.currency, base, day)
        previous_quote = self.fx.rate(share_class.currency, base, previous.nav_date) if previous else None
        fees = self.fees.owed(actor, share_class.class_id, day)
        before = self.fees.owed(actor, share_class.class_id, previous.nav_date).owed.amount if previous else Decimal(0)
        given = ClassInput(share_class.class_id, share_class.code, share_class.currency, units,
                           previous.nav_per_unit if previous else None, previous.nav_date if previous else None,
                           previous_quote.rate if previous_quote else quote.rate, quote.rate,
                           fees.owed.amount, before)
        return given, fees, quote, previous_quote

    def save(self, actor: Actor, derivation: NavDerivation, reason: Any = None) -> list[NavPoint]:
        """Store the derived NAVs in one transaction: new dates inserted, changed ones corrected with ``reason``.

        The stored NAVs must still be the ones the derivation saw (else ``ConcurrencyError``: derive again).
        """
        require(actor, Permission.NAV_MANAGE)
        changed = [c for c in derivation.classes if c.changes_stored]
        corrections = [(c, c.stored) for c in changed if c.stored is not None]
        why = ""
        if corrections:
            codes = ", ".join(f"{c.share.code} ({stored.nav_per_unit})" for c, stored in corrections)
            if not isinstance(reason, str) or not reason.strip():
                raise ValidationError({"reason": f"{codes} already have a NAV on {derivation.on}; give a reason "
                                                 "to correct them with the derived values."})
            why = self.required_text(reason, "reason", "A reason for the correction", max_length=500)

        def write(rec: ChangeRecorder) -> list[Document]:
            saved = []
            for c in changed:
                value = c.share.nav_per_unit
                if value is None:  # never: ``changes_stored`` means a derived value; this tells the type checker
                    continue
                if c.stored is None:
                    doc = self.navs.nav_doc(c.share.class_id, derivation.on, value, "derived")
                    if self.navs.nav_on(c.share.class_id, derivation.on) is not None:
                        raise ConcurrencyError(f"A NAV of {c.share.code} on {derivation.on} was stored after the "
                                               "derivation; derive again.")
                    saved.append(self.navs.insert_nav(rec, doc))
                else:
                    saved.append(self.navs.apply_correction(rec, actor, self.navs.navs.require(c.stored.nav_id),
                                                            c.stored.version, value, why, source="derived"))
            rec.record("nav.derive", "nav", derivation.fund_id, after={
                "nav_date": derivation.on, "holdings": derivation.holdings, "cash": derivation.cash,
                "fees": derivation.fees, "net": derivation.net, "stale": derivation.stale,
                "navs": {c.share.code: c.share.nav_per_unit for c in derivation.classes}})
            return saved

        return [NavPoint.from_doc(d) for d in self.change(actor, Permission.NAV_MANAGE, write)]
