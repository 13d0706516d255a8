"""A file of names to screen: one name a line, or a CSV with a ``name`` column and optional
``date_of_birth`` (YYYY, or YYYY-MM-DD), ``country`` (ISO code or English name) and ``kind`` (person or
organisation). Every problem is reported with its line, all at once, before anything is screened."""

from __future__ import annotations

import csv
import io
from datetime import date

from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import Subject
from fidus_desktop.integrations.sanctions.countries import country_code
from fidus_desktop.services.base import ValidationError

KIND_WORDS = {"person": EntityKind.PERSON, "individual": EntityKind.PERSON,
              "organisation": EntityKind.ORGANISATION, "organization": EntityKind.ORGANISATION,
              "corporate": EntityKind.ORGANISATION, "company": EntityKind.ORGANISATION,
              "vessel": EntityKind.VESSEL, "aircraft": EntityKind.AIRCRAFT}
COLUMNS = ("name", "date_of_birth", "country", "kind")
MAX_NAMES = 100_000


def _birth(text: str) -> date | int:
    if len(text) == 4 and text.isdigit():
        return int(text)
    return date.fromisoformat(text)


def _row(line: int, row: dict[str, str | None], problems: dict[str, str]) -> Subject | None:
    name = (row.get("name") or "").strip()
    if not name:
        problems[f"line {line}"] = "the name is empty"
        return None
    born_text, country_text, kind_text = ((row.get(c) or "").strip() for c in COLUMNS[1:])
    born: date | int | None = None
    if born_text:
        try:
            born = _birth(born_text)
        except ValueError:
            problems[f"line {line}"] = f"date_of_birth {born_text!r} is not a year (1970) or a date (1970-03-21)"
            return None
    country = country_code(country_text) if country_text else None
    if country_text and country is None:
        problems[f"line {line}"] = f"country {country_text!r} is not an ISO code (FR) or a country's English name"
        return None
    kind = KIND_WORDS.get(kind_text.casefold()) if kind_text else None
    if kind_text and kind is None:
        problems[f"line {line}"] = f"kind {kind_text!r} is not one of {', '.join(KIND_WORDS)}"
        return None
    return Subject(name, kind, born, (country,) if country else ())


def parse_subjects(data: bytes) -> list[Subject]:
    """The subjects of a names file (see the module docstring); a ValidationError lists every bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"names": f"The names file is not UTF-8 text (byte {exc.start}); save it as "
                                        "UTF-8."}) from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    header = [cell.strip().casefold() for cell in next(csv.reader([first]), [])]
    problems: dict[str, str] = {}
    subjects: list[Subject | None] = []
    if "name" in header:
        unknown = [c for c in header if c not in COLUMNS]
        if unknown:
            raise ValidationError({"names": f"Unknown column(s) {', '.join(unknown)}; a names CSV has "
                                            f"{', '.join(COLUMNS)} (only name is required)."})
        reader = csv.reader(io.StringIO(text))
        seen_header = False
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if not seen_header:
                seen_header = True
                continue
            if len(cells) > len(header):
                problems[f"line {reader.line_num}"] = f"{len(cells)} cells but {len(header)} columns (a comma " \
                                                      "inside a name needs quotes)"
                continue
            subjects.append(_row(reader.line_num, dict(zip(header, cells, strict=False)), problems))
    else:
        subjects = [Subject(line.strip()) for line in lines if line.strip()]
    if problems:
        raise ValidationError(problems)
    found = [s for s in subjects if s is not None]
    if not found:
        raise ValidationError({"names": "The names file holds no names: give one name a line, or a CSV with a "
                                        "name column."})
    if len(found) > MAX_NAMES:
        raise ValidationError({"names": f"{len(found)} names is more than {MAX_NAMES} at once; split the file."})
    return found
