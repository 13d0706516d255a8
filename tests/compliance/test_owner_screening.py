"""Beneficial owners screened against the real OFAC excerpt: when the ownership tree is saved and in the full
re-screen, alerts naming the investor and the owner, decided like any other and remembered per owner."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import Subject
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.screening import AlertStatus, Disposition
from fidus_desktop.services.permissions import Role
from tests.compliance.conftest import sdn_excerpt
from tests.compliance.test_screening_service import MARZOOK, PUTIN

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")
ROOT = "Northwind Trading Ltd"
TREE = [
    {"owner": "Nordhaven Beteiligungen GmbH", "kind": "company", "share": "70", "company": ROOT},
    {"owner": "Jane Miller", "kind": "person", "share": "30", "company": ROOT},
    {"owner": "Vladimir Putin", "kind": "person", "share": "100", "company": "Nordhaven Beteiligungen GmbH"},
]


@pytest.fixture
def ctx(app_context: AppContext, admin: Actor) -> AppContext:
    app_context.services.screening_lists.import_file(admin, "ofac", sdn_excerpt(MARZOOK, PUTIN), "sdn.csv")
    return app_context


@pytest.fixture
def northwind(ctx: AppContext, admin: Actor) -> str:
    return ctx.services.portfolio.investors.create_investor(admin, "INV-9", ROOT, "corporate").investor_id


def test_saving_the_tree_screens_its_people_and_the_alert_names_investor_and_owner(
    ctx: AppContext, northwind: str
) -> None:
    screening = ctx.services.screening
    assert screening.list_alerts(OLGA, investor_id=northwind) == []  # the company itself is not listed
    ctx.services.kyc_ownership.set_ownership(OLGA, northwind, TREE, None)
    [alert] = screening.list_alerts(OLGA, investor_id=northwind)
    assert (alert.owner, alert.entry_id, alert.investor_number) == ("Vladimir Putin", PUTIN, "INV-9")
    assert alert.subject == "INV-9 (owner Vladimir Putin)"
    assert alert.explanation.startswith(f"Owner Vladimir Putin of INV-9 {ROOT}: ")
    [queued] = [i for i in ctx.services.compliance_queue.queue(OLGA).items if i.ref == alert.alert_id]
    assert queued.what.startswith("owner Vladimir Putin: ofac-sdn entry 35096")
    comparison = ctx.services.kyc_files.compare(OLGA, alert.alert_id)
    assert comparison.alert.owner == "Vladimir Putin"
    raised = [d for d in ctx.store.collection("audit").find({"action": "screening.alert_raise"})]
    assert raised[-1]["after"]["owner"] is True  # the audit says it is an owner's hit, without the name


def test_the_full_re_screen_covers_owners_and_remembers_a_decision_per_owner(
    ctx: AppContext, admin: Actor, northwind: str
) -> None:
    screening, trees = ctx.services.screening, ctx.store.collection("kyc_ownership")
    trees.insert({"investor_id": northwind, "entered_by": "olga", "entered_at": None,
                  "holdings": [{"owner": "Mousa Mohammed Abu Marzook", "kind": "person", "share": "1",
                                "company": ROOT}]})  # entered before owners were screened
    summary = screening.run(admin)
    assert summary.raised == 1
    [alert] = screening.list_alerts(OLGA, investor_id=northwind)
    assert (alert.owner, alert.entry_id) == ("Mousa Mohammed Abu Marzook", MARZOOK)
    assert screening.run(admin).raised == 0  # an undecided alert is not raised twice
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, Disposition.FALSE_POSITIVE, "another man")
    closed = screening.confirm(OMAR, alert.alert_id, proposed.version, True, "agreed: born 1990, not listed")
    assert closed.status is AlertStatus.CLOSED
    assert screening.run(admin).raised == 0  # remembered for this owner and entry
    # the same name as the investor itself is a different subject: its own alert
    ctx.services.portfolio.investors.create_investor(admin, "INV-10", "Mousa Mohammed Abu Marzook", "individual")
    assert [a.owner for a in screening.list_alerts(OLGA, open_only=True)] == [""]


BANCO = "306"  # "BANCO NACIONAL DE CUBA", an entity of the real SDN file


def test_every_company_in_the_tree_is_screened_as_an_organisation(app_context: AppContext, admin: Actor) -> None:
    """A company held in the chain and a company holding shares are both screened, by name as organisations
    (the matcher's entity-kind factor: the same words screened as a person would score ×0.6, under the
    threshold); the alert names the investor and the company, and a decision is remembered per company."""
    screening = app_context.services.screening
    app_context.services.screening_lists.import_file(admin, "ofac", sdn_excerpt(BANCO), "sdn.csv")
    investor = app_context.services.portfolio.investors.create_investor(admin, "INV-9", ROOT, "corporate")
    tree = [{"owner": "Nordhaven Beteiligungen GmbH", "kind": "company", "share": "60", "company": ROOT},
            {"owner": "Banco Nacional de Cuba S.A.", "kind": "company", "share": "40", "company": ROOT},
            {"owner": "Jane Miller", "kind": "person", "share": "100", "company": "Nordhaven Beteiligungen GmbH"},
            {"owner": "Jane Miller", "kind": "person", "share": "100", "company": "Banco Nacional de Cuba S.A."}]
    app_context.services.kyc_ownership.set_ownership(OLGA, investor.investor_id, tree, None)
    [alert] = screening.list_alerts(OLGA, investor_id=investor.investor_id)
    assert (alert.owner, alert.list_name, alert.entry_id, alert.matched_name) == (
        "Banco Nacional de Cuba S.A.", "ofac-sdn", BANCO, "BANCO NACIONAL DE CUBA")
    assert alert.score > Decimal("0.9")
    assert alert.explanation.startswith(f"Owner Banco Nacional de Cuba S.A. of INV-9 {ROOT}: ofac-sdn 306 ")
    assert "×0.6" not in alert.explanation  # screened as what it is: an organisation
    assert alert.owner_kind == "organisation"
    index = screening.index()[1]
    assert index.screen(Subject("Banco Nacional de Cuba", EntityKind.PERSON)) == []  # as a person: ×0.6
    assert screening.run(admin).raised == 0
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, Disposition.FALSE_POSITIVE,
                                "a namesake registered in Panama, not the Cuban state bank")
    screening.confirm(OMAR, alert.alert_id, proposed.version, True, "agreed: Panamanian register extract")
    assert screening.run(admin).raised == 0  # remembered for this company and entry
    assert screening.open_count(OLGA) == 0


def test_a_company_in_the_tree_is_not_screened_as_a_person_and_no_list_means_nothing_to_do(
    app_context: AppContext, admin: Actor
) -> None:
    investor = app_context.services.portfolio.investors.create_investor(admin, "INV-9", ROOT, "corporate")
    tree = app_context.services.kyc_ownership.set_ownership(OLGA, investor.investor_id, TREE, None)  # no list yet
    assert tree.version is not None
    assert app_context.store.collection("screening_alerts").count() == 0
