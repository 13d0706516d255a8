"""``fidus investors list|show|create|edit|set-personal|find``: investors and their sealed personal fields.

``create`` and ``edit`` set the fields kept in clear (name, e-mail, nationalities: ISO codes, repeat
``--nationality`` or comma-separate for a dual national; ``edit --nationality ''`` clears them; an individual's
``--residence``, a company's ``--incorporation``).

``show --reveal FIELD`` decrypts one field and is audited like a reveal in the application
(``personal_data.read``); without ``--reveal`` sensitive fields show only whether they are on file. A
workstation without the data key shows them locked and cannot set or search them (exit 1, with what to run).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Any

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table
from fidus_desktop.cli.keys import crypto_errors
from fidus_desktop.services.portfolio.investors import SENSITIVE_FIELDS, Investor, InvestorDetails, investor_filter

HIDDEN = "•••• (on file; --reveal to show)"


def _option(name: str) -> str:
    return "--" + name.replace("_", "-")


def _investor(ctx: AppContext, ref: str) -> Investor:
    """The investor with number or id ``ref`` (the service calls made with it check the actor's rights)."""
    service = ctx.services.portfolio.investors
    found = service.by_number(ref)
    if found is None:
        doc = service.investors.get(ref)
        if doc is None:
            fail(f"There is no investor {ref!r}; give a number (INV-00017) or an id, see `fidus investors list`.")
        found = Investor.from_doc(doc)
    return found


def _on_file(details: InvestorDetails, name: str) -> str | None:
    """What ``show`` prints for a sensitive field it does not reveal."""
    if name not in details.sealed:
        return None
    locked = details.sealed[name]
    return HIDDEN if locked is None else str(locked)


def _row(investor: Investor) -> dict[str, Any]:
    return {"investor_id": investor.investor_id, "number": investor.number, "name": investor.name,
            "kind": investor.kind}


def cmd_list(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        service = ctx.services.portfolio.investors
        query = investor_filter(args.search, args.kind)
        rows = [_row(i) for i in service.page(actor, query, offset=args.offset, limit=args.limit)]
        if args.json:
            emit_json({"total": service.count(actor, query), "investors": rows})
        else:
            print_table(rows, ["number", "name", "kind", "investor_id"])
        return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor), crypto_errors():
        service = ctx.services.portfolio.investors
        details = service.details(actor, _investor(ctx, args.investor).investor_id)
        investor = details.investor
        personal = {name: _on_file(details, name) for name in SENSITIVE_FIELDS}
        for name in args.reveal or []:
            value = service.reveal(actor, investor.investor_id, name)
            personal[name] = None if value is None else str(value)
        data = {**_row(investor), "email": investor.email, "nationalities": list(investor.nationalities),
                "residence_country": investor.residence_country,
                "incorporation_country": investor.incorporation_country, "user_id": investor.user_id, **personal}
        if args.json:
            emit_json(data)
        else:
            for key, value in data.items():
                shown = ", ".join(value) if isinstance(value, list) else value
                print(f"{key:>21}: {'—' if shown in (None, '') else shown}")
        return EXIT_OK


def _nationalities(args: argparse.Namespace) -> str | None:
    """The ``--nationality`` options as one text for the service (None: not given, so unchanged)."""
    return None if args.nationality is None else ", ".join(args.nationality)


def _countries(args: argparse.Namespace) -> dict[str, Any]:
    """``--residence`` and ``--incorporation`` for the service (None: not given, so unchanged; '' clears)."""
    return {"residence_country": args.residence, "incorporation_country": args.incorporation}


def _person_options(p: argparse.ArgumentParser, *, editing: bool) -> None:
    """E-mail and countries, as ``create`` takes them or as ``edit`` replaces them ('' clears a value)."""
    p.add_argument("--email")
    p.add_argument("--nationality", action="append", metavar="CC",
                   help="the nationalities (they replace those on file; repeatable; '' clears them)" if editing else
                   "ISO country code (repeatable, or comma-separated, for a dual national); individuals only")
    clears = "; '' clears it" if editing else ""
    p.add_argument("--residence", metavar="CC", help=f"country of residence (ISO code{clears}); individuals only")
    p.add_argument("--incorporation", metavar="CC",
                   help=f"country of incorporation (ISO code{clears}); corporates only")
    add_actor_options(p)


def _said(investor: Investor) -> str:
    nationalities = f", nationality {', '.join(investor.nationalities)}" if investor.nationalities else ""
    residence = f", resident in {investor.residence_country}" if investor.residence_country else ""
    incorporated = f", incorporated in {investor.incorporation_country}" if investor.incorporation_country else ""
    return f"{investor.number} {investor.name} ({investor.kind}{nationalities}{residence}{incorporated})"


def cmd_create(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        made = ctx.services.portfolio.investors.create_investor(
            actor, args.number, args.name, args.kind, email=args.email, nationalities=_nationalities(args),
            **_countries(args))
        print(f"Created {_said(made)}; it is screened and gets its KYC case.")
        return EXIT_OK


def cmd_edit(args: argparse.Namespace) -> int:
    if all(getattr(args, name) is None for name in ("name", "email", "nationality", "residence", "incorporation")):
        fail("Nothing to change: give --name, --email, --nationality, --residence or --incorporation.")
    with acting(args) as (ctx, actor):
        investor = _investor(ctx, args.investor)
        after = ctx.services.portfolio.investors.update_investor(
            actor, investor.investor_id, investor.version, name=args.name, email=args.email,
            nationalities=_nationalities(args), **_countries(args))
        print(f"Saved {_said(after)}.")
        return EXIT_OK


def personal_value(name: str, source: str) -> str:
    """A personal value from ``env:VAR``, ``file:PATH`` or ``prompt``: never the value itself on the command line,
    where the process list, shell history and logs would keep it."""
    kind, _, where = source.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where)
        if value is None:
            fail(f"{_option(name)} env:{where}: the environment variable {where} is not set.")
        return value
    if kind == "file" and where:
        try:
            return Path(where).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"{_option(name)} file:{where}: cannot read it ({exc}).")
    if source == "prompt":
        if not sys.stdin.isatty():
            fail(f"{_option(name)} prompt needs a terminal; use env:VAR or file:PATH in scripts.")
        return getpass.getpass(f"{name.replace('_', ' ').capitalize()}: ")
    fail(f"{_option(name)} takes env:VAR, file:PATH or prompt, not the value itself (it would be visible in the "
         "process list and the shell history).")


