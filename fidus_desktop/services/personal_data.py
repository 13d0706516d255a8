"""Personal data: the vault that encrypts and reveals sensitive fields, the registry of where personal data
lives, and data-protection requests (export everything about a person; erase what may be erased).

Services seal a sensitive value with ``Vault.seal(value, context)`` before storing it and reveal it with
``Vault.reveal(...)``, which checks ``personal_data.read`` and writes a ``personal_data.read`` audit entry
naming the record and field, never the value. On a workstation without the data key ``reveal`` returns a
``Locked`` marker that displays as "🔒 locked — enrol this workstation", never garbage.

A feature declares where its personal data lives as a ``PersonalDataRegistry`` in its ``Feature``, e.g.
``PersonalField("investors", "national_id", "national_id", "investor.national_id", index_field="national_id_bi")``
and, for data-protection requests, ``PersonCollection("investors", "_id", ("name", "email", ...), KYC)``;
``features.PERSONAL_DATA`` merges them and the composition root hands that to the services.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fidus_desktop.config.secrets import SecretsUnavailable
from fidus_desktop.config.settings import Settings
from fidus_desktop.errors import UserError
from fidus_desktop.reports.personal_data_pdf import render_person_export
from fidus_desktop.security.crypto import (
    NORMALISERS,
    DataKey,
    blind_index,
    decrypt_blob,
    decrypt_field,
    encrypt_blob,
    encrypt_field,
    field_key_id,
)
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import Permission, allowed, require
from fidus_desktop.store.port import Document

LOCKED_TEXT = "🔒 locked — enrol this workstation"
RESTRICTED_NOTE = ("Not in the PDF for the person: records whose disclosure may be restricted (an AML investigation "
                   "must not be revealed while it could prejudice an inquiry or report: tipping off). A compliance "
                   "officer decides what, if anything, is disclosed.")
ERASED = "[erased]"
FIELD_KINDS = ("text", "blob", *NORMALISERS)


@dataclass(frozen=True)
class Locked:
    """What ``reveal`` gives when this workstation lacks the key; shows as ``LOCKED_TEXT``."""

    reason: str

    def __str__(self) -> str:
        return LOCKED_TEXT


class VaultLocked(UserError):
    """A value cannot be sealed (or exported) without the data key on this workstation."""


@dataclass(frozen=True)
class PersonalField:
    """A sensitive top-level field stored encrypted. ``kind`` is ``text``, ``blob`` (bytes, a document) or a
    blind-index kind (``iban``, ``national_id``, ``email``, ``date``) whose index lives in ``index_field``.

    ``item_field``: the field holds a list of documents (an investigation's notes) and each one's ``item_field``
    is the sealed text, so key rotation, export and erasure reach every item."""

    collection: str
    field: str
    kind: str
    context: str
    index_field: str | None = None
    item_field: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FIELD_KINDS:
            raise ValueError(f"Unknown personal field kind {self.kind!r}; use one of {', '.join(FIELD_KINDS)}.")
        if self.index_field and self.kind in ("text", "blob"):
            raise ValueError(f"A {self.kind} field has no blind index; give a lookup kind for {self.field}.")
        if self.item_field and (self.kind != "text" or self.index_field):
            raise ValueError(f"Items of {self.field} are sealed as text, without a blind index.")

    def blob_context(self, doc_id: str) -> str:
        """Blobs are bound to their record, so one cannot be swapped into another."""
        return f"{self.context}/{doc_id}"


@dataclass(frozen=True)
class Retention:
    """Records kept ``years`` (setting ``years_setting``) after the date in ``ends_field``; none = ongoing.

    ``owner`` = (collection, field naming the owning record): the date is read from the owner instead, e.g.
    a stored document is kept as long as its investor's KYC file.
    """

    years_setting: str
    default_years: int
    ends_field: str
    owner: tuple[str, str] | None = None


KYC_RETENTION = Retention("privacy.kyc_retention_years", 5, "relationship_ended_on")


@dataclass(frozen=True)
class PersonCollection:
    """A collection holding documents about a person, found by ``person_id_field`` (with ``in_list``: a list
    field holding the person's id among others, e.g. an investigation's ``investor_ids``).

    ``permission``: only an exporter holding it gets these records (an investigation must not reach anyone
    outside compliance: tipping off); an export by anyone else leaves them out and its audit entry counts them
    as withheld. Erasure applies to them whoever asks, under their retention."""

    collection: str
    person_id_field: str
    fields_to_pseudonymise: tuple[str, ...]
    retention: Retention | None = None
    dependents: tuple[tuple[str, str], ...] = ()  # (collection, field naming this record): deleted on erasure
    in_list: bool = False
    permission: str | None = None

    def of_person(self, person_id: str) -> Document:
        """The filter finding the person's records."""
        return {self.person_id_field: {"$contains": person_id} if self.in_list else person_id}


@dataclass
class PersonalDataRegistry:
    fields: list[PersonalField] = field(default_factory=list)
    people: list[PersonCollection] = field(default_factory=list)

    def fields_of(self, collection: str) -> dict[str, PersonalField]:
        return {f.field: f for f in self.fields if f.collection == collection}

    @classmethod
    def merged(cls, registries: Iterable[PersonalDataRegistry]) -> PersonalDataRegistry:
        """One registry from every feature's declarations (``features.PERSONAL_DATA``)."""
        merged = cls()
        for registry in registries:
            merged.fields.extend(registry.fields)
            merged.people.extend(registry.people)
        return merged


class Vault(Service):
    """Seals and reveals personal fields with the workstation's data keys."""

    def __init__(self, ctx: ServiceContext, keys: KeyService) -> None:
        super().__init__(ctx)
        self.keys = keys

    def _sealing_key(self) -> DataKey:
        try:
            key = self.keys.sealing_key()
        except SecretsUnavailable as exc:
            raise VaultLocked(f"Personal data cannot be encrypted: {exc}") from exc
        if key is None:
            raise VaultLocked(
                "Personal data cannot be saved on this workstation: it is not enrolled. An administrator enrols "
                "it under Admin → Keys (or `fidus key enroll`)."
            )
        return key

    def _loaded(self) -> list[DataKey]:
        try:
            return self.keys.loaded_keys()
        except SecretsUnavailable:
            return []

    def seal(self, value: str, context: str) -> str:
        """``value`` encrypted for the field named by ``context`` (``"investor.iban"``)."""
        return encrypt_field(self._sealing_key(), value, context=context)

    def seal_blob(self, data: bytes, spec: PersonalField, doc_id: str) -> bytes:
        return encrypt_blob(self._sealing_key(), data, context=spec.blob_context(doc_id))

    def blind_index(self, value: str | date, kind: str) -> str:
        """The lookup index of ``value`` under the sealing key (store it next to the sealed value)."""
        return blind_index(self._sealing_key(), value, kind=kind)

    def lookup_indexes(self, value: str | date, kind: str) -> list[str]:
        """Indexes of ``value`` under every loaded key, for ``{"$in": ...}`` lookups during a rotation."""
        return [blind_index(key, value, kind=kind) for key in self._loaded()]

    def locked(self, token: str) -> Locked | None:
        """``Locked`` if this workstation lacks the key ``token`` needs (a screen shows it before any reveal)."""
        key_id = field_key_id(token)
        if key_id not in {key.key_id for key in self._loaded()}:
            return Locked(f"Data key {key_id} is not enrolled on this workstation.")
        return None

    def open_token(self, token: str, context: str) -> str | Locked:
        """Decrypt without permission check or audit: for services that checked and audit themselves."""
        locked = self.locked(token)
        if locked is not None:
            return locked
        value = decrypt_field(self._loaded(), token, context=context)
        return value if isinstance(value, str) else value.decode("utf-8")

    def reveal(
        self, actor: Actor, token: str, context: str, *, entity: str, entity_id: str, field: str
    ) -> str | Locked:
        """The plaintext (audited as ``personal_data.read``) or ``Locked``; altered tokens raise ``DecryptionError``."""
        require(actor, Permission.PERSONAL_DATA_READ)
        value = self.open_token(token, context)
        if isinstance(value, Locked):
            return value

        def write(rec: ChangeRecorder) -> None:
            rec.record("personal_data.read", entity, entity_id, after={"field": field})

        self.change(actor, Permission.PERSONAL_DATA_READ, write)
        return value

    def open_blob(self, data: bytes, spec: PersonalField, doc_id: str) -> bytes | Locked:
        keys = self._loaded()
        if not keys:
            return Locked("No data key is enrolled on this workstation.")
        return decrypt_blob(keys, data, context=spec.blob_context(doc_id))


@dataclass(frozen=True)
class RetainedRecord:
    collection: str
    document_id: str
    until: date | None  # None: the relationship has not ended, so the retention period has not started

    def describe(self) -> str:
        when = f"may be erased from {self.until.isoformat()}" if self.until else "kept while the relationship lasts"
        return f"{self.collection}/{self.document_id}: retained ({when})"


@dataclass(frozen=True)
class ErasureReport:
    person_id: str
    erased: list[tuple[str, str]]
    retained: list[RetainedRecord]


@dataclass(frozen=True)
class PersonExport:
    json_bytes: bytes
    pdf_bytes: bytes


class PersonalDataService(Service):
    """Data-protection requests over every registered person collection."""

    def __init__(
        self, ctx: ServiceContext, vault: Vault, settings: Settings | None, registry: PersonalDataRegistry
    ) -> None:
        super().__init__(ctx)
        self.vault = vault
        self.settings = settings
        self.registry = registry

    def _documents(self, person_id: str) -> list[tuple[PersonCollection, Document]]:
        person_id = self.required_text(person_id, "person", "The person id")
        found = [
            (people, doc)
            for people in self.registry.people
            for doc in self.store.collection(people.collection).find(people.of_person(person_id))
        ]
        if not found:
            raise ValidationError({"person": f"No records about person {person_id} in any registered collection."})
        return found

    def _revealed(self, collection: str, doc: Document) -> Document:
        out = dict(doc)
        for name, spec in self.registry.fields_of(collection).items():
            value = doc.get(name)
            if spec.item_field and isinstance(value, list):
                out[name] = [self._revealed_item(collection, spec, item) for item in value]
                continue
            if spec.kind == "blob" and isinstance(value, bytes):
                opened: Any = self.vault.open_blob(value, spec, doc["_id"])
            elif isinstance(value, str):
                opened = self.vault.open_token(value, spec.context)
            else:
                continue
            if isinstance(opened, Locked):
                raise VaultLocked(f"Cannot export {collection}.{name}: {opened.reason} Enrol this workstation first.")
            out[name] = opened
            if spec.index_field:
                out.pop(spec.index_field, None)
        return out

    def _revealed_item(self, collection: str, spec: PersonalField, item: Any) -> Any:
        token = item.get(spec.item_field) if isinstance(item, dict) and spec.item_field else None
        if not isinstance(token, str):
            return item
        opened = self.vault.open_token(token, spec.context)
        if isinstance(opened, Locked):
            raise VaultLocked(f"Cannot export {collection}.{spec.field}: {opened.reason} Enrol this workstation first.")
        return {**item, spec.item_field: opened}

    def export_person(self, actor: Actor, person_id: str) -> tuple[bytes, bytes]:
        """Every registered document about the person, decrypted, as (JSON, PDF); audited.

        Records of a collection restricted to a permission (``PersonCollection.permission``: investigations) are
        left out of the PDF, which is written for the person, and go in the JSON's ``restricted`` part for the
        officer to decide on; an exporter lacking the permission gets neither, and the audit entry counts them
        as withheld."""
        require(actor, Permission.PERSONAL_DATA_EXPORT)
        sections: dict[str, list[Document]] = {}
        restricted: dict[str, list[Document]] = {}
        withheld: dict[str, int] = {}
        for people, doc in self._documents(person_id):
            if people.permission is None:
                sections.setdefault(people.collection, []).append(self._revealed(people.collection, doc))
            elif allowed(actor.role, people.permission):
                restricted.setdefault(people.collection, []).append(self._revealed(people.collection, doc))
            else:
                withheld[people.collection] = withheld.get(people.collection, 0) + 1
        generated = self.now()
        payload: Document = {"person_id": person_id, "generated_at": generated, "collections": sections}
        if restricted:
            payload["restricted"] = {"note": RESTRICTED_NOTE, "collections": restricted}
        json_bytes = json.dumps(payload, default=_json_value, ensure_ascii=False, indent=2).encode("utf-8")
        pdf_bytes = render_person_export(person_id, sections, generated)

        def write(rec: ChangeRecorder) -> None:
            counts = {name: len(docs) for name, docs in sections.items()}
            rec.record("personal_data.export", "person", person_id,
                       after={"collections": counts,
                              **({"restricted": {n: len(d) for n, d in restricted.items()}} if restricted else {}),
                              **({"withheld": withheld} if withheld else {})})

        self.change(actor, Permission.PERSONAL_DATA_EXPORT, write)
        return json_bytes, pdf_bytes

    def retention_years(self, retention: Retention) -> int:
        years = self.settings.get(retention.years_setting, retention.default_years) if self.settings else None
        years = retention.default_years if years is None else years
        if not isinstance(years, int) or isinstance(years, bool) or years < 0:
            raise ValidationError(f"The setting {retention.years_setting} must be a whole number of years ≥ 0.")
        return years

    def erasable_from(self, retention: Retention, ended_on: date) -> date:
        """The first day a record under ``retention`` may be erased, its relationship having ended on ``ended_on``
        (what erasure applies and what the investor dialog shows)."""
        return _add_years(ended_on, self.retention_years(retention))

    def _retained_until(self, people: PersonCollection, doc: Document, today: date) -> RetainedRecord | None:
        if people.retention is None:
            return None
        owner = people.retention.owner
        source = doc if owner is None else self.store.collection(owner[0]).get(doc[owner[1]]) or {}
        ended = source.get(people.retention.ends_field)
        if ended is None:
            return RetainedRecord(people.collection, doc["_id"], None)
        until = self.erasable_from(people.retention, ended.date() if isinstance(ended, datetime) else ended)
        return RetainedRecord(people.collection, doc["_id"], until) if until > today else None

    def erase_person(self, actor: Actor, person_id: str, *, now: datetime) -> ErasureReport:
        """Pseudonymise the person's fields, except records under retention (reported with their date)."""
        require(actor, Permission.PERSONAL_DATA_ERASE)

        def write(rec: ChangeRecorder) -> ErasureReport:
            erased: list[tuple[str, str]] = []  # inside: a retried change starts again from nothing
            retained: list[RetainedRecord] = []
            for people, doc in self._documents(person_id):
                if doc.get("erased_at") is not None:
                    continue
                keep = self._retained_until(people, doc, now.date())
                if keep is not None:
                    retained.append(keep)
                    continue
                changes = self._pseudonymised(people, doc, now)
                self.store.collection(people.collection).update(doc["_id"], changes, expected_version=doc["version"])
                deleted = self._delete_dependents(people, doc["_id"])
                # The audit entry names the fields only: the values must not survive in the trail.
                rec.record("personal_data.erase", people.collection, doc["_id"],
                           after={"fields": sorted(k for k in changes if k != "erased_at"), **deleted})
                erased.append((people.collection, doc["_id"]))
            return ErasureReport(person_id, erased, retained)

        return self.change(actor, Permission.PERSONAL_DATA_ERASE, write)

    def _delete_dependents(self, people: PersonCollection, doc_id: str) -> dict[str, dict[str, int]]:
        """Delete the records that only exist for ``doc_id`` (a stored document's chunks); counts for the audit."""
        deleted: dict[str, int] = {}
        for name, ref in people.dependents:
            collection = self.store.collection(name)
            found = collection.find({ref: doc_id}, projection=[ref])
            for dependent in found:
                collection.delete(dependent["_id"], expected_version=dependent["version"])
            deleted[name] = len(found)
        return {"deleted": deleted} if deleted else {}

    def _pseudonymised(self, people: PersonCollection, doc: Document, now: datetime) -> Document:
        sealed = self.registry.fields_of(people.collection)
        changes: Document = {"erased_at": now}
        for name in people.fields_to_pseudonymise:
            if name not in doc:
                continue
            spec = sealed.get(name)
            if spec and spec.item_field and isinstance(doc[name], list):  # notes keep who and when, not what
                changes[name] = [{**item, spec.item_field: None} for item in doc[name]]
                continue
            changes[name] = None if spec else ERASED
            if spec and spec.index_field:
                changes[spec.index_field] = None
        return changes


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28) + timedelta(days=1)


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} cannot be exported")

