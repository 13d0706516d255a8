"""KYC cases: one per investor, its checklist items stored with their statuses, a risk band set by an officer,
and the four-eyes approval.

The rules (which item moves are allowed, what blocks an approval) are the domain's
(``domain.compliance.kyc``); this service stores the case, checks permissions, counts the investor's open
screening alerts and audits every change. A case is opened by hand or when an investor is created (wired to
the investor service by the compliance feature). Its items are copied from the checklist of the investor's
kind when the case opens, each with its requirement, so a later checklist edit does not change an open file.

Four eyes: the officer who submits a case for review cannot approve or reject it; another officer holding
``kyc.approve`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fidus_desktop.domain.compliance.kyc import (
    CaseStatus,
    Item,
    ItemStatus,
    KycError,
    Requirement,
    approval_problems,
    checklist,
    expiring,
    lapsed,
    move_case,
    move_item,
)
from fidus_desktop.domain.compliance.risk import (
    BAND_ORDER,
    Band,
    Factor,
    RiskError,
    RiskInputs,
    RiskModel,
    RiskScore,
    check_inputs,
    check_override,
    check_override_request,
    score,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.checklists import CHECKLISTS, requirements_in_use
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.screening import ScreeningService
from fidus_desktop.services.documents import DOCUMENTS
from fidus_desktop.services.permissions import PermissionDenied, require
from fidus_desktop.services.personal_data import KYC_RETENTION, PersonCollection, Retention
from fidus_desktop.services.portfolio._common import parse_date
from fidus_desktop.services.portfolio.investors import INVESTORS, Investor, country_of, nationalities_of
from fidus_desktop.store.port import Document

DOCUMENT_VALID_DAYS = 366 * 15  # identity documents run for up to ten years (fifteen in some countries)

CASES = "kyc_cases"
RISK_RUNS = "kyc_risk_runs"
CASE_PERSONAL_DATA = PersonCollection(
    CASES, "investor_id", ("risk_reason", "decision_reason"),
    Retention(KYC_RETENTION.years_setting, KYC_RETENTION.default_years, KYC_RETENTION.ends_field,
              owner=(INVESTORS, "investor_id")))
"""A case is part of the investor's KYC file: exported with the person, its free-text reasons pseudonymised
once the KYC retention period after the relationship has passed."""
RISK_RUN_PERSONAL_DATA = PersonCollection(
    RISK_RUNS, "investor_id", ("inputs", "factors"),
    Retention(KYC_RETENTION.years_setting, KYC_RETENTION.default_years, KYC_RETENTION.ends_field,
              owner=(INVESTORS, "investor_id")))
"""A scoring run's inputs (residence, nationality, PEP status, source of funds) are personal data."""
REMINDER = timedelta(days=30)
"""Documents lapsing within this are listed as reminders in the status."""


@dataclass(frozen=True)
class CaseItem:
    """A checklist item of a case, with the stored document it rests on (if one was linked)."""

    item: Item
    document_id: str | None = None
    updated_by: str | None = None

    @property
    def code(self) -> str:
        return self.item.requirement.code


@dataclass(frozen=True)
class KycCase:
    case_id: str
    investor_id: str
    investor_number: str
    kind: str
    status: CaseStatus
    items: tuple[CaseItem, ...]
    risk_band: Band | None
    risk_reason: str | None
    submitted_by: str | None
    decided_by: str | None
    version: int
    override_pending: bool = False
    submitted_at: datetime | None = None  # when it was last sent to review
    changed_at: datetime | None = None  # its last change (None: a case stored before this was recorded)

    def item(self, code: str) -> CaseItem:
        for entry in self.items:
            if entry.code == code:
                return entry
        raise ValidationError({"item": f"{code!r} is not on this case's checklist; use one of "
                                       f"{', '.join(i.code for i in self.items)}."})

    @classmethod
    def from_doc(cls, doc: Document) -> KycCase:
        return cls(doc["_id"], doc["investor_id"], doc["investor_number"], doc["kind"], CaseStatus(doc["status"]),
                   tuple(_item_from(d) for d in doc["items"]), Band(doc["risk_band"]) if doc.get("risk_band") else None,
                   doc.get("risk_reason"), doc.get("submitted_by"), doc.get("decided_by"), doc["version"],
                   bool(doc.get("risk_override")), doc.get("submitted_at"), doc.get("changed_at"))


