"""AML risk scoring: a factor model an officer configures, a score 0-100 with every point explained, a band,
when the next review is due, and the rules for overriding a band.

The model is data (``RiskModel``, versioned): country lists (e.g. FATF's high-risk and increased-monitoring
jurisdictions, each dated), points per factor, band bounds and review periods. A scoring run keeps the model
version and its inputs, so an old decision can be explained after the model changes. Points add up and are
capped at 100; a country scores once, at its worst role (residence, nationality or incorporation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
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
    source: str = ""  # where the list was published (e.g. FATF's public statement and its address)


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


def check_inputs(inputs: RiskInputs) -> RiskInputs:
    """``inputs`` with country codes upper-cased, or a RiskError naming every bad value."""
    problems = [f"{role} {code!r} is not an ISO country code (two letters, e.g. FR)"
                for role, code in (("residence", inputs.residence), ("nationality", inputs.nationality),
                                   ("incorporation", inputs.incorporation))
                if code is not None and not (len(code) == 2 and code.isascii() and code.isalpha())]
    if inputs.ownership_levels < 0:
        problems.append("ownership levels cannot be negative")
    if inputs.expected_volume < 0:
        problems.append("the expected volume cannot be negative")
    if problems:
        raise RiskError("Cannot score: " + "; ".join(problems) + ".")
    return replace(inputs, **{role: code.upper() for role in ("residence", "nationality", "incorporation")
                              if (code := getattr(inputs, role))})


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


# -- the model as data (stored, exported and edited as JSON) -----------------------------------------------
MODEL_KEYS = ("country_lists", "pep_points", "non_face_to_face_points", "product_points", "source_of_funds_points",
              "unknown_source_points", "ownership_points_per_level", "volume_bands", "bounds", "review_months",
              "enhanced_due_diligence_from")


def _points(value: object, where: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        problems.append(f"{where} must be a whole number of points from 0 to 100, not {value!r}")
        return 0
    return value


SOURCE_LIMIT = 500  # a publication's title and address


def model_from_dict(data: Mapping[str, object], version: str) -> RiskModel:
    """A model from its JSON form (``model_to_dict``); every problem is listed at once (RiskError)."""
    problems: list[str] = []
    unknown = sorted(set(data) - set(MODEL_KEYS) - {"about", "version"})
    if unknown:
        problems.append(f"unknown key(s) {', '.join(unknown)}; a model has {', '.join(MODEL_KEYS)}")
    lists = []
    raw_lists = data.get("country_lists", [])
    for n, item in enumerate(raw_lists if isinstance(raw_lists, list) else [], 1):
        where = f"country list {n}"
        if not isinstance(item, Mapping) or not str(item.get("name", "")).strip():
            problems.append(f"{where} needs a name, as_of, points and codes")
            continue
        try:
            as_of = date.fromisoformat(str(item.get("as_of")))
        except ValueError:
            problems.append(f"{where} ({item['name']}): as_of {item.get('as_of')!r} is not a date (YYYY-MM-DD)")
            continue
        codes = item.get("codes", [])
        bad = [c for c in codes if not (isinstance(c, str) and len(c) == 2 and c.isascii() and c.isalpha()
                                        and c.isupper())] if isinstance(codes, list) else [codes]
        if bad:
            problems.append(f"{where} ({item['name']}): {bad!r} are not ISO country codes (two capitals, e.g. IR)")
        source = item.get("source", "")
        if not isinstance(source, str) or len(source) > SOURCE_LIMIT:
            problems.append(f"{where} ({item['name']}): source must be text of at most {SOURCE_LIMIT} characters")
            source = ""
        lists.append(CountryList(str(item["name"]).strip(), as_of, frozenset(codes if isinstance(codes, list) else []),
                                 _points(item.get("points"), f"{where} points", problems), source.strip()))
    if len({c.name for c in lists}) != len(lists):
        problems.append("two country lists have the same name")
    if not isinstance(raw_lists, list):
        problems.append("country_lists must be a list")

    def table(key: str) -> dict[str, int]:
        raw = data.get(key, {})
        if not isinstance(raw, Mapping):
            problems.append(f"{key} must map names to points")
            return {}
        return {str(k): _points(v, f"{key}[{k}]", problems) for k, v in raw.items()}

    defaults = RiskModel("defaults")
    volume: list[tuple[Decimal, int]] = []
    for band in data.get("volume_bands", []) or []:  # type: ignore[attr-defined]
        try:
            volume.append((Decimal(str(band[0])), _points(band[1], f"volume band {band[0]}", problems)))
        except (ArithmeticError, IndexError, TypeError, KeyError):
            problems.append(f"volume band {band!r} must be [amount, points]")
    bounds = data.get("bounds", list(defaults.bounds))
    months = data.get("review_months", {b.value: m for b, m in defaults.review_months.items()})
    try:
        review = {Band(k): int(v) for k, v in months.items()}  # type: ignore[attr-defined]
    except (ValueError, TypeError, AttributeError):
        problems.append(f"review_months must give months for {', '.join(b.value for b in Band)}")
        review = dict(defaults.review_months)
    try:
        edd = Band(str(data.get("enhanced_due_diligence_from", defaults.enhanced_due_diligence_from.value)))
    except ValueError:
        problems.append(f"enhanced_due_diligence_from must be one of {', '.join(b.value for b in Band)}")
        edd = defaults.enhanced_due_diligence_from
    scalars = {key: _points(data.get(key, getattr(defaults, key)), key, problems)
               for key in ("pep_points", "non_face_to_face_points", "unknown_source_points",
                           "ownership_points_per_level")}
    if not (isinstance(bounds, list | tuple) and len(bounds) == 3 and all(isinstance(b, int) for b in bounds)):
        problems.append("bounds must be three whole numbers: medium from, high from, critical from")
        bounds = list(defaults.bounds)
    product, funds = table("product_points"), table("source_of_funds_points")
    if problems:
        raise RiskError("The risk model is not valid: " + "; ".join(problems) + ".")
    return RiskModel(version, tuple(lists), product_points=product, source_of_funds_points=funds,
                     volume_bands=tuple(volume), bounds=(bounds[0], bounds[1], bounds[2]), review_months=review,
                     enhanced_due_diligence_from=edd, **scalars)


def model_to_dict(model: RiskModel) -> dict[str, object]:
    """The JSON form of ``model`` (what is stored, exported and imported)."""
    return {"version": model.version,
            "country_lists": [{"name": c.name, "as_of": c.as_of.isoformat(), "points": c.points,
                               "codes": sorted(c.codes), "source": c.source} for c in model.country_lists],
            "pep_points": model.pep_points, "non_face_to_face_points": model.non_face_to_face_points,
            "product_points": dict(model.product_points), "source_of_funds_points": dict(model.source_of_funds_points),
            "unknown_source_points": model.unknown_source_points,
            "ownership_points_per_level": model.ownership_points_per_level,
            "volume_bands": [[str(amount), points] for amount, points in model.volume_bands],
            "bounds": list(model.bounds), "review_months": {b.value: m for b, m in model.review_months.items()},
            "enhanced_due_diligence_from": model.enhanced_due_diligence_from.value}


def model_changes(old: RiskModel, new: RiskModel) -> list[str]:
    """What differs between two models, in words (kept with a new version and in the audit trail)."""
    changes = []
    before = {c.name: c for c in old.country_lists}
    after = {c.name: c for c in new.country_lists}
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was is None and now is not None:
            changes.append(f"{name} added (as of {now.as_of}, {len(now.codes)} countries, {now.points} points)")
        elif now is None and was is not None:
            changes.append(f"{name} removed")
        elif was is not None and now is not None and was != now:
            parts = [f"as of {now.as_of}"] + ([f"added {', '.join(sorted(now.codes - was.codes))}"]
                                               if now.codes - was.codes else []) + \
                ([f"removed {', '.join(sorted(was.codes - now.codes))}"] if was.codes - now.codes else []) + \
                ([f"points {was.points} → {now.points}"] if was.points != now.points else []) + \
                ([f"source {now.source or '(none)'}"] if was.source != now.source else [])
            changes.append(f"{name}: " + ", ".join(parts))
    old_rest, new_rest = model_to_dict(old), model_to_dict(new)
    for key in MODEL_KEYS[1:]:
        if old_rest[key] != new_rest[key]:
            changes.append(f"{key}: {old_rest[key]} → {new_rest[key]}")
    return changes
