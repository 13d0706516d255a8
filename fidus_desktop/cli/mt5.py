"""``fidus mt5 status | accounts | exposure | sync | reconcile``: MT5 accounts (and their own terminal paths),
exposure from the last stored poll, the headless sync for a service account, and the back office's
reconciliation of balance deals against the funds' cash ledgers.

``sync --simulated SEED`` runs against the deterministic simulated terminal (its clock fixed at the
simulator's default instant), so a second ``--once`` run with the same seed stores no new deal.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.cli.common import (
    EXIT_OK,
    EXIT_PROBLEM,
    acting,
    add_actor_options,
    emit_json,
    fail,
    print_table,
)
from fidus_desktop.cli.portfolio import _day
from fidus_desktop.config.settings import SettingsError
from fidus_desktop.domain.trading.exposure import n_positions
from fidus_desktop.domain.trading.models import AccountSnapshot, Position
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.trading.accounts import terminal_path_warning
from fidus_desktop.services.trading.lease import holder_name
from fidus_desktop.services.trading.link import TerminalLink, poller_over
from fidus_desktop.services.trading.poller import Mt5Poller, PollerSettings
from fidus_desktop.services.trading.reconciliation import reconciliation_state
from fidus_desktop.services.trading.recording import record_session
from fidus_desktop.services.trading.sync import ConnectionState

SHARED_TERMINAL = "(shared terminal)"


def cmd_accounts(args: argparse.Namespace) -> int:
    """List the accounts; with ``--login N --terminal-path PATH`` first give N its own terminal ("" = shared)."""
    if (args.login is None) != (args.terminal_path is None):
        fail("Give --login and --terminal-path together, e.g. --login 5001001 --terminal-path "
             "C:/MT5/5001001/terminal64.exe (an empty path puts the account back on the shared terminal).")
    with acting(args) as (ctx, actor):
        accounts = ctx.services.trading.accounts
        if args.login is not None:
            changed = accounts.set_terminal_path(actor, args.login, args.terminal_path)
            warning = terminal_path_warning(changed.terminal_path)
            if warning:
                print(f"Warning: {warning}", file=sys.stderr)
        rows = [{
            "login": a.login, "server": a.server, "name": a.name, "currency": a.currency,
            "fund_id": a.fund_id or "", "investor_account_id": a.investor_account_id or "",
            "capital_source": a.capital_source, "initial_allocation": a.initial_allocation.amount,
            "server_time": a.server_time, "terminal_path": a.terminal_path or SHARED_TERMINAL, "active": a.active,
        } for a in accounts.list(actor)]
        _output(args, rows, ["login", "server", "name", "currency", "fund_id", "capital_source", "terminal_path",
                             "active"])
        return EXIT_OK


def cmd_exposure(args: argparse.Namespace) -> int:
    """Exposure by currency as of the last stored poll; a currency without a conversion quote says so, and the
    positions that could not be valued are listed by symbol with the reason."""
    with acting(args) as (ctx, actor):
        exposure = ctx.services.trading.risk.exposure(actor, args.login)
        rows = [{
            "currency": leg.currency, "amount": leg.amount,
            f"in_{exposure.currency or 'account_currency'}": leg.in_account_currency
            if leg.in_account_currency is not None else leg.problem,
        } for leg in exposure.by_currency.values()]
        unvalued = [{"symbol": u.symbol, "positions": u.positions, "reason": u.reason}
                    for u in exposure.unvalued.values()]
        if args.json:
            emit_json({"login": exposure.login, "currency": exposure.currency, "by_currency": rows,
                       "by_symbol": [{"symbol": e.symbol, "net_volume": e.net_volume, "notional": e.notional,
                                      "gross_notional": e.gross_notional} for e in exposure.by_symbol.values()],
                       "gross_notional": exposure.gross_notional, "unvalued": unvalued,
                       "quotes": {q.symbol: {"bid": q.bid, "ask": q.ask, "time": q.time}
                                  for q in exposure.quotes.values()}})
            return EXIT_OK
        if not exposure.by_symbol and not unvalued:
            print(f"No open positions stored for MT5 account {args.login}.")
            return EXIT_OK
        if rows:
            print_table(rows, list(rows[0]))
        scope = " of valued positions" if unvalued else ""
        print(f"Gross notional{scope}: {exposure.gross_notional:,.2f} {exposure.currency}")
        if unvalued:
            print(f"Not valued ({n_positions(exposure.unvalued_positions)}, left out of the figures above):")
            print_table(unvalued, ["symbol", "positions", "reason"])
        return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        trading = ctx.services.trading
        rows = []
        for account in trading.accounts.list(actor):
            state = trading.sync.sync_state(account.login)
            rows.append({
                "login": account.login, "fund_id": account.fund_id or account.investor_account_id or "",
                "state": state.connection if state else ConnectionState.STOPPED,
                "detail": state.detail if state else "never synced",
                "last_sync": state.last_deals_at if state and state.last_deals_at else "",
                "deals": trading.sync.deal_count(account.login),
            })
        _output(args, rows, ["login", "fund_id", "state", "last_sync", "deals", "detail"])
        return EXIT_OK


class _Printer:
    """Prints state changes and new deals for people watching the headless sync."""

    def on_state(self, login: int, state: ConnectionState, detail: str) -> None:
        print(f"{login}: {state.value}{' – ' + detail if detail else ''}", flush=True)

    def on_snapshot(self, login: int, snapshot: AccountSnapshot, positions: list[Position]) -> None:
        return None

    def on_deals(self, login: int, count: int) -> None:
        print(f"{login}: {count} new deal(s) stored", flush=True)


def cmd_sync(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        require(actor, Permission.MT5_SYNC)
        link = ctx.terminal_link(args.simulated)
        poller = _poller(ctx, args, actor, link)
        if args.once:
            return _sync_once(ctx, poller)
        print("Syncing MT5 accounts; press Ctrl+C to stop.", flush=True)
        poller.start()
        try:
            while poller.running:
                time.sleep(1)
                if link.advance is not None:
                    link.advance(1)  # the simulated market moves in real time in loop mode
        finally:
            poller.stop()
        return EXIT_OK


def _sync_once(ctx: AppContext, poller: Mt5Poller) -> int:
    accounts = ctx.services.trading.accounts.all(active_only=True)
    if not accounts:
        fail("No active MT5 account is set up; add one under Trading > Accounts first.")
    stored = poller.sync_to_now()
    failed = [a.login for a in accounts if a.login not in stored]
    for account in accounts:
        if account.login in stored:
            print(f"{account.login}: {stored[account.login]} new deal(s) stored, "
                  f"{ctx.services.trading.sync.deal_count(account.login)} in total")
        else:
            state = ctx.services.trading.sync.sync_state(account.login)
            print(f"{account.login}: not synced – {state.detail if state else 'no answer'}")
    poller.stop()
    return EXIT_PROBLEM if failed else EXIT_OK


def _poller(ctx: AppContext, args: argparse.Namespace, actor: Any, link: TerminalLink) -> Mt5Poller:
    """A poller over the terminal the composition root chose (``--simulated SEED``: the simulator)."""
    try:
        settings = PollerSettings.from_settings(ctx.settings.get)
    except (ValueError, TypeError, SettingsError) as exc:
        fail(f"The [mt5] settings are not usable: {exc}")
    listener = None if args.once else _Printer()
    holder = holder_name("fidus mt5 sync")  # not the GUI's name: the two never follow one account at once
    return poller_over(link, ctx.services.trading, actor, settings, listener, holder=holder)


def cmd_record(args: argparse.Namespace) -> int:
    """Attach (never start) the terminal, check it shows ``--login``, write the scrubbed fixture
    (``--simulated SEED``: the simulator; on the demo database its simulator)."""
    if args.days <= 0:
        fail("--days must be a positive number of days.")
    with acting(args) as (ctx, actor):
        require(actor, Permission.MT5_MANAGE)
        account = ctx.services.trading.accounts.get(actor, args.login)
        fixture = record_session(ctx.terminal_link(args.simulated), account, args.days)
    Path(args.out).write_text(json.dumps(fixture, indent=1, ensure_ascii=False), encoding="utf-8")
    deals = len(fixture["accounts"][0]["deals"])
    print(f"Recorded {deals} deal(s) of {args.login} (scrubbed) to {args.out}; check it before sharing.")
    return EXIT_OK


RECONCILE_DAYS = 30  # the default period: the last 30 days up to today (UTC)


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Exit 1 while a balance deal or recorded flow does not match and is not explained (like ``audit verify``)."""
    with acting(args) as (ctx, actor):
        last = args.to or ctx.services.ctx.clock().date()
        first = args.from_ or last - timedelta(days=RECONCILE_DAYS - 1)
        results = ctx.services.trading.reconciliation.reconcile_all(actor, first, last, login=args.login)
        funds = ctx.services.portfolio.funds
        labelled = [(funds.get_fund(r.fund_id).code if r.fund_id else f"MT5 {r.logins[0]}", r) for r in results]
    if args.json:
        emit_json([{"fund_code": label, **r.__dict__, "configured": r.configured} for label, r in labelled])
    else:
        print(f"Reconciliation of MT5 balance deals, {first} to {last}:")
        for label, r in labelled:
            accounts = ", ".join(str(login) for login in r.logins)
            print(f"  {label} ({accounts}): {reconciliation_state(r)}")
        rows = [{"fund": label, "kind": m.kind, "day": m.day, "login": m.login or "", "ticket": m.ticket or "",
                 "flow": m.flow_id or "", "amount": m.amount, "currency": m.currency,
                 "detail": f"explained by {m.explained_by}: {m.note}" if m.note else m.detail}
                for label, r in labelled for m in r.mismatches]
        if rows:
            print()
            print_table(rows, ["fund", "kind", "day", "login", "ticket", "amount", "currency", "detail"])
    return EXIT_PROBLEM if any(r.open_mismatches for _, r in labelled) else EXIT_OK


