"""CSV imports of NAVs and transactions: validate the whole file, report every bad row, then write at once.

Nothing is written unless every row is good: each row is checked (with the same validation the screens
use) and every problem is collected with its line number; if there is any, ``ImportRejected`` carries them
all. Otherwise the rows are written in one transaction with their audit entries. Formats: docs/PORTFOLIO.md.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import parse_code
from fidus_desktop.services.portfolio.dealing import DealingService, TransactionRequest
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.investors import InvestorService
from fidus_desktop.services.portfolio.nav import NavService
from fidus_desktop.store.port import Document

NAV_COLUMNS = ("class_code", "nav_date", "nav_per_unit")
NAV_OPTIONAL = ("reason",)
TRANSACTION_COLUMNS = ("ref", "kind", "class_code", "investor_number", "trade_date", "dealing_date",
                       "settlement_date")
TRANSACTION_OPTIONAL = ("amount", "units", "full", "target_class_code", "target_investor_number")
TRUE_WORDS = ("1", "true", "yes", "y")
SHOWN_PROBLEMS = 100  # a file with 300,000 bad rows gets the first 100 and a count, not a 17 MB message


@dataclass(frozen=True)
class ImportProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class ImportRejected(ValidationError):
    """The file has bad rows; nothing was written. ``rows`` lists every problem with its line."""

    def __init__(self, what: str, rows: list[ImportProblem]) -> None:
        self.rows = rows
        shown = "\n".join(str(p) for p in rows[:SHOWN_PROBLEMS])
        more = f"\n… and {len(rows) - SHOWN_PROBLEMS} more problem(s)" if len(rows) > SHOWN_PROBLEMS else ""
        super().__init__(f"The {what} file was not imported ({len(rows)} problem(s)); nothing was written:\n"
                         + shown + more)


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    inserted: int
    corrected: int
    unchanged: int


def read_rows(text: str, required: tuple[str, ...], optional: tuple[str, ...], what: str
              ) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line, row)`` pairs of a CSV with a header; missing or unknown columns refuse the whole file."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:  # e.g. a lone carriage return inside the header line
        raise ImportRejected(what, [ImportProblem(1, f"header: not a readable CSV line ({exc}); save the file "
                                                     "as CSV again")]) from None
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required + optional]
    if missing or unknown:
        hint = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise ImportRejected(what, [ImportProblem(1, f"header: {hint}; expected {', '.join(required + optional)}")])
    reader.fieldnames = header
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a cell over the csv module's 128 KiB limit, a NUL byte: the file stops here
            yield reader.line_num, {"__extra__": f"not a readable CSV row ({exc}); the rest was not read"}
            return
        if None in row:
            yield reader.line_num, {"__extra__": "more cells than columns"}
            continue
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items()}


def check_all(what: str, text: str, required: tuple[str, ...], optional: tuple[str, ...],
              check: Callable[[dict[str, str]], Any]) -> list[tuple[int, Any]]:
    """Run ``check`` on every row; collect every problem; raise them together or return the results."""
    good, bad = [], []
    for line, row in read_rows(text, required, optional, what):
        if "__extra__" in row:
            bad.append(ImportProblem(line, row["__extra__"]))
            continue
        try:
            good.append((line, check(row)))
        except ValidationError as exc:
            bad.append(ImportProblem(line, str(exc)))
    if not good and not bad:
        bad.append(ImportProblem(1, "the file has a header but no rows"))
    if bad:
        raise ImportRejected(what, bad)
    return good


def duplicates(rows: list[tuple[int, Any]], key: Callable[[Any], Any], label: str) -> list[ImportProblem]:
    first: dict[Any, int] = {}
    problems = []
    for line, value in rows:
        k = key(value)
        if k in first:
            problems.append(ImportProblem(line, f"{label} {k} appears twice (first on line {first[k]})"))
        first.setdefault(k, line)
    return problems


class ImportService(Service):
    def __init__(self, ctx: ServiceContext, funds: FundService, investors: InvestorService, navs: NavService,
                 dealing: DealingService) -> None:
        super().__init__(ctx)
        self.funds, self.investors, self.navs, self.dealing = funds, investors, navs, dealing

    def _class_id(self, code: str, field: str) -> str:
        found = self.funds.class_by_code(parse_code(code, field, "The share class code")) if code else None
        if found is None:
            raise ValidationError({field: f"there is no share class {code!r}"})
        return found.class_id

    def _investor_id(self, number: str, field: str) -> str:
        found = self.investors.by_number(parse_code(number, field, "The investor number")) if number else None
        if found is None:
            raise ValidationError({field: f"there is no investor {number!r}"})
        return found.investor_id

    # -- NAV ----------------------------------------------------------------------------------------
    def import_nav(self, actor: Actor, text: str) -> ImportSummary:
        """NAVs per class and date; a different value for a stored date needs a ``reason`` (a correction)."""
        require(actor, Permission.NAV_MANAGE)

        def check(row: dict[str, str]) -> tuple[Document, Document | None, str]:
            doc = self.navs.nav_doc(self._class_id(row["class_code"], "class_code"), row["nav_date"],
                                    row["nav_per_unit"], "imported")
            existing = self.navs.navs.find_one({"class_id": doc["class_id"], "nav_date": doc["nav_date"]})
            reason = row.get("reason", "")
            if existing and existing["nav_per_unit"] != doc["nav_per_unit"] and not reason:
                raise ValidationError({"nav_per_unit": (
                    f"{row['class_code']} already has {existing['nav_per_unit']} on {doc['nav_date']}; "
                    "fill the reason column to correct it")})
            return doc, existing, reason

        rows = check_all("NAV", text, NAV_COLUMNS, NAV_OPTIONAL, check)
        problems = duplicates(rows, lambda r: (r[0]["class_id"], r[0]["nav_date"].isoformat()), "class and date")
        if problems:
            raise ImportRejected("NAV", problems)

        def write(rec: ChangeRecorder) -> ImportSummary:
            corrected = unchanged = 0
            new = [doc for _, (doc, existing, _) in rows if existing is None]
            self.navs.navs.insert_many(new)
            inserted = len(new)
            for _, (doc, existing, reason) in rows:
                if existing is None:
                    continue
                if existing["nav_per_unit"] == doc["nav_per_unit"]:
                    unchanged += 1
                    continue
                self.navs.apply_correction(rec, actor, existing, existing["version"], doc["nav_per_unit"], reason)
                corrected += 1
            rec.record("nav.import", "nav", "import", after={"rows": len(rows), "inserted": inserted,
                                                              "corrected": corrected, "unchanged": unchanged})
            return ImportSummary(len(rows), inserted, corrected, unchanged)

        return self.change(actor, Permission.NAV_MANAGE, write)

    # -- transactions -------------------------------------------------------------------------------
    def import_transactions(self, actor: Actor, text: str) -> ImportSummary:
        """Dealing requests entered as pending, one audit entry each; references must be new. A row a unit gate
        refuses refuses the file; each such row is reported once the import is refused (``reporting_refusals``)."""
        require(actor, Permission.DEALING_ENTER)
        with self.dealing.reporting_refusals(actor, "import", Permission.DEALING_ENTER):
            return self._import_transactions(actor, text)

    def _import_transactions(self, actor: Actor, text: str) -> ImportSummary:
        ready: set[str] = set()  # investors the readiness gate let through: asked once per file

        def check(row: dict[str, str]) -> Document:
            target_investor = row.get("target_investor_number", "")
            request = TransactionRequest(
                kind=row["kind"], class_id=self._class_id(row["class_code"], "class_code"),
                investor_id=self._investor_id(row["investor_number"], "investor_number"),
                trade_date=row["trade_date"], dealing_date=row["dealing_date"],
                settlement_date=row["settlement_date"], amount=row.get("amount") or None,
                units=row.get("units") or None, full=row.get("full", "").lower() in TRUE_WORDS,
                target_class_id=(self._class_id(row["target_class_code"], "target_class_code")
                                 if row.get("target_class_code") else None),
                target_investor_id=(self._investor_id(target_investor, "target_investor_number")
                                    if target_investor else None),
                ref=row["ref"] or None)
            if not row["ref"]:  # before the gates: a refused row is named by its reference
                raise ValidationError({"ref": "every imported transaction needs a ref (its reference)"})
            doc = self.dealing.transaction_doc(actor, request, passed=ready)
            if self.dealing.transactions.find_one({"ref": doc["ref"]}):
                raise ValidationError({"ref": f"transaction {doc['ref']} was already imported or entered"})
            return doc

        rows = check_all("transactions", text, TRANSACTION_COLUMNS, TRANSACTION_OPTIONAL, check)
        problems = duplicates(rows, lambda doc: doc["ref"], "ref")
        if problems:
            raise ImportRejected("transactions", problems)

        def write(rec: ChangeRecorder) -> None:
            # Row by row, so a redemption is checked against the holding net of the file's earlier rows too;
            # any refusal rolls the whole file back.
            refused: list[ImportProblem] = []
            for line, doc in rows:
                try:
                    self.dealing.check_holding(doc)
                except ValidationError as exc:
                    refused.append(ImportProblem(line, str(exc)))
                    continue
                stored = self.dealing.transactions.insert(doc)
                rec.record("transaction.enter", "transaction", stored["_id"], after=stored)
            if refused:
                raise ImportRejected("transactions", refused)

        self.change(actor, Permission.DEALING_ENTER, write)
        return ImportSummary(len(rows), len(rows), 0, 0)
