"""Which MT5 terminal the poller follows, as the composition root chose it (``AppContext.terminal_link``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from fidus_desktop.integrations.mt5 import Terminal
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.trading.poller import Mt5Poller, PollerListener, PollerSettings

if TYPE_CHECKING:
    from fidus_desktop.services.trading import TradingServices


@dataclass(frozen=True)
class TerminalLink:
    """The terminal to follow; for a simulator also its fixture passwords (never written to the keyring),
    its clock (the poller must ask for history up to the simulator's *now*, not the PC's) and the way to move
    that clock in real time while the app runs, and how to open an account's own terminal path. ``None``
    fields mean: keyring passwords, the PC's UTC clock, a market that moves by itself, a ``WorkerTerminal``.
    """

    terminal: Terminal
    passwords: Callable[[int], str | None] | None = None
    clock: Callable[[], datetime] | None = None
    advance: Callable[[float], None] | None = None
    for_path: Callable[[str], Terminal] | None = None


def poller_over(link: TerminalLink, trading: TradingServices, actor: Actor, settings: PollerSettings,
                listener: PollerListener | None = None, *, holder: str | None = None) -> Mt5Poller:
    """An ``Mt5Poller`` following ``link`` for ``actor`` (the GUI's worker and ``fidus mt5 sync`` alike);
    ``holder`` names its account leases (default: this workstation's GUI)."""
    optional: dict[str, Any] = {}
    if link.clock is not None:
        optional["terminal_clock"] = link.clock
    if link.for_path is not None:
        optional["terminal_for_path"] = link.for_path
    return Mt5Poller(trading, link.terminal, actor, settings=settings, listener=listener, passwords=link.passwords,
                     holder=holder, **optional)
