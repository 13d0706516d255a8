"""The UN Security Council consolidated list (``consolidated.xml``).

``CONSOLIDATED_LIST`` holds ``INDIVIDUALS/INDIVIDUAL`` and ``ENTITIES/ENTITY``: ``DATAID``, names in
``FIRST_NAME`` … ``FOURTH_NAME``, ``REFERENCE_NUMBER`` (e.g. ``QDi.001``), ``UN_LIST_TYPE``, aliases
(``INDIVIDUAL_ALIAS``/``ENTITY_ALIAS`` with ``QUALITY`` Good or Low and ``ALIAS_NAME``), dates of birth
(``DATE``, ``YEAR`` or ``FROM_YEAR``…``TO_YEAR``), ``NATIONALITY/VALUE`` and ``COMMENTS1``.
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
from fidus_desktop.integrations.sanctions.countries import country_code
from fidus_desktop.integrations.sanctions.xml_files import child_text, parse_root

NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")


def _dates(element: ET.Element) -> list[str]:
    out: list[str] = []
    for item in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        exact, year = child_text(item, "DATE", {}), child_text(item, "YEAR", {})
        first, last = child_text(item, "FROM_YEAR", {}), child_text(item, "TO_YEAR", {})
        if exact:
            out.append(exact[:10])
        elif year:
            out.append(year)
        elif first.isdigit() and last.isdigit() and 0 <= int(last) - int(first) <= 20:
            out += [str(y) for y in range(int(first), int(last) + 1)]
    return out


def _entry(element: ET.Element, kind: EntityKind) -> ListEntry:
    alias_tag = "INDIVIDUAL_ALIAS" if kind is EntityKind.PERSON else "ENTITY_ALIAS"
    primary = " ".join(p for p in (child_text(element, part, {}) for part in NAME_PARTS) if p)
    names = [EntryName(primary, NameStrength.PRIMARY)]
    for alias in element.findall(alias_tag):
        name = child_text(alias, "ALIAS_NAME", {})
        if name:
            weak = child_text(alias, "QUALITY", {}).lower() == "low"
            names.append(EntryName(name, NameStrength.WEAK if weak else NameStrength.STRONG))
    codes = [country_code(v.text or "") for v in element.findall("NATIONALITY/VALUE")]
    return ListEntry(
        "un", child_text(element, "REFERENCE_NUMBER", {}) or child_text(element, "DATAID", {}), kind,
        tuple(n for n in names if n.text), tuple(dict.fromkeys(_dates(element))),
        tuple(dict.fromkeys(c for c in codes if c)), (child_text(element, "UN_LIST_TYPE", {}),),
        child_text(element, "COMMENTS1", {}))


def parse_un_xml(data: bytes, *, cancelled: Callable[[], bool] | None = None) -> list[ListEntry]:
    """Every INDIVIDUAL and ENTITY; ``cancelled`` is asked while reading (``ReadCancelled``)."""
    check = CancelCheck(cancelled)
    root, _ = parse_root(data, "CONSOLIDATED_LIST", "the UN consolidated list", check)
    entries = []
    for path, kind in (("INDIVIDUALS/INDIVIDUAL", EntityKind.PERSON), ("ENTITIES/ENTITY", EntityKind.ORGANISATION)):
        for element in root.findall(path):
            check.tick()
            entries.append(_entry(element, kind))
    if not entries:
        raise ListFormatError("The UN list holds no INDIVIDUAL or ENTITY elements.")
    return entries
