"""Risk scores and beneficial owners against figures computed here independently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.compliance import ownership as own
from fidus_desktop.domain.compliance import risk

FATF_HIGH = risk.CountryList("FATF call for action", date(2024, 10, 25), frozenset({"KP", "IR", "MM"}), 40)
FATF_MONITORED = risk.CountryList("FATF increased monitoring", date(2024, 10, 25), frozenset({"NG", "ZA"}), 20)
MODEL = risk.RiskModel(
    "2026-1", (FATF_HIGH, FATF_MONITORED), product_points={"fixed_yield": 5, "fund": 0},
    source_of_funds_points={"salary": 0, "business": 10, "crypto": 25},
    volume_bands=((Decimal(0), 0), (Decimal(1_000_000), 10), (Decimal(5_000_000), 20)))
TODAY = date(2026, 12, 6)


def test_a_plain_investor_is_low_with_a_review_in_three_years() -> None:
    result = risk.score(MODEL, risk.RiskInputs(residence="DE", source_of_funds="salary", product_kind="fund"), TODAY)
    assert (result.score, result.band, result.factors) == (0, risk.Band.LOW, ())
    assert result.next_review == date(2029, 12, 6)
    assert not result.enhanced_due_diligence


def test_every_point_is_explained_and_a_country_counts_once_at_its_worst_role() -> None:
    inputs = risk.RiskInputs(residence="NG", nationalities=("IR",), pep=True, face_to_face=False,
                             source_of_funds="business", product_kind="fixed_yield", expected_volume=Decimal(2_000_000))
    result = risk.score(MODEL, inputs, TODAY)
    assert [(f.name, f.points) for f in result.factors] == [("country", 40), ("pep", 30), ("product", 5),
                                                            ("channel", 10), ("source_of_funds", 10), ("volume", 10)]
    assert result.factors[0].why == "nationality IR is on FATF call for action (as of 2024-10-25)"
    assert result.score == 100  # 105 capped
    assert result.band is risk.Band.CRITICAL
    assert result.next_review == date(2027, 6, 6)
    assert result.enhanced_due_diligence


@given(points=st.lists(st.integers(0, 100), min_size=0, max_size=6))
def test_bands_follow_the_bounds(points: list[int]) -> None:
    total = min(100, sum(points))
    expected = "low" if total < 25 else "medium" if total < 50 else "high" if total < 75 else "critical"
    assert MODEL.band(total).value == expected


def test_a_broken_model_and_a_lone_override_are_refused() -> None:
    with pytest.raises(risk.RiskError, match="must rise"):
        risk.RiskModel("x", bounds=(50, 40, 90))
    with pytest.raises(risk.RiskError, match="second compliance officer"):
        risk.check_override(risk.Band.HIGH, risk.Band.MEDIUM, "Known client for twenty years", "ann", "ann")
    with pytest.raises(risk.RiskError, match="Say why"):
        risk.check_override(risk.Band.HIGH, risk.Band.MEDIUM, "ok", "ann", "bob")
    risk.check_override(risk.Band.HIGH, risk.Band.MEDIUM, "Known client for twenty years", "ann", "bob")
    assert risk.review_due(date(2025, 1, 31), risk.Band.HIGH, MODEL, TODAY) == (date(2026, 1, 31), True)


def test_owners_through_a_two_level_chain() -> None:
    holdings = [own.Holding("alice", "holdco", Decimal("0.5")), own.Holding("holdco", "acme", Decimal("0.6")),
                own.Holding("bob", "acme", Decimal("0.3")), own.Holding("carol", "holdco", Decimal("0.5")),
                own.Holding("alice", "acme", Decimal("0.1"))]
    found = own.beneficial_owners("acme", holdings, {"alice", "bob", "carol"})
    assert [(o.person, o.share) for o in found] == [("alice", Decimal("0.40")), ("bob", Decimal("0.3")),
                                                    ("carol", Decimal("0.30"))]
    assert found[0].paths == (("alice", "holdco", "acme"), ("alice", "acme"))
    assert own.chain_depth("acme", holdings) == 2


def test_cycles_and_over_100_percent_are_refused() -> None:
    with pytest.raises(own.OwnershipError, match="circle"):
        own.beneficial_owners("a", [own.Holding("b", "a", Decimal("0.5")), own.Holding("a", "b", Decimal("0.5"))],
                              set())
    with pytest.raises(own.OwnershipError, match="More than 100 %"):
        own.check_holdings([own.Holding("x", "a", Decimal("0.7")), own.Holding("y", "a", Decimal("0.4"))])


@st.composite
def layered_trees(draw: st.DrawFn) -> tuple[list[own.Holding], set[str]]:
    """Companies in layers (owners only in higher layers, so no cycles) and people at the top."""
    depth = draw(st.integers(1, 3))
    layers = [["c0"]] + [[f"c{i}_{j}" for j in range(draw(st.integers(1, 3)))] for i in range(1, depth)]
    people = {f"p{k}" for k in range(draw(st.integers(1, 4)))}
    holdings = []
    for depth, layer in enumerate(layers):
        above = [c for upper in layers[depth + 1:] for c in upper] + sorted(people)
        for company in layer:
            owners = draw(st.lists(st.sampled_from(above), min_size=1, max_size=3, unique=True))
            per_mille = draw(st.lists(st.integers(1, 1000 // len(owners)), min_size=len(owners),
                                      max_size=len(owners)))  # exact decimals, at most 100 % in all
            holdings += [own.Holding(o, company, Decimal(s) / 1000) for o, s in zip(owners, per_mille, strict=True)]
    return holdings, people


@settings(max_examples=150, deadline=None)
@given(layered_trees())
def test_effective_shares_equal_the_sum_of_powers_of_the_ownership_matrix(
    tree: tuple[list[own.Holding], set[str]],
) -> None:
    """Independent: with A[o][c] the share o holds of c, a person's share of c0 is Σₖ (Aᵏ)[person][c0]."""
    holdings, people = tree
    direct: dict[tuple[str, str], Fraction] = {}
    for h in holdings:
        direct[(h.owner, h.company)] = direct.get((h.owner, h.company), Fraction(0)) + Fraction(h.share)
    nodes = sorted({h.owner for h in holdings} | {h.company for h in holdings})
    power = dict(direct)
    total = dict(direct)
    for _ in range(len(nodes)):
        power = {(a, c): s for (a, c), s in (((a, c), sum((power[(a, b)] * direct[(b, c)] for b in nodes
                                                            if (a, b) in power and (b, c) in direct), Fraction(0)))
                                              for a in nodes for c in nodes) if s}
        for key, value in power.items():
            total[key] = total.get(key, Fraction(0)) + value
    expected = {p: total.get((p, "c0"), Fraction(0)) for p in people}
    found = {o.person: Fraction(o.share) for o in own.beneficial_owners("c0", holdings, people, threshold=Decimal(0))}
    assert found == {p: s for p, s in expected.items() if s > 0}
