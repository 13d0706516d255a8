"""Demo MT5 accounts: the simulated terminal's three logins, mapped to the demo funds, with synced history.

Declared by the trading feature at order 50 (after users and funds). The history comes from the deterministic
``SimulatedTerminal`` with its clock at ``DEMO_MT5_NOW``, the demo office's *now*, the business morning after the
portfolio demo's data ends, so every demo database holds the same deals and the Portfolio and Trading tabs show
the same months. The simulator's passwords are fixtures, handed to the poller directly: loading the demo never
writes to the OS keyring.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from fidus_desktop.integrations.mt5 import NewYorkClose, SimulatedTerminal
from fidus_desktop.integrations.mt5.simulated import DEFAULT_ACCOUNTS
from fidus_desktop.services.demo import DEMO_NOW, DemoRun
from fidus_desktop.services.trading.accounts import CapitalSource, Mt5AccountInput
from fidus_desktop.services.trading.poller import Mt5Poller

DEMO_SIM_SEED = 50
# One demo timeline: the MT5 history ends where the demo's clock starts (services.demo.DEMO_NOW, the morning after
# the portfolio demo's last NAV date), and each account trades for the same five months as the simulator's
# default accounts do.
DEMO_MT5_NOW = DEMO_NOW
DEMO_MT5_HISTORY = timedelta(days=160)
# login → (demo fund code, capital source, initial allocation)
_MAPPING = {
    5001001: ("FIDUS-US", CapitalSource.CLIENT_MONEY, "100000"),
    5001002: ("FIDUS-GLOBAL", CapitalSource.REINVESTED_PROFIT, "100000"),
    7002001: ("FIDUS-INCOME", CapitalSource.HOUSE_MONEY, "100000"),
}
_LIMITS = {"margin_level_below": "200", "drawdown_above": "15", "symbol_exposure_above": "2500000"}


def demo_terminal(seed: int = DEMO_SIM_SEED) -> SimulatedTerminal:
    """The demo's simulated terminal: its clock at ``DEMO_MT5_NOW``, its accounts opened five months before."""
    opened = DEMO_MT5_NOW - DEMO_MT5_HISTORY
    return SimulatedTerminal(seed=seed, accounts=[replace(a, opened=opened) for a in DEFAULT_ACCOUNTS],
                             now=DEMO_MT5_NOW)


def demo_mt5(run: DemoRun) -> None:
    """Set up the simulated accounts and sync their history once."""
    terminal = demo_terminal()
    trading = run.services.trading
    for login, sim in terminal.accounts.items():
        fund_code, source, allocation = _MAPPING.get(login, ("", CapitalSource.CLIENT_MONEY, "0"))
        fund = run.services.portfolio.funds.fund_by_code(fund_code) if fund_code else None
        trading.accounts.create(run.actor, Mt5AccountInput(
            login=login, server=sim.server, name=sim.name, currency=sim.currency, initial_allocation=allocation,
            server_time="EET-NY" if isinstance(sim.policy, NewYorkClose) else sim.policy.name,
            fund_id=fund.fund_id if fund else None, capital_source=source.value,
            alert_thresholds=_LIMITS,
        ))
    passwords = {login: sim.password for login, sim in terminal.accounts.items()}
    poller = Mt5Poller(trading, terminal, run.actor, passwords=passwords.get, terminal_clock=lambda: terminal.now)
    run.made["mt5_deals"] = poller.sync_to_now()
    poller.stop()