def cmd_set_personal(args: argparse.Namespace) -> int:
    values: dict[str, str | None] = {name: None for name in args.clear or []}
    for name in SENSITIVE_FIELDS:
        given = getattr(args, name)
        if given is not None:
            if name in values:
                fail(f"{_option(name)} and --clear {name} contradict each other; give one.")
            values[name] = personal_value(name, given)
    if not values:
        fail("Nothing to change: give " + ", ".join(f"{_option(n)} VALUE" for n in SENSITIVE_FIELDS) +
             " or --clear FIELD.")
    with acting(args) as (ctx, actor), crypto_errors():
        investor = _investor(ctx, args.investor)
        ctx.services.portfolio.investors.set_personal(actor, investor.investor_id, investor.version, values)
        changed = ", ".join(f"{n} {'cleared' if v is None else 'set'}" for n, v in values.items())
        print(f"{investor.number}: {changed} (stored encrypted).")
        return EXIT_OK


def cmd_end_relationship(args: argparse.Namespace) -> int:
    ended_on = None if args.on.lower() == "none" else args.on
    with acting(args) as (ctx, actor):
        investor = _investor(ctx, args.investor)
        ctx.services.portfolio.investors.end_relationship(actor, investor.investor_id, investor.version, ended_on)
        print(f"{investor.number}: relationship {'ongoing again' if ended_on is None else f'ended on {ended_on}'}; "
              "the KYC retention period counts from this date.")
        return EXIT_OK


def cmd_find(args: argparse.Namespace) -> int:
    name = next(n for n in SENSITIVE_FIELDS if getattr(args, n) is not None)
    value = personal_value(name, getattr(args, name))
    with acting(args) as (ctx, actor), crypto_errors():
        found = ctx.services.portfolio.investors.find_by_personal(actor, name, value)
        rows = [_row(i) for i in found]
        if args.json:
            emit_json({"investors": rows})
        elif rows:
            print_table(rows, ["number", "name", "kind", "investor_id"])
        else:
            print(f"No investor has this {name.replace('_', ' ')}.")
        return EXIT_OK


def _personal_options(parser: argparse.ArgumentParser | argparse._MutuallyExclusiveGroup, verb: str) -> None:
    for name in SENSITIVE_FIELDS:
        parser.add_argument(_option(name), dest=name, metavar="env:VAR|file:PATH|prompt",
                            help=f"{verb} the {name.replace('_', ' ')}, read from there")


def register(sub: argparse._SubParsersAction) -> None:
    investors = sub.add_parser("investors", help="investors and their encrypted personal fields")
    isub = investors.add_subparsers(dest="investors_command", required=True, metavar="ACTION")
    p = isub.add_parser("list", help="investors (number order)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--search", help="number prefix or part of the name")
    p.add_argument("--kind", choices=["individual", "corporate"])
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=1000)
    add_actor_options(p)
    p.set_defaults(func=cmd_list)

    p = isub.add_parser("show", help="one investor; --reveal decrypts a sensitive field (audited)")
    p.add_argument("investor", metavar="ID", help="investor number or id")
    p.add_argument("--reveal", action="append", choices=SENSITIVE_FIELDS, metavar="FIELD",
                   help=f"show this field in clear (repeatable): {', '.join(SENSITIVE_FIELDS)}")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_show)

    p = isub.add_parser("create", help="a new investor (screened and given a KYC case at once)")
    p.add_argument("--number", required=True, help="its unique number, e.g. INV-00018")
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=["individual", "corporate"])
    _person_options(p, editing=False)
    p.set_defaults(func=cmd_create)

    p = isub.add_parser("edit", help="change an investor's name, e-mail, nationalities or countries")
    p.add_argument("investor", metavar="ID", help="investor number or id")
    p.add_argument("--name")
    _person_options(p, editing=True)
    p.set_defaults(func=cmd_edit)

    p = isub.add_parser("set-personal", help="set or clear sensitive fields (stored encrypted)")
    p.add_argument("investor", metavar="ID", help="investor number or id")
    _personal_options(p, "set")
    p.add_argument("--clear", action="append", choices=SENSITIVE_FIELDS, metavar="FIELD",
                   help="remove this field (repeatable)")
    add_actor_options(p)
    p.set_defaults(func=cmd_set_personal)

    p = isub.add_parser("end-relationship", help="record when the relationship ended (KYC retention starts)")
    p.add_argument("investor", metavar="ID", help="investor number or id")
    p.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="the last day, or 'none' if it goes on again")
    add_actor_options(p)
    p.set_defaults(func=cmd_end_relationship)

    p = isub.add_parser("find", help="investors holding a national id, tax id, IBAN or date of birth")
    _personal_options(p.add_mutually_exclusive_group(required=True), "find by")
    p.add_argument("--json", action="store_true")
    add_actor_options(p)
    p.set_defaults(func=cmd_find)
