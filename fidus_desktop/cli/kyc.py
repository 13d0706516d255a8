"""``fidus kyc``: each investor's KYC case and what it lacks, open a case, record a checklist item, submit a
case for review and approve it as a second officer; investment readiness: who may subscribe and why not, the
signed agreement received, an override with four eyes."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from fidus_desktop.cli import kyc_checklists, kyc_owners
from fidus_desktop.cli.common import EXIT_OK, acting, add_actor_options, emit_json, fail, print_table, read_bytes
from fidus_desktop.domain.compliance.kyc import ItemStatus
from fidus_desktop.domain.compliance.risk import RiskInputs, model_to_dict
from fidus_desktop.reports.kyc_report import SECTIONS, kyc_report_pdf, tables
from fidus_desktop.reports.table_file import write_table, write_workbook
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.kyc import CaseStatusView, KycCase, KycService
from fidus_desktop.services.compliance.readiness import InvestorReadiness
from fidus_desktop.services.compliance.risk_models import SavedModel


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
        ready = {r.investor.investor_id: r.readiness for r in
                 ctx.services.readiness.of_investors(actor, [investor_id] if investor_id else None)}
        rows = [{**_status_row(v), "ready": ready[v.investor.investor_id].ready,
                 "readiness": ready[v.investor.investor_id].summary()} for v in kyc.status(actor, investor_id)]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No investor yet.")
    else:
        print_table([{**r, "risk_band": r["risk_band"] or "-", "missing": len(r["missing"]),
                      "ready": "yes" if r["ready"] else "no"} for r in rows],
                    ["investor", "name", "status", "risk_band", "open_alerts", "missing", "ready"])
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


def _on_case(args: argparse.Namespace, step: Callable[[KycService, Actor, KycCase], KycCase]) -> KycCase:
    """The investor's case (``args.investor``) read and ``step`` applied to it at the version just read."""
    with acting(args) as (ctx, actor):
        kyc = ctx.services.kyc
        return step(kyc, actor, kyc.case_for(actor, args.investor))


def cmd_item(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.move_item(
        actor, case.case_id, case.version, args.item, args.status, reason=args.reason,
        document_date=args.document_date, expires_on=args.expires, document_id=args.document))
    item = after.item(args.item).item
    print(f"{item.requirement.label}: {item.status.value.replace('_', ' ')}. {_said(after)}.")
    return EXIT_OK


def cmd_risk(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.set_risk_band(actor, case.case_id, case.version, args.band,
                                                                      args.reason))
    if after.override_pending:
        print(f"Risk band of {after.investor_number} stays {after.risk_band} (scored) until a second officer "
              f"confirms the override: `fidus kyc confirm-risk {after.investor_number}`.")
    else:
        print(f"Risk band of {after.investor_number}: {after.risk_band}.")
    return EXIT_OK


def cmd_confirm_risk(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.confirm_risk_override(actor, case.case_id, case.version))
    print(f"Risk band of {after.investor_number}: {after.risk_band} (override confirmed).")
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.submit(actor, case.case_id, case.version))
    print(f"{_said(after)}; a second officer approves it: `fidus kyc approve {after.investor_number}`.")
    return EXIT_OK


def cmd_approve(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.approve(actor, case.case_id, case.version))
    print(f"{_said(after)}.")
    return EXIT_OK


def cmd_reject(args: argparse.Namespace) -> int:
    after = _on_case(args, lambda kyc, actor, case: kyc.reject(actor, case.case_id, case.version, args.reason,
                                                               reopen=args.reopen))
    print(f"{_said(after)}.")
    return EXIT_OK


def _readiness_row(view: InvestorReadiness) -> dict:
    override = view.readiness.override
    return {"investor": view.investor.number, "name": view.investor.name, "ready": view.ready,
            "summary": view.readiness.summary(), "blocking": list(view.readiness.blocking),
            "gaps": list(view.readiness.gaps), "agreement_received": view.agreement_received,
            "override": None if override is None else {
                "reason": override.reason, "expires_on": override.expires_on, "requested_by": override.requested_by,
                "confirmed_by": override.confirmed_by}}


def cmd_readiness(args: argparse.Namespace) -> int:
    """Exit 0 when every investor shown is ready, 1 when one is not (for scripts), as ``screening run`` does."""
    with acting(args) as (ctx, actor):
        ids = [ctx.services.kyc.investor(actor, args.investor).investor_id] if args.investor else None
        rows = [_readiness_row(v) for v in ctx.services.readiness.of_investors(actor, ids)]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No investor yet.")
    else:
        print_table([{**r, "ready": "yes" if r["ready"] else "no", "why": r["summary"]} for r in rows],
                    ["investor", "name", "ready", "why"])
    return EXIT_OK if all(r["ready"] for r in rows) else 1


