"""The screening services on the real OFAC file: list versions per import, investors screened on save, alerts
with four-eyes dispositions remembered until the investor or the entry changes, and the role matrix."""

from __future__ import annotations

from datetime import date

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.domain.compliance.screening import Subject
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.compliance.screening import Alert, AlertStatus, Disposition
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import PermissionDenied, Role, allowed
from fidus_desktop.services.personal_data import ERASED
from fidus_desktop.services.portfolio.investors import Investor
from tests.compliance.conftest import SDN_CSV, real_file, sdn_excerpt
from tests.support.cost import CHEAP_KDF as CHEAP
from tests.support.keys_office import PASSPHRASE
from tests.support.permission_matrix import actor_for, assert_permission_matrix

MARZOOK, PUTIN = "3754", "35096"
OLGA = Actor("officer-1", "olga", Role.COMPLIANCE_OFFICER, "test")
OMAR = Actor("officer-2", "omar", Role.COMPLIANCE_OFFICER, "test")


@pytest.fixture
def ctx(app_context: AppContext, admin: Actor) -> AppContext:
    app_context.services.screening_lists.import_file(admin, "ofac", sdn_excerpt(MARZOOK, PUTIN), "sdn.csv")
    return app_context


def audit_count(ctx: AppContext) -> int:
    return ctx.store.collection("audit").count()


def add(ctx: AppContext, admin: Actor, number: str, name: str, kind: str = "individual") -> Investor:
    return ctx.services.portfolio.investors.create_investor(admin, number, name, kind)


# -- list versions -------------------------------------------------------------------------------------
def test_an_import_is_a_version_with_its_hash_entries_and_diff_and_the_same_file_is_not_imported_twice(
    app_context: AppContext, admin: Actor
) -> None:
    lists = app_context.services.screening_lists
    data = sdn_excerpt(MARZOOK, PUTIN)
    first = lists.import_file(admin, "ofac", data, "sdn.csv")
    parsed = parse_sdn_csv(data)
    assert not first.already_imported
    assert (first.version.list_name, first.version.entry_count, first.version.imported_by) == (
        "ofac-sdn", len(parsed), "admin")
    assert set(first.version.added) == {e.entry_id for e in parsed}
    assert not first.version.removed
    assert lists.entries_of([first.version.version_id]) == sorted(parsed, key=lambda e: e.entry_id)
    audited = audit_count(app_context)
    again = lists.import_file(admin, "ofac", data, "renamed.csv")
    assert again.already_imported
    assert again.version == first.version
    assert audit_count(app_context) == audited
    assert len(lists.versions(admin)) == 1


def test_a_second_version_says_what_it_added_removed_and_changed(app_context: AppContext, admin: Actor) -> None:
    lists = app_context.services.screening_lists
    lines = sdn_excerpt(MARZOOK).decode().splitlines(keepends=True)
    dropped, altered = lines[3].split(",", 1)[0], lines[5].split(",", 1)[0]
    lists.import_file(admin, "ofac", "".join(lines).encode(), "old.csv")
    lines[5] = lines[5].replace('"', '"X', 1)  # the entry's name changes
    newer = [line for i, line in enumerate(lines) if i != 3]
    newer += [line for line in real_file(SDN_CSV).decode().splitlines(keepends=True)
              if line.startswith(f"{PUTIN},")]
    version = lists.import_file(admin, "ofac", "".join(newer).encode(), "new.csv").version
    assert (version.added, version.removed, version.changed) == ((PUTIN,), (dropped,), (altered,))
    assert [v.version_id for v in lists.current()] == [version.version_id]


@pytest.mark.parametrize(("fmt", "data", "says"), [
    ("un", b"36,\"X\"", "is not the UN Security Council consolidated list"),
    ("ofac", b"", "holds no OFAC SDN entries"),
    ("swift", b"x", "Unknown list format 'swift'"),
])
def test_a_file_not_of_its_format_is_refused_and_nothing_is_kept(
    app_context: AppContext, admin: Actor, fmt: str, data: bytes, says: str
) -> None:
    with pytest.raises(ValidationError, match=says):
        app_context.services.screening_lists.import_file(admin, fmt, data, "f.xml")
    assert app_context.services.screening_lists.versions(admin) == []


