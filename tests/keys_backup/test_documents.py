"""Stored documents: encrypted in chunks bound to their record, validated before anything is written,
permission-checked and audited, locked workstations, key rotation, data-protection export and erasure."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from fidus_desktop.config.settings import SettingsError
from fidus_desktop.features.registry import PERSONAL_DATA, document_owners
from fidus_desktop.security.crypto import DecryptionError
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.documents import (
    CHUNK_BYTES,
    CHUNKS,
    DOCUMENTS,
    DocumentDamaged,
    DocumentService,
    pack_chunks,
    unpack_chunks,
)
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import ERASED, Locked, PersonalDataService, VaultLocked
from fidus_desktop.store.errors import ConcurrencyError
from tests.keys_backup.test_keys import other_workstation
from tests.support.files import PDF, PNG
from tests.support.keys_office import NOW, PASSPHRASE, Office


def documents_of(office: Office) -> DocumentService:
    return DocumentService(office.ctx.services.ctx, office.vault, office.ctx.settings, owners=document_owners())


@pytest.fixture
def investor_id(keyed: Office) -> str:
    investors = keyed.ctx.services.portfolio.investors
    return investors.create_investor(keyed.admin, "INV-1", "Ann Smith", "individual").investor_id


@pytest.fixture
def docs(keyed: Office) -> DocumentService:
    return documents_of(keyed)


def test_attach_seals_chunks_and_open_gives_the_same_bytes(keyed: Office, docs: DocumentService,
                                                           investor_id: str) -> None:
    stored = docs.attach(keyed.admin, "investor", investor_id, "C:/scans/contract.pdf", PDF)
    assert (stored.name, stored.media_type, stored.size, stored.uploaded_by) == (
        "contract.pdf", "application/pdf", len(PDF), "admin")
    chunks = keyed.ctx.store.collection(CHUNKS).find({"document_id": stored.document_id}, sort=[("index", 1)])
    assert len(chunks) == 3 == -(-len(PDF) // CHUNK_BYTES)
    assert all(bytes(range(64)) not in chunk["data"] for chunk in chunks)  # no plaintext at rest
    assert docs.list_for(keyed.admin, "investor", investor_id) == [stored]
    assert docs.open(keyed.admin, stored.document_id) == PDF
    actions = [(e["action"], e["entity_id"]) for e in keyed.ctx.store.collection("audit").iter_all()]
    assert ("document.attach", stored.document_id) in actions
    last = keyed.ctx.services.ctx.audit.last()
    assert (last["action"], last["entity_id"]) == ("personal_data.read", stored.document_id)
    assert "contract" not in json.dumps([str(e) for e in keyed.ctx.store.collection("audit").iter_all()])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.pdf", b"", "is empty"),
        ("setup.exe", b"MZ\x90\x00", "not a type FIDUS stores"),
        ("passport.pdf", PNG, "content is not a application/pdf"),
        ("   ", PNG, "file name is required"),
    ],
)
def test_bad_uploads_are_refused_with_nothing_written(
    keyed: Office, docs: DocumentService, investor_id: str, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        docs.attach(keyed.admin, "investor", investor_id, name, data)
    assert keyed.ctx.store.collection(DOCUMENTS).count() == keyed.ctx.store.collection(CHUNKS).count() == 0


def test_size_limit_owner_and_setting_are_checked(keyed: Office, docs: DocumentService, investor_id: str) -> None:
    keyed.ctx.settings.set("documents.max_mb", 1)
    with pytest.raises(ValidationError, match=r"2\.6 MB; the limit is 1 MB \(setting documents.max_mb\)"):
        docs.attach(keyed.admin, "investor", investor_id, "big.pdf", PDF)
    with pytest.raises(ValidationError, match="no investor with id nobody"):
        docs.attach(keyed.admin, "investor", "nobody", "a.png", PNG)
    with pytest.raises(ValidationError, match="not 'fund'"):
        docs.attach(keyed.admin, "fund", investor_id, "a.png", PNG)
    with pytest.raises(SettingsError, match=r"documents\.max_mb must be a whole number, not 'lots'"):
        keyed.ctx.settings.set("documents.max_mb", "lots")  # the typed setting refuses it
    keyed.ctx.settings.data["documents"] = {"max_mb": "lots"}  # a file written around the schema
    with pytest.raises(ValidationError, match="whole number of megabytes"):
        docs.attach(keyed.admin, "investor", investor_id, "a.png", PNG)


def test_permissions(keyed: Office, docs: DocumentService, investor_id: str) -> None:
    pm, back_office = keyed.actor("pm", "portfolio_manager"), keyed.actor("bo", "back_office")
    with pytest.raises(PermissionDenied):
        docs.attach(pm, "investor", investor_id, "a.png", PNG)
    stored = docs.attach(back_office, "investor", investor_id, "a.png", PNG)
    assert docs.list_for(pm, "investor", investor_id) == [stored]  # names and sizes: investors.read
    with pytest.raises(PermissionDenied):
        docs.open(pm, stored.document_id)  # the content: personal_data.read
    with pytest.raises(PermissionDenied):
        docs.delete(pm, stored.document_id, stored.version)
    assert docs.open(back_office, stored.document_id) == PNG


def test_chunks_cannot_be_swapped_and_damage_is_reported(keyed: Office, docs: DocumentService,
                                                         investor_id: str) -> None:
    stored = docs.attach(keyed.admin, "investor", investor_id, "contract.pdf", PDF)
    chunks = keyed.ctx.store.collection(CHUNKS)
    first, second = chunks.find({"document_id": stored.document_id}, sort=[("index", 1)])[:2]
    chunks.update(first["_id"], {"data": second["data"]}, expected_version=first["version"])
    with pytest.raises(DecryptionError, match="altered, truncated or belongs to another record"):
        docs.open(keyed.admin, stored.document_id)
    chunks.delete(first["_id"])
    with pytest.raises(DocumentDamaged, match="has 2 of its 3 pieces"):
        docs.open(keyed.admin, stored.document_id)
    other = docs.attach(keyed.admin, "investor", investor_id, "a.png", PNG)
    record = keyed.ctx.store.collection(DOCUMENTS).require(other.document_id)
    keyed.ctx.store.collection(DOCUMENTS).update(other.document_id, {"sha256": "0" * 64},
                                                 expected_version=record["version"])
    with pytest.raises(DocumentDamaged, match="does not match the checksum"):
        docs.open(keyed.admin, other.document_id)


def test_a_workstation_without_the_key_is_locked(keyed: Office, docs: DocumentService, investor_id: str) -> None:
    stored = docs.attach(keyed.admin, "investor", investor_id, "a.png", PNG)
    _, vault = other_workstation(keyed)
    elsewhere = DocumentService(keyed.ctx.services.ctx, vault, keyed.ctx.settings, owners=document_owners())
    assert isinstance(elsewhere.locked(), Locked)
    assert docs.locked() is None
    assert isinstance(elsewhere.open(keyed.admin, stored.document_id), Locked)
    assert elsewhere.list_for(keyed.admin, "investor", investor_id) == [stored]
    with pytest.raises(VaultLocked, match="not enrolled"):
        elsewhere.attach(keyed.admin, "investor", investor_id, "b.png", PNG)
    assert keyed.ctx.store.collection(DOCUMENTS).count() == 1


def test_delete_removes_content_checks_the_version_and_is_audited(keyed: Office, docs: DocumentService,
                                                                   investor_id: str) -> None:
    stored = docs.attach(keyed.admin, "investor", investor_id, "contract.pdf", PDF)
    with pytest.raises(ConcurrencyError):
        docs.delete(keyed.admin, stored.document_id, stored.version + 1)
    docs.delete(keyed.admin, stored.document_id, stored.version)
    assert keyed.ctx.store.collection(CHUNKS).count() == 0
    assert docs.list_for(keyed.admin, "investor", investor_id) == []
    assert keyed.ctx.services.ctx.audit.last()["action"] == "document.delete"
    with pytest.raises(ValidationError, match="no stored document"):
        docs.open(keyed.admin, stored.document_id)


def test_backup_blob_framing_round_trips() -> None:
    parts = [b"", b"a", b"\x00" * 70_000]
    assert unpack_chunks(pack_chunks(parts)) == parts
    with pytest.raises(DocumentDamaged, match="ends inside a chunk"):
        unpack_chunks(pack_chunks(parts)[:-1])


def test_rotation_re_encrypts_chunks_and_resumes(keyed: Office, docs: DocumentService, investor_id: str) -> None:
    first = docs.attach(keyed.admin, "investor", investor_id, "contract.pdf", PDF)
    second = docs.attach(keyed.admin, "investor", investor_id, "a.png", PNG)
    old_key = keyed.keys.status().active_key_id

    def crash_in_chunks(collection: str, done: int, total: int) -> None:
        if collection == CHUNKS and done == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields, crash_in_chunks)
    assert docs.open(keyed.admin, first.document_id) == PDF  # readable mid-rotation
    report = keyed.keys.rotate(keyed.admin, PASSPHRASE, PERSONAL_DATA.fields)
    assert report.old_key_id == old_key
    assert report.documents[CHUNKS] >= 2
    assert keyed.ctx.store.collection("keys").get(old_key) is None
    _, fresh = other_workstation(keyed)
    fresh.keys.enroll(keyed.admin, PASSPHRASE)  # only the new key exists now
    rotated = DocumentService(keyed.ctx.services.ctx, fresh, keyed.ctx.settings, owners=document_owners())
    assert rotated.open(keyed.admin, first.document_id) == PDF
    assert rotated.open(keyed.admin, second.document_id) == PNG
    assert all(report.new_key_id.encode() in chunk["data"] for chunk in keyed.ctx.store.collection(CHUNKS).iter_all())


def test_export_lists_documents_and_erasure_respects_kyc_retention(keyed: Office, docs: DocumentService,
                                                                   investor_id: str) -> None:
    stored = docs.attach(keyed.admin, "investor", investor_id, "passport.png", PNG)
    privacy = PersonalDataService(keyed.ctx.services.ctx, keyed.vault, keyed.ctx.settings, PERSONAL_DATA)
    exported = json.loads(privacy.export_person(keyed.admin, investor_id)[0])
    assert [(d["name"], d["size"]) for d in exported["collections"][DOCUMENTS]] == [("passport.png", len(PNG))]

    report = privacy.erase_person(keyed.admin, investor_id, now=NOW)
    retained = sorted(r.describe() for r in report.retained)
    assert [r for r in retained if not r.startswith("kyc_cases/")] == [
        f"documents/{stored.document_id}: retained (kept while the relationship lasts)",
        f"investors/{investor_id}: retained (kept while the relationship lasts)"]
    assert [r.split("/")[0] for r in retained].count("kyc_cases") == 1  # opened when the investor was created
    assert docs.open(keyed.admin, stored.document_id) == PNG

    investors = keyed.ctx.store.collection("investors")
    record = investors.require(investor_id)
    investors.update(investor_id, {"relationship_ended_on": date(2019, 6, 30)}, expected_version=record["version"])
    report = privacy.erase_person(keyed.admin, investor_id, now=NOW)
    assert (DOCUMENTS, stored.document_id) in report.erased
    assert not report.retained
    assert keyed.ctx.store.collection(CHUNKS).count() == 0
    assert keyed.ctx.store.collection(DOCUMENTS).require(stored.document_id)["name"] == ERASED
    assert docs.list_for(keyed.admin, "investor", investor_id) == []
    deletions = [e["after"]["deleted"] for e in keyed.ctx.services.ctx.audit.iter_chain()
                 if e["action"] == "personal_data.erase" and (e.get("after") or {}).get("deleted")]
    assert {CHUNKS: 1} in deletions  # the document's sealed content went with it


def test_attach_file_checks_the_size_before_reading_and_reports_unreadable_paths(
    keyed: Office, docs: DocumentService, investor_id: str, tmp_path: Path
) -> None:
    keyed.ctx.settings.set("documents.max_mb", 1)
    big = tmp_path / "big.pdf"
    big.write_bytes(PDF)
    with pytest.raises(ValidationError, match=r"big.pdf is 2\.6 MB; the limit is 1 MB"):
        docs.attach_file(keyed.admin, "investor", investor_id, big)
    with pytest.raises(ValidationError, match=r"Cannot read .*missing\.pdf"):
        docs.attach_file(keyed.admin, "investor", investor_id, tmp_path / "missing.pdf")
    small = tmp_path / "scan.png"
    small.write_bytes(PNG)
    assert docs.attach_file(keyed.admin, "investor", investor_id, small).name == "scan.png"
