"""Data-protection requests: export (decrypted, audited, JSON + PDF) and erasure with KYC retention."""

from __future__ import annotations

import json
from datetime import date

import pytest

from fidus_desktop.config.settings import SettingsError
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import ERASED, PersonalField, VaultLocked
from tests.keys_backup.test_keys import other_workstation
from tests.support.keys_office import NOW, Office


def audit_text(office: Office) -> str:
    return json.dumps([str(doc) for doc in office.ctx.store.collection("audit").iter_all()])


def test_export_holds_every_registered_record_decrypted_and_is_audited(keyed: Office) -> None:
    keyed.add_kyc("k1", "p1", date(2024, 1, 31), scan=b"passport")
    json_bytes, pdf_bytes = keyed.privacy.export_person(keyed.admin, "p1")
    data = json.loads(json_bytes)
    person = data["collections"]["people"][0]
    assert (person["national_id"], person["notes"]) == ("AB-123 456", "likes sailing")
    assert person["email"] == "p1@example.org"
    assert "national_id_bi" not in person
    assert data["collections"]["kyc_files"][0]["relationship_ended_on"] == "2024-01-31"
    assert pdf_bytes.startswith(b"%PDF")
    assert len(pdf_bytes) > 1000
    entry = keyed.ctx.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"], entry["after"]) == (
        "personal_data.export", "p1", {"collections": {"people": 1, "kyc_files": 1}})
    assert "AB-123" not in audit_text(keyed)


def test_export_refuses_unknown_people_other_roles_and_locked_workstations(keyed: Office) -> None:
    with pytest.raises(ValidationError, match="No records about person nobody"):
        keyed.privacy.export_person(keyed.admin, "nobody")
    with pytest.raises(PermissionDenied):
        keyed.privacy.export_person(keyed.actor("bo", "back_office"), "p1")
    _, vault = other_workstation(keyed)
    keyed.privacy.vault = vault
    with pytest.raises(VaultLocked, match="Enrol this workstation"):
        keyed.privacy.export_person(keyed.admin, "p1")


def test_erasure_pseudonymises_except_records_under_retention(keyed: Office) -> None:
    keyed.add_kyc("ongoing", "p1", None)
    keyed.add_kyc("recent", "p1", date(2024, 2, 29))
    keyed.add_kyc("old", "p1", date(2020, 6, 30))
    report = keyed.privacy.erase_person(keyed.admin, "p1", now=NOW)
    assert sorted(report.erased) == [("kyc_files", "old"), ("people", "p1")]
    retained = {r.document_id: r.until for r in report.retained}
    assert retained == {"ongoing": None, "recent": date(2029, 3, 1)}
    assert "may be erased from 2029-03-01" in next(r for r in report.retained if r.until).describe()
    person = keyed.ctx.store.collection("people").require("p1")
    assert (person["name"], person["email"], person["national_id"], person["notes"], person["national_id_bi"]) == (
        ERASED, ERASED, None, None, None)
    assert person["erased_at"] == NOW
    old = keyed.ctx.store.collection("kyc_files").require("old")
    assert (old["holder"], old["scan"]) == (ERASED, None)
    assert keyed.ctx.store.collection("kyc_files").require("recent")["holder"] == "Name p1"
    assert keyed.ctx.store.collection("people").require("p2")["name"] == "Name p2"
    assert "Name p1" not in audit_text(keyed)
    assert keyed.ctx.services.ctx.audit.verify().ok
    again = keyed.privacy.erase_person(keyed.admin, "p1", now=NOW)
    assert again.erased == []
    assert len(again.retained) == 2


def test_retention_years_come_from_the_setting(keyed: Office) -> None:
    keyed.add_kyc("recent", "p1", date(2024, 2, 29))
    keyed.ctx.settings.set("privacy.kyc_retention_years", 1)
    assert ("kyc_files", "recent") in keyed.privacy.erase_person(keyed.admin, "p1", now=NOW).erased
    with pytest.raises(SettingsError, match=r"privacy\.kyc_retention_years must be a whole number"):
        keyed.ctx.settings.set("privacy.kyc_retention_years", "five")  # the typed setting refuses it
    keyed.ctx.settings.data["privacy"] = {"kyc_retention_years": "five"}  # a file written around the schema
    keyed.add_kyc("other", "p2", date(2025, 1, 1))
    with pytest.raises(ValidationError, match=r"privacy\.kyc_retention_years"):
        keyed.privacy.erase_person(keyed.admin, "p2", now=NOW)


def test_erasure_needs_its_permission(keyed: Office) -> None:
    with pytest.raises(PermissionDenied):
        keyed.privacy.erase_person(keyed.actor("pm", "portfolio_manager"), "p1", now=NOW)
    assert keyed.ctx.store.collection("people").require("p1")["name"] == "Name p1"


def test_registry_rejects_unknown_kinds_and_indexes_on_text() -> None:
    with pytest.raises(ValueError, match="Unknown personal field kind"):
        PersonalField("people", "x", "passport", "person.x")
    with pytest.raises(ValueError, match="no blind index"):
        PersonalField("people", "x", "text", "person.x", index_field="x_bi")