def test_screening_needs_an_imported_list(app_context: AppContext, admin: Actor) -> None:
    with pytest.raises(ValidationError, match="No sanctions list has been imported"):
        app_context.services.screening.run(admin)
    add(app_context, admin, "INV-1", "Mousa Mohammed Abu Marzook")  # nothing to screen against: saved anyway


# -- screening -----------------------------------------------------------------------------------------
def test_an_investor_is_screened_when_created_and_the_alert_explains_the_hit(ctx: AppContext, admin: Actor) -> None:
    add(ctx, admin, "INV-1", "Musa Mohamed Abu Marzuk")
    add(ctx, admin, "INV-2", "Ann Smith")
    [alert] = ctx.services.screening.list_alerts(admin)
    assert (alert.investor_number, alert.list_name, alert.entry_id, alert.status) == (
        "INV-1", "ofac-sdn", MARZOOK, AlertStatus.OPEN)
    assert "'Mousa Mohammed ABU MARZOOK'" in alert.explanation
    assert "musa~mousa" in alert.explanation
    summary = ctx.services.screening.run(admin)
    assert (summary.screened, summary.hits, summary.raised, summary.open_alerts) == (2, 1, 0, 1)


def test_the_date_of_birth_on_file_is_evidence(ctx: AppContext, admin: Actor, secrets: SecretStore) -> None:
    KeyService(ctx.services.ctx, secrets, kdf=CHEAP).init(admin, PASSPHRASE)
    investors = ctx.services.portfolio.investors
    musa = add(ctx, admin, "INV-1", "Musa Mohamed Abu Marzuk")
    investors.set_personal(admin, musa.investor_id, musa.version, {"date_of_birth": date(1951, 2, 9)})
    [alert] = ctx.services.screening.list_alerts(admin)
    assert "date of birth 1951-02-09 listed (+0.05)" in alert.explanation


def test_corporate_investors_are_screened_as_organisations(ctx: AppContext, admin: Actor) -> None:
    add(ctx, admin, "INV-9", "Banco Nacional de Cuba", "corporate")
    add(ctx, admin, "INV-8", "Banco Nacional de Cuba", "individual")  # a person's name: the kind lowers it (×0.6)
    [alert] = ctx.services.screening.list_alerts(admin)
    assert (alert.investor_number, alert.entry_id, alert.score) == ("INV-9", "306", 1)


def test_names_are_checked_without_storing_alerts(ctx: AppContext, admin: Actor) -> None:
    results = ctx.services.screening.check(OLGA, [Subject("Владимир Путин"), Subject("Ann Smith")])
    assert [[h.entry.entry_id for h in r.hits] for r in results] == [[PUTIN], []]
    assert ctx.services.screening.list_alerts(admin) == []
    with pytest.raises(ValidationError, match="threshold"):
        ctx.services.screening.check(OLGA, [Subject("Ann")], threshold=1.5)


def test_a_new_list_version_is_picked_up_without_a_restart(app_context: AppContext, admin: Actor) -> None:
    lists, screening = app_context.services.screening_lists, app_context.services.screening
    lists.import_file(admin, "ofac", sdn_excerpt(MARZOOK), "old.csv")
    assert screening.check(OLGA, [Subject("Vladimir Putin")])[0].hits == ()
    lists.import_file(admin, "ofac", sdn_excerpt(MARZOOK, PUTIN), "new.csv")
    assert screening.check(OLGA, [Subject("Vladimir Putin")])[0].hits[0].entry.entry_id == PUTIN


# -- dispositions --------------------------------------------------------------------------------------
@pytest.fixture
def musa(ctx: AppContext, admin: Actor) -> Investor:
    return add(ctx, admin, "INV-1", "Musa Mohamed Abu Marzuk")


def the_alert(ctx: AppContext, investor: Investor) -> Alert:
    [alert] = ctx.services.screening.list_alerts(OLGA, open_only=True, investor_id=investor.investor_id)
    return alert


