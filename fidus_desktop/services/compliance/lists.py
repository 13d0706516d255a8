"""Sanctions and PEP list versions: every import of an official file kept with what it changed.

An import reads the file with its publisher's reader (``FORMATS``), refuses a file already imported (same
SHA-256: the import is idempotent and says so), and stores a ``ListVersion`` (list, file hash and name, who
imported it and when, entry count, the entry ids added, removed and changed against the list's previous
version) with every entry, so a screening index can be rebuilt from the store on any workstation. The
current version of a list is its latest import.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fidus_desktop.domain.compliance.lists import (
    EntityKind,
    EntryName,
    ListEntry,
    ListFormatError,
    NameStrength,
    ReadCancelled,
    changes,
)
from fidus_desktop.errors import UserError
from fidus_desktop.integrations.sanctions.eu import parse_eu_xml
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv, parse_sdn_xml
from fidus_desktop.integrations.sanctions.opensanctions import parse_targets_csv
from fidus_desktop.integrations.sanctions.un import parse_un_xml
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.compliance.permissions import ScreeningPermission
from fidus_desktop.services.permissions import require
from fidus_desktop.store.port import Document

LIST_VERSIONS = "screening_list_versions"
LIST_ENTRIES = "screening_list_entries"

class ListReader(Protocol):
    """A publisher's reader: the file's entries, asking ``cancelled`` while it reads (``ReadCancelled``)."""

    def __call__(self, data: bytes, *, cancelled: Callable[[], bool] | None = None) -> list[ListEntry]: ...


FORMATS: dict[str, tuple[str, ListReader]] = {
    "ofac": ("the OFAC SDN list (legacy sdn.csv)", parse_sdn_csv),
    "ofac-xml": ("the OFAC list in XML (sdn.xml or consolidated.xml)", parse_sdn_xml),
    "un": ("the UN Security Council consolidated list (XML)", parse_un_xml),
    "eu": ("the EU financial sanctions file (XML)", parse_eu_xml),
    "opensanctions": ("an OpenSanctions targets.simple.csv export", parse_targets_csv),
}


class ImportCancelled(UserError):
    """An import stopped by the user before it wrote anything."""


@dataclass(frozen=True)
class ListVersion:
    version_id: str
    list_name: str
    format: str
    file_name: str
    sha256: str
    imported_at: datetime
    imported_by: str
    entry_count: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @classmethod
    def from_doc(cls, doc: Document) -> ListVersion:
        return cls(doc["_id"], doc["list_name"], doc["format"], doc["file_name"], doc["sha256"], doc["imported_at"],
                   doc["imported_by"], doc["entry_count"], tuple(doc["added"]), tuple(doc["removed"]),
                   tuple(doc["changed"]))

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


@dataclass(frozen=True)
class ImportResult:
    version: ListVersion
    already_imported: bool  # the same file (by SHA-256) was imported before: nothing was written


def entry_doc(version_id: str, entry: ListEntry) -> Document:
    return {"version_id": version_id, "list_name": entry.list_name, "entry_id": entry.entry_id,
            "kind": entry.kind.value, "names": [[n.text, n.strength.value] for n in entry.names],
            "birth_dates": list(entry.birth_dates), "countries": list(entry.countries),
            "programmes": list(entry.programmes), "remarks": entry.remarks, "fingerprint": entry.fingerprint()}


def entry_from_doc(doc: Document) -> ListEntry:
    return ListEntry(doc["list_name"], doc["entry_id"], EntityKind(doc["kind"]),
                     tuple(EntryName(text, NameStrength(strength)) for text, strength in doc["names"]),
                     tuple(doc["birth_dates"]), tuple(doc["countries"]), tuple(doc["programmes"]), doc["remarks"])


class ListService(Service):
    """Import list files as versions; read versions and the current entries."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.versions_ = ctx.store.collection(LIST_VERSIONS)
        self.entries = ctx.store.collection(LIST_ENTRIES)

    def ensure_indexes(self) -> None:
        self.versions_.ensure_index(["list_name", "sha256"], unique=True)
        self.versions_.ensure_index(["format", "sha256"])
        self.versions_.ensure_index(["list_name", "imported_at"])
        self.entries.ensure_index(["version_id", "entry_id"], unique=True)

    def import_file(self, actor: Actor, format: str, data: bytes, file_name: str,
                    cancelled: Callable[[], bool] | None = None) -> ImportResult:
        """Read ``data`` as ``format`` and keep it as the list's new version (validated before anything is
        written; the version and its entries are written in one transaction). ``cancelled()`` is asked while the
        file is read (every few hundred rows or elements, and between chunks of an XML file) and once more
        before anything is written: a cancelled import raises ``ImportCancelled`` and writes nothing."""
        require(actor, ScreeningPermission.LISTS_IMPORT)
        if format not in FORMATS:
            raise ValidationError({"format": f"Unknown list format {format!r}; use one of {', '.join(FORMATS)}."})
        what, reader = FORMATS[format]
        digest = hashlib.sha256(data).hexdigest()
        same = self.versions_.find_one({"format": format, "sha256": digest})
        if same is not None:
            return ImportResult(ListVersion.from_doc(same), already_imported=True)
        try:
            parsed = reader(data, cancelled=cancelled)
        except ReadCancelled:
            raise ImportCancelled(f"The import of {file_name} was cancelled while the file was read; nothing was "
                                  "written and the current list version is unchanged.") from None
        except ListFormatError as exc:
            raise ValidationError({"file": f"{file_name} is not {what}: {exc}"}) from exc
        if not parsed:
            raise ValidationError({"file": f"{file_name} holds no list entries; is it {what}?"})
        entries = list({e.entry_id: e for e in parsed}.values())  # a repeated id: the last one stands
        list_name = entries[0].list_name
        previous = self._latest(list_name)
        fingerprints = {} if previous is None else {
            d["entry_id"]: d["fingerprint"]
            for d in self.entries.find({"version_id": previous["_id"]}, projection=["entry_id", "fingerprint"])}
        diff = changes(fingerprints, entries)
        if cancelled is not None and cancelled():
            raise ImportCancelled(f"The import of {file_name} was cancelled before anything was written; the "
                                  "current list version is unchanged.")
        doc = {"list_name": list_name, "format": format, "file_name": file_name, "sha256": digest,
               "imported_at": self.now(), "imported_by": actor.username, "entry_count": len(entries),
               "added": list(diff.added), "removed": list(diff.removed), "changed": list(diff.changed)}

        def write(rec: ChangeRecorder) -> Document:
            stored = self.versions_.insert(doc)
            self.entries.insert_many([entry_doc(stored["_id"], e) for e in entries])
            rec.record("screening.list_import", "screening_list", stored["_id"],
                       after={k: v for k, v in stored.items() if k not in ("added", "removed", "changed")}
                       | {"summary": diff.summary()})
            return stored

        stored = self.change(actor, ScreeningPermission.LISTS_IMPORT, write)
        return ImportResult(ListVersion.from_doc(stored), already_imported=False)

    def versions(self, actor: Actor, list_name: str | None = None) -> list[ListVersion]:
        """Every import, newest first (of one list when named)."""
        require(actor, ScreeningPermission.READ)
        query = {"list_name": list_name} if list_name else {}
        return [ListVersion.from_doc(d) for d in self.versions_.find(query, sort=[("imported_at", -1)])]

    def _latest(self, list_name: str) -> Document | None:
        return self.versions_.find_one({"list_name": list_name}, sort=[("imported_at", -1)])

    def current_ids(self) -> list[str]:
        """The ids of the latest version of every list (cheap: read for every screening)."""
        latest: dict[str, str] = {}
        for doc in self.versions_.find(sort=[("imported_at", -1)], projection=["list_name"]):
            latest.setdefault(doc["list_name"], doc["_id"])
        return [latest[name] for name in sorted(latest)]

    def current(self) -> list[ListVersion]:
        """The latest version of every list, by list name (callers check permissions)."""
        return [ListVersion.from_doc(self.versions_.require(version_id)) for version_id in self.current_ids()]

    def entries_of(self, version_ids: list[str]) -> list[ListEntry]:
        """The entries of these versions, rebuilt from the store."""
        return [entry_from_doc(d) for d in self.entries.find({"version_id": {"$in": version_ids}},
                                                             sort=[("list_name", 1), ("entry_id", 1)])]

    def entry(self, version_id: str, entry_id: str) -> ListEntry | None:
        doc = self.entries.find_one({"version_id": version_id, "entry_id": entry_id})
        return entry_from_doc(doc) if doc else None
