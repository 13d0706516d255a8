"""Investigations as personal data: what prompted a case, its notes and its conclusion are sealed at rest (and
re-sealed by a key rotation); a data-protection export lists the cases naming the investor for a compliance
officer and withholds them from anyone else; erasure keeps a case under AML retention and pseudonymises it
after; the case list pages, filters (status, investor, text) and sorts in the service; and attachments open for
compliance officers only, never listed with the investor's documents."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.features.registry import PERSONAL_DATA
from fidus_desktop.security.crypto import FIELD_TOKEN_VERSION, DataKey, DecryptionError, decrypt_field, field_key_id
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services import personal_data
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ServiceContext, ValidationError
from fidus_desktop.services.compliance.investigations import NOT_CLOSED, NOTES, Investigation
from fidus_desktop.services.keys import KeyService, reencrypted_fields
from fidus_desktop.services.permissions import Permission, PermissionDenied, Role, allowed
from fidus_desktop.services.personal_data import ERASED, Locked, VaultLocked
from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.support.cost import CHEAP_KDF as CHEAP
from tests.support.keys_office import PASSPHRASE
from tests.support.portfolio_office import ADMIN, BACK, D2, PM, Office, build_office
from tests.support.readiness import CHECKER, MAKER

SUMMARY = "Ann Smith paid in twice just under 10,000 EUR."
NOTE = "Ann's employer confirmed two bonuses by phone."
REASON = "Bonuses confirmed in writing by the employer."


@pytest.fixture
def office(tmp_path: Path) -> Office:
    office = build_office(tmp_path)
    KeyService(office.services.ctx, office.services.secrets, kdf=CHEAP).init(ADMIN, PASSPHRASE)
    office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, office.ann.investor_id,
                                                  D2, D2, D2, amount="9500", ref="ORD-1"))
    return office


def closed_case(office: Office) -> Investigation:
    service = office.services.investigations
    case = service.open(MAKER, "Structured subscriptions", SUMMARY, transactions=["ORD-1"])
    case = service.add_note(MAKER, case, NOTE)
    case = service.propose_close(MAKER, case, "no_suspicion", REASON)
    return service.confirm_close(CHECKER, case)


def stored(office: Office) -> dict:
    [doc] = office.services.ctx.store.collection("investigations").find({})
    return doc


def test_what_prompted_the_case_its_notes_and_conclusion_are_sealed_at_rest(office: Office) -> None:
    case = closed_case(office)
    assert (case.summary, [n.text for n in case.notes], case.outcome_reason) == (SUMMARY, [NOTE], REASON)
    doc = stored(office)
    raw = json.dumps(doc, default=str)
    for text in (SUMMARY, NOTE, REASON, "Ann"):
        assert text not in raw
    for token in (doc["summary"], doc["notes"][0]["text"], doc["outcome_reason"]):
        assert token.startswith(f"{FIELD_TOKEN_VERSION}:")
    # bound to its field: a note's token does not open as the summary
    keys = office.services.keys.loaded_keys()
    assert decrypt_field(keys, doc["notes"][0]["text"], context="investigation.note") == NOTE
    with pytest.raises(DecryptionError, match="copied from another field"):
        decrypt_field(keys, doc["notes"][0]["text"], context="investigation.summary")
    # reasons to send back or reopen become sealed notes, not history text
    case = office.services.investigations.reopen(CHECKER, case, "A third deal of 9,900 arrived.")
    assert case.notes[-1].text == "Reopened: A third deal of 9,900 arrived."
    assert "9,900" not in json.dumps(stored(office), default=str)
    assert stored(office)["closed_at"] is None  # the retention clock stops while it is worked on again


def test_a_workstation_without_the_key_sees_the_texts_locked_and_cannot_write_them(office: Office) -> None:
    case = office.services.investigations.open(MAKER, "Structured subscriptions", SUMMARY, transactions=["ORD-1"])
    elsewhere = Services(ServiceContext(office.services.ctx.store), secrets=SecretStore(InMemoryKeyring()))
    service = elsewhere.investigations  # the same database on a workstation that is not enrolled
    locked = service.get(MAKER, case.ref)
    assert isinstance(locked.summary, Locked)
    assert locked.title == "Structured subscriptions"
    assert [c.ref for c in service.page(MAKER, {}, None, 0, 10)] == [case.ref]  # the list still works
    with pytest.raises(VaultLocked):
        service.add_note(MAKER, locked, "anything")
    with pytest.raises(VaultLocked):
        service.open(MAKER, "Another", "anything", investors=["INV-1"])
    with pytest.raises(VaultLocked):
        service.sar_draft(MAKER, locked)
    assert len(office.services.investigations.get(MAKER, case.ref).notes) == 0


def test_key_rotation_reseals_every_note(office: Office) -> None:
    closed_case(office)
    doc = stored(office)
    old = office.services.keys.loaded_keys()[0]
    new = DataKey.generate()
    changes = reencrypted_fields(doc, PERSONAL_DATA.fields_of("investigations").values(), (old, new))
    assert set(changes) == {"summary", "notes", "outcome_reason"}
    [note] = changes["notes"]
    assert field_key_id(note["text"]) == new.key_id
    assert note["at"] == doc["notes"][0]["at"]
    assert decrypt_field([new], note["text"], context=NOTES.context) == NOTE
    assert reencrypted_fields({**doc, **changes}, PERSONAL_DATA.fields_of("investigations").values(),
                              (old, new)) == {}


def test_the_export_lists_the_cases_naming_the_investor_for_compliance_only(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = closed_case(office)
    privacy = office.services.personal_data
    in_pdf: list[set[str]] = []  # the sections the person's PDF is made of
    render = personal_data.render_person_export
    monkeypatch.setattr(personal_data, "render_person_export",
                        lambda person, sections, at: in_pdf.append(set(sections)) or render(person, sections, at))
    exported = json.loads(privacy.export_person(MAKER, office.ann.investor_id)[0])
    [listed] = exported["restricted"]["collections"]["investigations"]
    assert (listed["ref"], listed["summary"], listed["notes"][0]["text"], listed["outcome_reason"]) == (
        case.ref, SUMMARY, NOTE, REASON)
    assert "tipping off" in exported["restricted"]["note"]
    assert "investigations" not in exported["collections"]
    assert "investors" in in_pdf[0]
    assert "investigations" not in in_pdf[0]  # the PDF is written for the person: no case in it
    assert "restricted" not in json.loads(privacy.export_person(MAKER, office.bob.investor_id)[0])  # not named
    by_admin = json.loads(privacy.export_person(ADMIN, office.ann.investor_id)[0])  # no tipping off
    assert "restricted" not in by_admin
    assert SUMMARY not in json.dumps(by_admin)
    audit = office.services.ctx.store.collection("audit").find({"action": "personal_data.export"},
                                                                sort=[("seq", 1)])
    assert [(a["after"].get("restricted"), a["after"].get("withheld")) for a in audit] == [
        ({"investigations": 1}, None), (None, None), (None, {"investigations": 1})]


def test_erasure_keeps_a_case_under_aml_retention_then_pseudonymises_it(office: Office) -> None:
    service, privacy = office.services.investigations, office.services.personal_data
    case = service.open(MAKER, "Structured subscriptions", SUMMARY, transactions=["ORD-1"])
    now = office.services.ctx.clock()
    report = privacy.erase_person(ADMIN, office.ann.investor_id, now=now)
    [kept] = [r for r in report.retained if r.collection == "investigations"]
    assert kept.until is None  # open: kept while it is worked on
    case = service.add_note(MAKER, case, NOTE)
    case = service.propose_close(MAKER, case, "no_suspicion", REASON)
    case = service.confirm_close(CHECKER, case)
    closed_on = stored(office)["closed_at"].date()
    report = privacy.erase_person(ADMIN, office.ann.investor_id, now=now)
    [kept] = [r for r in report.retained if r.collection == "investigations"]
    assert kept.until == closed_on.replace(year=closed_on.year + 5)
    later = now + timedelta(days=5 * 366 + 1)
    report = privacy.erase_person(ADMIN, office.ann.investor_id, now=later)
    assert ("investigations", case.investigation_id) in report.erased
    doc = stored(office)
    assert (doc["title"], doc["summary"], doc["outcome_reason"]) == (ERASED, None, None)
    assert [(n["by"], n["text"]) for n in doc["notes"]] == [("olga", None)]  # who and when stay, not what
    assert (doc["status"], doc["outcome"], doc["investor_ids"]) == ("closed", "no_suspicion", [office.ann.investor_id])
    shown = service.get(MAKER, case.ref)
    assert (shown.title, shown.summary, [n.text for n in shown.notes], shown.outcome_reason) == (
        ERASED, ERASED, [ERASED], None)


def test_the_case_list_pages_filters_and_sorts_in_the_service(office: Office) -> None:
    service = office.services.investigations
    for i in range(5):
        service.open(MAKER, f"Case {i}", SUMMARY, investors=["INV-2" if i % 2 else "INV-1"])
    closed_case(office)  # INQ-000006, Ann, closed
    ann, bob = office.ann.investor_id, office.bob.investor_id

    def refs(filters: dict, sort: list | None = None, offset: int = 0, limit: int = 100) -> list[str]:
        return [c.ref for c in service.page(MAKER, filters, sort, offset, limit)]

    assert service.count(MAKER, {}) == 6
    assert refs({}, [("ref", 1)], offset=2, limit=2) == ["INQ-000003", "INQ-000004"]
    assert refs({}, [("ref", -1)], limit=1) == ["INQ-000006"]
    assert refs({"status": NOT_CLOSED}, [("ref", 1)]) == [f"INQ-00000{i}" for i in range(1, 6)]
    assert refs({"status": "closed"}) == ["INQ-000006"]
    assert refs({"investor_id": bob}, [("ref", 1)]) == ["INQ-000002", "INQ-000004"]
    assert service.count(MAKER, {"investor_id": ann, "status": NOT_CLOSED}) == 3
    assert refs({"text": "case 3"}) == ["INQ-000004"]
    assert refs({"text": "inq-000006"}) == ["INQ-000006"]
    assert [c.ref for c in service.list_cases(MAKER, investor_id=bob)] == ["INQ-000002", "INQ-000004"]
    with pytest.raises(ValidationError, match="cannot be sorted by 'summary'"):
        service.page(MAKER, {}, [("summary", 1)], 0, 10)
    with pytest.raises(ValidationError, match="not an investigation status"):
        service.count(MAKER, {"status": "pending"})
    with pytest.raises(ValidationError, match="A page holds"):
        service.page(MAKER, {}, None, 0, 0)


CLIENT = Actor("u-client", "carl", Role.CLIENT, workstation="test")


@pytest.mark.parametrize("actor", [ADMIN, PM, BACK, CLIENT, MAKER], ids=lambda a: a.role.value)
def test_an_attachment_is_for_compliance_officers_only_and_not_in_the_investors_documents(
    office: Office, actor: Actor
) -> None:
    services = office.services
    case = services.investigations.open(MAKER, "Structured subscriptions", SUMMARY, transactions=["ORD-1"])
    stored = services.investigations.attach(MAKER, case, "payslips.pdf", b"%PDF-1.4 payslips")
    documents = services.documents
    own = documents.attach(ADMIN, "investor", office.ann.investor_id, "passport.pdf", b"%PDF-1.4 passport")
    officer = actor.role is Role.COMPLIANCE_OFFICER
    if officer:
        assert documents.open(actor, stored.document_id) == b"%PDF-1.4 payslips"
        assert [d.name for d in documents.list_for(actor, "investigation", case.investigation_id)] == ["payslips.pdf"]
    else:
        with pytest.raises(PermissionDenied):
            documents.open(actor, stored.document_id)  # even knowing the id, with personal_data.read
        with pytest.raises(PermissionDenied):
            documents.list_for(actor, "investigation", case.investigation_id)
        with pytest.raises(PermissionDenied):
            documents.save_copy(actor, stored.document_id, Path("unused.pdf"))
        with pytest.raises(PermissionDenied):
            documents.delete(actor, stored.document_id, stored.version)
        with pytest.raises(PermissionDenied):
            documents.attach(actor, "investigation", case.investigation_id, "x.pdf", b"%PDF-1.4 x")
    if allowed(actor.role, Permission.INVESTORS_READ):  # the investor's own list: never the case's files
        assert [d.document_id for d in documents.list_for(actor, "investor", office.ann.investor_id)] == [
            own.document_id]
        assert documents.count_for(actor, "investor", office.ann.investor_id) == 1
    if officer:
        documents.delete(actor, stored.document_id, stored.version)
        assert documents.list_for(actor, "investigation", case.investigation_id) == []


def test_a_case_stored_before_sealing_reads_as_it_was_and_is_sealed_on_its_next_change(office: Office) -> None:
    service = office.services.investigations
    case = service.open(MAKER, "Structured subscriptions", SUMMARY, transactions=["ORD-1"])
    cases = office.services.ctx.store.collection("investigations")
    doc = cases.require(case.investigation_id)  # as an earlier version wrote it: texts in clear
    cases.update(doc["_id"], {"summary": SUMMARY, "notes": [{"at": doc["opened_at"], "by": "olga", "text": NOTE}]},
                 expected_version=doc["version"])
    old = service.get(MAKER, case.ref)
    assert (old.summary, [n.text for n in old.notes]) == (SUMMARY, [NOTE])
    service.start(MAKER, old)
    doc = stored(office)
    assert doc["summary"].startswith(f"{FIELD_TOKEN_VERSION}:")
    assert doc["notes"][0]["text"].startswith(f"{FIELD_TOKEN_VERSION}:")
    assert SUMMARY not in json.dumps(doc, default=str)
    assert [n.text for n in service.get(MAKER, case.ref).notes] == [NOTE]
