"""Investigation cases: an officer's inquiry into an alert, a transaction or a concern about an investor, from
opening to a decided outcome, closed by a second officer.

A case goes open → investigating → awaiting closure (an officer proposes the outcome with a reason) → closed
(another officer confirms), or back to investigating (sent back, or reopened after closing with a reason).
The outcome says what was decided: no suspicion, a suspicious-activity report filed with the financial
intelligence unit, the relationship ended, or the investor kept under enhanced monitoring.
"""

from __future__ import annotations

from enum import StrEnum

from fidus_desktop.errors import UserError


class InvestigationError(UserError, ValueError):
    """A move the rules do not allow (the message says which and why)."""


class InvestigationStatus(StrEnum):
    OPEN = "open"
    INVESTIGATING = "investigating"
    AWAITING_CLOSURE = "awaiting_closure"
    CLOSED = "closed"


class Outcome(StrEnum):
    NO_SUSPICION = "no_suspicion"
    SAR_FILED = "sar_filed"
    RELATIONSHIP_ENDED = "relationship_ended"
    ENHANCED_MONITORING = "enhanced_monitoring"


MOVES = {
    InvestigationStatus.OPEN: {InvestigationStatus.INVESTIGATING, InvestigationStatus.AWAITING_CLOSURE},
    InvestigationStatus.INVESTIGATING: {InvestigationStatus.AWAITING_CLOSURE},
    InvestigationStatus.AWAITING_CLOSURE: {InvestigationStatus.CLOSED, InvestigationStatus.INVESTIGATING},
    InvestigationStatus.CLOSED: {InvestigationStatus.INVESTIGATING},  # reopened, with a reason
}
CHANGEABLE = (InvestigationStatus.OPEN, InvestigationStatus.INVESTIGATING)
"""Notes, attachments and links are added while the case is being worked on, not while a closure awaits its
second officer or after it closed (reopen it first)."""


def move(current: InvestigationStatus, to: InvestigationStatus) -> InvestigationStatus:
    if to not in MOVES[current]:
        raise InvestigationError(f"An investigation {current.value.replace('_', ' ')} cannot become "
                                 f"{to.value.replace('_', ' ')}.")
    return to


def check_changeable(status: InvestigationStatus) -> None:
    if status not in CHANGEABLE:
        hint = "reopen it first" if status is InvestigationStatus.CLOSED else "confirm or send back the closure first"
        raise InvestigationError(f"The investigation is {status.value.replace('_', ' ')}; {hint}.")

