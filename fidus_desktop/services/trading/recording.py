"""``fidus mt5 record``: one account's session on the terminal the composition root chose, as a scrubbed
replay fixture (``integrations.mt5.recorder``). A real terminal is attached, never started."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fidus_desktop.clock import wall_now
from fidus_desktop.integrations.mt5 import Mt5Session, policy_from_config
from fidus_desktop.integrations.mt5.processes import ProcessAware
from fidus_desktop.integrations.mt5.recorder import record_fixture
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.trading.accounts import Mt5Account
from fidus_desktop.services.trading.link import TerminalLink


def record_session(link: TerminalLink, account: Mt5Account, days: float) -> dict[str, Any]:
    """The last ``days`` of ``account`` as a fixture; a simulator signs in with its fixture password."""
    terminal = link.terminal
    clock = link.clock or wall_now  # a real terminal: the PC's clock
    policy = policy_from_config(account.server_time)
    session = Mt5Session(terminal, policy, clock=clock)
    try:
        if link.passwords is not None:
            session.connect(login=account.login, password=link.passwords(account.login), server=account.server)
        else:
            running = terminal.terminal_running(account.terminal_path or None) if isinstance(
                terminal, ProcessAware) else None
            if running is False:  # never start it
                raise ValidationError("MetaTrader 5 is not running; start it, log in to the account, then record.")
            session.connect(path=account.terminal_path or None)
        session.expect_account(account.login, account.server)
        now = clock()
        return record_fixture(terminal, policy, account.server_time, now - timedelta(days=days), now)
    finally:
        terminal.shutdown()
