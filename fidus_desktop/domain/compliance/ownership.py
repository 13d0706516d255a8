"""Ultimate beneficial owners: the people who own 25 % or more of a corporate investor, through any chain.

The officer enters the ownership tree as edges "owner holds share of company". A person's effective share is
the sum, over every path from the person down to the investor, of the product of the shares along the path
(a person holding 50 % of a holding that holds 60 % of the investor owns 30 % of it). Cycles (cross
holdings) are refused: the officer must break them in the entered data, since the effective share would be
ill-defined without a convention the regulator has not given. Shares are exact ``Decimal`` fractions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

UBO_THRESHOLD = Decimal("0.25")


class OwnershipError(ValueError):
    """An ownership tree that cannot be read (a share out of range, over 100 % held, a cycle)."""


@dataclass(frozen=True, slots=True)
class Holding:
    owner: str  # a person or company id
    company: str
    share: Decimal  # 0 < share <= 1


@dataclass(frozen=True, slots=True)
class BeneficialOwner:
    person: str
    share: Decimal
    paths: tuple[tuple[str, ...], ...]  # each chain from the person down to the investor


def check_holdings(holdings: Iterable[Holding]) -> list[Holding]:
    out = list(holdings)
    held: dict[str, Decimal] = defaultdict(Decimal)
    for h in out:
        if not Decimal(0) < h.share <= Decimal(1):
            raise OwnershipError(f"{h.owner} holds {h.share} of {h.company}; a share is more than 0 and at most 1.")
        if h.owner == h.company:
            raise OwnershipError(f"{h.owner} cannot hold shares of itself.")
        held[h.company] += h.share
    over = sorted(c for c, total in held.items() if total > 1)
    if over:
        raise OwnershipError(f"More than 100 % of {', '.join(over)} is entered as held; correct the shares.")
    return out


def beneficial_owners(investor: str, holdings: Iterable[Holding], people: set[str],
                      threshold: Decimal = UBO_THRESHOLD) -> list[BeneficialOwner]:
    """The people whose effective share of ``investor`` is at least ``threshold``, largest first."""
    owners_of: dict[str, list[Holding]] = defaultdict(list)
    for h in check_holdings(holdings):
        owners_of[h.company].append(h)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    paths: dict[str, list[tuple[str, ...]]] = defaultdict(list)

    def walk(company: str, factor: Decimal, chain: tuple[str, ...]) -> None:
        for h in owners_of.get(company, ()):
            if h.owner in chain:
                raise OwnershipError(f"The ownership chain {' → '.join((h.owner, *chain))} goes round in a circle; "
                                     "enter cross holdings so that no company owns itself through others.")
            share = factor * h.share
            if h.owner in people:
                totals[h.owner] += share
                paths[h.owner].append((h.owner, *chain))
            else:
                walk(h.owner, share, (h.owner, *chain))

    walk(investor, Decimal(1), (investor,))
    found = [BeneficialOwner(p, s, tuple(paths[p])) for p, s in totals.items() if s >= threshold]
    return sorted(found, key=lambda o: (-o.share, o.person))


def chain_depth(investor: str, holdings: Iterable[Holding]) -> int:
    """Levels of companies between the investor and its furthest owner (1: owned directly)."""
    owners_of: dict[str, list[str]] = defaultdict(list)
    for h in holdings:
        owners_of[h.company].append(h.owner)

    def depth(company: str, seen: frozenset[str]) -> int:
        above = [o for o in owners_of.get(company, ()) if o not in seen]
        return 1 + max((depth(o, seen | {o}) for o in above), default=0) if above else 0

    return depth(investor, frozenset({investor}))
