"""What every view gets: the application context, who is signed in, and a 'data changed' signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from fidus_desktop.bootstrap import AppContext, Services
from fidus_desktop.clock import Clock, local_today
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import Runner, runner
from fidus_desktop.ui.change_watcher import ChangeWatcher

if TYPE_CHECKING:
    from fidus_desktop.ui.backup_scheduler import BackupScheduler


class SessionSignals(QObject):
    """Broadcasts so that every screen showing a figure refreshes when it changes."""

    data_changed = Signal(str)  # a change name (``services.changes``), e.g. "transaction"
    mt5_status = Signal(str)  # status-bar text for the MT5 slot
    # A view asks for a record to be shown in the tab that holds it: (kind, key), e.g. ("investigation",
    # "INQ-000003"); the main window selects the tab declaring the kind in ``TabDecl.opens``.
    open_record = Signal(str, str)
    restore_over = Signal(object)  # a confirmed ``RestorePlan``: the start-up flow closes the window and restores


@dataclass
class UiSession:
    context: AppContext
    actor: Actor
    runner: Runner = field(default_factory=runner)
    signals: SessionSignals = field(default_factory=SessionSignals)
    backups: BackupScheduler | None = None  # the main window's automatic backups, shared with Admin → Backups
    jobs: dict[str, Any] = field(default_factory=dict)  # the features' session jobs, run by the main window
    watcher: ChangeWatcher = field(init=False)

    def __post_init__(self) -> None:
        # Relays announced changes from now on; the main window starts its polling for other workstations'.
        self.watcher = ChangeWatcher(self.context.services.changes, self.runner, self.signals)

    @property
    def services(self) -> Services:
        return self.context.services

    def now(self) -> datetime:
        """The office's time, as the services see it (on ``--demo``, the demo's timeline)."""
        return self.services.ctx.clock()

    def on_demo_timeline(self) -> bool:
        """True when the office's clock is not the PC's (``--demo``): the status bar says so."""
        clock = self.services.ctx.clock
        return isinstance(clock, Clock) and clock.shifted

    def today(self) -> date:
        """The office's day in this workstation's time zone: every screen's "today" (editors, presets, My day)."""
        return local_today(self.services.ctx.clock)
