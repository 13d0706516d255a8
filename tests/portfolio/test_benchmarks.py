"""Benchmark index series: CSV import validated in full, class links (versioned, audited), default comparison."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.base import ServiceContext, ValidationError
from fidus_desktop.services.demo import load_demo
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio.imports import ImportRejected
from fidus_desktop.store.errors import ConcurrencyError
from fidus_desktop.store.sqlite import SqliteStore
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import D1, D4, DATA, PM, Office

GOOD = (DATA / "portfolio" / "benchmark-example.csv").read_text()
BAD = (DATA / "portfolio" / "benchmark-bad.csv").read_text()


def test_import_stores_levels_and_is_idempotent(office: Office) -> None:
    bench = office.p.benchmarks
    first = bench.import_levels(PM, GOOD, "demo-eur", "Demo index EUR", "EUR")
    assert (first.created, first.rows, first.inserted, first.first, first.last) == (True, 4, 4, D1, D4)
    levels = bench.levels(first.benchmark.benchmark_id)
    assert levels[D4] == Decimal("1011.75")
    again = bench.import_levels(PM, GOOD, "DEMO-EUR", "Demo index EUR", "EUR")
    assert (again.created, again.inserted, again.updated, again.unchanged) == (False, 0, 0, 4)
    assert office.services.ctx.audit.last()["action"] == "benchmark.import"


def test_a_bad_file_reports_every_line_and_writes_nothing(office: Office) -> None:
    audit = office.services.ctx.audit.last()["seq"]
    with pytest.raises(ImportRejected) as refused:
        office.p.benchmarks.import_levels(PM, BAD, "DEMO-EUR", "Demo index EUR", "EUR")
    assert [p.line for p in refused.value.rows] == [3, 4]
    assert "YYYY-MM-DD" in refused.value.rows[0].reason
    assert "greater than zero" in refused.value.rows[1].reason
    assert office.p.benchmarks.benchmarks.count() == 0
    assert office.services.ctx.audit.last()["seq"] == audit


def test_a_repeated_date_and_a_currency_change_are_refused(office: Office) -> None:
    bench = office.p.benchmarks
    with pytest.raises(ImportRejected, match="line 3: date 2023-01-02 appears twice"):
        bench.import_levels(PM, "date,level\n2023-01-02,1\n2023-01-02,2\n", "X", "X index", "EUR")
    bench.import_levels(PM, GOOD, "X", "X index", "EUR")
    with pytest.raises(ValidationError, match="is in EUR, not USD"):
        bench.import_levels(PM, GOOD, "X", "X index", "USD")


def test_class_link_is_versioned_audited_and_used_by_performance(office: Office) -> None:
    p = office.p
    benchmark = p.benchmarks.import_levels(PM, GOOD, "DEMO-EUR", "Demo index EUR", "EUR").benchmark
    before = p.performance.class_performance(PM, office.eur.class_id)
    assert before.benchmark is None
    p.benchmarks.set_class_benchmark(PM, office.eur.class_id, office.eur.version, benchmark.benchmark_id)
    assert office.services.ctx.audit.last()["action"] == "share_class.benchmark"
    with pytest.raises(ConcurrencyError):
        p.benchmarks.set_class_benchmark(PM, office.eur.class_id, office.eur.version, None)
    assert p.benchmarks.class_benchmark(office.eur.class_id) == benchmark
    report = p.performance.class_performance(PM, office.eur.class_id)
    # NAV 100 → 101.5 (+1.5 %), index 1000 → 1011.75 (+1.175 %) over the same four days.
    assert report.benchmark is not None
    assert report.benchmark.beta is not None
    assert report.total_return - (1011.75 / 1000 - 1) == pytest.approx(0.00325)
    with pytest.raises(ValidationError, match="no benchmark"):
        p.benchmarks.set_class_benchmark(PM, office.eur.class_id, office.eur.version + 1, "nope")


def test_benchmark_permissions(office: Office) -> None:
    assert_permission_matrix(lambda actor: office.p.benchmarks.import_levels(actor, GOOD, "B", "B index", "EUR"),
                             Permission.FUNDS_MANAGE, state=office.p.benchmarks.benchmarks.count)


@pytest.mark.slow
def test_demo_classes_are_compared_with_the_demo_index_of_their_fund_currency(tmp_path: Path) -> None:
    services = Services(ServiceContext(SqliteStore(tmp_path / "demo.db")))
    services.ensure_indexes()
    actor = load_demo(services).actor
    p = services.portfolio
    assert [b.name for b in p.benchmarks.list_benchmarks(actor)] == ["Demo index EUR", "Demo index USD"]
    for share_class in p.funds.list_classes(actor):
        linked = p.benchmarks.class_benchmark(share_class.class_id)
        assert linked.currency == p.funds.get_fund(share_class.fund_id).base_currency
        comparison = p.performance.class_performance(actor, share_class.class_id).benchmark
        assert comparison.beta > 0
        assert comparison.correlation > 0
        assert comparison.tracking_error > 0
    derived = p.nav_derivation.derive_nav(actor, p.funds.fund_by_code("FIDUS-GLOBAL").fund_id, "2026-04-10")
    # The demo pays the manager quarterly: what is left owed is this quarter's charges and the accrual since.
    assert 0 < derived.fees < derived.gross * Decimal("0.001")
    assert derived.net == derived.gross - derived.fees
    for line in derived.classes:  # holdings sized to the AUM: close to the stored NAV (last day's moves differ)
        assert abs(line.share.nav_per_unit / line.stored.nav_per_unit - 1) < Decimal("0.02")