def _output(args: argparse.Namespace, rows: list[dict[str, Any]], columns: list[str]) -> None:
    if args.json:
        emit_json(rows)
    elif rows:
        print_table(rows, columns)
    else:
        print("No MT5 accounts are set up.")


def register(sub: argparse._SubParsersAction) -> None:
    mt5 = sub.add_parser("mt5", help="MetaTrader 5 accounts and sync")
    msub = mt5.add_subparsers(dest="mt5_command", required=True, metavar="ACTION")

    p = msub.add_parser("status", help="per account: mapped fund, connection state, last sync, stored deals")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_status)

    p = msub.add_parser("accounts", help="list the MT5 accounts FIDUS follows (and set one's own terminal path)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--login", type=int, help="the account whose terminal path --terminal-path sets")
    p.add_argument("--terminal-path", metavar="PATH",
                   help="terminal64.exe of the account's own MT5 installation; \"\" = the shared terminal")
    add_actor_options(p)
    p.set_defaults(func=cmd_accounts)

    p = msub.add_parser("exposure", help="exposure by currency of one account, as of its last stored poll, and the "
                                         "positions that could not be valued")
    p.add_argument("login", type=int)
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_exposure)

    p = msub.add_parser("sync", help="sync deals, positions and snapshots (headless loop, or --once)")
    p.add_argument("--simulated", type=int, metavar="SEED", help="use the deterministic simulated terminal")
    p.add_argument("--once", action="store_true", help="read every account up to now, then exit")
    add_actor_options(p)
    p.set_defaults(func=cmd_sync)

    p = msub.add_parser("record", help="record a scrubbed session of the running terminal as a replay test fixture")
    p.add_argument("--login", type=int, required=True, help="the account set up in FIDUS the terminal shows")
    p.add_argument("--days", type=int, default=30, help="history to record, up to now (default 30)")
    p.add_argument("--out", required=True, metavar="FILE", help="the fixture to write (JSON)")
    p.add_argument("--simulated", type=int, metavar="SEED", help=argparse.SUPPRESS)  # tests: record the simulator
    add_actor_options(p)
    p.set_defaults(func=cmd_record)

    p = msub.add_parser("reconcile", help="balance deals vs the funds' recorded cash flows (exit 1 on mismatches)")
    p.add_argument("--login", type=int, help="only the fund of this MT5 account (all of that fund's accounts)")
    p.add_argument("--from", dest="from_", type=_day, metavar="YYYY-MM-DD",
                   help=f"first day (default: {RECONCILE_DAYS} days before --to)")
    p.add_argument("--to", type=_day, metavar="YYYY-MM-DD", help="last day, included (default: today, UTC)")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_reconcile)