@dataclass(frozen=True)
class CaseStatusView:
    """An investor, its case (None: no case opened yet) and what stands between the case and its approval."""

    investor: Investor
    case: KycCase | None
    open_alerts: int
    problems: tuple[str, ...]
    expiring: tuple[str, ...] = ()  # reminders: "Identity document expires on 2027-01-05"


def item_doc(entry: CaseItem) -> Document:
    item, req = entry.item, entry.item.requirement
    return {"code": req.code, "label": req.label, "required": req.required, "expires": req.expires,
            "max_age_days": req.max_age_days, "status": item.status.value, "document_date": item.document_date,
            "expires_on": item.expires_on, "reason": item.reason, "document_id": entry.document_id,
            "updated_by": entry.updated_by}


def _item_from(doc: Document) -> CaseItem:
    req = Requirement(doc["code"], doc["label"], "", doc["required"], doc["expires"], doc["max_age_days"])
    return CaseItem(Item(req, ItemStatus(doc["status"]), doc.get("document_date"), doc.get("expires_on"),
                         doc.get("reason")), doc.get("document_id"), doc.get("updated_by"))


def _audit_image(doc: Document) -> Document:
    return {"status": doc["status"], "risk_band": doc.get("risk_band"),
            "items": {i["code"]: i["status"] for i in doc["items"]}}


@dataclass(frozen=True)
class RiskRun:
    """One stored scoring run: the band it gave, with its model version, inputs and every factor."""

    investor_id: str
    scored_at: datetime
    scored_by: str
    model_version: str
    score: int
    band: Band
    inputs: RiskInputs
    factors: tuple[Factor, ...]
    next_review: date
    enhanced_due_diligence: bool

    @classmethod
    def from_doc(cls, doc: Document) -> RiskRun:
        return cls(doc["investor_id"], doc["scored_at"], doc["scored_by"], doc["model_version"], doc["score"],
                   Band(doc["band"]), _inputs_from(doc["inputs"]),
                   tuple(Factor(f["name"], f["points"], f["why"]) for f in doc["factors"]), doc["next_review"],
                   doc["enhanced_due_diligence"])


@dataclass(frozen=True)
class RescoreSummary:
    model_version: str
    rescored: int
    band_changes: tuple[str, ...]  # "INV-00012: low → high"
    needs_update: tuple[str, ...]  # investor numbers whose approved case went back to "needs update"


ROLE_LABELS = {"nationalities": "nationalities", "residence": "country of residence",
               "incorporation": "country of incorporation"}


def countries_on_file(investor: Document) -> dict[str, Any]:
    """The risk inputs' country roles the investor document has on file (nationalities as a tuple, residence
    and incorporation as a code); a role not on file is absent, so the scoring keeps what was typed."""
    on_file: dict[str, Any] = {}
    if nationalities := nationalities_of(investor):
        on_file["nationalities"] = nationalities
    for role, name in (("residence", "residence_country"), ("incorporation", "incorporation_country")):
        if code := country_of(investor, name):
            on_file[role] = code
    return on_file


def _inputs_from(doc: Document) -> RiskInputs:
    """Stored inputs; a run stored before dual nationalities kept one ``nationality`` (or None)."""
    fields = {k: v for k, v in doc.items() if k != "nationality"}
    nationalities = doc.get("nationalities") or ([doc["nationality"]] if doc.get("nationality") else [])
    return RiskInputs(**{**fields, "nationalities": tuple(nationalities),
                         "expected_volume": Decimal(str(doc.get("expected_volume", 0)))})


def _run_doc(result: RiskScore) -> Document:
    return {"model_version": result.model_version, "score": result.score, "band": result.band.value,
            "inputs": {**asdict(result.inputs), "nationalities": list(result.inputs.nationalities)},
            "factors": [{"name": f.name, "points": f.points, "why": f.why} for f in result.factors],
            "next_review": result.next_review, "enhanced_due_diligence": result.enhanced_due_diligence}


def _why(result: RiskScore) -> str:
    return f"score {result.score} with model {result.model_version}: " + (
        "; ".join(f"{f.why} (+{f.points})" for f in result.factors) or "no risk factor")


