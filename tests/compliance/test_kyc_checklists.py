"""KYC checklists as data: each save is the next audited version of an investor kind's checklist, validated
before anything is written; new cases copy the version in use, open cases keep their items; only holders of
``kyc.checklist`` save."""

from __future__ import annotations

from typing import Any

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.kyc import DEFAULT_CHECKLIST, KycError, checklist_from_data, checklist_to_data
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.permissions import Role, allowed
from tests.support.permission_matrix import assert_permission_matrix

OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
SHORT = [{"code": "identity", "label": "Passport", "expires": True},
         {"code": "address", "label": "Utility bill", "max_age_days": 60},
         {"code": "tax_form", "label": "Tax residence form", "required": False}]


def saved_docs(ctx: AppContext) -> list[dict[str, Any]]:
    return ctx.store.collection("kyc_checklists").find(sort=[("number", 1)])


def test_the_shipped_checklist_is_version_0_until_one_is_saved(app_context: AppContext) -> None:
    current = app_context.services.kyc_checklists.current(OLGA, "individual")
    assert current.version == 0
    assert current.saved_by is None
    assert current.requirements == tuple(r for r in DEFAULT_CHECKLIST if r.investor_kind == "individual")
    assert app_context.services.kyc_checklists.versions(OLGA, "individual") == []


def test_each_save_is_the_next_version_kept_with_who_why_and_what_changed(
    app_context: AppContext, admin: Actor
) -> None:
    checklists = app_context.services.kyc_checklists
    first = checklists.save(admin, "individual", SHORT, "shorter list for the new fund")
    assert (first.version, first.saved_by, first.reason) == (1, admin.username, "shorter list for the new fund")
    assert "added tax_form" in first.changes
    assert "removed source_of_funds" in first.changes
    assert "changed identity" in first.changes  # its label changed
    second = checklists.save(OLGA, "individual", {"items": SHORT[:2]}, "tax form dropped")
    assert second.version == 2
    assert second.changes == ("removed tax_form",)
    assert [v.version for v in checklists.versions(OLGA, "individual")] == [2, 1]
    assert checklists.current(OLGA, "individual").requirements == second.requirements
    assert checklists.current(OLGA, "corporate").version == 0  # versions are per kind
    entries = [d for d in app_context.store.collection("audit").find(sort=[("seq", 1)])
               if d["action"] == "kyc.checklist"]
    assert [e["actor"] for e in entries] == [admin.username, "olga"]
    assert entries[1]["after"]["version"] == 2
    assert entries[1]["before"]["items"] == ["identity", "address",
                                                                                     "tax_form"]


