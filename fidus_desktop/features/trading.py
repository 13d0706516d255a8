"""Trading: MT5 accounts synced by the background poller, exposure, risk alerts, analytics and the
reconciliation of balance deals against the funds' cash ledgers. Its coverage wiring gives the portfolio's
fixed-yield products the equity of the mapped MT5 accounts."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from typing import TYPE_CHECKING

from fidus_desktop.config.settings import Setting, at_least
from fidus_desktop.features.spec import Feature, StatusItem, TabDecl
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.permissions import Permission, Role
from fidus_desktop.services.portfolio import PortfolioServices
from fidus_desktop.services.trading import TradingServices
from fidus_desktop.services.trading import documents as collections
from fidus_desktop.services.trading.capital import MappedEquityService
from fidus_desktop.services.trading.poller import PollerSettings
from fidus_desktop.services.trading.reconciliation import NOTES, CashFlowSource, RecordedCashFlow

if TYPE_CHECKING:
    from fidus_desktop.bootstrap import Wiring

P = Permission
_POSITIVE = ("poll_seconds", "deals_poll_seconds", "backoff_initial_seconds")


def ledger_cash_flows(portfolio: PortfolioServices) -> CashFlowSource:
    """MT5 reconciliation reads a fund's recorded flows from the portfolio cash ledger (settled dealing, net)."""

    def source(actor: Actor, fund_id: str, first_day: date, last_day: date) -> list[RecordedCashFlow] | None:
        flows = portfolio.cashflows.external_flows(actor, fund_id, first_day, last_day)
        if flows is None:
            return None
        return [RecordedCashFlow(f.transaction_id, f.fund_id, f.value_date, f.amount, f.currency,
                                 f"{f.kind} {f.reference}".strip()) for f in flows]

    return source


def connect_coverage(w: Wiring) -> None:
    """Fixed-yield coverage counts the equity of the mapped MT5 accounts, converted with the portfolio's FX."""
    fx = w.services.portfolio.fx
    equity = MappedEquityService(w.ctx, w.services.trading.accounts, lambda money, to, on: fx.convert(money, to, on)[0])
    w.services.portfolio.set_capital_source(equity.equity)


def poller_settings() -> tuple[Setting, ...]:
    """The ``[mt5]`` section: one key per ``PollerSettings`` field, its default the field's."""
    defaults = PollerSettings()
    found = []
    for spec in fields(PollerSettings):
        default = getattr(defaults, spec.name)
        check = None if isinstance(default, str) else at_least(0)
        if spec.name in _POSITIVE:
            check = lambda v, key=spec.name: None if v > 0 else f"must be more than 0, not {v!r}"  # noqa: E731
        found.append(Setting(f"mt5.{spec.name}", type(default), default, check=check))
    return tuple(found)


TRADING = Feature(
    name="trading",
    services={"trading": lambda w: TradingServices(w.ctx, w.secrets, ledger_cash_flows(w.services.portfolio))},
    needs=("portfolio",),
    wire=connect_coverage,
    permissions=(P.MT5_READ, P.MT5_MANAGE, P.MT5_SYNC, P.MT5_RECONCILE, P.ALERTS_ACK, P.OWN_ACCOUNTS_READ),
    grants={
        Role.PORTFOLIO_MANAGER: frozenset({P.MT5_READ, P.MT5_MANAGE, P.MT5_SYNC, P.ALERTS_ACK}),
        Role.COMPLIANCE_OFFICER: frozenset({P.MT5_READ, P.ALERTS_ACK}),
        Role.BACK_OFFICE: frozenset({P.MT5_READ, P.MT5_SYNC, P.MT5_RECONCILE}),
        Role.CLIENT: frozenset({P.OWN_ACCOUNTS_READ}),
    },
    not_for_admin=frozenset({P.OWN_ACCOUNTS_READ}),  # the administrator is not a client with accounts
    tab=TabDecl("trading", "Trading", "fidus_desktop.ui.trading.tab:trading_tab"),
    status_items=(StatusItem("mt5", "fidus_desktop.ui.trading.status_item:Mt5StatusItem"),),
    session_jobs=(("mt5", "fidus_desktop.ui.trading.mt5_sync:session_mt5_sync"),),  # syncs from sign-in
    cli=("fidus_desktop.cli.mt5",),
    demo=((50, "fidus_desktop.services.trading.demo:demo_mt5"),),
    settings=poller_settings(),
    doctor=("fidus_desktop.cli.doctor:check_mt5", "fidus_desktop.cli.doctor:check_mt5_server_clocks"),
    announces=(collections.ACCOUNTS, collections.SYNC_STATE, collections.BALANCE_CLASSES,
               collections.TRADING_SETTINGS, collections.ALERTS, NOTES),
)
