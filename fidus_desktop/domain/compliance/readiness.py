"""Investment readiness: may this investor receive new units (a subscription, a transfer in)?

An investor is ready when its KYC case is approved and still current (no document lapsed, the periodic review
not overdue), no screening alert is open or confirmed as a true match, and the signed subscription agreement
has been received. What is missing is said in words ("KYC case in review", "agreement not signed").

A second compliance officer may record an **override** with a reason and an expiry: until it expires the
investor is ready despite the gaps it covers. A confirmed true match against a sanctions list (an entry with a
sanctions programme) is never overridden: investing with a sanctioned person is forbidden, not a judgement
call. A true match without a programme (a politically exposed person) may be, after enhanced due diligence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fidus_desktop.domain.compliance.kyc import CaseStatus


@dataclass(frozen=True)
class Override:
    reason: str
    expires_on: date
    requested_by: str
    confirmed_by: str | None  # None: awaiting the second officer, not in force yet

    def in_force(self, today: date) -> bool:
        return self.confirmed_by is not None and today <= self.expires_on


@dataclass(frozen=True)
class ReadinessFacts:
    """What readiness is decided on, gathered by the service."""

    case_status: CaseStatus | None  # None: no KYC case
    lapsed: tuple[str, ...] = ()  # "Identity document expired on 2026-01-05"
    review_due: date | None = None  # the next periodic review of the risk band
    open_alerts: int = 0
    sanctions_matches: int = 0  # confirmed true matches against an entry with a sanctions programme
    other_matches: int = 0  # confirmed true matches without one (PEPs)
    agreement_received: date | None = None
    override: Override | None = None


@dataclass(frozen=True)
class Readiness:
    ready: bool
    gaps: tuple[str, ...]  # every reason the investor is not ready by the file alone (also when overridden)
    blocking: tuple[str, ...]  # the reasons that keep the investor from investing now (empty when ready)
    override: Override | None = None

    @property
    def overridden(self) -> bool:
        return self.ready and bool(self.gaps)

    def summary(self) -> str:
        if not self.ready:
            return "not ready: " + "; ".join(self.blocking)
        if self.overridden and self.override is not None:
            return (f"ready by override until {self.override.expires_on} (confirmed by "
                    f"{self.override.confirmed_by}): {'; '.join(self.gaps)}")
        return "ready"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def assess(facts: ReadinessFacts, today: date) -> Readiness:
    """Readiness of an investor on ``today`` from ``facts`` (see the module docstring)."""
    gaps: list[str] = []
    if facts.case_status is None:
        gaps.append("no KYC case")
    elif facts.case_status is not CaseStatus.APPROVED:
        gaps.append(f"KYC case {facts.case_status.value.replace('_', ' ')}")
    gaps += list(facts.lapsed)
    if facts.review_due is not None and facts.review_due < today:
        gaps.append(f"KYC review overdue since {facts.review_due}")
    if facts.open_alerts:
        gaps.append(f"{_plural(facts.open_alerts, 'screening alert')} undecided")
    if facts.other_matches:
        gaps.append(f"{_plural(facts.other_matches, 'confirmed PEP or other list match')}")
    if facts.agreement_received is None:
        gaps.append("subscription agreement not signed")
    forbidden = ([f"{_plural(facts.sanctions_matches, 'confirmed sanctions match')} (no override possible)"]
                 if facts.sanctions_matches else [])
    override = facts.override
    if forbidden:
        return Readiness(False, tuple(forbidden + gaps), tuple(forbidden + gaps), override)
    if not gaps:
        return Readiness(True, (), (), override)
    if override is not None and override.in_force(today):
        return Readiness(True, tuple(gaps), (), override)
    return Readiness(False, tuple(gaps), tuple(gaps), override)
