"""``fidus crm agents list|add|introduce|rate`` and ``fidus crm commissions``: referral agents and their
commission statements from the shell. Registered under ``fidus crm`` by ``cli.crm``."""

from __future__ import annotations

import argparse
from pathlib import Path

from fidus_desktop.cli.common import EXIT_OK, acting, emit_json, fail, print_table
from fidus_desktop.reports.commission_statement import rate_text, write_commission_file
from fidus_desktop.services.crm.agents import CommissionStatement


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        agents = ctx.services.crm_agents.list(actor)
        clients = {a.code: len(ctx.services.crm_agents.clients(actor, a.code)) for a in agents}
    if args.json:
        emit_json({"agents": [{**a.__dict__, "clients": clients[a.code]} for a in agents]})
    elif agents:
        print_table([{"code": a.code, "name": a.name, "rate": rate_text(a.rate), "clients": clients[a.code],
                      "email": a.email or ""} for a in agents], ["code", "name", "rate", "clients", "email"])
    else:
        print("No referral agents yet; add one with `fidus crm agents add`.")
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        agent = ctx.services.crm_agents.add(actor, {"code": args.code, "name": args.name, "email": args.email,
                                                    "phone": args.phone, "rate": args.rate})
    print(f"Agent {agent.code} ({agent.name}) added at {rate_text(agent.rate)}.")
    return EXIT_OK


def cmd_introduce(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        ctx.services.crm_agents.introduce(actor, args.code, args.investor)
    print(f"{args.investor} is recorded as introduced by {args.code.upper()}.")
    return EXIT_OK


def cmd_rate(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        agent = ctx.services.crm_agents.set_rate(actor, args.code, args.rate)
    print(f"Agent {agent.code} now earns {rate_text(agent.rate)}.")
    return EXIT_OK


def _summary(statement: CommissionStatement) -> dict[str, str]:
    return {"agent": statement.agent.code, "name": statement.agent.name, "payments": str(len(statement.lines)),
            "commission": ", ".join(f"{m.amount:,} {c}" for c, m in sorted(statement.totals.items())) or "0",
            "status": statement.status.value if statement.status else "draft"}


def cmd_commissions(args: argparse.Namespace) -> int:
    action = args.prepare or args.approve or args.mark_paid
    if (action or args.out) and not args.agent:
        fail("Name the agent (--agent CODE) whose statement to prepare, approve, mark paid or write to a file.")
    with acting(args) as (ctx, actor):
        agents = ctx.services.crm_agents
        if args.prepare:
            agents.prepare(actor, args.agent, args.period)
        elif args.approve:
            agents.approve(actor, args.agent, args.period)
        elif args.mark_paid:
            agents.mark_paid(actor, args.agent, args.period)
        statements = [agents.statement(actor, args.agent, args.period)] if args.agent \
            else agents.statements_for(actor, args.period)
    if args.out:
        try:
            write_commission_file(statements[0], Path(args.out))
        except ValueError as exc:
            fail(str(exc))
    if args.json:
        emit_json({"period": statements[0].period.label if statements else args.period, "statements": [
            {"agent": s.agent.code, "name": s.agent.name, "status": s.status.value if s.status else "draft",
             "prepared_by": s.prepared_by, "approved_by": s.approved_by, "paid_by": s.paid_by,
             "totals": {c: m.amount for c, m in s.totals.items()}, "lines": s.lines} for s in statements]})
    elif statements:
        print_table([_summary(s) for s in statements], ["agent", "name", "payments", "commission", "status"])
    else:
        print("No referral agents yet; add one with `fidus crm agents add`.")
    if args.out:
        print(f"Wrote {args.out}.")
    return EXIT_OK


def register_crm(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    """Add ``agents`` and ``commissions`` to the ``fidus crm`` sub-commands; returns the leaf parsers."""
    parser = sub.add_parser("agents", help="referral agents (introducers) and the clients they introduced")
    asub = parser.add_subparsers(dest="agents_command", required=True, metavar="ACTION")
    listing = asub.add_parser("list", help="agents with their rates and number of clients")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=cmd_list)
    add = asub.add_parser("add", help="a new referral agent")
    add.add_argument("code", metavar="CODE", help="e.g. AG-001 (letters, digits, - and _)")
    add.add_argument("--name", required=True)
    add.add_argument("--email")
    add.add_argument("--phone")
    add.add_argument("--rate", help="share of the clients' interest: 0.10 or '10 %%' (default 10 %%)")
    add.set_defaults(func=cmd_add)
    introduce = asub.add_parser("introduce", help="record that the agent introduced an investor")
    introduce.add_argument("code", metavar="CODE")
    introduce.add_argument("investor", metavar="INVESTOR", help="the investor's number (INV-00042) or id")
    introduce.set_defaults(func=cmd_introduce)
    rate = asub.add_parser("rate", help="change an agent's commission rate (prepared statements keep theirs)")
    rate.add_argument("code", metavar="CODE")
    rate.add_argument("rate", metavar="RATE", help="0.10 or '10 %%'")
    rate.set_defaults(func=cmd_rate)
    commissions = sub.add_parser("commissions", help="agents' commission statements for a month or quarter")
    commissions.add_argument("--period", required=True, help="YYYY-MM or YYYY-Qn")
    commissions.add_argument("--agent", help="only this agent")
    step = commissions.add_mutually_exclusive_group()
    step.add_argument("--prepare", action="store_true", help="store the statement as pending approval")
    step.add_argument("--approve", action="store_true", help="approve it (crm.commissions; not who prepared it)")
    step.add_argument("--mark-paid", action="store_true", help="record that it was paid")
    commissions.add_argument("--out", help="write the agent's statement to FILE (.pdf, .csv or .xlsx)")
    commissions.add_argument("--json", action="store_true")
    commissions.set_defaults(func=cmd_commissions)
    return [listing, add, introduce, rate, commissions]
