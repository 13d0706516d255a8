"""OpenSanctions ``targets.simple.csv`` exports (sanctions and PEP collections alike).

Columns: ``id, schema, name, aliases, birth_date, countries, addresses, identifiers, sanctions, phones,
emails, program_ids, dataset, first_seen, last_seen, last_change``; several values in one cell are separated
by ``;``, countries are ISO codes in lower case. Licence: OpenSanctions data is CC BY-NC 4.0; a business such
as a fund office needs OpenSanctions' commercial licence to use it (docs/COMPLIANCE.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from fidus_desktop.domain.compliance.lists import (
    CancelCheck,
    EntityKind,
    EntryName,
    ListEntry,
    ListFormatError,
    NameStrength,
)

REQUIRED = ("id", "schema", "name", "aliases", "birth_date", "countries")
KINDS = {"Person": EntityKind.PERSON, "Organization": EntityKind.ORGANISATION, "Company": EntityKind.ORGANISATION,
         "LegalEntity": EntityKind.ORGANISATION, "PublicBody": EntityKind.ORGANISATION,
         "Vessel": EntityKind.VESSEL, "Airplane": EntityKind.AIRCRAFT}


def _values(cell: str | None) -> list[str]:
    return [v.strip() for v in (cell or "").split(";") if v.strip()]


def parse_targets_csv(data: bytes, list_name: str = "opensanctions", *,
                      cancelled: Callable[[], bool] | None = None) -> list[ListEntry]:
    """Every row of ``targets.simple.csv``; ``cancelled`` is asked while reading (``ReadCancelled``)."""
    text = data.decode("utf-8-sig", errors="replace")
    check = CancelCheck(cancelled)
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ListFormatError(f"Not an OpenSanctions targets.simple.csv: the header lacks {', '.join(missing)}.")
    entries = []
    for line_no, row in enumerate(reader, start=2):
        check.tick()
        if not row["id"] or not row["name"]:
            raise ListFormatError(f"Line {line_no} has no id or no name.")
        names = [EntryName(row["name"].strip(), NameStrength.PRIMARY)]
        names += [EntryName(a, NameStrength.STRONG) for a in _values(row["aliases"]) if a != row["name"].strip()]
        countries = tuple(dict.fromkeys(c.upper() for c in _values(row["countries"]) if len(c) == 2))
        entries.append(ListEntry(list_name, row["id"], KINDS.get(row["schema"], EntityKind.UNKNOWN), tuple(names),
                                 tuple(_values(row["birth_date"])), countries,
                                 tuple(_values(row.get("program_ids")) or _values(row.get("sanctions"))),
                                 row.get("dataset", "") or ""))
    if not entries:
        raise ListFormatError("The file holds no entries.")
    return entries
