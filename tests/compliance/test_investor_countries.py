"""An individual's country of residence and a company's country of incorporation: validated ISO codes (one each,
for the right kind of investor), the residence kept as registered personal data, both scored by the risk model's
country factor from the file, the incorporation used as a company's country evidence by the screening, and an
edit of a scored country re-scoring the KYC case at once (an approved case whose band rises needs an update)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.kyc import CaseStatus
from fidus_desktop.domain.compliance.risk import Band, CountryList, RiskInputs, RiskModel
from fidus_desktop.domain.compliance.screening import EntityKind, Subject
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Role
from fidus_desktop.services.personal_data import ERASED
from fidus_desktop.services.portfolio.investors import Investor
from tests.support.portfolio_office import ADMIN, PM, build_office
from tests.support.readiness import MAKER

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
MODEL = RiskModel("test-1", (CountryList("FATF call for action", date(2024, 10, 25), frozenset({"IR"}), 60),),
                  source_of_funds_points={"salary": 0})
# An OpenSanctions targets.simple.csv export with one listed bank, incorporated in Cuba.
BANK_LIST = (b"id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
             b"program_ids,dataset,first_seen,last_seen,last_change\n"
             b"NK-bnc,Company,Banco Nacional de Cuba,,,cu,,,,,,CUBA,Sanctioned entities,2020-01-01,"
             b"2024-05-06,2024-05-01\n")


def add(ctx: AppContext, admin: Actor, number: str, name: str, kind: str = "individual", **countries: object
        ) -> Investor:
    return ctx.services.portfolio.investors.create_investor(admin, number, name, kind, **countries)


def test_residence_and_incorporation_are_one_iso_code_for_the_right_kind_of_investor(
    app_context: AppContext, admin: Actor
) -> None:
    investors = app_context.services.portfolio.investors
    ann = add(app_context, admin, "INV-1", "Ann Example", residence_country="lu")
    firm = add(app_context, admin, "INV-2", "Example Holdings Ltd", "corporate", incorporation_country=" ie ")
    assert (ann.residence_country, ann.incorporation_country) == ("LU", None)
    assert (firm.residence_country, firm.incorporation_country) == (None, "IE")
    for kind, countries, field, message in (
            ("individual", {"residence_country": "XX"}, "residence_country", "'XX' is not an ISO country code"),
            ("individual", {"residence_country": "DE, FR"}, "residence_country", "one country of residence, not 2"),
            ("individual", {"incorporation_country": "DE"}, "incorporation_country",
             "Only a corporate investor has a country of incorporation"),
            ("corporate", {"residence_country": "DE"}, "residence_country",
             "Only an individual has a country of residence")):
        with pytest.raises(ValidationError) as refused:
            add(app_context, admin, "INV-9", "Someone", kind, **countries)
        assert message in refused.value.problems[field]
    assert investors.count(admin) == 2
    moved = investors.update_investor(admin, ann.investor_id, ann.version, residence_country="CH")
    assert moved.residence_country == "CH"
    assert investors.update_investor(admin, ann.investor_id, moved.version, name="Ann B").residence_country == "CH"
    cleared = investors.update_investor(admin, ann.investor_id, moved.version + 1, residence_country="")
    assert cleared.residence_country is None
    entries = app_context.store.collection("audit").find({"entity_id": ann.investor_id}, sort=[("sequence", 1)])
    updates = [e for e in entries if e["action"] == "investor.update"]
    assert updates[0]["after"]["personal"] == {"set": ["residence_country"], "cleared": []}  # by name only
    assert all("CH" not in str(e.get("after")) and "LU" not in str(e.get("after")) for e in entries)


def test_the_residence_is_erased_with_the_person(app_context: AppContext, admin: Actor) -> None:
    investors = app_context.services.portfolio.investors
    ann = add(app_context, admin, "INV-1", "Ann Example", residence_country="FR")
    investors.end_relationship(admin, ann.investor_id, ann.version, date(2015, 1, 31))
    app_context.services.personal_data.erase_person(admin, ann.investor_id, now=app_context.services.ctx.clock())
    assert app_context.store.collection("investors").get(ann.investor_id)["residence_country"] == ERASED
    assert investors.get(admin, ann.investor_id).residence_country is None


def test_the_risk_score_counts_the_residence_and_incorporation_on_file(app_context: AppContext,
                                                                       admin: Actor) -> None:
    kyc = app_context.services.kyc
    ann = add(app_context, admin, "INV-1", "Ann Example", residence_country="IR")
    firm = add(app_context, admin, "INV-2", "Example Holdings Ltd", "corporate", incorporation_country="IR")
    for investor, role in ((ann, "residence"), (firm, "incorporation")):
        case = kyc.case_of(OLGA, investor.investor_id)
        assert case is not None
        case, result = kyc.score_risk(OLGA, case.case_id, case.version, RiskInputs(source_of_funds="salary"), MODEL)
        assert getattr(result.inputs, role) == "IR"
        assert [(f.name, f.points, f.why) for f in result.factors] == [
            ("country", 60, f"{role} IR is on FATF call for action (as of 2024-10-25)")]
        label = "country of residence" if role == "residence" else "country of incorporation"
        with pytest.raises(ValidationError, match=f"{label} on file is IR, not FR"):
            kyc.score_risk(OLGA, case.case_id, case.version, RiskInputs(**{role: "FR"}), MODEL)


def test_screening_uses_a_companys_country_of_incorporation(app_context: AppContext, admin: Actor) -> None:
    """"Banco Nacional de Cuba" is listed with Cuba: "Banco Nacional de Kuba" (a typo, so the score is under its
    cap of 1) incorporated in Cuba scores 0.02 higher than with no country on file, incorporated elsewhere 0.05
    lower (the matcher's country evidence)."""
    app_context.services.screening_lists.import_file(admin, "opensanctions", BANK_LIST, "targets.simple.csv")
    screening = app_context.services.screening

    def score_of(number: str, country: str | None) -> float:
        firm = add(app_context, admin, number, "Banco Nacional de Kuba", "corporate", incorporation_country=country)
        [alert] = screening.list_alerts(OLGA, investor_id=firm.investor_id)
        return float(alert.score)

    unknown, cuban = score_of("INV-1", None), score_of("INV-2", "CU")
    assert cuban == pytest.approx(unknown + 0.02)
    assert "country CU shared" in screening.list_alerts(OLGA, investor_id=app_context.services.portfolio.investors
                                                        .by_number("INV-2").investor_id)[0].explanation
    _, index = screening.index()
    from fidus_desktop.ui.compliance.alert_view import MARK, investor_side

    [alert] = screening.list_alerts(OLGA, investor_id=app_context.services.portfolio.investors.by_number(
        "INV-2").investor_id)
    shown = investor_side(app_context.services.kyc_files.compare(OLGA, alert.alert_id))
    assert f"Incorporated in</td><td><span style='{MARK}'>CU</span>" in shown  # the shared country marked
    [elsewhere] = index.screen(Subject("Banco Nacional de Kuba", EntityKind.ORGANISATION, countries=("LU",)), 0.5)
    assert elsewhere.score == pytest.approx(unknown - 0.05)


def test_editing_a_scored_country_rescores_the_case_and_a_risen_band_needs_an_update(tmp_path: Path) -> None:
    office = build_office(tmp_path)  # Ann: an approved file
    services, kyc = office.services, office.services.kyc
    investors = services.portfolio.investors
    case = kyc.case_of(MAKER, office.ann.investor_id)
    assert case is not None
    assert case.status is CaseStatus.APPROVED
    inputs = RiskInputs(residence="FR", source_of_funds="business_income")
    case, first = kyc.score_risk(MAKER, case.case_id, case.version, inputs, services.risk_models.current(MAKER).model)
    assert first.band is Band.LOW
    ann = investors.get(ADMIN, office.ann.investor_id)
    investors.update_investor(ADMIN, ann.investor_id, ann.version, name="Ann Renamed")  # no country: no re-score
    assert len(kyc.runs_of(MAKER, ann.investor_id)) == 1
    ann = investors.get(ADMIN, ann.investor_id)
    investors.update_investor(ADMIN, ann.investor_id, ann.version, residence_country="IR")  # FATF call for action
    newest, _ = kyc.runs_of(MAKER, ann.investor_id)
    assert newest.inputs.residence == "IR"
    assert "residence IR is on FATF call for action (as of 2024-10-25)" in [f.why for f in newest.factors]
    case = kyc.case_of(MAKER, ann.investor_id)
    assert case is not None
    assert case.risk_band is newest.band
    assert case.risk_band is not Band.LOW
    assert case.status is CaseStatus.NEEDS_UPDATE
    assert services.readiness.readiness(PM, ann.investor_id).readiness.blocking == ("KYC case needs update",)
    actions = [d["action"] for d in services.ctx.store.collection("audit").find(sort=[("seq", 1)])]
    assert actions[-2:] == ["investor.update", "kyc.risk_rescore"]


def test_a_country_entered_for_an_owner_in_the_tree_is_its_country_evidence(app_context: AppContext,
                                                                            admin: Actor) -> None:
    """A company in an ownership tree is screened with the country entered on its row, like a corporate
    investor with its incorporation; an owner is entered with one country."""
    app_context.services.screening_lists.import_file(admin, "opensanctions", BANK_LIST, "targets.simple.csv")
    screening, trees = app_context.services.screening, app_context.services.kyc_ownership
    root = "Northwind Capital Partners S.à r.l."
    investor = add(app_context, admin, "INV-9", root, "corporate", incorporation_country="LU")

    def tree(country: str) -> list[dict[str, str]]:
        return [{"owner": "Banco Nacional de Kuba", "kind": "company", "share": "40", "company": root,
                 "country": country},
                {"owner": "Jane Miller", "kind": "person", "share": "60", "company": root, "country": "de"}]

    saved = trees.set_ownership(OLGA, investor.investor_id, tree("cu"), None)
    assert [e.country for e in saved.edges] == ["CU", "DE"]
    [alert] = screening.list_alerts(OLGA, investor_id=investor.investor_id)
    assert alert.owner == "Banco Nacional de Kuba"
    assert "country CU shared (+0.02)" in alert.explanation
    for rows, message in ((tree("XX"), "Row 1: 'XX' is not an ISO country code"),
                          (tree("CU, PA"), "Row 1: give the owner one country, not CU, PA"),
                          ([*tree("CU"), {"owner": "Banco Nacional de Kuba", "kind": "company", "share": "10",
                                          "company": "Jane Holdings", "country": "PA"},
                            {"owner": "Jane Miller", "kind": "person", "share": "100", "company": "Jane Holdings"}],
                           "Banco Nacional de Kuba is entered with different countries")):
        with pytest.raises(ValidationError, match=message):
            trees.set_ownership(OLGA, investor.investor_id, rows, saved.version)