def _readiness_said(view: InvestorReadiness) -> str:
    return f"Investor {view.investor.number} is {view.readiness.summary()}."


def cmd_agreement(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor = ctx.services.kyc.investor(actor, args.investor)
        view = ctx.services.readiness.record_agreement(actor, investor.investor_id, args.received, args.document)
    print(f"Signed agreement received on {view.agreement_received}. {_readiness_said(view)}")
    return EXIT_OK


def cmd_override(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        investor = ctx.services.kyc.investor(actor, args.investor)
        readiness = ctx.services.readiness
        if args.confirm:
            view = readiness.confirm_override(actor, investor.investor_id)
        elif args.revoke:
            view = readiness.revoke_override(actor, investor.investor_id, args.reason)
        else:
            view = readiness.request_override(actor, investor.investor_id, args.reason, args.until)
            print(f"Override asked until {args.until}; a second officer confirms it: "
                  f"`fidus kyc override {investor.number} --confirm`.")
    print(_readiness_said(view))
    return EXIT_OK


def _inputs(args: argparse.Namespace) -> RiskInputs:
    try:
        volume = Decimal(args.volume) if args.volume else Decimal(0)
    except InvalidOperation:
        fail(f"--volume {args.volume!r} is not an amount; write it like 250000.")
    nationalities = tuple(c.strip() for given in args.nationality or [] for c in given.split(",") if c.strip())
    return RiskInputs(residence=args.residence, nationalities=nationalities, incorporation=args.incorporation,
                      pep=args.pep, product_kind=args.product, face_to_face=not args.remote,
                      source_of_funds=args.source_of_funds, ownership_levels=args.ownership_levels,
                      expected_volume=volume)


def _explain(lines: list[str], score: int, band: str, model_version: str, factors: list[tuple[str, int, str]],
             next_review: object, edd: bool) -> None:
    lines.append(f"Risk score {score}/100 → {band} (model {model_version}); next review {next_review}"
                 + ("; enhanced due diligence required." if edd else "."))
    lines += [f"  +{points:>3}  {name:<16} {why}" for name, points, why in factors] or ["  no risk factor"]


def cmd_score(args: argparse.Namespace) -> int:
    """Score the investor with the current model (or ``--show`` the latest run) and explain every factor."""
    with acting(args) as (ctx, actor):
        kyc = ctx.services.kyc
        case = kyc.case_for(actor, args.investor)
        runs = kyc.runs_of(actor, case.investor_id)
        if args.show:
            if not runs:
                fail(f"Investor {case.investor_number} has not been scored yet: `fidus kyc score "
                     f"{case.investor_number} --residence …`.")
            run = runs[0]
            row = {"investor": case.investor_number, "score": run.score, "band": run.band.value,
                   "model_version": run.model_version, "scored_at": run.scored_at, "scored_by": run.scored_by,
                   "next_review": run.next_review, "enhanced_due_diligence": run.enhanced_due_diligence,
                   "factors": [{"name": f.name, "points": f.points, "why": f.why} for f in run.factors]}
        else:
            if args.same_inputs and not runs:
                fail(f"Investor {case.investor_number} has no earlier run whose inputs could be reused.")
            if args.same_inputs:  # the same inputs, with the countries on file now (edited since?)
                investor, last = ctx.services.portfolio.investors.get(actor, case.investor_id), runs[0].inputs
                inputs = replace(last, nationalities=investor.nationalities or last.nationalities,
                                 residence=investor.residence_country or last.residence,
                                 incorporation=investor.incorporation_country or last.incorporation)
            else:
                inputs = _inputs(args)
            model = ctx.services.risk_models.current(actor).model
            after, result = kyc.score_risk(actor, case.case_id, case.version, inputs, model)
            row = {"investor": case.investor_number, "score": result.score, "band": result.band.value,
                   "case_band": after.risk_band, "model_version": result.model_version,
                   "next_review": result.next_review, "enhanced_due_diligence": result.enhanced_due_diligence,
                   "factors": [{"name": f.name, "points": f.points, "why": f.why} for f in result.factors]}
    if args.json:
        emit_json(row)
        return EXIT_OK
    lines: list[str] = [f"Investor {row['investor']}:"]
    _explain(lines, row["score"], row["band"], row["model_version"],
             [(f["name"], f["points"], f["why"]) for f in row["factors"]], row["next_review"],
             row["enhanced_due_diligence"])
    print("\n".join(lines))
    return EXIT_OK


def _saved(result: SavedModel) -> None:
    saved, rescored = result.saved, result.rescored
    print(f"Risk model version {saved.version} saved: " + "; ".join(saved.changes) + ".")
    print(f"{rescored.rescored} scored investor(s) re-scored with it"
          + (": " + ", ".join(rescored.band_changes) if rescored.band_changes else "; no band changed") + ".")
    if rescored.needs_update:
        print("Approved cases whose band rose now need an update: " + ", ".join(rescored.needs_update) + ".")


def cmd_model_show(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        current = ctx.services.risk_models.current(actor)
    data = model_to_dict(current.model)
    if args.json:
        emit_json({**data, "saved_at": current.saved_at, "saved_by": current.saved_by, "reason": current.reason})
        return EXIT_OK
    print(f"Risk model version {current.version}" + (f", saved {current.saved_at:%Y-%m-%d} by {current.saved_by}"
                                                     if current.saved_at else "") + f": {current.reason}")
    for c in current.model.country_lists:
        print(f"  {c.name} (as of {c.as_of}, +{c.points}): {', '.join(sorted(c.codes))}")
    medium, high, critical = current.model.bounds
    print(f"  bands: medium from {medium}, high from {high}, critical from {critical}; "
          f"PEP +{current.model.pep_points}, non face-to-face +{current.model.non_face_to_face_points}")
    return EXIT_OK


def cmd_model_versions(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        versions = ctx.services.risk_models.versions(actor)
    rows = [{"version": v.version, "saved_at": v.saved_at, "saved_by": v.saved_by, "reason": v.reason,
             "changes": list(v.changes)} for v in versions]
    if args.json:
        emit_json(rows)
    elif not rows:
        print("No risk model saved yet; the shipped model is in use (`fidus kyc model show`).")
    else:
        print_table([{**r, "changes": "; ".join(r["changes"])} for r in rows],
                    ["version", "saved_at", "saved_by", "reason", "changes"])
    return EXIT_OK


def cmd_model_export(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        models = ctx.services.risk_models
        chosen = models.version(actor, args.version) if args.version else models.current(actor)
    write_private(Path(args.out), (json.dumps(model_to_dict(chosen.model), indent=2) + "\n").encode("utf-8"))
    print(f"Risk model version {chosen.version} written to {args.out}; edit it and `fidus kyc model import`.")
    return EXIT_OK


def cmd_model_import(args: argparse.Namespace) -> int:
    data = read_bytes(args.file)
    try:
        model = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        fail(f"{args.file} is not a JSON risk model ({exc}); start from `fidus kyc model export`.")
    with acting(args) as (ctx, actor):
        _saved(ctx.services.risk_models.save(actor, model, args.reason))
    return EXIT_OK


def cmd_model_countries(args: argparse.Namespace) -> int:
    with acting(args) as (ctx, actor):
        _saved(ctx.services.risk_models.save_country_list(actor, args.name, args.as_of, args.codes, args.points,
                                                          args.reason, source=args.source))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """PDF: every section; XLSX: a sheet per section; CSV: one section (``--section``, default status)."""
    out = Path(args.out)
    kind = out.suffix.lower().lstrip(".")
    if kind not in ("pdf", "csv", "xlsx"):
        fail(f"{out.name}: the report is written as .pdf, .csv or .xlsx; name the file with one of them.")
    if kind != "csv" and args.section:
        fail("--section chooses the one table a CSV file holds; a PDF or XLSX report has every section.")
    with acting(args) as (ctx, actor):
        report = ctx.services.compliance_reports.kyc_report(actor)
    if kind == "pdf":
        write_private(out, kyc_report_pdf(report))
    elif kind == "xlsx":
        write_workbook(list(tables(report).values()), out)
    else:
        write_table(tables(report)[args.section or "status"], out)
    ready = sum(r.ready for r in report.status)
    print(f"KYC report as of {report.as_of} written to {out}: {len(report.status)} investors ({ready} ready), "
          f"{len(report.reviews)} reviews due or overdue, {len(report.documents)} documents expiring or lapsed, "
          f"{len(report.hits)} screening hits.")
    return EXIT_OK


def _register_model(sub: argparse._SubParsersAction) -> list[argparse.ArgumentParser]:
    model = sub.add_parser("model", help="the stored AML risk model: dated country lists, points, bands")
    actions = model.add_subparsers(dest="model_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="the model in use")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_model_show)
    versions = actions.add_parser("versions", help="every saved version: who, when, why, what changed")
    versions.add_argument("--json", action="store_true")
    versions.set_defaults(func=cmd_model_versions)
    export = actions.add_parser("export", help="write the model as JSON to edit")
    export.add_argument("--out", required=True)
    export.add_argument("--version", help="an older version (default: the one in use)")
    export.set_defaults(func=cmd_model_export)
    imported = actions.add_parser("import", help="save an edited JSON model as the next version and re-score")
    imported.add_argument("file")
    imported.add_argument("--reason", required=True)
    imported.set_defaults(func=cmd_model_import)
    countries = actions.add_parser("countries", help="a new dated version of one country list and re-score")
    countries.add_argument("name", help='e.g. "FATF increased monitoring"')
    countries.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the list's publication date")
    countries.add_argument("--codes", required=True, help="ISO codes, comma-separated: IR,KP,MM")
    countries.add_argument("--points", help="points for a link to one of them (default: the list's current)")
    countries.add_argument("--source", help="where it was published (default: the list's current source)")
    countries.add_argument("--reason", required=True)
    countries.set_defaults(func=cmd_model_countries)
    return [show, versions, export, imported, countries]


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
    readiness = sub.add_parser("readiness", help="who may invest, and why not (exit 1 while one is not ready)")
    readiness.add_argument("--investor", metavar="ID", help="one investor (number or id)")
    readiness.add_argument("--json", action="store_true")
    readiness.set_defaults(func=cmd_readiness)
    agreement = sub.add_parser("agreement", help="record the date the signed subscription agreement was received")
    agreement.add_argument("investor")
    agreement.add_argument("--received", required=True, metavar="YYYY-MM-DD")
    agreement.add_argument("--document", metavar="DOCUMENT_ID", help="link the stored signed agreement")
    agreement.set_defaults(func=cmd_agreement)
    override = sub.add_parser("override", help="let a not-ready investor invest until a date (two officers)")
    override.add_argument("investor")
    action = override.add_mutually_exclusive_group(required=True)
    action.add_argument("--until", metavar="YYYY-MM-DD", help="ask for an override ending on this date")
    action.add_argument("--confirm", action="store_true", help="as the second officer, put it in force")
    action.add_argument("--revoke", action="store_true", help="end it now")
    override.add_argument("--reason", help="why (required to ask for or revoke an override)")
    override.set_defaults(func=cmd_override)
    score = sub.add_parser("score", help="score the investor with the risk model, explained factor by factor")
    score.add_argument("investor")
    score.add_argument("--residence", metavar="CC", help="country of residence (ISO code, e.g. FR)")
    score.add_argument("--nationality", metavar="CC", action="append",
                       help="nationality (ISO code; repeat or comma-separate for several); by default the ones on "
                            "file for the investor, which a typed one must match")
    score.add_argument("--incorporation", metavar="CC", help="country of incorporation (companies)")
    score.add_argument("--pep", action="store_true", help="a politically exposed person")
    score.add_argument("--remote", action="store_true", help="onboarded without meeting in person")
    score.add_argument("--product", metavar="KIND", help="product kind, e.g. fund, fixed_yield, profit_share")
    score.add_argument("--source-of-funds", metavar="SOURCE", help="e.g. salary, business_income, inheritance")
    score.add_argument("--ownership-levels", type=int, default=0, metavar="N",
                       help="companies between a corporate investor and its beneficial owners")
    score.add_argument("--volume", metavar="AMOUNT", help="expected yearly amount")
    score.add_argument("--same-inputs", action="store_true", help="score the latest run's inputs again")
    score.add_argument("--show", action="store_true", help="explain the latest stored run; score nothing")
    score.add_argument("--json", action="store_true")
    score.set_defaults(func=cmd_score)
    report = sub.add_parser("report", help="KYC status, reviews due, expiring documents, hits, risk distribution")
    report.add_argument("--out", required=True, help="FILE.pdf, FILE.xlsx or FILE.csv")
    report.add_argument("--section", choices=SECTIONS, help="the table a CSV holds (default: status)")
    report.set_defaults(func=cmd_report)
    for command in (report, status, opened, item, risk, confirm_risk, submit, approve, reject, lapse, readiness,
                    agreement, override, score, *_register_model(sub)):
        add_actor_options(command)
    kyc_owners.register(sub)
    kyc_checklists.register(sub)
