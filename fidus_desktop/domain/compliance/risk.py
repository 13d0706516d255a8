"""AML risk scoring: a factor model an officer configures, a score 0-100 with every point explained, a band,
when the next review is due, and the rules for overriding a band.

The model is data (``RiskModel``, versioned): country lists (e.g. FATF's high-risk and increased-monitoring
jurisdictions, each dated), points per factor, band bounds and review periods. A scoring run keeps the model
version and its inputs, so an old decision can be explained after the model changes. Points add up and are
capped at 100; a country scores once, at its worst role (residence, nationality or incorporation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fidus_desktop.domain.fixed_yield import add_months
from fidus_desktop.errors import UserError


class RiskError(UserError, ValueError):
    """A model or an override that breaks the rules."""


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


BAND_ORDER = (Band.LOW, Band.MEDIUM, Band.HIGH, Band.CRITICAL)


@dataclass(frozen=True)
class CountryList:
    """A dated list of jurisdictions (ISO alpha-2) and the points a link to one of them gives."""

    name: str
    as_of: date
    codes: frozenset[str]
    points: int


@dataclass(frozen=True)
class RiskModel:
    version: str
    country_lists: tuple[CountryList, ...] = ()
    pep_points: int = 30
    non_face_to_face_points: int = 10
    product_points: Mapping[str, int] = field(default_factory=dict)  # product kind → points
    source_of_funds_points: Mapping[str, int] = field(default_factory=dict)  # declared source → points
    unknown_source_points: int = 30
    ownership_points_per_level: int = 5  # per company between the investor and its owners
    volume_bands: tuple[tuple[Decimal, int], ...] = ()  # (from this expected yearly amount, points), ascending
    bounds: tuple[int, int, int] = (25, 50, 75)  # medium from, high from, critical from
    review_months: Mapping[Band, int] = field(default_factory=lambda: {
        Band.LOW: 36, Band.MEDIUM: 24, Band.HIGH: 12, Band.CRITICAL: 6})
    enhanced_due_diligence_from: Band = Band.HIGH

    def __post_init__(self) -> None:
        low, high, critical = self.bounds
        if not 0 < low < high < critical <= 100:
            raise RiskError(f"Band bounds must rise within 1..100 (medium < high < critical), not {self.bounds}.")
        if set(self.review_months) != set(Band) or any(m <= 0 for m in self.review_months.values()):
            raise RiskError("Every band needs a review period of at least one month.")
        amounts = [a for a, _ in self.volume_bands]
        if amounts != sorted(amounts):
            raise RiskError("Expected-volume bands must be listed from the smallest amount up.")

    def band(self, score: int) -> Band:
        medium, high, critical = self.bounds
        return Band.CRITICAL if score >= critical else Band.HIGH if score >= high else \
            Band.MEDIUM if score >= medium else Band.LOW


@dataclass(frozen=True)
class RiskInputs:
    residence: str | None = None
    nationality: str | None = None
    incorporation: str | None = None
    pep: bool = False
    product_kind: str | None = None
    face_to_face: bool = True
    source_of_funds: str | None = None
    ownership_levels: int = 0  # companies between a corporate investor and its beneficial owners
    expected_volume: Decimal = Decimal(0)  # expected yearly amount in the office's base currency


@dataclass(frozen=True)
class Factor:
    name: str
    points: int
    why: str


@dataclass(frozen=True)
class RiskScore:
    model_version: str
    inputs: RiskInputs
    score: int
    band: Band
    factors: tuple[Factor, ...]
    next_review: date
    enhanced_due_diligence: bool


def score(model: RiskModel, inputs: RiskInputs, on: date) -> RiskScore:
    """Score ``inputs`` with ``model`` on ``on`` (the review date counts from it)."""
    factors = [f for f in (_country(model, inputs), _pep(model, inputs), _product(model, inputs),
                           _channel(model, inputs), _funds(model, inputs), _ownership(model, inputs),
                           _volume(model, inputs)) if f is not None]
    total = min(100, sum(f.points for f in factors))
    band = model.band(total)
    return RiskScore(model.version, inputs, total, band, tuple(factors),
                     add_months(on, model.review_months[band]),
                     BAND_ORDER.index(band) >= BAND_ORDER.index(model.enhanced_due_diligence_from))


def _country(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    worst: Factor | None = None
    for role, code in (("residence", inputs.residence), ("nationality", inputs.nationality),
                       ("incorporation", inputs.incorporation)):
        for country_list in model.country_lists:
            if code and code.upper() in country_list.codes and (worst is None or country_list.points > worst.points):
                worst = Factor("country", country_list.points,
                               f"{role} {code.upper()} is on {country_list.name} (as of {country_list.as_of})")
    return worst


def _pep(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    return Factor("pep", model.pep_points, "a politically exposed person") if inputs.pep else None


def _product(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    points = model.product_points.get(inputs.product_kind or "", 0)
    return Factor("product", points, f"product {inputs.product_kind}") if points else None


def _channel(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    if inputs.face_to_face:
        return None
    return Factor("channel", model.non_face_to_face_points, "onboarded without meeting in person")


def _funds(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    if not inputs.source_of_funds:
        return Factor("source_of_funds", model.unknown_source_points, "source of funds not declared")
    points = model.source_of_funds_points.get(inputs.source_of_funds, model.unknown_source_points)
    return Factor("source_of_funds", points, f"source of funds: {inputs.source_of_funds}") if points else None


def _ownership(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    if inputs.ownership_levels <= 1:
        return None
    points = model.ownership_points_per_level * (inputs.ownership_levels - 1)
    return Factor("ownership", points, f"{inputs.ownership_levels} levels of companies before the owners")


def _volume(model: RiskModel, inputs: RiskInputs) -> Factor | None:
    points = max((p for amount, p in model.volume_bands if inputs.expected_volume >= amount), default=0)
    return Factor("volume", points, f"expected yearly volume {inputs.expected_volume:,.0f}") if points else None


def check_override(current: Band, wanted: Band, reason: str, requested_by: str, approved_by: str | None) -> None:
    """A manual band needs a reason and a second officer's approval."""
    check_override_request(current, wanted, reason)
    if approved_by is None or approved_by == requested_by:
        raise RiskError("Four-eyes rule: a second compliance officer must approve a band override.")


def check_override_request(current: Band, wanted: Band, reason: str) -> None:
    """What an officer asking for a band override must give (before a second officer approves it)."""
    if wanted is current:
        raise RiskError(f"The band is already {current.value}.")
    if len(reason.strip()) < 10:
        raise RiskError("Say why the band is overridden (at least 10 characters); it is kept with the decision.")


def review_due(last_review: date, band: Band, model: RiskModel, today: date) -> tuple[date, bool]:
    """When the next review is due and whether it is overdue."""
    due = add_months(last_review, model.review_months[band])
    return due, due < today
