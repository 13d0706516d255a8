"""How a simulated terminal receives history from its trade server, as a real one does.

A real terminal keeps each account's history in a local database and asks the trade server only for what
is missing, *at each connection*: after an outage, at start-up and after a login (MetaQuotes, "Orders,
Positions and Deals in MetaTrader 5", docs/MT5.md). Deals made while the terminal was not receiving an
account's history therefore appear some time after it reconnects, carrying their original (earlier) times.
A :class:`TradeServerLink` models exactly that, as a pure function of the simulated clock:

- an *outage* ``[start, end)`` of the connection to the trade server (``terminal_info().connected`` is
  False meanwhile), and a *gap* of one account (the terminal was logged in to another account, or closed);
- the terminal shows an account's deals up to the start of any outage or gap that is still open or whose
  missing history has not arrived yet (``history_delay_ms`` after it ended); afterwards, everything.

:class:`HistoryEdits` adds what the generated history never has: deals of types FIDUS does not know, and
deals the broker changes afterwards (a cancelled deal keeps its ticket while its type and profit change).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TradeServerLink:
    """Outages and per-account gaps in UTC milliseconds, and the delay before missing history arrives."""

    history_delay_ms: int = 0
    outages: list[tuple[int, int]] = field(default_factory=list)
    gaps: dict[int, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))

    def add_outage(self, start_ms: int, end_ms: int) -> None:
        if end_ms <= start_ms:
            raise ValueError("An outage must end after it starts.")
        self.outages.append((start_ms, end_ms))

    def add_gap(self, login: int, start_ms: int, end_ms: int) -> None:
        """``login``'s history stopped reaching the terminal at ``start_ms`` and syncs again from ``end_ms``."""
        if end_ms > start_ms:
            self.gaps[login].append((start_ms, end_ms))

    def connected(self, now_ms: int) -> bool:
        """``terminal_info().connected``: False during an outage (the terminal itself still answers)."""
        return not any(start <= now_ms < end for start, end in self.outages)

    def visible_until(self, login: int, now_ms: int) -> int:
        """The newest deal time (UTC ms) of ``login`` the terminal shows at ``now_ms``."""
        limit = now_ms
        for start, end in (*self.outages, *self.gaps.get(login, ())):
            if start <= now_ms < end + self.history_delay_ms:
                limit = min(limit, start)
        return limit


# A deal row as the simulator's columns hold it; ``time_utc`` decides when it happened.
DealRow = dict[str, Any]


@dataclass
class HistoryEdits:
    """Extra deals and later revisions of deals, per login (both reach the terminal like any history)."""

    extra: dict[int, list[DealRow]] = field(default_factory=lambda: defaultdict(list))
    # per login: (ticket, UTC ms from which the change is known, changed columns)
    revisions: dict[int, list[tuple[int, int, dict[str, Any]]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, login: int, row: DealRow) -> None:
        self.extra[login].append(row)

    def revise(self, login: int, ticket: int, at_ms: int, changes: dict[str, Any]) -> None:
        self.revisions[login].append((ticket, at_ms, changes))

    def applicable(self, login: int, known_until_ms: int) -> list[tuple[int, dict[str, Any]]]:
        """Revisions of ``login`` that have reached the terminal, oldest first."""
        return [(ticket, changes) for ticket, at, changes in sorted(self.revisions.get(login, ()), key=lambda r: r[1])
                if at <= known_until_ms]
