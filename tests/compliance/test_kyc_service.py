"""KycService: a case opens with the investor's checklist, items move by the domain's rules, approval needs every
item, a risk band, no open screening alert and a second officer; every change audited; the role matrix."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.compliance.kyc import DEFAULT_CHECKLIST, CaseStatus, ItemStatus
from fidus_desktop.domain.compliance.risk import Band, CountryList, RiskInputs, RiskModel
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.kyc import KycCase
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.screening import Disposition
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import PermissionDenied, Role, allowed
from fidus_desktop.services.portfolio.investors import Investor
from tests.compliance.conftest import sdn_excerpt
from tests.support.cost import CHEAP_KDF as CHEAP
from tests.support.keys_office import PASSPHRASE
from tests.support.permission_matrix import actor_for, assert_permission_matrix

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")
PUTIN = "35096"
TODAY = date.today()


def add(ctx: AppContext, admin: Actor, number: str, name: str, kind: str = "individual") -> Investor:
    return ctx.services.portfolio.investors.create_investor(admin, number, name, kind)


def audit_actions(ctx: AppContext) -> list[str]:
    return [d["action"] for d in ctx.store.collection("audit").find(sort=[("seq", 1)])
            if d["action"].startswith("kyc.")]


def case_of(ctx: AppContext, investor: Investor) -> KycCase:
    case = ctx.services.kyc.case_of(OLGA, investor.investor_id)
    assert case is not None
    return case


def complete(ctx: AppContext, case: KycCase, actor: Actor = OLGA) -> KycCase:
    """Receive and approve every item (with the dates the requirement asks for) and record a risk band."""
    kyc = ctx.services.kyc
    for entry in case.items:
        req = entry.item.requirement
        case = kyc.move_item(actor, case.case_id, case.version, req.code, "received",
                             document_date=TODAY - timedelta(days=10) if req.max_age_days else None,
                             expires_on=TODAY + timedelta(days=400) if req.expires else None)
        case = kyc.move_item(actor, case.case_id, case.version, req.code, ItemStatus.APPROVED)
    return kyc.set_risk_band(actor, case.case_id, case.version, "low", "resident, salaried, no PEP link")


@pytest.fixture
def ann(app_context: AppContext, admin: Actor) -> Investor:
    return add(app_context, admin, "INV-1", "Ann Example")


def test_creating_an_investor_opens_its_case_with_the_checklist_of_its_kind(
    app_context: AppContext, admin: Actor, ann: Investor
) -> None:
    corp = add(app_context, admin, "INV-2", "Example Holdings Ltd", "corporate")
    person, company = case_of(app_context, ann), case_of(app_context, corp)
    assert [i.code for i in person.items] == [r.code for r in DEFAULT_CHECKLIST if r.investor_kind == "individual"]
    assert [i.code for i in company.items] == [r.code for r in DEFAULT_CHECKLIST if r.investor_kind == "corporate"]
    assert {i.item.status for i in person.items} == {ItemStatus.MISSING}
    assert (person.status, person.investor_number, person.risk_band) == (CaseStatus.OPEN, "INV-1", None)
    assert audit_actions(app_context) == ["kyc.case_open", "kyc.case_open"]
    # an edit opens nothing and a case is never opened twice
    app_context.services.portfolio.investors.update_investor(admin, ann.investor_id, ann.version, name="Ann Other")
    assert audit_actions(app_context) == ["kyc.case_open", "kyc.case_open"]
    with pytest.raises(ValidationError, match="already has a KYC case"):
        app_context.services.kyc.open_case(OLGA, ann.investor_id)


def test_an_investor_is_saved_even_when_its_case_cannot_be_opened(
    app_context: AppContext, admin: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    # a damaged stored checklist (the service refuses to save an empty one, so it is written to the store)
    app_context.store.collection("kyc_checklists").insert({"kind": "individual", "number": 1, "items": [],
                                                           "saved_at": None, "saved_by": "x", "reason": "x",
                                                           "changes": []})
    investor = add(app_context, admin, "INV-3", "Nobody Checked")
    assert app_context.services.portfolio.investors.get(admin, investor.investor_id).number == "INV-3"
    assert app_context.services.kyc.case_of(OLGA, investor.investor_id) is None
    assert "Opening the KYC case of new investor INV-3 failed" in caplog.text
    with pytest.raises(ValidationError, match="A checklist is a non-empty JSON list"):
        app_context.services.kyc.open_case(OLGA, investor.investor_id)


def test_a_case_deleted_can_be_opened_by_hand_and_status_says_what_is_missing(
    app_context: AppContext, admin: Actor, ann: Investor
) -> None:
    kyc = app_context.services.kyc
    app_context.store.collection("kyc_cases").delete(case_of(app_context, ann).case_id)
    [view] = kyc.status(OLGA, ann.investor_id)
    assert view.case is None
    assert view.problems == ("no KYC case: open one (`fidus kyc open`)",)
    case = kyc.open_case(OLGA, ann.investor_id)
    [view] = kyc.status(OLGA)
    assert view.case == case
    assert "Identity document is missing" in view.problems
    assert "no risk band: score the investor first" in view.problems
    assert len(view.problems) == 7  # six items and the risk band


def test_items_move_by_the_domain_rules_with_reasons_and_dates(app_context: AppContext, ann: Investor) -> None:
    kyc = app_context.services.kyc
    case = case_of(app_context, ann)
    with pytest.raises(ValidationError, match="enter the expiry date"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "received")
    with pytest.raises(ValidationError, match="missing cannot become approved"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "approved")
    with pytest.raises(ValidationError, match="more than 92 days ago"):
        kyc.move_item(OLGA, case.case_id, case.version, "address", "received", document_date=TODAY - timedelta(100))
    with pytest.raises(ValidationError, match="not on this case's checklist"):
        kyc.move_item(OLGA, case.case_id, case.version, "incorporation", "received")
    with pytest.raises(ValidationError, match="is not valid"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "done")
    with pytest.raises(ValidationError, match="The expiry date"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "received", expires_on="31/12/2030")
    assert case_of(app_context, ann) == case  # nothing written
    case = kyc.move_item(OLGA, case.case_id, case.version, "identity", "received", expires_on="2031-01-31")
    with pytest.raises(ValidationError, match="say why"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "rejected", reason=" ")
    case = kyc.move_item(OLGA, case.case_id, case.version, "identity", "rejected", reason="photo unreadable")
    item = case.item("identity")
    assert (item.item.status, item.item.reason, item.item.expires_on, item.updated_by) == (
        ItemStatus.REJECTED, "photo unreadable", date(2031, 1, 31), "olga")
    with pytest.raises(Exception, match="version"):  # a concurrent edit from a stale read is refused
        kyc.move_item(OLGA, case.case_id, case.version - 1, "address", "received", document_date=TODAY)
    assert audit_actions(app_context)[-2:] == ["kyc.item_move", "kyc.item_move"]


def test_a_linked_document_must_be_one_of_the_investors(
    app_context: AppContext, admin: Actor, ann: Investor, secrets: SecretStore
) -> None:
    KeyService(app_context.services.ctx, secrets, kdf=CHEAP).init(admin, PASSPHRASE)
    kyc = app_context.services.kyc
    other = add(app_context, admin, "INV-9", "Someone Else")
    documents = app_context.services.documents
    theirs = documents.attach(admin, "investor", other.investor_id, "passport.pdf", b"%PDF-1.4 other")
    ours = documents.attach(admin, "investor", ann.investor_id, "passport.pdf", b"%PDF-1.4 ann")
    case = case_of(app_context, ann)
    with pytest.raises(ValidationError, match="No stored document"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "received", expires_on="2031-01-31",
                      document_id=theirs.document_id)
    case = kyc.move_item(OLGA, case.case_id, case.version, "identity", "received", expires_on="2031-01-31",
                         document_id=ours.document_id)
    assert case.item("identity").document_id == ours.document_id


def test_approval_needs_every_item_a_risk_band_and_a_second_officer(app_context: AppContext, ann: Investor) -> None:
    kyc = app_context.services.kyc
    case = case_of(app_context, ann)
    case = kyc.submit(OLGA, case.case_id, case.version)
    with pytest.raises(ValidationError, match="cannot be approved yet: Identity document is missing"):
        kyc.approve(OMAR, case.case_id, case.version)
    with pytest.raises(ValidationError, match="its items change once it is back to open"):
        kyc.move_item(OLGA, case.case_id, case.version, "identity", "received", expires_on="2031-01-31")
    case = kyc.reject(OMAR, case.case_id, case.version, "documents missing", reopen=True)
    assert case.status is CaseStatus.OPEN
    case = complete(app_context, case)
    case = kyc.submit(OLGA, case.case_id, case.version)
    assert (case.status, case.submitted_by) == (CaseStatus.IN_REVIEW, "olga")
    with pytest.raises(PermissionDenied, match="second officer"):
        kyc.approve(OLGA, case.case_id, case.version)
    assert case_of(app_context, ann).status is CaseStatus.IN_REVIEW
    case = kyc.approve(OMAR, case.case_id, case.version)
    assert (case.status, case.decided_by, case.risk_band) == (CaseStatus.APPROVED, "omar", "low")
    [view] = kyc.status(OLGA, ann.investor_id)
    assert view.problems == ()
    # a newer document replaces an approved one: the case needs an update
    case = kyc.move_item(OLGA, case.case_id, case.version, "address", "received", document_date=TODAY)
    assert case.status is CaseStatus.NEEDS_UPDATE
    assert audit_actions(app_context)[-3:] == ["kyc.case_submit", "kyc.case_approve", "kyc.item_move"]


def test_an_open_screening_alert_blocks_the_approval_until_it_is_closed(
    app_context: AppContext, admin: Actor
) -> None:
    app_context.services.screening_lists.import_file(admin, "ofac", sdn_excerpt(PUTIN), "sdn.csv")
    putin = add(app_context, admin, "INV-7", "Vladimir Vladimirovich Putin")
    kyc, screening = app_context.services.kyc, app_context.services.screening
    [view] = kyc.status(OLGA, putin.investor_id)
    assert view.open_alerts == 1
    assert "1 screening alert(s) still open" in view.problems
    case = complete(app_context, case_of(app_context, putin))
    case = kyc.submit(OLGA, case.case_id, case.version)
    with pytest.raises(ValidationError, match="1 screening alert"):
        kyc.approve(OMAR, case.case_id, case.version)
    [alert] = screening.list_alerts(OLGA, investor_id=putin.investor_id)
    alert = screening.decide(OLGA, alert.alert_id, alert.version, Disposition.FALSE_POSITIVE, "different person")
    screening.confirm(OMAR, alert.alert_id, alert.version, True, "agreed")
    assert kyc.approve(OMAR, case.case_id, case.version).status is CaseStatus.APPROVED


def test_a_lapsed_document_blocks_the_approval(app_context: AppContext, ann: Investor) -> None:
    kyc = app_context.services.kyc
    case = complete(app_context, case_of(app_context, ann))
    stored = app_context.store.collection("kyc_cases")
    doc = stored.require(case.case_id)
    items = [{**i, "expires_on": TODAY} if i["code"] == "identity" else i for i in doc["items"]]
    stored.update(case.case_id, {"items": items}, expected_version=doc["version"])
    case = case_of(app_context, ann)
    case = kyc.submit(OLGA, case.case_id, case.version)
    with pytest.raises(ValidationError, match=f"Identity document expired on {TODAY}"):
        kyc.approve(OMAR, case.case_id, case.version)


def test_a_lapsed_document_puts_an_approved_case_back_to_needs_update_and_reminders_come_before(
    app_context: AppContext, ann: Investor
) -> None:
    kyc = app_context.services.kyc
    case = complete(app_context, case_of(app_context, ann))
    case = kyc.approve(OMAR, case.case_id, kyc.submit(OLGA, case.case_id, case.version).version)
    assert kyc.lapse_expired(OLGA) == []
    stored = app_context.store.collection("kyc_cases")

    def expire_identity_on(day: date) -> None:
        doc = stored.require(case.case_id)
        items = [{**i, "expires_on": day} if i["code"] == "identity" else i for i in doc["items"]]
        stored.update(case.case_id, {"items": items}, expected_version=doc["version"])

    soon = TODAY + timedelta(days=20)
    expire_identity_on(soon)
    [view] = kyc.status(OLGA, ann.investor_id)
    assert view.expiring == (f"Identity document expires on {soon}",)
    assert view.problems == ()
    assert kyc.lapse_expired(OLGA) == []
    expire_identity_on(TODAY)
    [moved] = kyc.lapse_expired(OLGA)
    assert (moved.investor_number, moved.status) == ("INV-1", CaseStatus.NEEDS_UPDATE)
    assert kyc.lapse_expired(OLGA) == []
    [entry] = [d for d in app_context.store.collection("audit").find() if d["action"] == "kyc.case_lapse"]
    assert entry["after"]["lapsed"] == [f"Identity document expired on {TODAY}"]
    with pytest.raises(PermissionDenied):
        kyc.lapse_expired(actor_for(Role.PORTFOLIO_MANAGER))


def test_a_risk_band_needs_a_valid_band_and_a_reason(app_context: AppContext, ann: Investor) -> None:
    kyc = app_context.services.kyc
    case = case_of(app_context, ann)
    with pytest.raises(ValidationError, match="reason for the risk band is required"):
        kyc.set_risk_band(OLGA, case.case_id, case.version, "high", "")
    with pytest.raises(ValidationError, match="'severe' is not valid"):
        kyc.set_risk_band(OLGA, case.case_id, case.version, "severe", "why")
    case = kyc.set_risk_band(OLGA, case.case_id, case.version, "High", "PEP relative")
    assert (case.risk_band, case.risk_reason) == ("high", "PEP relative")
    [entry] = [d for d in app_context.store.collection("audit").find() if d["action"] == "kyc.risk_band"]
    assert entry["after"]["risk_reason"] == "PEP relative"


def test_a_risk_score_sets_the_band_and_is_stored_with_its_inputs_and_model_version(
    app_context: AppContext, ann: Investor
) -> None:
    kyc = app_context.services.kyc
    model = RiskModel("test-1", (CountryList("FATF call for action", date(2024, 10, 25), frozenset({"IR"}), 40),),
                      source_of_funds_points={"salary": 0})
    inputs = RiskInputs(residence="DE", nationalities=("IR",), pep=True, face_to_face=False, source_of_funds="salary",
                        expected_volume=Decimal("250000"))
    case = case_of(app_context, ann)
    case, result = kyc.score_risk(OLGA, case.case_id, case.version, inputs, model)
    assert (result.score, result.band) == (40 + 30 + 10, Band.CRITICAL)  # country + PEP + not face to face
    assert case.risk_band is Band.CRITICAL
    assert case.risk_reason.startswith("score 80 with model test-1: nationality IR is on FATF call for action")
    [run] = app_context.store.collection("kyc_risk_runs").find({"investor_id": ann.investor_id})
    assert (run["model_version"], run["score"], run["band"], run["scored_by"]) == ("test-1", 80, "critical", "olga")
    assert run["inputs"]["nationalities"] == ["IR"]
    assert run["inputs"]["expected_volume"] == Decimal("250000")
    assert [f["name"] for f in run["factors"]] == ["country", "pep", "channel"]
    assert audit_actions(app_context)[-1] == "kyc.risk_score"
    with pytest.raises(PermissionDenied):
        kyc.score_risk(actor_for(Role.PORTFOLIO_MANAGER), case.case_id, case.version, inputs, model)
    # once scored, a different band is an override: a reason, then a second officer
    with pytest.raises(ValidationError, match="at least 10 characters"):
        kyc.set_risk_band(OLGA, case.case_id, case.version, "high", "known")
    with pytest.raises(ValidationError, match="already critical"):
        kyc.set_risk_band(OLGA, case.case_id, case.version, "critical", "known client for twenty years")
    case = kyc.set_risk_band(OLGA, case.case_id, case.version, "high", "known client for twenty years")
    assert (case.risk_band, case.override_pending) == (Band.CRITICAL, True)
    [view] = kyc.status(OLGA, ann.investor_id)
    assert "a risk band override awaits a second officer" in view.problems
    with pytest.raises(PermissionDenied, match="second compliance officer"):
        kyc.confirm_risk_override(OLGA, case.case_id, case.version)
    with pytest.raises(PermissionDenied):
        kyc.confirm_risk_override(actor_for(Role.BACK_OFFICE), case.case_id, case.version)
    case = kyc.confirm_risk_override(OMAR, case.case_id, case.version)
    assert (case.risk_band, case.override_pending) == (Band.HIGH, False)
    assert case.risk_reason == "override: known client for twenty years"
    with pytest.raises(ValidationError, match="No risk band override awaits"):
        kyc.confirm_risk_override(OMAR, case.case_id, case.version)
    assert audit_actions(app_context)[-2:] == ["kyc.risk_band", "kyc.risk_override"]


# -- the role matrix -----------------------------------------------------------------------------------
def test_every_role_for_reading_managing_and_approving(app_context: AppContext, admin: Actor, ann: Investor) -> None:
    kyc = app_context.services.kyc
    cases = app_context.store.collection("kyc_cases")

    def state() -> tuple:
        return tuple((d["_id"], d["version"]) for d in cases.find()), app_context.store.collection("audit").count()

    assert_permission_matrix(lambda actor: kyc.status(actor), KycPermission.READ)
    assert_permission_matrix(lambda actor: kyc.case_of(actor, ann.investor_id), KycPermission.READ)
    outcomes = assert_permission_matrix(lambda actor: kyc.open_case(actor, ann.investor_id), KycPermission.MANAGE,
                                        state=state)
    assert all(isinstance(o, (PermissionDenied, ValidationError)) for o in outcomes.values())

    def band(actor: Actor) -> None:
        case = case_of(app_context, ann)
        kyc.set_risk_band(actor, case.case_id, case.version, "medium", f"assessed by {actor.username}")

    assert_permission_matrix(band, KycPermission.MANAGE, state=state)
    case = complete(app_context, case_of(app_context, ann))
    case = kyc.submit(OLGA, case.case_id, case.version)
    approvers = [r for r in Role if allowed(r, KycPermission.APPROVE)]
    assert approvers == [Role.COMPLIANCE_OFFICER]
    outcomes = assert_permission_matrix(lambda actor: kyc.approve(actor, case.case_id, case.version),
                                        KycPermission.APPROVE, state=state)
    assert outcomes[Role.COMPLIANCE_OFFICER] is None
    assert case_of(app_context, ann).decided_by == actor_for(Role.COMPLIANCE_OFFICER).username
