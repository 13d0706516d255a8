"""Ownership trees entered for corporate investors: beneficial owners through chains checked against an
independent sum over paths, bad trees refused with nothing written, stale edits detected, roles."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied, Role
from fidus_desktop.services.personal_data import ERASED
from fidus_desktop.store.errors import ConcurrencyError

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
PM = Actor("pm-1", "pia", Role.PORTFOLIO_MANAGER, "test")
ROOT = "Acme Holdings Ltd"
TREE = [
    {"owner": "Mid Co", "kind": "company", "share": "60", "company": ROOT},
    {"owner": "Ann", "kind": "person", "share": "40 %", "company": ROOT},
    {"owner": "Top Co", "kind": "company", "share": "50", "company": "Mid Co"},
    {"owner": "Bob", "kind": "person", "share": "50", "company": "Mid Co"},
    {"owner": "Cy", "kind": "person", "share": "90", "company": "Top Co"},
    {"owner": "Ann", "kind": "person", "share": "10", "company": "Top Co"},
]


def paths_sum(rows: list[dict], person: str, company: str = ROOT) -> Decimal:
    """The effective share by brute force: every path from ``person`` down to ``company``."""
    total = Decimal(0)
    for row in rows:
        if row["company"] == company:
            share = Decimal(row["share"].replace("%", "").strip()) / 100
            if row["owner"] == person:
                total += share
            elif row["kind"] == "company":
                total += share * paths_sum(rows, person, row["owner"])
    return total


@pytest.fixture
def acme(app_context: AppContext, admin: Actor) -> str:
    return app_context.services.portfolio.investors.create_investor(admin, "INV-7", ROOT, "corporate").investor_id


def test_beneficial_owners_through_two_levels(app_context: AppContext, acme: str) -> None:
    service = app_context.services.kyc_ownership
    assert service.ownership(OLGA, acme).version is None
    tree = service.set_ownership(OLGA, acme, TREE, None)
    expected = {p: paths_sum(TREE, p) for p in ("Ann", "Bob", "Cy")}
    assert expected == {"Ann": Decimal("0.43"), "Bob": Decimal("0.3"), "Cy": Decimal("0.27")}
    assert {o.person: o.share for o in tree.owners} == expected  # all three are at 25 % or more
    assert [o.person for o in tree.owners] == ["Ann", "Bob", "Cy"]
    assert tree.levels == 2
    ann = next(o for o in tree.owners if o.person == "Ann")
    assert set(ann.paths) == {("Ann", ROOT), ("Ann", "Top Co", "Mid Co", ROOT)}
    audit = app_context.store.collection("audit").find({"action": "kyc.ownership"})
    assert [a["actor"] for a in audit] == ["olga"]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"owner": "Ann", "kind": "person", "share": "130", "company": ROOT}], "more than 0 and at most 1"),
    ([{"owner": "Ann", "kind": "person", "share": "60", "company": ROOT},
      {"owner": "Bob", "kind": "person", "share": "50", "company": ROOT}], "More than 100 %"),
    ([{"owner": "Ann", "kind": "person", "share": "sixty", "company": ROOT}], "not a percentage"),
    ([{"owner": "Ann", "kind": "robot", "share": "10", "company": ROOT}], "person or a company"),
    ([{"owner": "Ann", "kind": "person", "share": "10", "company": "Elsewhere Ltd"}], "holds nothing of"),
    ([{"owner": "A Co", "kind": "company", "share": "50", "company": ROOT},
      {"owner": "B Co", "kind": "company", "share": "50", "company": "A Co"},
      {"owner": "A Co", "kind": "company", "share": "50", "company": "B Co"}], "circle"),
])
def test_a_bad_tree_is_refused_and_nothing_is_written(
    app_context: AppContext, acme: str, rows: list[dict], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        app_context.services.kyc_ownership.set_ownership(OLGA, acme, rows, None)
    assert app_context.store.collection("kyc_ownership").count() == 0


def test_stale_edits_people_and_roles(app_context: AppContext, admin: Actor, acme: str) -> None:
    service = app_context.services.kyc_ownership
    first = service.set_ownership(OLGA, acme, TREE[:2], None)
    service.set_ownership(OLGA, acme, TREE, first.version)
    with pytest.raises(ConcurrencyError):
        service.set_ownership(OLGA, acme, TREE[:2], first.version)  # someone saved since it was read
    person = app_context.services.portfolio.investors.create_investor(admin, "INV-8", "Ann Other", "individual")
    with pytest.raises(ValidationError, match="is a person"):
        service.set_ownership(OLGA, person.investor_id, TREE, None)
    with pytest.raises(PermissionDenied):
        service.set_ownership(PM, acme, TREE, None)


def test_a_pseudonymised_tree_reads_as_empty(app_context: AppContext, acme: str) -> None:
    service = app_context.services.kyc_ownership
    tree = service.set_ownership(OLGA, acme, TREE, None)
    trees = app_context.store.collection("kyc_ownership")
    [doc] = trees.find({"investor_id": acme})
    trees.update(doc["_id"], {"holdings": ERASED}, expected_version=tree.version)  # what erasure writes
    assert service.ownership(OLGA, acme).edges == ()