@pytest.mark.parametrize(("data", "message"), [
    ([], "non-empty JSON list"),
    ([{"code": "a", "label": "A"}, {"code": "a", "label": "B"}], "appears twice"),
    ([{"code": "a", "label": "A", "required": False}], "At least one item must be required"),
    ([{"code": "a", "label": "A", "max_age": 30}], "unknown field(s) max_age"),
    ([{"code": "a", "label": "A", "max_age_days": 0}], "max_age_days must be between 1"),
    ([{"code": "a", "label": "A", "max_age_days": "92"}], "max_age_days must be int"),
    ([{"code": "a", "label": "A", "expires": "yes"}], "expires must be true or false"),
    ([{"code": "Proof of address", "label": "A"}], "lower-case letters"),
    ([{"code": "a", "label": " "}], "give the label"),
    ("identity", "non-empty JSON list"),
    ({"kind": "corporate", "items": SHORT}, "for 'corporate', not 'individual'"),
])
def test_a_bad_checklist_is_refused_with_what_to_fix_and_nothing_is_written(
    app_context: AppContext, admin: Actor, data: Any, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        app_context.services.kyc_checklists.save(admin, "individual", data, "an attempt")
    assert message in str(refused.value)
    assert saved_docs(app_context) == []
    assert not [d for d in app_context.store.collection("audit").find() if d["action"] == "kyc.checklist"]


def test_an_unknown_kind_a_missing_reason_and_an_unchanged_list_are_refused(
    app_context: AppContext, admin: Actor
) -> None:
    checklists = app_context.services.kyc_checklists
    with pytest.raises(ValidationError, match="not an investor kind"):
        checklists.save(admin, "trust", SHORT, "why")
    with pytest.raises(ValidationError, match="reason"):
        checklists.save(admin, "individual", SHORT, " ")
    shipped = checklist_to_data(r for r in DEFAULT_CHECKLIST if r.investor_kind == "corporate")
    with pytest.raises(ValidationError, match="same as corporate version 0; nothing saved"):
        checklists.save(admin, "corporate", shipped, "no change")
    assert saved_docs(app_context) == []


def test_new_cases_use_the_saved_list_and_open_cases_keep_their_items(
    app_context: AppContext, admin: Actor
) -> None:
    investors, kyc = app_context.services.portfolio.investors, app_context.services.kyc
    before = investors.create_investor(admin, "INV-1", "Ann Example", "individual")
    old_case = kyc.case_of(OLGA, before.investor_id)
    assert old_case is not None
    app_context.services.kyc_checklists.save(admin, "individual", SHORT, "shorter list")
    after = investors.create_investor(admin, "INV-2", "Bob Example", "individual")
    new_case = kyc.case_of(OLGA, after.investor_id)
    assert new_case is not None
    assert [i.code for i in new_case.items] == ["identity", "address", "tax_form"]
    assert new_case.item("address").item.requirement.max_age_days == 60
    assert not new_case.item("tax_form").item.requirement.required
    unchanged = kyc.case_of(OLGA, before.investor_id)
    assert unchanged == old_case  # same items, same version: the edit wrote nothing to it
    company = investors.create_investor(admin, "INV-3", "Example Ltd", "corporate")
    corp_case = kyc.case_of(OLGA, company.investor_id)
    assert corp_case is not None
    assert len(corp_case.items) == 6


def test_only_holders_of_kyc_checklist_save_a_checklist(app_context: AppContext) -> None:
    checklists = app_context.services.kyc_checklists
    assert_permission_matrix(lambda actor: checklists.save(actor, "individual", SHORT, f"by {actor.role}"),
                             KycPermission.CHECKLIST, state=lambda: saved_docs(app_context))
    assert {r for r in Role if allowed(r, KycPermission.CHECKLIST)} == {Role.ADMIN, Role.COMPLIANCE_OFFICER}


def test_the_json_form_round_trips() -> None:
    for kind in ("individual", "corporate"):
        shipped = tuple(r for r in DEFAULT_CHECKLIST if r.investor_kind == kind)
        assert checklist_from_data(kind, checklist_to_data(shipped)) == shipped
    with pytest.raises(KycError, match="Item 2"):
        checklist_from_data("individual", [{"code": "a", "label": "A"}, ["b"]])


def test_two_editors_saving_at_once_the_second_is_told_and_nothing_is_lost(
    app_context: AppContext, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    checklists = app_context.services.kyc_checklists
    checklists.save(admin, "individual", SHORT, "first editor")
    # the second editor read the list before the first saved: it also computes version 1
    monkeypatch.setattr("fidus_desktop.services.compliance.checklists._latest", lambda collection, kind: None)
    with pytest.raises(ValidationError, match="Someone saved a new individual checklist meanwhile"):
        checklists.save(OLGA, "individual", SHORT[:2], "second editor")
    assert [d["reason"] for d in saved_docs(app_context)] == ["first editor"]
    assert len([d for d in app_context.store.collection("audit").find() if d["action"] == "kyc.checklist"]) == 1


def test_an_edit_started_from_an_older_version_is_refused_not_silently_undone(
    app_context: AppContext, admin: Actor
) -> None:
    checklists = app_context.services.kyc_checklists
    checklists.save(admin, "individual", SHORT, "the administrator's edit", based_on=0)
    # Olga opened the editor on version 0 before the administrator saved version 1
    with pytest.raises(ValidationError, match="saved individual version 1 after you started from version 0"):
        checklists.save(OLGA, "individual", SHORT[:2], "Olga's edit", based_on=0)
    assert [d["reason"] for d in saved_docs(app_context)] == ["the administrator's edit"]
    assert checklists.save(OLGA, "individual", SHORT[:2], "Olga's edit", based_on=1).version == 2