def test_a_false_positive_needs_a_second_officer_and_is_remembered_until_the_investor_changes(
    ctx: AppContext, admin: Actor, musa: Investor
) -> None:
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, "false_positive", "Born 1984 in Lyon")
    assert (proposed.status, proposed.proposed, proposed.proposed_by) == (
        AlertStatus.AWAITING_SECOND_OFFICER, Disposition.FALSE_POSITIVE, "olga")
    with pytest.raises(PermissionDenied, match="second officer"):
        screening.confirm(OLGA, alert.alert_id, proposed.version, True, "I agree with myself")
    closed = screening.confirm(OMAR, alert.alert_id, proposed.version, True, "Passport seen")
    assert (closed.status, closed.disposition, closed.decided_by) == (AlertStatus.CLOSED, Disposition.FALSE_POSITIVE,
                                                                       "omar")
    assert [step["action"] for step in closed.history] == ["false_positive", "confirm"]
    summary = screening.run(OLGA)
    assert (summary.hits, summary.raised, summary.remembered, summary.open_alerts) == (1, 0, 1, 0)
    # The investor's name changes: the remembered decision no longer covers the hit.
    investors = ctx.services.portfolio.investors
    investors.update_investor(admin, musa.investor_id, musa.version, name="Musa Mohammed Abu Marzuk")
    assert screening.open_count(OLGA) == 1


def test_a_changed_list_entry_raises_the_hit_again(ctx: AppContext, admin: Actor, musa: Investor) -> None:
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, "false_positive", "Other person")
    screening.confirm(OMAR, alert.alert_id, proposed.version, True, "Agreed")
    changed = sdn_excerpt(MARZOOK, PUTIN).decode().replace("DOB 09 Feb 1951", "DOB 09 Feb 1952").encode()
    ctx.services.screening_lists.import_file(admin, "ofac", changed, "new.csv")
    assert screening.run(OLGA).raised == 1


def test_a_true_match_is_closed_by_a_second_officer_or_sent_back(ctx: AppContext, musa: Investor) -> None:
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    proposed = screening.decide(OMAR, alert.alert_id, alert.version, Disposition.TRUE_MATCH, "Same DOB, same POB")
    back = screening.confirm(OLGA, alert.alert_id, proposed.version, False, "Check the passport first")
    assert (back.status, back.proposed) == (AlertStatus.OPEN, None)
    proposed = screening.decide(OMAR, alert.alert_id, back.version, "true_match", "Passport matches the list")
    closed = screening.confirm(OLGA, alert.alert_id, proposed.version, True, "Agreed; freeze and report")
    assert (closed.status, closed.disposition) == (AlertStatus.CLOSED, Disposition.TRUE_MATCH)
    with pytest.raises(ValidationError, match="cannot be decided again"):
        screening.decide(OMAR, alert.alert_id, closed.version, "false_positive", "changed my mind")


def test_needs_information_keeps_the_alert_open(ctx: AppContext, musa: Investor) -> None:
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    waiting = screening.decide(OLGA, alert.alert_id, alert.version, "needs_information", "Ask for the passport")
    assert waiting.status is AlertStatus.NEEDS_INFORMATION
    assert waiting.is_open
    assert screening.open_count(OLGA, musa.investor_id) == 1
    with pytest.raises(ValidationError, match="not a disposition"):
        screening.decide(OLGA, alert.alert_id, waiting.version, "maybe", "?")
    with pytest.raises(ValidationError, match="reason"):
        screening.decide(OLGA, alert.alert_id, waiting.version, "true_match", "  ")


def test_decisions_are_audited(ctx: AppContext, musa: Investor) -> None:
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, "false_positive", "Other person")
    screening.confirm(OMAR, alert.alert_id, proposed.version, True, "Agreed")
    actions = [(d["action"], d["actor"]) for d in ctx.store.collection("audit").find(
        {"entity_id": alert.alert_id}, sort=[("seq", 1)])]
    assert actions == [("screening.alert_raise", "screening on investor change"),
                       ("screening.alert_decide", "olga"), ("screening.alert_confirm", "omar")]


