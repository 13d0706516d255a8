"""The EU consolidated financial sanctions list (FSF XML, ``export`` root, namespace
``http://eu.europa.ec/fpi/fsd/export``).

Each ``sanctionEntity`` has ``logicalId`` and ``euReferenceNumber``, ``subjectType code="person"`` or
``"enterprise"``, ``nameAlias`` elements (``wholeName`` or first/middle/last names, ``strong="true"|"false"``),
``citizenship countryIso2Code``, ``birthdate birthdate="YYYY-MM-DD" year="YYYY"`` and ``regulation
programme``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable

from fidus_desktop.domain.compliance.lists import (
    CancelCheck,
    EntityKind,
    EntryName,
    ListEntry,
    ListFormatError,
    NameStrength,
)
from fidus_desktop.integrations.sanctions.xml_files import parse_root

KINDS = {"person": EntityKind.PERSON, "enterprise": EntityKind.ORGANISATION}


def _name(alias: ET.Element) -> str:
    whole = (alias.get("wholeName") or "").strip()
    if whole:
        return whole
    return " ".join(p for p in (alias.get(k, "").strip() for k in ("firstName", "middleName", "lastName")) if p)


def _entry(item: ET.Element, ns: dict[str, str]) -> ListEntry:
    subject = item.find("x:subjectType", ns)
    kind = KINDS.get(subject.get("code", "") if subject is not None else "", EntityKind.UNKNOWN)
    names: list[EntryName] = []
    for alias in item.findall("x:nameAlias", ns):
        strength = NameStrength.STRONG if alias.get("strong", "true") == "true" else NameStrength.WEAK
        names.append(EntryName(_name(alias), NameStrength.PRIMARY if not names else strength))
    births = [b.get("birthdate") or b.get("year") or "" for b in item.findall("x:birthdate", ns)]
    countries = [(c.get("countryIso2Code") or "").upper() for c in item.findall("x:citizenship", ns)]
    programmes = [r.get("programme", "") for r in item.findall("x:regulation", ns)]
    return ListEntry("eu", item.get("euReferenceNumber") or item.get("logicalId") or "", kind,
                     tuple(n for n in names if n.text), tuple(dict.fromkeys(b for b in births if b)),
                     tuple(dict.fromkeys(c for c in countries if len(c) == 2 and c != "00")),
                     tuple(dict.fromkeys(p for p in programmes if p)))


def parse_eu_xml(data: bytes, *, cancelled: Callable[[], bool] | None = None) -> list[ListEntry]:
    """Every ``sanctionEntity``; ``cancelled`` is asked while reading (``ReadCancelled``)."""
    check = CancelCheck(cancelled)
    root, ns = parse_root(data, "export", "the EU consolidated list", check)
    entries = []
    for item in root.findall("x:sanctionEntity", ns):
        check.tick()
        entries.append(_entry(item, ns))
    if not entries:
        raise ListFormatError("The EU list holds no sanctionEntity elements.")
    return entries
