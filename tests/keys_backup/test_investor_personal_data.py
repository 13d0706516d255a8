"""Investors' sensitive fields: sealed at rest with blind indexes, validated, audited reveals, locked
workstations, and the registered fields through data-protection export, erasure and key rotation."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fidus_desktop.features.registry import PERSONAL_DATA
from fidus_desktop.security.crypto import field_key_id
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import ERASED, Locked, VaultLocked
from fidus_desktop.services.portfolio.investors import (
    SENSITIVE_FIELDS,
    Investor,
    InvestorService,
    parse_iban,
)
from fidus_desktop.store.errors import ConcurrencyError
from tests.keys_backup.test_keys import other_workstation
from tests.support.keys_office import NOW, PASSPHRASE, Office

IBAN = "DE89 3704 0044 0532 0130 00"
PERSONAL = {"national_id": "X-1234 567", "tax_id": "12/345/67890", "iban": IBAN, "date_of_birth": "1980-02-29"}


def audit_text(office: Office) -> str:
    return json.dumps([str(doc) for doc in office.ctx.store.collection("audit").iter_all()])


def investors(office: Office) -> InvestorService:
    return office.ctx.services.portfolio.investors


@pytest.fixture
def ann(keyed: Office) -> Investor:
    service = investors(keyed)
    ann = service.create_investor(keyed.admin, "INV-1", "Ann Smith", "individual", email="ann@example.com")
    return service.set_personal(keyed.admin, ann.investor_id, ann.version, PERSONAL)


def test_the_registry_covers_every_sensitive_field_with_an_index() -> None:
    specs = PERSONAL_DATA.fields_of("investors")
    assert set(specs) == set(SENSITIVE_FIELDS)
    assert all(spec.index_field == f"{name}_bi" for name, spec in specs.items())


def test_values_are_stored_only_sealed_and_the_audit_names_fields_not_values(keyed: Office, ann: Investor) -> None:
    doc = keyed.ctx.store.collection("investors").require(ann.investor_id)
    stored = json.dumps({k: str(v) for k, v in doc.items()})
    for plain in ("X-1234", "12/345", "DE89", "370400440532013000", "1980-02-29"):
        assert plain not in stored
    assert all(doc[name].startswith("v1:") and doc[f"{name}_bi"] for name in SENSITIVE_FIELDS)
    assert ann.on_file == frozenset(SENSITIVE_FIELDS)
    entry = keyed.ctx.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"], entry["after"]["personal"]) == (
        "investor.update", ann.investor_id, {"set": sorted(SENSITIVE_FIELDS), "cleared": []})
    assert not {"iban", "iban_bi", "national_id", "date_of_birth_bi"} & (set(entry["before"]) | set(entry["after"]))
    assert "X-1234" not in audit_text(keyed)
    assert "v1:" not in audit_text(keyed)


def test_reveal_is_audited_once_without_the_value_and_needs_personal_data_read(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    before = keyed.ctx.services.ctx.audit.last()["seq"]
    assert service.reveal(keyed.admin, ann.investor_id, "iban") == "DE89370400440532013000"
    assert service.reveal(keyed.admin, ann.investor_id, "date_of_birth") == "1980-02-29"
    entries = keyed.ctx.store.collection("audit").find({"seq": {"$gt": before}}, sort=[("seq", 1)])
    assert [(e["action"], e["entity"], e["after"]) for e in entries] == [
        ("personal_data.read", "investor", {"field": "iban"}),
        ("personal_data.read", "investor", {"field": "date_of_birth"})]
    assert service.reveal(keyed.actor("bo", "back_office"), ann.investor_id, "national_id") == "X-1234 567"
    with pytest.raises(PermissionDenied):
        service.reveal(keyed.actor("pm", "portfolio_manager"), ann.investor_id, "iban")
    with pytest.raises(ValidationError, match="not a sensitive investor field"):
        service.reveal(keyed.admin, ann.investor_id, "name")


def test_lookups_use_the_blind_index_of_the_normalised_value(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    bob = service.create_investor(keyed.admin, "INV-2", "Bob Jones", "individual")
    service.set_personal(keyed.admin, bob.investor_id, bob.version, {"iban": "GB82 WEST 1234 5698 7654 32"})
    assert [i.number for i in service.find_by_iban(keyed.admin, "de89370400440532013000")] == ["INV-1"]
    assert [i.number for i in service.find_by_iban(keyed.admin, "GB82WEST12345698765432")] == ["INV-2"]
    assert [i.number for i in service.find_by_national_id(keyed.admin, "x1234567")] == ["INV-1"]
    assert [i.number for i in service.find_by_personal(keyed.admin, "tax_id", "12/345/67890")] == ["INV-1"]
    assert [i.number for i in service.find_by_personal(keyed.admin, "date_of_birth", "1980-02-29")] == ["INV-1"]
    assert service.find_by_iban(keyed.admin, "FR14 2004 1010 0505 0001 3M02 606") == []
    with pytest.raises(PermissionDenied):
        service.find_by_iban(keyed.actor("pm", "portfolio_manager"), IBAN)


def test_clearing_a_field_removes_value_and_index(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    cleared = service.set_personal(keyed.admin, ann.investor_id, ann.version, {"iban": None})
    assert "iban" not in cleared.on_file
    doc = keyed.ctx.store.collection("investors").require(ann.investor_id)
    assert (doc["iban"], doc["iban_bi"]) == (None, None)
    assert service.find_by_iban(keyed.admin, IBAN) == []
    assert service.reveal(keyed.admin, ann.investor_id, "iban") is None
    assert keyed.ctx.services.ctx.audit.last()["after"]["personal"] == {"set": [], "cleared": ["iban"]}


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"iban": "DE89 3704 0044 0532 0130 01"}, "iban", "fails its check digits"),
    ({"iban": "12345"}, "iban", "is not an IBAN"),
    ({"date_of_birth": "2027-01-01"}, "date_of_birth", "is in the future"),
    ({"date_of_birth": "1890-05-01"}, "date_of_birth", "more than 120 years ago"),
    ({"date_of_birth": "01/02/1980"}, "date_of_birth", "YYYY-MM-DD"),
    ({"national_id": "   "}, "national_id", "is required"),
    ({"tax_id": "12#45"}, "tax_id", "only letters, digits"),
])
def test_bad_values_are_refused_with_the_reason_and_nothing_is_written(
    keyed: Office, ann: Investor, values: dict[str, str], field: str, message: str
) -> None:
    seq = keyed.ctx.services.ctx.audit.last()["seq"]
    with pytest.raises(ValidationError, match=message) as refused:
        investors(keyed).set_personal(keyed.admin, ann.investor_id, ann.version, {"national_id": "Z-9", **values})
    assert set(refused.value.problems) == {field}
    assert keyed.ctx.store.collection("investors").require(ann.investor_id)["version"] == ann.version
    assert keyed.ctx.services.ctx.audit.last()["seq"] == seq


def test_every_problem_is_reported_together_and_corporates_have_no_birth_date(keyed: Office) -> None:
    service = investors(keyed)
    corp = service.create_investor(keyed.admin, "INV-9", "Corp Ltd", "corporate")
    with pytest.raises(ValidationError) as refused:
        service.set_personal(keyed.admin, corp.investor_id, corp.version,
                             {"iban": "DE00", "date_of_birth": "1980-01-01", "tax_id": ""})
    assert set(refused.value.problems) == {"iban", "date_of_birth", "tax_id"}
    assert "corporate investor has no date of birth" in refused.value.problems["date_of_birth"]
    with pytest.raises(ValidationError, match="at least one of"):
        service.set_personal(keyed.admin, corp.investor_id, corp.version, {})


def test_setting_needs_investors_manage_and_the_version_read(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    with pytest.raises(PermissionDenied):
        service.set_personal(keyed.actor("pm", "portfolio_manager"), ann.investor_id, ann.version, {"tax_id": "1"})
    service.set_personal(keyed.actor("co", "compliance_officer"), ann.investor_id, ann.version, {"tax_id": "T-2"})
    with pytest.raises(ConcurrencyError):
        service.set_personal(keyed.admin, ann.investor_id, ann.version, {"tax_id": "T-3"})
    assert service.reveal(keyed.admin, ann.investor_id, "tax_id") == "T-2"


def test_one_edit_changes_name_and_sealed_fields_together_or_nothing(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    with pytest.raises(ValidationError) as refused:
        service.update_investor(keyed.admin, ann.investor_id, ann.version, name=" ", personal={"iban": "DE00"})
    assert set(refused.value.problems) == {"name", "iban"}
    assert service.get(keyed.admin, ann.investor_id).version == ann.version
    edited = service.update_investor(keyed.admin, ann.investor_id, ann.version, email="ann@new.example",
                                     personal={"tax_id": None, "iban": "GB82 WEST 1234 5698 7654 32"})
    assert (edited.email, edited.on_file) == ("ann@new.example", frozenset(SENSITIVE_FIELDS) - {"tax_id"})
    entry = keyed.ctx.services.ctx.audit.last()
    assert entry["action"] == "investor.update"
    assert entry["after"]["personal"] == {"set": ["email", "iban"], "cleared": ["tax_id"]}
    assert not {"iban", "iban_bi", "national_id"} & (set(entry["before"]) | set(entry["after"]))


def test_audit_entries_name_the_personal_fields_changed_never_name_or_e_mail(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    created = keyed.ctx.store.collection("audit").find_one({"action": "investor.create"})
    assert created["after"]["personal"] == {"set": ["email", "name", "name_key"], "cleared": []}
    assert (created["after"]["number"], created["after"]["kind"]) == ("INV-1", "individual")
    current = service.get(keyed.admin, ann.investor_id)
    service.update_investor(keyed.admin, ann.investor_id, current.version, name="Ann Smith-Jones",
                            email="ann.jones@example.org", user_id="u-ann")
    entry = keyed.ctx.services.ctx.audit.last()
    assert entry["after"]["personal"] == {"set": ["email", "name", "name_key"], "cleared": []}
    assert entry["after"]["user_id"] == "u-ann"  # not personal: recorded as before
    current = service.get(keyed.admin, ann.investor_id)
    service.update_investor(keyed.admin, ann.investor_id, current.version, name="Ann Smith-Jones")
    assert keyed.ctx.services.ctx.audit.last()["after"]["personal"] == {"set": [], "cleared": []}
    trail = audit_text(keyed).casefold()
    for plain in ("Ann Smith", "ann@example.com", "ann.jones@example.org", "Smith-Jones"):
        assert plain.casefold() not in trail
    assert keyed.ctx.services.ctx.audit.verify().ok


def test_a_workstation_without_the_key_sees_locked_and_cannot_seal_or_search(keyed: Office, ann: Investor) -> None:
    _, vault = other_workstation(keyed)
    service = investors(keyed)
    service.vault = vault
    details = service.details(keyed.admin, ann.investor_id)
    assert set(details.sealed) == set(SENSITIVE_FIELDS)
    assert all(isinstance(state, Locked) for state in details.sealed.values())
    seq = keyed.ctx.services.ctx.audit.last()["seq"]
    assert isinstance(service.reveal(keyed.admin, ann.investor_id, "iban"), Locked)
    assert keyed.ctx.services.ctx.audit.last()["seq"] == seq  # nothing read, nothing audited
    with pytest.raises(VaultLocked, match="not enrolled"):
        service.set_personal(keyed.admin, ann.investor_id, ann.version, {"tax_id": "T-9"})
    with pytest.raises(VaultLocked, match="Enrol it"):
        service.find_by_iban(keyed.admin, IBAN)


def test_export_shows_the_values_to_an_authorised_actor_and_erasure_pseudonymises(
    keyed: Office, ann: Investor
) -> None:
    privacy = keyed.ctx.services.personal_data
    data = json.loads(privacy.export_person(keyed.admin, ann.investor_id)[0])
    record = data["collections"]["investors"][0]
    assert (record["name"], record["iban"], record["national_id"], record["date_of_birth"]) == (
        "Ann Smith", "DE89370400440532013000", "X-1234 567", "1980-02-29")
    assert not [k for k in record if k.endswith("_bi")]
    with pytest.raises(PermissionDenied):
        privacy.export_person(keyed.actor("bo", "back_office"), ann.investor_id)
    service = investors(keyed)
    ended = service.end_relationship(keyed.admin, ann.investor_id, service.get(keyed.admin, ann.investor_id).version,
                                     date(NOW.year - 6, 1, 31))
    report = privacy.erase_person(keyed.admin, ann.investor_id, now=NOW)
    case = keyed.ctx.store.collection("kyc_cases").find({"investor_id": ann.investor_id})[0]
    assert report.erased == [("investors", ann.investor_id), ("kyc_cases", case["_id"])]  # the KYC file too
    assert ended.number == "INV-1"
    doc = keyed.ctx.store.collection("investors").require(ann.investor_id)
    assert (doc["name"], doc["name_key"], doc["email"]) == (ERASED, ERASED, ERASED)
    assert all(doc[name] is None and doc[f"{name}_bi"] is None for name in SENSITIVE_FIELDS)
    assert investors(keyed).find_by_iban(keyed.admin, IBAN) == []
    assert "DE89370400440532013000" not in audit_text(keyed)
    assert keyed.ctx.services.ctx.audit.verify().ok


def test_rotation_reencrypts_investor_fields_and_lookups_still_find_them(keyed: Office, ann: Investor) -> None:
    service = investors(keyed)
    stale_keys, stale_vault = other_workstation(keyed)
    stale_keys.enroll(keyed.admin, PASSPHRASE)
    old_index = keyed.ctx.store.collection("investors").require(ann.investor_id)["iban_bi"]
    report = keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields)
    assert report.documents["investors"] == 1
    doc = keyed.ctx.store.collection("investors").require(ann.investor_id)
    assert {field_key_id(doc[name]) for name in SENSITIVE_FIELDS} == {report.new_key_id}
    assert doc["iban_bi"] != old_index
    assert service.reveal(keyed.admin, ann.investor_id, "iban") == "DE89370400440532013000"
    assert [i.number for i in service.find_by_iban(keyed.admin, IBAN)] == ["INV-1"]
    assert [i.number for i in service.find_by_personal(keyed.admin, "date_of_birth", "1980-02-29")] == ["INV-1"]
    # A workstation enrolled before the rotation holds only the retired key: it says so, it shows no garbage.
    service.vault = stale_vault
    locked = service.reveal(keyed.admin, ann.investor_id, "iban")
    assert isinstance(locked, Locked)
    assert report.new_key_id in locked.reason
    with pytest.raises(VaultLocked, match="enrolled before a key rotation"):
        service.find_by_iban(keyed.admin, IBAN)


def test_during_an_interrupted_rotation_lookups_find_values_under_either_key(keyed: Office, ann: Investor) -> None:
    def crash_in_investors(collection: str, done: int, total: int) -> None:
        if collection == "investors":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields, crash_in_investors)
    service = investors(keyed)
    bob = service.create_investor(keyed.admin, "INV-2", "Bob Jones", "individual")
    service.set_personal(keyed.admin, bob.investor_id, bob.version, {"iban": IBAN})
    keys_used = {field_key_id(d["iban"]) for d in keyed.ctx.store.collection("investors").find()}
    assert len(keys_used) == 2
    assert [i.number for i in service.find_by_iban(keyed.admin, IBAN)] == ["INV-1", "INV-2"]
    keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields)
    assert [i.number for i in service.find_by_iban(keyed.admin, IBAN)] == ["INV-1", "INV-2"]


def test_parse_iban_accepts_spaced_lower_case_and_rejects_a_swapped_digit() -> None:
    assert parse_iban("fr14 2004 1010 0505 0001 3m02 606") == "FR1420041010050500013M02606"
    with pytest.raises(ValidationError, match="check digits"):
        parse_iban("FR14 2004 1010 0505 0001 3M02 660")


def test_an_investor_is_kept_for_the_kyc_period_after_the_relationship_ends(keyed: Office, ann: Investor) -> None:
    privacy, service = keyed.ctx.services.personal_data, investors(keyed)
    ongoing = privacy.erase_person(keyed.admin, ann.investor_id, now=NOW)
    assert ongoing.erased == []
    assert [(r.document_id, r.until) for r in ongoing.retained if r.collection == "investors"] == [
        (ann.investor_id, None)]
    assert {r.collection for r in ongoing.retained} == {"investors", "kyc_cases"}
    with pytest.raises(ValidationError, match="in the future"):
        service.end_relationship(keyed.admin, ann.investor_id, ann.version, date(NOW.year + 1, 1, 1))
    current = service.get(keyed.admin, ann.investor_id)
    with pytest.raises(PermissionDenied):
        service.end_relationship(keyed.actor("pm", "portfolio_manager"), ann.investor_id, current.version,
                                 date(NOW.year - 1, 3, 31))
    service.end_relationship(keyed.admin, ann.investor_id, current.version, f"{NOW.year - 1}-03-31")
    recent = privacy.erase_person(keyed.admin, ann.investor_id, now=NOW)
    assert [r.until for r in recent.retained] == [date(NOW.year + 4, 3, 31)] * 2  # the investor and its KYC case
    assert keyed.ctx.store.collection("investors").require(ann.investor_id)["name"] == "Ann Smith"
    assert keyed.ctx.store.collection("audit").count({"action": "investor.relationship_end"}) == 1