def _fail(exc: KycError, field: str) -> ValidationError:
    return ValidationError({field: str(exc)})


class KycService(Service):
    def __init__(self, ctx: ServiceContext, screening: ScreeningService) -> None:
        super().__init__(ctx)
        self.screening = screening
        self.checklists = ctx.store.collection(CHECKLISTS)
        self.cases = ctx.store.collection(CASES)
        self.investors = ctx.store.collection(INVESTORS)
        self.documents = ctx.store.collection(DOCUMENTS)
        self.runs = ctx.store.collection(RISK_RUNS)

    def ensure_indexes(self) -> None:
        self.cases.ensure_index(["investor_id"], unique=True)
        self.cases.ensure_index(["status"])
        self.runs.ensure_index(["investor_id", "scored_at"])

    # -- reading -------------------------------------------------------------------------------------
    def investor(self, actor: Actor, ref: str) -> Investor:
        """The investor with number or id ``ref``."""
        require(actor, KycPermission.READ)
        text = str(ref).strip()
        found = self.investors.find({"number": text}, limit=1) or ([d] if (d := self.investors.get(text)) else [])
        if not found:
            raise ValidationError({"investor": f"No investor {text!r}; give an investor number "
                                               "(`fidus investors list`)."})
        return Investor.from_doc(found[0])

    def case_of(self, actor: Actor, investor_id: str) -> KycCase | None:
        require(actor, KycPermission.READ)
        found = self.cases.find({"investor_id": investor_id}, limit=1)
        return KycCase.from_doc(found[0]) if found else None

    def case_for(self, actor: Actor, ref: str) -> KycCase:
        """The case of the investor with number or id ``ref``; a clear error when it has none."""
        investor = self.investor(actor, ref)
        case = self.case_of(actor, investor.investor_id)
        if case is None:
            raise ValidationError({"investor": f"Investor {investor.number} has no KYC case: "
                                               f"`fidus kyc open {investor.number}`."})
        return case

    def status(self, actor: Actor, investor_id: str | None = None) -> list[CaseStatusView]:
        """Each investor (or one), its case and what is missing for approval, by investor number."""
        require(actor, KycPermission.READ)
        query: Document = {"_id": investor_id} if investor_id else {}
        cases = {d["investor_id"]: KycCase.from_doc(d)
                 for d in self.cases.find({"investor_id": investor_id} if investor_id else {})}
        open_alerts = Counter(a.investor_id for a in self.screening.list_alerts(
            Actor.system("kyc approval rules"), open_only=True, investor_id=investor_id))
        views = []
        for doc in self.investors.find(query, sort=[("number", 1)]):
            case = cases.get(doc["_id"])
            alerts = open_alerts[doc["_id"]]
            problems = (self._problems(case, alerts) if case is not None
                        else ["no KYC case: open one (`fidus kyc open`)"])
            soon = (tuple(f"{i.requirement.label} expires on {i.expires_on}"
                          for i in expiring([e.item for e in case.items], self.now().date(), REMINDER))
                    if case is not None else ())
            views.append(CaseStatusView(Investor.from_doc(doc), case, alerts, tuple(problems), soon))
        return views

    def checklist_of(self, kind: str) -> list[Item]:
        """The items a new case of an investor of ``kind`` gets: the checklist version in use (an admin's saved
        one, else the shipped one)."""
        return checklist(kind, requirements_in_use(self.checklists, kind))

    def _open_alerts(self, investor_id: str) -> int:
        # A rule input, not data shown to the reader: counted as the system, whoever reads the case.
        return self.screening.open_count(Actor.system("kyc approval rules"), investor_id)

    def _problems(self, case: KycCase, open_alerts: int) -> list[str]:
        problems = approval_problems([i.item for i in case.items], risk_band=case.risk_band,
                                     open_alerts=open_alerts, today=self.now().date())
        if case.override_pending:
            problems.append("a risk band override awaits a second officer")
        return problems

    # -- opening -------------------------------------------------------------------------------------
    def open_case(self, actor: Actor, investor_id: str) -> KycCase:
        def write(rec: ChangeRecorder) -> Document:
            investor = self.investors.require(investor_id)
            if self.cases.find({"investor_id": investor_id}, limit=1):
                raise ValidationError({"investor": f"Investor {investor['number']} already has a KYC case: see "
                                                   f"`fidus kyc status --investor {investor['number']}`."})
            try:
                items = self.checklist_of(investor["kind"])
            except KycError as exc:
                raise _fail(exc, "kind") from None
            stored = self.cases.insert({
                "investor_id": investor_id, "investor_number": investor["number"], "kind": investor["kind"],
                "status": CaseStatus.OPEN.value, "items": [item_doc(CaseItem(i)) for i in items],
                "risk_band": None, "risk_reason": None, "opened_by": actor.username, "opened_at": self.now(),
                "changed_at": self.now(),
                "submitted_by": None, "submitted_by_id": None, "decided_by": None})
            rec.record("kyc.case_open", "kyc_case", stored["_id"],
                       after={"investor_id": investor_id, **_audit_image(stored)})
            return stored

        stored = self.change(actor, KycPermission.MANAGE, write)
        return KycCase.from_doc(stored)

    def on_investor_saved(self, investor: Investor) -> None:
        """Open the case of an investor just created (version 1; edits open nothing). The investor is already
        saved, so a failure is logged, not raised: an officer opens the case by hand."""
        if investor.version != 1:
            return
        with self.follow_up(f"Opening the KYC case of new investor {investor.number}", "open it by hand"):
            if not self.cases.find({"investor_id": investor.investor_id}, limit=1):
                self.open_case(Actor.system("kyc case on investor creation"), investor.investor_id)

    def lapse_expired(self, actor: Actor) -> list[KycCase]:
        """Put every approved case holding a lapsed document back to "needs update" (the daily sweep)."""
        require(actor, KycPermission.MANAGE)
        today, moved = self.now().date(), []
        for doc in self.cases.find({"status": CaseStatus.APPROVED.value}, sort=[("investor_number", 1)]):
            case = KycCase.from_doc(doc)
            gone = lapsed([i.item for i in case.items], today)
            if gone:
                fields = {"status": move_case(case.status, CaseStatus.NEEDS_UPDATE).value,
                          "lapsed": [f"{i.requirement.label} expired on {i.expires_on}" for i in gone]}
                moved.append(self._change(actor, KycPermission.MANAGE, case.case_id, case.version, "kyc.case_lapse",
                                          lambda before, fields=fields: fields))
        return moved

    # -- changes -------------------------------------------------------------------------------------
    def _change(self, actor: Actor, permission: KycPermission, case_id: str, version: int, action: str,
                changes: Any) -> KycCase:
        """Apply ``changes(before) -> fields`` to the case at ``version`` in one audited transaction, stamped with
        its time (``changed_at``: what My queue shows as "since")."""

        def write(rec: ChangeRecorder) -> Document:
            before = self.cases.require(case_id)
            fields = {**changes(before), "changed_at": self.now()}
            after = self.cases.update(case_id, fields, expected_version=version)
            rec.record(action, "kyc_case", case_id, before=_audit_image(before),
                       after={**_audit_image(after), **{k: v for k, v in fields.items()
                                                        if k not in ("items", "status", "risk_band", "changed_at")}})
            return after

        after = self.change(actor, permission, write)
        return KycCase.from_doc(after)

    def move_item(self, actor: Actor, case_id: str, version: int, code: str, status: ItemStatus | str, *,
                  reason: str | None = None, document_date: Any = None, expires_on: Any = None,
                  document_id: str | None = None) -> KycCase:
        """Move one checklist item (missing → received → approved, or rejected / revision requested with a
        reason); ``document_id`` links a stored document of the same investor."""
        to = self._choice(ItemStatus, status, "status")
        today = self.now().date()
        on_doc = (None if document_date in (None, "")
                  else parse_date(document_date, "document_date", "The document date", today=today))
        expiry = None if expires_on in (None, "") else parse_date(expires_on, "expires_on", "The expiry date",
                                                                    today=today, ahead_days=DOCUMENT_VALID_DAYS)

        def changes(before: Document) -> Document:
            case = KycCase.from_doc(before)
            if case.status not in (CaseStatus.OPEN, CaseStatus.NEEDS_UPDATE, CaseStatus.APPROVED):
                raise ValidationError({"case": f"The case is {case.status.value.replace('_', ' ')}; its items change "
                                               "once it is back to open (a reviewer sends it back)."})
            entry = case.item(code)
            if document_id is not None:
                self._check_document(document_id, case.investor_id)
            try:
                moved = move_item(entry.item, to, today=self.now().date(), reason=reason, document_date=on_doc,
                                  expires_on=expiry)
            except KycError as exc:
                raise _fail(exc, "item") from None
            linked = document_id if document_id is not None else entry.document_id
            items = [CaseItem(moved, linked, actor.username) if i.code == code else i for i in case.items]
            fields: Document = {"items": [item_doc(i) for i in items], "item": code, "item_status": to.value}
            if case.status is CaseStatus.APPROVED and to is not ItemStatus.APPROVED:
                fields["status"] = move_case(case.status, CaseStatus.NEEDS_UPDATE).value
            return fields

        return self._change(actor, KycPermission.MANAGE, case_id, version, "kyc.item_move", changes)

    def _check_document(self, document_id: str, investor_id: str) -> None:
        doc = self.documents.get(str(document_id).strip())
        if doc is None or doc.get("owner_entity") != "investor" or doc.get("owner_id") != investor_id:
            raise ValidationError({"document": f"No stored document {document_id} of this investor; attach it to "
                                               "the investor first."})

    def set_risk_band(self, actor: Actor, case_id: str, version: int, band: Band | str, reason: str) -> KycCase:
        """Record the risk band an officer assessed, with the reason (kept in the audit trail). Once the investor
        has been scored, a different band is an override: it waits for a second officer
        (``confirm_risk_override``) and the scored band stays until then."""
        chosen = self._choice(Band, band, "risk_band")
        why = self.required_text(reason, "reason", "The reason for the risk band", max_length=2000)

        def changes(before: Document) -> Document:
            scored = before.get("scored_band")
            if scored is None:
                return {"risk_band": chosen.value, "risk_reason": why, "risk_set_by": actor.username}
            try:
                check_override_request(Band(scored), chosen, why)
            except RiskError as exc:
                raise ValidationError({"risk_band": str(exc)}) from None
            return {"risk_override": {"band": chosen.value, "reason": why, "requested_by": actor.username,
                                      "requested_by_id": actor.user_id, "requested_at": self.now()}}

        return self._change(actor, KycPermission.MANAGE, case_id, version, "kyc.risk_band", changes)

    def confirm_risk_override(self, actor: Actor, case_id: str, version: int) -> KycCase:
        """As a second officer, apply the band override another officer asked for."""
        def changes(before: Document) -> Document:
            wanted = before.get("risk_override")
            if not wanted:
                raise ValidationError({"risk_band": "No risk band override awaits confirmation on this case."})
            try:
                check_override(Band(before["scored_band"]), Band(wanted["band"]), wanted["reason"],
                               wanted["requested_by_id"], actor.user_id)
            except RiskError as exc:
                raise PermissionDenied(f"{actor.username} asked for this override; {exc}") from None
            return {"risk_band": wanted["band"], "risk_reason": f"override: {wanted['reason']}",
                    "risk_set_by": f"{wanted['requested_by']}, confirmed by {actor.username}", "risk_override": None}

        return self._change(actor, KycPermission.APPROVE, case_id, version, "kyc.risk_override", changes)

    def score_risk(self, actor: Actor, case_id: str, version: int, inputs: RiskInputs, model: RiskModel
                   ) -> tuple[KycCase, RiskScore]:
        """Score the investor with ``model`` and make the band the case's. The run is stored with its inputs,
        model version, points and factors (``kyc_risk_runs``), so the band can be explained after the model
        changes."""
        try:
            inputs = check_inputs(inputs)
        except RiskError as exc:
            raise ValidationError({"inputs": str(exc)}) from None
        case = self.cases.require(case_id)
        inputs = self._with_countries(case["investor_id"], inputs)
        result = score(model, inputs, self.now().date())
        run, why = _run_doc(result), _why(result)

        def changes(before: Document) -> Document:
            stored = self.runs.insert({"case_id": case_id, "investor_id": before["investor_id"],
                                       "scored_at": self.now(), "scored_by": actor.username, **run})
            return {"risk_band": result.band.value, "scored_band": result.band.value, "risk_reason": why,
                    "risk_set_by": actor.username, "risk_run_id": stored["_id"], "next_review": result.next_review,
                    "risk_override": None}

        return self._change(actor, KycPermission.MANAGE, case_id, version, "kyc.risk_score", changes), result

    def _with_countries(self, investor_id: str, inputs: RiskInputs) -> RiskInputs:
        """The investor's countries on file (nationalities, residence, incorporation) are what the country
        factor scores (one record, edited with the investor); countries typed for the scoring must agree with
        them. A country not on file is scored as typed."""
        on_file = countries_on_file(self.investors.get(investor_id) or {})
        problems: dict[str, str] = {}
        typed: dict[str, Any] = {"nationalities": inputs.nationalities, "residence": inputs.residence,
                 "incorporation": inputs.incorporation}
        for role, value in on_file.items():
            given = typed[role]
            same = set(given) == set(value) if isinstance(value, tuple) else given == value
            if given and not same:
                shown = ", ".join(value) if isinstance(value, tuple) else value
                typed_text = ", ".join(given) if isinstance(given, tuple) else given
                are, them = ("are", "them") if role == "nationalities" else ("is", "it")
                problems[role] = (f"The investor's {ROLE_LABELS[role]} on file {are} {shown}, not {typed_text}: "
                                  f"edit the investor to change {them} (`fidus investors edit`), then score again.")
        if problems:
            raise ValidationError(problems)
        return replace(inputs, **on_file)

    def runs_of(self, actor: Actor, investor_id: str) -> list[RiskRun]:
        """Every scoring run of the investor, newest first: each explains its band with its model version."""
        require(actor, KycPermission.READ)
        return [RiskRun.from_doc(d) for d in self.runs.find({"investor_id": investor_id}, sort=[("scored_at", -1)])]

    def rescore(self, actor: Actor, model: RiskModel) -> RescoreSummary:
        """Score every scored case again with ``model``, on the inputs of its latest run (a new risk model
        version). Each case is its own audited change (``kyc.risk_rescore``). The scored band becomes the
        case's band unless a confirmed override set another; an approved case whose band rose goes back to
        "needs update", since a higher band asks for another review (enhanced due diligence from High)."""
        require(actor, KycPermission.MANAGE)
        rescored, moved, raised = 0, [], []
        for doc in self.cases.find({"risk_run_id": {"$ne": None}}, sort=[("investor_number", 1)]):
            done = self._rescore_case(actor, doc, model, "kyc.risk_rescore")
            if done is None:
                continue
            after, old, band = done
            rescored += 1
            if old is not None and old is not band:
                moved.append(f"{doc['investor_number']}: {old.value} → {band.value}")
            if after.status is CaseStatus.NEEDS_UPDATE and doc["status"] == CaseStatus.APPROVED.value:
                raised.append(doc["investor_number"])
        return RescoreSummary(model.version, rescored, tuple(moved), tuple(raised))

    def _rescore_case(self, actor: Actor, doc: Document, model: RiskModel, action: str
                      ) -> tuple[KycCase, Band | None, Band] | None:
        """Score the case ``doc`` again with ``model`` on its latest run's inputs and the countries on file now;
        the case after the change, its scored band before and the new one (None: never scored, nothing done)."""
        last = self.runs.get(doc["risk_run_id"]) if doc.get("risk_run_id") else None
        if last is None:
            return None
        on_file = countries_on_file(self.investors.get(doc["investor_id"]) or {})
        result = score(model, replace(_inputs_from(last["inputs"]), **on_file), self.now().date())
        run = _run_doc(result)
        old = Band(doc["scored_band"]) if doc.get("scored_band") else None
        rose = old is not None and BAND_ORDER.index(result.band) > BAND_ORDER.index(old)

        def changes(before: Document) -> Document:
            stored = self.runs.insert({"case_id": before["_id"], "investor_id": before["investor_id"],
                                       "scored_at": self.now(), "scored_by": actor.username, **run})
            overridden = before.get("risk_band") != before.get("scored_band")
            fields: Document = {"scored_band": result.band.value, "risk_run_id": stored["_id"],
                                "next_review": result.next_review}
            if not overridden:
                fields |= {"risk_band": result.band.value, "risk_reason": _why(result), "risk_set_by": actor.username}
            if rose and before["status"] == CaseStatus.APPROVED.value:
                fields["status"] = move_case(CaseStatus.APPROVED, CaseStatus.NEEDS_UPDATE).value
            return fields

        return self._change(actor, KycPermission.MANAGE, doc["_id"], doc["version"], action, changes), old, result.band

    def on_countries_edited(self, investor: Investor, current_model: Callable[[], RiskModel]) -> None:
        """Score the investor's case again with the current model once an edit changed a country its latest
        run scored (nationalities, residence, incorporation), so the band follows the file (wired by the
        feature); an approved case whose band rises goes to "needs update" as with a new model. The investor
        is already saved, so a failure is logged, not raised: an officer re-scores by hand."""
        if investor.version == 1:
            return
        with self.follow_up(f"Re-scoring the KYC case of investor {investor.number} after a country change",
                            "score it again by hand (`fidus kyc score --same-inputs`)"):
            doc = self.cases.find_one({"investor_id": investor.investor_id})
            last = self.runs.get(doc["risk_run_id"]) if doc and doc.get("risk_run_id") else None
            if doc is None or last is None:
                return
            scored = _inputs_from(last["inputs"])
            on_file = countries_on_file(self.investors.get(investor.investor_id) or {})
            if replace(scored, **on_file) != scored:
                self._rescore_case(Actor.system("kyc re-score on country change"), doc, current_model(),
                                   "kyc.risk_rescore")

    def submit(self, actor: Actor, case_id: str, version: int) -> KycCase:
        """Send the case to review (a second officer approves or rejects it)."""
        def changes(before: Document) -> Document:
            try:
                status = move_case(CaseStatus(before["status"]), CaseStatus.IN_REVIEW)
            except KycError as exc:
                raise _fail(exc, "case") from None
            return {"status": status.value, "submitted_by": actor.username, "submitted_by_id": actor.user_id,
                    "submitted_at": self.now(), "decided_by": None}

        return self._change(actor, KycPermission.MANAGE, case_id, version, "kyc.case_submit", changes)

    def approve(self, actor: Actor, case_id: str, version: int) -> KycCase:
        """Approve a case in review: every required item approved, none lapsed, a risk band, no open screening
        alert; by an officer other than the one who submitted it."""
        def changes(before: Document) -> Document:
            self._second_officer(actor, before)
            case = KycCase.from_doc(before)
            try:
                status = move_case(case.status, CaseStatus.APPROVED,
                                   self._problems(case, self._open_alerts(case.investor_id)))
            except KycError as exc:
                raise _fail(exc, "case") from None
            return {"status": status.value, "decided_by": actor.username, "decided_at": self.now()}

        return self._change(actor, KycPermission.APPROVE, case_id, version, "kyc.case_approve", changes)

    def reject(self, actor: Actor, case_id: str, version: int, reason: str, *, reopen: bool = False) -> KycCase:
        """Reject a case in review, or with ``reopen`` send it back to open for more documents; with a reason."""
        why = self.required_text(reason, "reason", "The reason", max_length=2000)
        to = CaseStatus.OPEN if reopen else CaseStatus.REJECTED

        def changes(before: Document) -> Document:
            self._second_officer(actor, before)
            try:
                status = move_case(CaseStatus(before["status"]), to)
            except KycError as exc:
                raise _fail(exc, "case") from None
            return {"status": status.value, "decided_by": actor.username, "decided_at": self.now(),
                    "decision_reason": why}

        return self._change(actor, KycPermission.APPROVE, case_id, version, "kyc.case_reject", changes)

    @staticmethod
    def _second_officer(actor: Actor, before: Document) -> None:
        if before.get("submitted_by_id") == actor.user_id:
            raise PermissionDenied(f"{actor.username} submitted this case; a second officer decides it (four eyes).")

    @staticmethod
    def _choice(kind: Any, value: Any, field: str) -> Any:
        try:
            return kind(str(value).strip().lower())
        except ValueError:
            raise ValidationError({field: f"{value!r} is not valid; use one of "
                                          f"{', '.join(v.value for v in kind)}."}) from None