# -- the role matrix -----------------------------------------------------------------------------------
def test_every_role_against_every_screening_permission(ctx: AppContext, admin: Actor, musa: Investor) -> None:
    screening, lists = ctx.services.screening, ctx.services.screening_lists
    state = lambda: audit_count(ctx)  # noqa: E731
    assert_permission_matrix(lambda a: lists.import_file(a, "ofac", sdn_excerpt(PUTIN, first=40), "x.csv"),
                             ScreeningPermission.LISTS_IMPORT, state=state)  # type: ignore[arg-type]
    assert_permission_matrix(lambda a: lists.versions(a), ScreeningPermission.READ)  # type: ignore[arg-type]
    assert_permission_matrix(lambda a: screening.check(a, [Subject("Ann Smith")]),
                             ScreeningPermission.READ, state=None)  # type: ignore[arg-type]
    assert_permission_matrix(lambda a: screening.run(a), ScreeningPermission.RUN, state=state)  # type: ignore[arg-type]
    alert = the_alert(ctx, musa)
    assert_permission_matrix(lambda a: screening.decide(a, alert.alert_id, alert.version, "needs_information", "?"),
                             ScreeningPermission.DECIDE, state=state)  # type: ignore[arg-type]


def test_only_compliance_officers_decide_and_the_administrator_does_not(ctx: AppContext) -> None:
    holders = {role for role in Role if allowed(role, ScreeningPermission.DECIDE)}
    assert holders == {Role.COMPLIANCE_OFFICER}
    assert {role for role in Role if allowed(role, ScreeningPermission.LISTS_IMPORT)} == {
        Role.ADMIN, Role.COMPLIANCE_OFFICER}
    assert allowed(Role.BACK_OFFICE, ScreeningPermission.READ)
    assert not allowed(Role.PORTFOLIO_MANAGER, ScreeningPermission.READ)
    assert not allowed(Role.CLIENT, ScreeningPermission.READ)


def test_four_eyes_for_every_role_pair(ctx: AppContext, musa: Investor) -> None:
    """Only a compliance officer other than the proposer closes an alert; every other role is refused."""
    screening = ctx.services.screening
    alert = the_alert(ctx, musa)
    proposed = screening.decide(OLGA, alert.alert_id, alert.version, "true_match", "Listed passport number")
    for role in Role:
        checker = actor_for(role)
        if role is Role.COMPLIANCE_OFFICER:
            continue
        with pytest.raises(PermissionDenied):
            screening.confirm(checker, alert.alert_id, proposed.version, True, "ok")
    with pytest.raises(PermissionDenied, match="four eyes"):
        screening.confirm(OLGA, alert.alert_id, proposed.version, True, "ok")
    assert screening.confirm(actor_for(Role.COMPLIANCE_OFFICER), alert.alert_id, proposed.version, True,
                             "ok").status is AlertStatus.CLOSED



def test_importing_a_version_screens_every_investor_and_only_new_hits_raise_alerts(
    app_context: AppContext, admin: Actor
) -> None:
    screening = app_context.services.screening
    result, rescreen = screening.import_list(OLGA, "ofac", sdn_excerpt(PUTIN, first=40), "old.csv")
    assert rescreen is None  # no investor yet
    add(app_context, admin, "INV-1", "Musa Mohamed Abu Marzuk")
    add(app_context, admin, "INV-2", "Vladimir Putin")
    assert screening.open_count(OLGA) == 1
    result, rescreen = screening.import_list(OLGA, "ofac", sdn_excerpt(MARZOOK, PUTIN, first=40), "new.csv")
    assert result.version.added == (MARZOOK,)
    assert rescreen is not None
    assert (rescreen.screened, rescreen.hits, rescreen.raised, rescreen.open_alerts) == (2, 2, 1, 2)
    assert screening.import_list(OLGA, "ofac", sdn_excerpt(MARZOOK, PUTIN, first=40), "again.csv")[1] is None


def test_an_erased_investor_s_alerts_lose_the_name_words_after_the_kyc_period(
    ctx: AppContext, admin: Actor, musa: Investor
) -> None:
    investors = ctx.services.portfolio.investors
    investors.end_relationship(admin, musa.investor_id, musa.version, date(2015, 1, 31))
    report = ctx.services.personal_data.erase_person(admin, musa.investor_id, now=ctx.services.ctx.clock())
    assert ("screening_alerts", the_alert(ctx, musa).alert_id) in report.erased
    alert = ctx.store.collection("screening_alerts").find_one({"investor_id": musa.investor_id})
    assert alert is not None
    assert (alert["explanation"], alert["pairs"]) == (ERASED, ERASED)
    assert alert["entry_id"] == MARZOOK  # what was decided stays: the list entry and the history
