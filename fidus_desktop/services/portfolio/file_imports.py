"""One entry for every portfolio file import (NAV, transactions, FX, benchmark levels, trades), with a rehearsal.

The import wizard first asks ``preview``: the file is imported exactly as ``run`` would do it (the same service
calls, every check, a redemption checked against the file's earlier rows) inside a transaction that is then
rolled back. So the preview shows every bad row with its line, or what the import will write, and nothing is
stored; ``run`` then imports for real. The per-kind services stay the only code that checks and writes rows.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NoReturn

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import Service, ServiceContext, ValidationError
from fidus_desktop.services.changes import BENCHMARK, FX_RATES, NAV, POSITION, TRANSACTION
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio.benchmarks import BenchmarkImport, BenchmarkService
from fidus_desktop.services.portfolio.fx import FxImportSummary, FxService
from fidus_desktop.services.portfolio.imports import ImportProblem, ImportRejected, ImportService, ImportSummary
from fidus_desktop.services.portfolio.trade_imports import TradeImportService

SAMPLE_ROWS = 200  # rows of the file shown in the preview; the checks cover every row
NO_REHEARSAL = ("This database server cannot roll a trial import back (a standalone MongoDB server), so the rows "
                "are checked when you import.")


class ImportKind(StrEnum):
    NAV = "nav"
    TRANSACTIONS = "transactions"
    FX = "fx"
    BENCHMARK = "benchmark"
    TRADES = "trades"


KIND_LABELS = {ImportKind.NAV: "NAVs (class_code, nav_date, nav_per_unit)",
               ImportKind.TRANSACTIONS: "Subscriptions and redemptions (ref, kind, class_code, investor_number, …)",
               ImportKind.FX: "FX rates (an ECB reference-rate file: CSV, XML or zip)",
               ImportKind.BENCHMARK: "Benchmark levels (date, level)",
               ImportKind.TRADES: "Position trades (reference, fund_code, instrument_code, trade_date, quantity, "
                                  "price, …)"}
KIND_PERMISSIONS = {ImportKind.NAV: Permission.NAV_MANAGE, ImportKind.TRANSACTIONS: Permission.DEALING_ENTER,
                    ImportKind.FX: Permission.FX_MANAGE, ImportKind.BENCHMARK: Permission.FUNDS_MANAGE,
                    ImportKind.TRADES: Permission.FUNDS_MANAGE}
KIND_CHANGES = {ImportKind.NAV: NAV, ImportKind.TRANSACTIONS: TRANSACTION, ImportKind.FX: FX_RATES,
                ImportKind.BENCHMARK: BENCHMARK, ImportKind.TRADES: POSITION}


@dataclass(frozen=True)
class BenchmarkTarget:
    """The benchmark a level file is for (created with this name and currency if the code is new)."""

    code: str
    name: str
    currency: str


@dataclass(frozen=True)
class ImportPreview:
    """The file as read (header and the first rows) and either its problems or what importing it will do."""

    kind: ImportKind
    header: list[str]
    sample: list[list[str]]
    problems: list[ImportProblem]
    outcome: str  # "" when there are problems

    @property
    def ready(self) -> bool:
        return not self.problems


class _RolledBack(Exception):
    """Raised at the end of a rehearsal so the store rolls its transaction back."""


def _sample(data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and first rows of a CSV file; nothing for a file that is not text (an ECB zip)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], []
    if text.lstrip().startswith("<"):  # ECB XML
        return [], []
    try:
        rows = list(itertools.islice(csv.reader(io.StringIO(text, newline="")), SAMPLE_ROWS + 1))
    except csv.Error:
        return [], []
    return (rows[0], rows[1:]) if rows else ([], [])


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected("file", [ImportProblem(1, "the file is not UTF-8 text; save it as UTF-8 CSV")]) from None


def describe(result: ImportSummary | FxImportSummary | BenchmarkImport) -> str:
    """What an import wrote, in words."""
    if isinstance(result, ImportSummary):
        parts = [f"{result.inserted:,} new", f"{result.corrected:,} corrected" if result.corrected else "",
                 f"{result.unchanged:,} unchanged" if result.unchanged else ""]
        return f"{result.rows:,} rows: " + ", ".join(p for p in parts if p)
    if isinstance(result, FxImportSummary):
        return (f"{result.dates:,} rate dates from {result.first} to {result.last}: {result.inserted:,} new, "
                f"{result.updated:,} changed, {result.unchanged:,} unchanged")
    created = " (new benchmark)" if result.created else ""
    return (f"{result.benchmark.code}{created}: {result.rows:,} levels from {result.first} to {result.last}: "
            f"{result.inserted:,} new, {result.updated:,} changed, {result.unchanged:,} unchanged")


class FileImportService(Service):
    """Preview (rehearse) and run a portfolio file import of any kind."""

    def __init__(self, ctx: ServiceContext, imports: ImportService, fx: FxService,
                 benchmarks: BenchmarkService, trades: TradeImportService) -> None:
        super().__init__(ctx)
        self.imports, self.fx, self.benchmarks, self.trades = imports, fx, benchmarks, trades

    def _work(self, actor: Actor, kind: ImportKind, data: bytes, target: BenchmarkTarget | None
              ) -> Callable[[], ImportSummary | FxImportSummary | BenchmarkImport]:
        kind = ImportKind(kind)
        require(actor, KIND_PERMISSIONS[kind])
        if kind is ImportKind.NAV:
            return lambda: self.imports.import_nav(actor, _text(data))
        if kind is ImportKind.TRANSACTIONS:
            return lambda: self.imports.import_transactions(actor, _text(data))
        if kind is ImportKind.FX:
            return lambda: self.fx.import_ecb(actor, data)
        if kind is ImportKind.TRADES:
            return lambda: self.trades.import_trades(actor, _text(data))
        if target is None:
            raise ValidationError({"code": "Give the benchmark's code, name and currency for a level file."})
        return lambda: self.benchmarks.import_levels(actor, _text(data), target.code, target.name, target.currency)

    def preview(self, actor: Actor, kind: ImportKind, data: bytes, target: BenchmarkTarget | None = None
                ) -> ImportPreview:
        """Import ``data`` and roll back: every problem with its line, or what the import would write."""
        work = self._work(actor, kind, data, target)
        header, sample = _sample(data)
        if not self.store.supports_transactions:
            return ImportPreview(kind, header, sample, [], NO_REHEARSAL)
        done: list[Any] = []

        def rehearse() -> NoReturn:  # run again if a server rolls it back first; then always rolled back
            done[:] = [work()]
            raise _RolledBack

        try:
            self.store.atomic(rehearse)
        except _RolledBack:
            return ImportPreview(kind, header, sample, [], describe(done[0]))
        except ImportRejected as exc:
            return ImportPreview(kind, header, sample, exc.rows, "")
        except ValidationError as exc:  # about the file as a whole (not an ECB file, a benchmark's currency)
            return ImportPreview(kind, header, sample, [ImportProblem(0, text) for text in exc.problems.values()], "")

    def run(self, actor: Actor, kind: ImportKind, data: bytes, target: BenchmarkTarget | None = None) -> str:
        """Import ``data`` for real (all or nothing, as each service does); what was written, in words."""
        return describe(self._work(actor, kind, data, target)())
