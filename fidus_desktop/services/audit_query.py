"""Reading the audit trail for people: filtered pages (newest first) for the viewer, CSV export, chain check.

Filters are validated here (a wrong type is a ``ValidationError`` naming the filter), and pages are keyed
by ``seq`` (``before_seq``), so paging stays fast and stable while new entries are appended.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fidus_desktop.domain.csv_cells import safe_row
from fidus_desktop.security.audit_chain import ChainVerdict
from fidus_desktop.security.private_files import private_text_file
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit import AUDIT, AuditEntry
from fidus_desktop.services.base import Service, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.store.port import Filter

MAX_PAGE = 1000
CSV_COLUMNS = ["seq", "at", "actor", "role", "workstation", "action", "entity", "entity_id", "before", "after"]


@dataclass(frozen=True)
class AuditFilter:
    """Exact actor, entity and action; ``action`` ending in ``.`` matches a prefix (``"keys."``)."""

    actor: str | None = None
    entity: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def to_store(self) -> Filter:
        clauses: list[Filter] = []
        for name in ("actor", "entity", "action"):
            value = getattr(self, name)
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                raise ValidationError({name: f"The {name} filter is text, not {type(value).__name__}."})
            if name == "action" and value.endswith("."):
                clauses.append({"action": {"$istartswith": value}})
            else:
                clauses.append({name: value.strip()})
        for name, op in (("since", "$gte"), ("until", "$lt")):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, datetime) or value.utcoffset() is None:
                raise ValidationError({name: f"The {name} filter is a date-time with a time zone."})
            clauses.append({"at": {op: value}})
        if self.since and self.until and self.since >= self.until:
            raise ValidationError({"until": "The end of the date range must be after its start."})
        return {"$and": clauses} if clauses else {}


class AuditQueryService(Service):
    """Pages, counts, CSV export and verification of the audit trail (``audit.read``)."""

    def page(
        self, actor: Actor, where: AuditFilter, *, before_seq: int | None = None, limit: int = 200
    ) -> list[AuditEntry]:
        """Up to ``limit`` entries, newest first, older than ``before_seq`` when given."""
        require(actor, Permission.AUDIT_READ)
        if type(limit) is not int or not 1 <= limit <= MAX_PAGE:
            raise ValidationError({"limit": f"A page holds 1 to {MAX_PAGE} entries."})
        if before_seq is not None and type(before_seq) is not int:
            raise ValidationError({"before_seq": "before_seq is a whole number."})
        query = where.to_store()
        if before_seq is not None:
            query = {"$and": [query, {"seq": {"$lt": before_seq}}]}
        docs = self.store.collection(AUDIT).find(query, sort=[("seq", -1)], limit=limit)
        return [AuditEntry.from_doc(doc) for doc in docs]

    def count(self, actor: Actor, where: AuditFilter) -> int:
        require(actor, Permission.AUDIT_READ)
        return self.store.collection(AUDIT).count(where.to_store())

    def iter_matching(self, actor: Actor, where: AuditFilter) -> Iterator[AuditEntry]:
        before: int | None = None
        while page := self.page(actor, where, before_seq=before, limit=MAX_PAGE):
            yield from page
            before = page[-1].seq

    def export_csv(self, actor: Actor, where: AuditFilter, out_path: Path) -> int:
        """Write the matching entries to ``out_path`` (UTF-8 CSV, newest first); how many were written."""
        require(actor, Permission.AUDIT_READ)
        rows = 0
        with private_text_file(Path(out_path)) as out:
            writer = csv.writer(out)
            writer.writerow(CSV_COLUMNS)
            for entry in self.iter_matching(actor, where):
                writer.writerow(safe_row([_cell(getattr(entry, column)) for column in CSV_COLUMNS]))
                rows += 1
        return rows

    def verify(self, actor: Actor) -> ChainVerdict:
        require(actor, Permission.AUDIT_READ)
        return self.ctx.audit.verify()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)
    return str(value)
