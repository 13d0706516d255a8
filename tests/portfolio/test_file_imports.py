"""The import wizard's service: a preview rehearses the import and rolls it back; run imports for real."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.portfolio.file_imports import BenchmarkTarget, ImportKind
from tests.support.portfolio_office import BACK, DATA, PM, Office

GOOD_NAV = "class_code,nav_date,nav_per_unit\nGLB-A-EUR,2023-01-06,102.25\nGLB-A-USD,2023-01-06,99.5\n"


def audit_count(office: Office) -> int:
    return office.services.ctx.audit.entries.count()


def test_preview_says_what_the_import_will_write_and_writes_nothing(office: Office) -> None:
    before = audit_count(office)
    preview = office.p.file_imports.preview(PM, ImportKind.NAV, GOOD_NAV.encode())
    assert preview.ready
    assert preview.outcome == "2 rows: 2 new"
    assert preview.header == ["class_code", "nav_date", "nav_per_unit"]
    assert preview.sample[1] == ["GLB-A-USD", "2023-01-06", "99.5"]
    assert office.p.navs.latest(office.eur.class_id).nav_per_unit == 101.5  # the rehearsal was rolled back
    assert audit_count(office) == before
    assert office.p.file_imports.run(PM, ImportKind.NAV, GOOD_NAV.encode()) == "2 rows: 2 new"
    assert str(office.p.navs.latest(office.eur.class_id).nav_per_unit) == "102.25"


def test_preview_lists_every_bad_row_with_its_line(office: Office) -> None:
    text = GOOD_NAV + "NOPE,2023-01-06,1\nGLB-A-EUR,06.01.2023,x\n"
    preview = office.p.file_imports.preview(PM, ImportKind.NAV, text.encode())
    assert not preview.ready
    assert [p.line for p in preview.problems] == [4, 5]
    assert "no share class 'NOPE'" in preview.problems[0].reason


def test_transactions_are_checked_against_the_files_earlier_rows(office: Office) -> None:
    """Two redemptions of more than is held together: only a rehearsal of the whole write can see it."""
    investors = office.p.investors
    account = investors.open_account(office.ann.investor_id, office.eur.class_id, office.fund.fund_id)
    investors.accounts.update(account["_id"], {"units": Decimal(100)}, expected_version=account["version"])
    rows = ("ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,units\n"
            "R-1,redemption,GLB-A-EUR,INV-1,2023-01-05,2023-01-05,2023-01-06,80\n"
            "R-2,redemption,GLB-A-EUR,INV-1,2023-01-05,2023-01-05,2023-01-06,80\n")
    preview = office.p.file_imports.preview(PM, ImportKind.TRANSACTIONS, rows.encode())
    assert [p.line for p in preview.problems] == [3]
    assert office.p.dealing.by_ref(PM, "R-1") is None


def test_fx_and_benchmark_files(office: Office) -> None:
    fx = office.p.file_imports.preview(PM, ImportKind.FX, (DATA / "ecb-extract.csv").read_bytes())
    assert fx.ready
    assert "unchanged" in fx.outcome
    bad = office.p.file_imports.preview(PM, ImportKind.FX, b"not,an\necb,file\n")
    assert not bad.ready
    assert bad.problems[0].line == 0
    levels = b"date,level\n2023-01-02,100\n2023-01-03,101\n"
    target = BenchmarkTarget("IDX", "An index", "EUR")
    preview = office.p.file_imports.preview(PM, ImportKind.BENCHMARK, levels, target)
    assert preview.outcome.startswith("IDX (new benchmark): 2 levels")
    assert office.p.benchmarks.by_code("IDX") is None
    office.p.file_imports.run(PM, ImportKind.BENCHMARK, levels, target)
    assert office.p.benchmarks.by_code("IDX") is not None


def test_a_role_without_the_permission_is_refused_before_reading(office: Office) -> None:
    with pytest.raises(PermissionDenied):
        office.p.file_imports.preview(BACK, ImportKind.BENCHMARK, b"")


def test_a_file_that_is_not_utf8_is_one_problem(office: Office) -> None:
    preview = office.p.file_imports.preview(PM, ImportKind.NAV, "class_code;é".encode("latin-1"))
    assert [str(p) for p in preview.problems] == ["line 1: the file is not UTF-8 text; save it as UTF-8 CSV"]
