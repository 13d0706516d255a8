"""OFAC's files: the SDN list in its legacy CSV (``sdn.csv``) and the structured ``sdnList`` XML of the
SDN and consolidated (non-SDN) lists.

Legacy CSV: no header; ``ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage, GRT,
Vess_flag, Vess_owner, Remarks``; ``-0-`` is empty. People are written ``SURNAME, Given Names``; aliases,
dates of birth and nationalities are inside Remarks (``a.k.a. 'X'; DOB 09 Feb 1951; nationality Iran``).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime

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

EMPTY = "-0-"
SDN_COLUMNS = 12
_ALIAS = re.compile(r"\b[afn]\.k\.a\.\s*'(.+?)'(?=\s*[;.)]|\s*$)")
_DOB = re.compile(r"\b(?:alt\. )?DOB (?:circa )?([^;]+)")
_COUNTRY = re.compile(r"\b(?:nationality|citizen) ([A-Za-z ,.'-]+?)(?=;|\.$|$|\()")
_KINDS = {"individual": EntityKind.PERSON, "vessel": EntityKind.VESSEL, "aircraft": EntityKind.AIRCRAFT,
          "entity": EntityKind.ORGANISATION, "": EntityKind.ORGANISATION}


def person_name(sdn_name: str) -> str:
    """``ABU MARZOOK, Mousa Mohammed`` → ``Mousa Mohammed ABU MARZOOK`` (given names first)."""
    surname, comma, given = sdn_name.partition(", ")
    return f"{given.strip()} {surname.strip()}" if comma and given.strip() else sdn_name.strip()


def birth_dates(text: str) -> tuple[str, ...]:
    """OFAC's date forms as ISO partial dates: ``09 Feb 1951``, ``Feb 1951``, ``1951``, ``1962 to 1964``."""
    out: list[str] = []
    for match in _DOB.finditer(text):
        value = match.group(1).strip().rstrip(".")
        if " to " in value:
            first, _, last = value.partition(" to ")
            years = [int(part.strip()[-4:]) for part in (first, last) if part.strip()[-4:].isdigit()]
            if len(years) == 2 and 0 <= years[1] - years[0] <= 20:
                out += [str(y) for y in range(years[0], years[1] + 1)]
            continue
        for pattern, iso in (("%d %b %Y", "%Y-%m-%d"), ("%b %Y", "%Y-%m"), ("%Y", "%Y")):
            try:
                out.append(datetime.strptime(value, pattern).strftime(iso))
                break
            except ValueError:
                continue
    return tuple(dict.fromkeys(out))


def countries(text: str) -> tuple[str, ...]:
    codes = (country_code(m.group(1)) for m in _COUNTRY.finditer(text))
    return tuple(dict.fromkeys(c for c in codes if c))


def _field(value: str) -> str:
    value = value.strip()
    return "" if value == EMPTY else value


def parse_sdn_csv(data: bytes, list_name: str = "ofac-sdn", *, cancelled: Callable[[], bool] | None = None
                  ) -> list[ListEntry]:
    """Every entry of OFAC's legacy ``sdn.csv`` (``cancelled`` is asked while reading: ``ReadCancelled``)."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    entries = []
    check = CancelCheck(cancelled)
    for line_no, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        check.tick()
        if not row or (len(row) == 1 and not row[0].strip()) or row[0].strip() == "\x1a":
            continue  # blank lines and the DOS end-of-file mark OFAC's file ends with
        if len(row) != SDN_COLUMNS or not row[0].strip().isdigit():
            raise ListFormatError(f"Line {line_no} is not an OFAC SDN row (12 columns, an entry number first); "
                                  "is this OFAC's legacy sdn.csv?")
        kind_text = _field(row[2]).lower()
        kind = _KINDS.get(kind_text, EntityKind.UNKNOWN)
        name = _field(row[1])
        remarks = _field(row[11])
        primary = person_name(name) if kind is EntityKind.PERSON else name
        aliases = [person_name(a) if kind is EntityKind.PERSON else a for a in _ALIAS.findall(remarks)]
        names = [EntryName(primary, NameStrength.PRIMARY)]
        names += [EntryName(a, NameStrength.STRONG) for a in dict.fromkeys(aliases) if a and a != primary]
        entries.append(ListEntry(list_name, row[0].strip(), kind, tuple(names), birth_dates(remarks),
                                 countries(remarks), tuple(p.strip("[] ") for p in _field(row[3]).split("] [")
                                                            if p.strip("[] ")), remarks))
    if not entries:
        raise ListFormatError("The file holds no OFAC SDN entries.")
    return entries


def _joined(element: ET.Element, ns: dict[str, str]) -> str:
    return " ".join(p for p in (child_text(element, "x:firstName", ns), child_text(element, "x:lastName", ns)) if p)


def parse_sdn_xml(data: bytes, list_name: str = "ofac-consolidated", *,
                  cancelled: Callable[[], bool] | None = None) -> list[ListEntry]:
    """Every ``sdnEntry`` of OFAC's structured XML (SDN or consolidated list); ``cancelled`` as for the CSV."""
    check = CancelCheck(cancelled)
    root, ns = parse_root(data, "sdnList", "OFAC", check)
    entries = []
    for item in root.findall("x:sdnEntry", ns):
        check.tick()
        kind = _KINDS.get(child_text(item, "x:sdnType", ns).lower(), EntityKind.UNKNOWN)
        names = [EntryName(_joined(item, ns), NameStrength.PRIMARY)]
        for aka in item.findall("x:akaList/x:aka", ns):
            strength = NameStrength.WEAK if child_text(aka, "x:category", ns) == "weak" else NameStrength.STRONG
            names.append(EntryName(_joined(aka, ns), strength))
        dobs = " ; ".join(f"DOB {d.text}" for d in item.findall("x:dateOfBirthList/x:dateOfBirthItem/x:dateOfBirth",
                                                                 ns) if d.text)
        codes = [country_code(c.text or "") for c in item.findall(".//x:nationality/x:country", ns)
                 + item.findall(".//x:citizenship/x:country", ns)]
        entries.append(ListEntry(
            list_name, child_text(item, "x:uid", ns), kind, tuple(n for n in names if n.text), birth_dates(dobs),
            tuple(dict.fromkeys(c for c in codes if c)),
            tuple(p.text.strip() for p in item.findall("x:programList/x:program", ns) if p.text),
            child_text(item, "x:remarks", ns)))
    if not entries:
        raise ListFormatError("The XML holds no <sdnEntry> elements.")
    return entries
