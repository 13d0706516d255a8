"""Pipeline stages are data an admin edits: name, kind (open / won / lost), probability, colour, order.

Rules (why: the board's weighted totals and the funnel read them, so a bad set would give wrong figures):
names are unique ignoring case; there is at least one open, one won and one lost stage; a won stage has
probability 1 and a lost one 0; an open stage's probability is in [0, 1]; orders are distinct. A move into a
lost stage needs a reason; a lost prospect can be reopened into an open stage; a converted one cannot move.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PipelineError(ValueError):
    """A stage set or a move that breaks the pipeline's rules (the message says which and how to fix it)."""


class StageKind(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    kind: StageKind
    probability: Decimal
    colour: str
    order: int

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > 60:
            raise PipelineError("A stage needs a name of 1 to 60 characters.")
        if not _COLOUR.fullmatch(self.colour):
            raise PipelineError(f"Stage {self.name}: colour {self.colour!r} is not of the form #RRGGBB.")
        if not Decimal(0) <= self.probability <= Decimal(1):
            raise PipelineError(f"Stage {self.name}: probability {self.probability} is not between 0 and 1.")
        expected = {StageKind.WON: Decimal(1), StageKind.LOST: Decimal(0)}.get(self.kind)
        if expected is not None and self.probability != expected:
            raise PipelineError(f"Stage {self.name} is {self.kind.value}, so its probability is {expected}.")


DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("Lead", StageKind.OPEN, Decimal("0.10"), "#5B8DEF", 10),
    Stage("Negotiation", StageKind.OPEN, Decimal("0.50"), "#F0A830", 20),
    Stage("Won", StageKind.WON, Decimal(1), "#2E9E5B", 30),
    Stage("Lost", StageKind.LOST, Decimal(0), "#C0392B", 40),
)


def check_stage_set(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    """The stages in board order, or a PipelineError saying what is wrong with the set."""
    names = [s.name.casefold() for s in stages]
    doubled = sorted({s.name for s in stages if names.count(s.name.casefold()) > 1})
    if doubled:
        raise PipelineError(f"Stage names must differ: {', '.join(doubled)} is used twice.")
    orders = [s.order for s in stages]
    if len(set(orders)) != len(orders):
        raise PipelineError("Two stages have the same position; give each its own order.")
    missing = [k.value for k in StageKind if k not in {s.kind for s in stages}]
    if missing:
        raise PipelineError(f"The pipeline needs at least one {' and one '.join(missing)} stage.")
    return tuple(sorted(stages, key=lambda s: s.order))


def reordered(stages: Sequence[Stage], names_in_order: Sequence[str]) -> tuple[Stage, ...]:
    """The same stages with orders 10, 20, … following ``names_in_order`` (every stage named once)."""
    by_name = {s.name.casefold(): s for s in stages}
    wanted = [n.casefold() for n in names_in_order]
    if sorted(wanted) != sorted(by_name):
        raise PipelineError("Reordering must name every stage exactly once: "
                            f"{', '.join(s.name for s in check_stage_set(stages))}.")
    return check_stage_set([_with_order(by_name[n], 10 * (i + 1)) for i, n in enumerate(wanted)])


def _with_order(stage: Stage, order: int) -> Stage:
    return Stage(stage.name, stage.kind, stage.probability, stage.colour, order)


@dataclass(frozen=True, slots=True)
class StageChange:
    """One move of a prospect, as logged and audited: from, to, when, who, and time spent in ``from_stage``."""

    prospect_id: str
    from_stage: str | None  # None: created
    to_stage: str
    at: datetime
    by: str
    seconds_in_previous: int | None
    reason: str | None = None
    note: str | None = None


def check_move(current: Stage | None, target: Stage, *, reason: str | None, converted: bool) -> None:
    """Raise unless a prospect in ``current`` may move to ``target``."""
    if converted:
        raise PipelineError("This prospect was converted to an investor; its stage can no longer change.")
    if current is not None and current.name == target.name:
        raise PipelineError(f"The prospect is already in {target.name}.")
    if target.kind is StageKind.LOST and not (reason or "").strip():
        raise PipelineError(f"Moving to {target.name} needs a lost reason; choose one from the list.")


def stage_change(prospect_id: str, current: str | None, target: str, at: datetime, by: str,
                 entered_current: datetime | None, reason: str | None = None,
                 note: str | None = None) -> StageChange:
    """The log entry of a move; the time in the previous stage is measured from when it was entered."""
    spent = None if entered_current is None else max(0, int((at - entered_current).total_seconds()))
    return StageChange(prospect_id, current, target, at, by, spent, reason, note)
