"""Derived NAV: a fund's net assets from its holdings, split across its share classes, per unit.

Rule (docs/PORTFOLIO.md, "Derived NAV"):

* Gross assets = holdings market value + cash, in the fund's base currency (the caller values them).
* Each class with units outstanding gets the share of the gross assets it held at its previous NAV,
  **before fees**: weight = (units × previous ``nav_per_unit`` + the class's fees owed on the previous NAV
  date) × FX rate (class → base) of the previous NAV date. The previous NAV is already net of that class's
  fees, so adding them back gives the class's part of the pool; weighting by the net NAV and then deducting
  the fees again took each class's unpaid fees twice and moved value to the other classes every day.
  Shares are rounded to the base currency's minor units with the largest-remainder method, so they add up
  to the gross assets exactly.
* Class net assets (base) = share − the class's fees owed on the NAV date (charged + management fee accrued
  − paid; class currency, converted at the NAV date's rate).
* NAV per unit = class net assets converted to the class currency at the NAV date's rate, ÷ units,
  rounded to 4 decimals (ROUND_HALF_EVEN, ``round_nav_per_unit``).

Why weights from the previous NAV: every class owns the same pool of assets; what differs between them is
how much of the pool each one owned when the day started, which its last NAV and units say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from fidus_desktop.domain.dealing import round_nav_per_unit
from fidus_desktop.domain.money import minor_units, round_money
from fidus_desktop.errors import UserError


class NavDerivationError(UserError, ValueError):
    """The NAV cannot be derived; the message says what is missing and what to do."""


@dataclass(frozen=True, slots=True)
class ClassInput:
    """What the split needs to know about one share class on the NAV date."""

    class_id: str
    code: str
    currency: str
    units: Decimal  # outstanding before the NAV date's dealing
    previous_nav: Decimal | None  # class currency
    previous_nav_date: date | None
    previous_rate: Decimal  # class currency → base on the previous NAV date (weights)
    rate: Decimal  # class currency → base on the NAV date (fees in, NAV out)
    fees_owed: Decimal  # class currency: fees charged + management fee accrued − fee payments, up to the NAV date
    previous_fees_owed: Decimal = Decimal(0)  # the same on the previous NAV date (in that NAV, so added back)


@dataclass(frozen=True, slots=True)
class ClassNav:
    """One class's part of the fund and its derived NAV; ``nav_per_unit`` is None with a ``message`` if none."""

    class_id: str
    code: str
    currency: str
    units: Decimal
    weight: Decimal  # fraction of the gross assets (0 for a class without units)
    gross_base: Decimal
    fees_owed: Decimal  # class currency
    fees_base: Decimal
    net_base: Decimal
    net_assets: Decimal  # class currency
    nav_per_unit: Decimal | None
    message: str | None = None


def split_rounded(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """``total`` split pro rata to ``weights`` in minor units, largest remainder first, summing to ``total``."""
    quantum = Decimal(1).scaleb(-minor_units(currency))
    whole = sum(weights, Decimal(0))
    exact = [total * w / whole for w in weights]
    shares = [(e / quantum).to_integral_value(rounding=ROUND_FLOOR) * quantum for e in exact]
    left = int((round_money(total, currency) - sum(shares, Decimal(0))) / quantum)
    order = sorted(range(len(exact)), key=lambda i: (shares[i] - exact[i], i))  # largest remainder first
    for i in order[:left]:
        shares[i] += quantum
    return shares


def derive_class_navs(gross: Decimal, base_currency: str, on: date, classes: Sequence[ClassInput]
                      ) -> tuple[ClassNav, ...]:
    """Split ``gross`` (base currency) across ``classes`` and price each per unit (module docstring)."""
    holding = [c for c in classes if c.units > 0]
    if not holding:
        raise NavDerivationError(f"No class has units outstanding before {on}: there is nobody to divide the "
                                 "fund's assets among. Enter the NAV (e.g. the launch NAV) instead.")
    unpriced = [c.code for c in holding if c.previous_nav is None]
    if unpriced:
        raise NavDerivationError(f"{', '.join(unpriced)} hold units but have no NAV before {on}, so their share "
                                 "of the fund cannot be measured. Enter that NAV first, then derive.")
    weights = {c.class_id: (c.units * c.previous_nav + c.previous_fees_owed) * c.previous_rate  # type: ignore[operator]
               for c in holding}
    shares = dict(zip(weights, split_rounded(gross, list(weights.values()), base_currency), strict=True))
    whole = sum(weights.values(), Decimal(0))
    results = []
    for c in classes:
        if c.class_id not in shares:
            results.append(ClassNav(c.class_id, c.code, c.currency, c.units, Decimal(0), Decimal(0), c.fees_owed,
                                    Decimal(0), Decimal(0), Decimal(0), None,
                                    f"{c.code} has no units outstanding before {on}; its NAV is not derived."))
            continue
        fees_base = round_money(c.fees_owed * c.rate, base_currency)
        net_base = shares[c.class_id] - fees_base
        net = round_money(net_base / c.rate, c.currency)
        if net <= 0:
            raise NavDerivationError(f"{c.code}'s share of the fund on {on} ({shares[c.class_id]} {base_currency}) "
                                     f"does not exceed its fees owed ({c.fees_owed} {c.currency}), so it has no "
                                     "positive NAV; check the fund's positions and prices, the fee ledger and the "
                                     "fee payments.")
        results.append(ClassNav(c.class_id, c.code, c.currency, c.units, weights[c.class_id] / whole,
                                shares[c.class_id], c.fees_owed, fees_base, net_base, net,
                                round_nav_per_unit(net / c.units)))
    return tuple(results)
