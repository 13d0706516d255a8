"""The stored risk model: the shipped model with dated FATF lists, versions saved as JSON or one country list at
a time (validated, audited, only by holders of ``kyc.model``), every scored investor re-scored on a new version
(an approved case whose band rose needs an update, so the investor is no longer ready), and old runs still
explained by their own model version."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.compliance.kyc import CaseStatus
from fidus_desktop.domain.compliance.risk import (
    Band,
    CountryList,
    RiskError,
    RiskInputs,
    RiskModel,
    model_from_dict,
    model_to_dict,
)
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.risk_models import SHIPPED, shipped_model
from fidus_desktop.services.permissions import PermissionDenied
from tests.support.portfolio_office import ADMIN, BACK, PM, Office, build_office
from tests.support.readiness import CHECKER, MAKER

FATF_DAY = date(2024, 10, 25)


def test_the_shipped_model_carries_fatfs_dated_lists() -> None:
    model = shipped_model()
    lists = {c.name: c for c in model.country_lists}
    assert model.version == SHIPPED
    assert lists["FATF call for action"].codes == {"IR", "KP", "MM"}
    assert lists["FATF call for action"].as_of == FATF_DAY
    assert {"BG", "HR", "MC", "ZA", "VN"} <= lists["FATF increased monitoring"].codes
    assert "SN" not in lists["FATF increased monitoring"].codes  # removed by FATF in October 2024
    assert model.band(lists["FATF call for action"].points) is Band.HIGH


def test_a_bad_model_is_refused_with_every_problem_at_once() -> None:
    data = model_to_dict(shipped_model())
    data["country_lists"][0]["codes"].append("Iran")  # type: ignore[index]
    data["country_lists"][1]["as_of"] = "25/10/2024"  # type: ignore[index]
    data["pep_points"] = 130
    data["colour"] = "red"
    with pytest.raises(RiskError) as refused:
        model_from_dict(data, "x")
    message = str(refused.value)
    for part in ("unknown key(s) colour", "['Iran'] are not ISO country codes",
                 "as_of '25/10/2024' is not a date", "pep_points must be a whole number of points from 0 to 100"):
        assert part in message


@given(points=st.lists(st.integers(0, 100), min_size=4, max_size=4),
       codes=st.sets(st.sampled_from(["IR", "KP", "FR", "DE", "NG", "VN"]), max_size=4),
       bounds=st.tuples(st.integers(1, 30), st.integers(31, 60), st.integers(61, 100)))
def test_a_model_survives_its_json_form(points: list[int], codes: set[str], bounds: tuple[int, int, int]) -> None:
    model = RiskModel("7", (CountryList("A list", FATF_DAY, frozenset(codes), points[0]),), pep_points=points[1],
                      non_face_to_face_points=points[2], product_points={"fund": points[3]},
                      volume_bands=((Decimal("250000"), 5),), bounds=bounds)
    assert model_from_dict(model_to_dict(model), "7") == model


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return build_office(tmp_path)  # Ann and Bob: approved files (band set by hand), agreements on record


def test_saving_a_model_needs_the_permission_a_reason_and_a_change(office: Office) -> None:
    models = office.services.risk_models
    data = model_to_dict(models.current(MAKER).model)
    for actor in (BACK, PM):
        with pytest.raises(PermissionDenied):
            models.save(actor, data, "not theirs to change")
    with pytest.raises(ValidationError, match="same as version shipped; nothing saved"):
        models.save(MAKER, data, "no change")
    with pytest.raises(ValidationError, match="reason"):
        models.save(MAKER, {**data, "pep_points": 35}, " ")
    saved = models.save(MAKER, {**data, "pep_points": 35}, "PEP weighting raised by the board").saved
    assert (saved.version, saved.saved_by, saved.changes) == ("1", "olga", ("pep_points: 30 → 35",))
    admin_saved = models.save(ADMIN, {**data, "pep_points": 40}, "board minutes 2026-12").saved
    assert admin_saved.version == "2"
    assert [v.version for v in models.versions(MAKER)] == ["2", "1"]
    assert models.current(MAKER).model.pep_points == 40
    assert models.version(MAKER, "1").model.pep_points == 35
    assert models.version(MAKER, SHIPPED).model.pep_points == 30
    audit = [d for d in office.services.ctx.store.collection("audit").find(sort=[("seq", 1)])
             if d["action"] == "kyc.risk_model"]
    assert [(d["actor"], d["after"]["version"]) for d in audit] == [("olga", "1"), ("admin", "2")]


def test_a_new_country_list_rescores_and_a_risen_band_reopens_the_approved_case(office: Office) -> None:
    services, kyc = office.services, office.services.kyc
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    assert case.status is CaseStatus.APPROVED
    inputs = RiskInputs(residence="fr", nationality="FR", source_of_funds="business_income",
                        expected_volume=Decimal("300000"))
    case, first = kyc.score_risk(MAKER, case.case_id, case.version, inputs, services.risk_models.current(MAKER).model)
    # Independently: business income 10 + volume over 250,000 5 = 15 → low (medium from 25)
    assert (first.score, first.band, case.risk_band) == (15, Band.LOW, Band.LOW)
    assert services.readiness.readiness(PM, office.ann.investor_id).ready
    result = services.risk_models.save_country_list(
        MAKER, "FATF increased monitoring", "2025-02-21", "BG,FR,HR", "25", "FATF plenary February 2025 (test)")
    assert "FATF increased monitoring: as of 2025-02-21, added FR, removed" in result.saved.changes[0]
    assert result.rescored.rescored == 1  # Ann only: Bob's band was set by hand, never scored
    assert result.rescored.band_changes == ("INV-1: low → medium",)  # 15 + 25 = 40
    assert result.rescored.needs_update == ("INV-1",)
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    assert (case.status, case.risk_band) == (CaseStatus.NEEDS_UPDATE, Band.MEDIUM)
    readiness = services.readiness.readiness(PM, office.ann.investor_id)
    assert not readiness.ready
    assert readiness.readiness.blocking == ("KYC case needs update",)
    newest, oldest = kyc.runs_of(MAKER, office.ann.investor_id)
    assert (newest.model_version, newest.score) == ("1", 40)
    assert "residence FR is on FATF increased monitoring (as of 2025-02-21)" in [f.why for f in newest.factors]
    assert (oldest.model_version, oldest.score, oldest.band) == (SHIPPED, 15, Band.LOW)  # still explained
    actions = [d["action"] for d in services.ctx.store.collection("audit").find(sort=[("seq", 1)])]
    assert actions[-2:] == ["kyc.risk_model", "kyc.risk_rescore"]


def test_a_confirmed_band_override_survives_a_rescore(office: Office) -> None:
    kyc, models = office.services.kyc, office.services.risk_models
    case = kyc.case_of(MAKER, office.bob.investor_id)
    assert case is not None
    case, _ = kyc.score_risk(MAKER, case.case_id, case.version, RiskInputs(incorporation="DE",
                             source_of_funds="salary"), models.current(MAKER).model)
    case = kyc.set_risk_band(MAKER, case.case_id, case.version, "high", "complex group, adverse media found")
    case = kyc.confirm_risk_override(CHECKER, case.case_id, case.version)
    models.save_country_list(MAKER, "FATF increased monitoring", "2025-02-21", "DE", "25", "test listing DE")
    case = kyc.case_of(MAKER, office.bob.investor_id)
    assert case is not None
    assert case.risk_band is Band.HIGH  # the officers' override stands; the scored band moved under it
    assert office.services.ctx.store.collection("kyc_cases").get(case.case_id)["scored_band"] == "medium"


def test_scoring_refuses_inputs_that_are_not_countries(office: Office) -> None:
    kyc = office.services.kyc
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    with pytest.raises(ValidationError, match="residence 'France' is not an ISO country code"):
        kyc.score_risk(MAKER, case.case_id, case.version, RiskInputs(residence="France"),
                       office.services.risk_models.current(MAKER).model)
    with pytest.raises(ValidationError, match="Give the points"):
        office.services.risk_models.save_country_list(MAKER, "New list", "2025-01-01", "FR", "lots", "a new list")


def test_a_country_list_keeps_its_source_and_refuses_future_dates_and_unknown_codes(office: Office) -> None:
    models = office.services.risk_models
    shipped = {c.name: c for c in shipped_model().country_lists}
    assert "fatf-gafi.org" in shipped["FATF call for action"].source
    result = models.save_country_list(MAKER, "FATF call for action", "2025-02-21", "IR,KP,MM,RU", None,
                                      "test: one more jurisdiction")
    saved = {c.name: c for c in result.saved.model.country_lists}["FATF call for action"]
    assert saved.source == shipped["FATF call for action"].source  # kept when not given
    assert saved.points == 60
    result = models.save_country_list(MAKER, "FATF call for action", "2025-02-21", "IR,KP,MM,RU", None,
                                      "test: the source named", source="FATF public statement, 21 February 2025")
    assert result.saved.changes == ("FATF call for action: as of 2025-02-21, source FATF public statement, "
                                    "21 February 2025",)
    tomorrow = models.now().date().toordinal() + 1
    with pytest.raises(ValidationError, match="is in the future"):
        models.save_country_list(MAKER, "FATF call for action", date.fromordinal(tomorrow).isoformat(), "IR", None,
                                 "a list from tomorrow")
    with pytest.raises(ValidationError, match="XY, ZZ: not ISO 3166 country code"):
        models.save_country_list(MAKER, "FATF call for action", "2025-02-21", "IR,XY,ZZ", None, "made-up codes")
    with pytest.raises(PermissionDenied):
        models.save_country_list(BACK, "FATF call for action", "2025-02-21", "IR", None, "back office")
    assert [v.version for v in models.versions(MAKER)] == ["2", "1"]


def test_a_country_list_form_started_on_an_older_version_is_refused(office: Office) -> None:
    models = office.services.risk_models
    models.save_country_list(CHECKER, "FATF call for action", "2025-02-21", "IR,KP,MM,RU", None, "first officer",
                             based_on=SHIPPED)
    with pytest.raises(ValidationError, match="saved risk model version 1 after you started from version shipped"):
        models.save_country_list(MAKER, "FATF call for action", "2025-02-21", "IR,KP", None, "second officer",
                                 based_on=SHIPPED)
    assert [v.version for v in models.versions(MAKER)] == ["1"]
