"""Importing prospects from a CSV file: every row checked before anything is written.

The header names the columns (any order, case ignored); understood: ``first_name, last_name, organisation,
job_title, email, phone, country, language, source, owner, agent_code, expected_amount, currency,
expected_close, next_step, next_follow_up, notes, stage, kind``; other columns are refused so a misspelt
header is not silently dropped. A row that fails validation, or duplicates an existing record or an earlier
row, is reported with its line and reason, and then nothing is written (``allow_duplicates`` lets known
duplicates in). All rows are stored in one transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.crm import CrmPermission
from fidus_desktop.services.crm.prospects import TEXT_FIELDS, Prospect, ProspectService
from fidus_desktop.services.permissions import require

COLUMNS = (*TEXT_FIELDS, "country", "expected_amount", "currency", "expected_close", "next_follow_up", "stage", "kind")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field + ': ' if self.field else ''}{self.message}"


class ImportRefused(ValidationError):
    def __init__(self, problems: list[ImportProblem]) -> None:
        self.rows = problems
        shown = "; ".join(map(str, problems[:20])) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        super().__init__({"file": f"Nothing was imported: {shown}."})


def parse_rows(data: bytes) -> list[tuple[int, dict[str, str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": "The file is not UTF-8 text; save it as CSV UTF-8 and try again."}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
        rows = [(reader.line_num, {k.strip().lower(): (v or "").strip() for k, v in row.items() if k})
                for row in reader]
    except csv.Error as exc:
        raise ValidationError({"file": f"Line {reader.line_num} is not readable CSV ({exc}); save the file as CSV "
                                       "UTF-8 again."}) from None
    unknown = [h for h in header if h not in COLUMNS]
    if not header:
        raise ValidationError({"file": "The file is empty; the first line names the columns."})
    if unknown:
        raise ValidationError({"file": f"Unknown column(s) {', '.join(unknown)}; the columns understood are "
                                       f"{', '.join(COLUMNS)}."})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": f"{len(rows):,} rows is more than {MAX_ROWS:,}; split the file."})
    return rows


def import_prospects(service: ProspectService, actor: Actor, data: bytes, *,
                     allow_duplicates: bool = False) -> list[Prospect]:
    require(actor, CrmPermission.MANAGE)
    problems: list[ImportProblem] = []
    docs = []
    seen: dict[tuple[str, str], int] = {}
    for line, row in parse_rows(data):
        try:
            doc = service.prospect_doc(row)
        except ValidationError as exc:
            problems += [ImportProblem(line, field, message) for field, message in exc.problems.items()]
            continue
        for key in ("email_key", "phone_key", "name_key"):
            if doc[key] and (key, doc[key]) in seen:
                problems.append(ImportProblem(line, key.removesuffix("_key"),
                                              f"the same as line {seen[(key, doc[key])]}"))
            seen.setdefault((key, doc[key]), line)
        matches = [] if allow_duplicates else service.duplicates(doc)
        problems += [ImportProblem(line, "", f"matches {m.candidate.kind} {m.candidate.label} by "
                                             f"{', '.join(m.fields)}") for m in matches]
        docs.append(row)
    if problems:
        raise ImportRefused(problems)
    return service.store.atomic(lambda: [service.create(actor, row, allow_duplicates=True) for row in docs])
