"""Benchmark index series: what a share class's performance is compared with.

A benchmark has a unique ``code``, a ``name`` and a ``currency``; its daily index levels (Decimal, positive)
are one document per ``(benchmark_id, level_date)``, so re-importing a file is idempotent. A share class
may be linked to one benchmark (``benchmark_id`` on the class document); ``PerformanceService`` then
compares the class with it by default. Levels come from a CSV (``date,level``; format in
docs/PORTFOLIO.md) validated in full before anything is written. Changes need ``funds.manage``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import (
    date_range,
    parse_code,
    parse_currency,
    parse_date,
    parse_decimal,
)
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.imports import ImportRejected, check_all, duplicates
from fidus_desktop.store.port import Document

BENCHMARKS = "benchmarks"
BENCHMARK_LEVELS = "benchmark_levels"
LEVEL_COLUMNS = ("date", "level")


@dataclass(frozen=True)
class Benchmark:
    benchmark_id: str
    code: str
    name: str
    currency: str
    version: int

    @classmethod
    def from_doc(cls, doc: Document) -> Benchmark:
        return cls(doc["_id"], doc["code"], doc["name"], doc["currency"], doc["version"])


@dataclass(frozen=True)
class BenchmarkImport:
    """What a level import did: the benchmark (created or existing) and how many dates were new or changed."""

    benchmark: Benchmark
    created: bool
    rows: int
    first: date
    last: date
    inserted: int
    updated: int
    unchanged: int


class BenchmarkService(Service):
    """Benchmarks, their index levels and the class links."""

    def __init__(self, ctx: ServiceContext, funds: FundService) -> None:
        super().__init__(ctx)
        self.benchmarks = ctx.store.collection(BENCHMARKS)
        self.index_levels = ctx.store.collection(BENCHMARK_LEVELS)
        self.funds = funds

    def ensure_indexes(self) -> None:
        self.benchmarks.ensure_index(["code"], unique=True)
        self.benchmarks.ensure_index(["updated_at"])
        self.index_levels.ensure_index(["benchmark_id", "level_date"], unique=True)

    # -- reading ------------------------------------------------------------------------------------
    def list_benchmarks(self, actor: Actor) -> list[Benchmark]:
        require(actor, Permission.FUNDS_READ)
        return [Benchmark.from_doc(d) for d in self.benchmarks.find(sort=[("code", 1)])]

    def get(self, benchmark_id: str) -> Benchmark:
        return Benchmark.from_doc(self.benchmarks.require(benchmark_id))

    def by_code(self, code: str) -> Benchmark | None:
        doc = self.benchmarks.find_one({"code": code.strip().upper()})
        return Benchmark.from_doc(doc) if doc else None

    def levels(self, benchmark_id: str, start: date | None = None, end: date | None = None) -> dict[date, Decimal]:
        """``{level_date: level}`` in date order (what ``compute_metrics`` takes as a benchmark)."""
        query = {"benchmark_id": benchmark_id, **date_range("level_date", start, end)}
        docs = self.index_levels.find(query, sort=[("level_date", 1)], projection=["level_date", "level"])
        return {d["level_date"]: d["level"] for d in docs}

    def class_benchmark(self, class_id: str) -> Benchmark | None:
        """The benchmark linked to a share class, if any."""
        linked = self.funds.classes.require(class_id).get("benchmark_id")
        return self.get(linked) if linked else None

    # -- changing -----------------------------------------------------------------------------------
    def benchmark_doc(self, code: Any, name: Any, currency: Any) -> Document:
        """A validated new benchmark document (the demo builds these in bulk)."""
        return {"code": parse_code(code, "code", "The benchmark code"),
                "name": self.required_text(name, "name", "The benchmark name"),
                "currency": parse_currency(currency), "updated_at": self.now()}

    def import_levels(self, actor: Actor, text: str, code: Any, name: Any, currency: Any) -> BenchmarkImport:
        """Store the ``date,level`` rows of ``text`` for benchmark ``code`` (created with ``name`` and
        ``currency`` if new). Every row is checked first; any bad row refuses the file and nothing is written.
        """
        require(actor, Permission.FUNDS_MANAGE)
        doc = self.benchmark_doc(code, name, currency)
        existing = self.benchmarks.find_one({"code": doc["code"]})
        if existing is not None and existing["currency"] != doc["currency"]:
            raise ValidationError({"currency": f"Benchmark {doc['code']} is in {existing['currency']}, not "
                                               f"{doc['currency']}; import its levels in {existing['currency']} "
                                               "or choose another code."})

        today = self.now().date()

        def check(row: dict[str, str]) -> tuple[date, Decimal]:
            return (parse_date(row["date"], "date", "The date", today=today),
                    parse_decimal(row["level"], "level", "The index level", positive=True))

        rows = check_all("benchmark", text, LEVEL_COLUMNS, (), check)
        problems = duplicates(rows, lambda r: r[0].isoformat(), "date")
        if problems:
            raise ImportRejected("benchmark", problems)

        def write(rec: ChangeRecorder) -> BenchmarkImport:
            if existing is None:
                benchmark = self.benchmarks.insert(doc)
                rec.record("benchmark.create", "benchmark", benchmark["_id"], after=benchmark)
            elif existing["name"] != doc["name"]:
                benchmark = self.benchmarks.update(existing["_id"], {"name": doc["name"], "updated_at": self.now()},
                                                   expected_version=existing["version"])
                rec.record("benchmark.update", "benchmark", existing["_id"], before=existing, after=benchmark)
            else:
                benchmark = existing
            stored = self.levels(benchmark["_id"])
            changed = [{"benchmark_id": benchmark["_id"], "level_date": day, "level": level}
                       for _, (day, level) in rows if stored.get(day) != level]
            result = self.index_levels.upsert_many(changed, ["benchmark_id", "level_date"])
            days = sorted(day for _, (day, _) in rows)
            summary = BenchmarkImport(Benchmark.from_doc(benchmark), existing is None, len(rows), days[0], days[-1],
                                      result.inserted, result.updated, len(rows) - len(changed))
            rec.record("benchmark.import", "benchmark", benchmark["_id"], after={
                "rows": summary.rows, "first": summary.first, "last": summary.last, "inserted": summary.inserted,
                "updated": summary.updated, "unchanged": summary.unchanged})
            return summary

        return self.change(actor, Permission.FUNDS_MANAGE, write)

    def set_class_benchmark(self, actor: Actor, class_id: str, version: int, benchmark_id: str | None) -> Document:
        """Link a share class to a benchmark (``None`` unlinks); ``version`` is the class version read."""
        if benchmark_id is not None and self.benchmarks.get(benchmark_id) is None:
            raise ValidationError({"benchmark_id": f"There is no benchmark {benchmark_id!r}; import its levels "
                                                   "first (`fidus import benchmark`)."})

        def write(rec: ChangeRecorder) -> Document:
            before = self.funds.classes.require(class_id)
            after = self.funds.classes.update(class_id, {"benchmark_id": benchmark_id, "updated_at": self.now()},
                                              expected_version=version)
            rec.record("share_class.benchmark", "share_class", class_id, before=before, after=after)
            return after

        return self.change(actor, Permission.FUNDS_MANAGE, write)
