"""``fidus kyc``: each investor's KYC case and what it lacks, open a case, record a checklist item, submit a
case for review and approve it as a second officer."""

from __future__ import annotations

import argparse

from fidus_desktop.cli import kyc_owners
from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, print_table
from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.services.compliance.kyc import CaseStatusView, KycCase


def _status_row(view: CaseStatusView) -> dict:
    case = view.case
    return {"investor": view.investor.number, "name": view.investor.name, "kind": view.investor.kind,
            "status": case.status.value if case else "no case", "risk_band": case.risk_band if case else None,
            "open_alerts": view.open_alerts, "submitted_by": case.submitted_by if case else None,
            "decided_by": case.decided_by if case else None, "missing": list(view.problems),
            "expiring": list(view.expiring),
            "items": [{"item": i.code, "label": i.item.requirement.label, "status": i.item.status.value,
                       "document_date": i.item.document_date, "expires_on": i.item.expires_on,
                       "reason": i.item.reason, "document_id": i.document_id} for i in case.items] if case else []}


def cmd_status(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        kyc = ctx.services.kyc
        investor_id = kyc.investor(actor, args.investor).investor_id if args.investor else None
        rows = [_status_row(v) for v in kyc.status(actor, investor_id)]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No investor yet.")
    else:
        print_table([{**r, "risk_band": r["risk_band"] or "-", "missing": len(r["missing"])} for r in rows],
                    ["investor", "name", "status", "risk_band", "open_alerts", "missing"])
        for row in rows:
            if row["missing"]:
                print(f"{row['investor']} missing: " + "; ".join(row["missing"]))
            if row["expiring"]:
                print(f"{row['investor']} expiring: " + "; ".join(row["expiring"]))
    return EXIT_OK


def cmd_lapse(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        moved = ctx.services.kyc.lapse_expired(actor)
    print(f"{len(moved)} approved case(s) with a lapsed document now need an update"
          + (": " + ", ".join(c.investor_number for c in moved) if moved else "."))
    return EXIT_OK


def _said(case: KycCase) -> str:
    return f"KYC case of {case.investor_number} is {case.status.value.replace('_', ' ')}"


def cmd_open(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor = ctx.services.kyc.investor(actor, args.investor)
        case = ctx.services.kyc.open_case(actor, investor.investor_id)
    print(f"{_said(case)}: {len(case.items)} checklist items to collect.")
    return EXIT_OK


def cmd_item(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.move_item(actor, case.case_id, case.version, args.item, args.status,
                                           reason=args.reason, document_date=args.document_date,
                                           expires_on=args.expires, document_id=args.document)
    item = after.item(args.item).item
    print(f"{item.requirement.label}: {item.status.value.replace('_', ' ')}. {_said(after)}.")
    return EXIT_OK


def cmd_risk(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.set_risk_band(actor, case.case_id, case.version, args.band, args.reason)
    if after.override_pending:
        print(f"Risk band of {after.investor_number} stays {after.risk_band} (scored) until a second officer "
              f"confirms the override: `fidus kyc confirm-risk {after.investor_number}`.")
    else:
        print(f"Risk band of {after.investor_number}: {after.risk_band}.")
    return EXIT_OK


def cmd_confirm_risk(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.confirm_risk_override(actor, case.case_id, case.version)
    print(f"Risk band of {after.investor_number}: {after.risk_band} (override confirmed).")
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.submit(actor, case.case_id, case.version)
    print(f"{_said(after)}; a second officer approves it: `fidus kyc approve {after.investor_number}`.")
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.approve(actor, case.case_id, case.version)
    print(f"{_said(after)}.")
    return EXIT_OK


def cmd_reject(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        case = ctx.services.kyc.case_for(actor, args.investor)
        after = ctx.services.kyc.reject(actor, case.case_id, case.version, args.reason, reopen=args.reopen)
    print(f"{_said(after)}.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("kyc", help="KYC cases: checklists, risk bands, four-eyes approval")
    sub = parser.add_subparsers(dest="kyc_command", required=True, metavar="ACTION")
    status = sub.add_parser("status", help="each investor's case status and what is missing")
    status.add_argument("--investor", metavar="ID", help="one investor (number or id)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    opened = sub.add_parser("open", help="open the KYC case of an investor")
    opened.add_argument("investor")
    opened.set_defaults(func=cmd_open)
    item = sub.add_parser("item", help="record a checklist item's status")
    item.add_argument("investor")
    item.add_argument("item", help="the item code, e.g. identity, address, incorporation (see `kyc status --json`)")
    item.add_argument("status", choices=[s.value for s in ItemStatus])
    item.add_argument("--reason", help="why it is rejected or what to revise")
    item.add_argument("--expires", metavar="YYYY-MM-DD", help="the expiry date printed on the document")
    item.add_argument("--document-date", metavar="YYYY-MM-DD", help="the date on the document")
    item.add_argument("--document", metavar="DOCUMENT_ID", help="link a stored document of the investor")
    item.set_defaults(func=cmd_item)
    risk = sub.add_parser("risk", help="record the risk band assessed, with the reason")
    risk.add_argument("investor")
    risk.add_argument("band", choices=["low", "medium", "high", "critical"])
    risk.add_argument("--reason", required=True)
    risk.set_defaults(func=cmd_risk)
    confirm_risk = sub.add_parser("confirm-risk", help="as the second officer, confirm a risk band override")
    confirm_risk.add_argument("investor")
    confirm_risk.set_defaults(func=cmd_confirm_risk)
    submit = sub.add_parser("submit", help="send the case to review by a second officer")
    submit.add_argument("investor")
    submit.set_defaults(func=cmd_submit)
    approve = sub.add_parser("approve", help="as the second officer, approve a case in review")
    approve.add_argument("investor")
    approve.set_defaults(func=cmd_approve)
    reject = sub.add_parser("reject", help="as the second officer, reject a case in review (or --reopen it)")
    reject.add_argument("investor")
    reject.add_argument("--reason", required=True)
    reject.add_argument("--reopen", action="store_true", help="send it back to open for more documents")
    reject.set_defaults(func=cmd_reject)
    lapse = sub.add_parser("lapse", help="approved cases with a lapsed document go back to needs update (daily)")
    lapse.set_defaults(func=cmd_lapse)
    for command in (status, opened, item, risk, confirm_risk, submit, approve, reject, lapse):
        add_actor_options(command)
    kyc_owners.register(sub)
