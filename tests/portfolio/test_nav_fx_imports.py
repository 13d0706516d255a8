"""NAV corrections, FX storage/stale/missing/refresh, and whole-file CSV import validation."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.fx import FxRateMissing
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio.fx import FxRefreshFailed
from fidus_desktop.services.portfolio.imports import ImportRejected
from fidus_desktop.services.portfolio.nav import check_nav_value
from tests.permission_matrix import assert_permission_matrix
from tests.portfolio.fixtures import D1, DATA, PM, PM2, Office

EXAMPLES = DATA / "portfolio"


def test_a_nav_correction_keeps_the_old_value_who_when_and_why(office: Office) -> None:
    point = office.p.navs.nav_on(office.eur.class_id, D1)
    with pytest.raises(ValidationError, match="correct it"):
        office.p.navs.set_nav(PM, office.eur.class_id, D1, "99")
    fixed = office.p.navs.correct_nav(PM2, point.nav_id, point.version, "99.5", "pricing error on bond line")
    assert fixed.nav_per_unit == Decimal("99.5")
    (correction,) = fixed.corrections
    assert (correction.old, correction.new, correction.by, correction.reason) == (
        Decimal("100"), Decimal("99.5"), "peter", "pricing error on bond line")
    assert office.services.ctx.audit.last()["action"] == "nav.correct"


def test_nav_permissions(office: Office) -> None:
    assert_permission_matrix(lambda actor: office.p.navs.set_nav(actor, office.eur.class_id, "2023-02-01", "100"),
                             Permission.NAV_MANAGE, state=office.p.navs.navs.count)


@given(st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=6))
@settings(max_examples=60)
def test_nav_values_accept_four_decimals_only(value: Decimal) -> None:
    if value == value.quantize(Decimal("0.0001")):
        assert check_nav_value(str(value)) == value
    else:
        with pytest.raises(ValidationError, match="more than 4 decimals"):
            check_nav_value(str(value))


def test_nav_import_inserts_corrects_with_reason_and_is_idempotent(office: Office) -> None:
    text = (EXAMPLES / "nav-example.csv").read_text()
    summary = office.p.imports.import_nav(PM, text)
    assert (summary.inserted, summary.corrected, summary.unchanged) == (2, 1, 0)
    again = office.p.imports.import_nav(PM, text)
    assert (again.inserted, again.corrected, again.unchanged) == (0, 0, 3)


def test_nav_import_reports_every_bad_row_and_writes_nothing(office: Office) -> None:
    before = office.p.navs.navs.count()
    text = ("class_code,nav_date,nav_per_unit\nGLB-A-EUR,2023-01-09,101\nNOPE,2023-01-09,1\n"
            "GLB-A-EUR,2023-13-01,1\nGLB-A-EUR,2023-01-05,90\nGLB-A-EUR,2023-01-10,1.23456\n")
    with pytest.raises(ImportRejected) as caught:
        office.p.imports.import_nav(PM, text)
    assert [p.line for p in caught.value.rows] == [3, 4, 5, 6]
    assert "no share class 'NOPE'" in str(caught.value)
    assert "fill the reason column" in str(caught.value)
    assert office.p.navs.navs.count() == before


def test_transaction_import_validates_the_whole_file_first(office: Office) -> None:
    with pytest.raises(ImportRejected) as caught:
        office.p.imports.import_transactions(PM, (EXAMPLES / "transactions-bad.csv").read_text())
    reasons = {p.line: p.reason for p in caught.value.rows}
    assert set(reasons) == {3, 4, 5, 6}
    assert "no investor 'INV-9'" in reasons[4]
    assert "before the trade date" in reasons[5]
    assert office.p.dealing.transactions.count() == 0
    summary = office.p.imports.import_transactions(PM, (EXAMPLES / "transactions-example.csv").read_text())
    assert summary.inserted == 4
    with pytest.raises(ImportRejected, match="already imported"):
        office.p.imports.import_transactions(PM, (EXAMPLES / "transactions-example.csv").read_text())


def test_import_header_problems_are_reported(office: Office) -> None:
    with pytest.raises(ImportRejected, match="missing nav_per_unit"):
        office.p.imports.import_nav(PM, "class_code,nav_date\nGLB-A-EUR,2023-01-09\n")


def test_fx_import_is_idempotent_one_document_per_date(office: Office) -> None:
    data = (DATA / "ecb-extract.csv").read_bytes()
    summary = office.p.fx.import_ecb(PM, data)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, summary.dates)
    assert office.p.fx.rates.count() == summary.dates


def test_fx_lookup_flags_stale_and_refuses_missing(office: Office) -> None:
    fresh = office.p.fx.rate("EUR", "USD", date(2023, 1, 13))
    assert (fresh.rate, fresh.stale) == (Decimal("1.0814"), False)
    weekend = office.p.fx.rate("EUR", "USD", date(2023, 1, 15))
    assert weekend.stale
    assert weekend.rate_date == date(2023, 1, 13)
    with pytest.raises(FxRateMissing, match="beyond the 10-day limit"):
        office.p.fx.rate("EUR", "USD", date(2023, 3, 1))
    with pytest.raises(FxRateMissing):
        office.p.fx.rate("EUR", "SEK", date(2023, 1, 13))


def test_manual_rate_wins_and_is_audited(office: Office) -> None:
    office.p.fx.set_manual_rate(PM, "EUR", "USD", "2023-01-13", "1.1", "ECB rate disputed")
    quote = office.p.fx.rate("EUR", "USD", date(2023, 1, 13))
    assert (quote.rate, quote.source) == (Decimal("1.1"), "manual")
    assert office.services.ctx.audit.last()["action"] == "fx.manual_rate"
    assert_permission_matrix(
        lambda actor: office.p.fx.set_manual_rate(actor, "EUR", "GBP", "2023-01-13", "0.9", "test"),
        Permission.FX_MANAGE, state=office.p.fx.manual.count)


def test_online_refresh_reads_a_file_url_and_fails_cleanly_offline(office: Office, tmp_path: Path) -> None:
    summary = office.p.fx.refresh_online(PM, (DATA / "ecb-sample.xml").as_uri())
    assert summary.inserted == 2

    def offline(url: str, timeout: float) -> None:
        raise OSError("Network is unreachable")

    count = office.p.fx.rates.count()
    with pytest.raises(FxRefreshFailed, match="Network is unreachable"):
        office.p.fx.refresh_online(PM, "https://example.invalid/eurofxref.zip", opener=offline)
    bad = tmp_path / "bad.csv"
    bad.write_text("not,an,ecb,file\n")
    with pytest.raises(FxRefreshFailed, match="not an ECB rate file"):
        office.p.fx.refresh_online(PM, bad.as_uri())
    assert office.p.fx.rates.count() == count


def test_imported_redemptions_are_checked_against_the_holding_and_each_other(office: Office) -> None:
    # INV-1 holds no units yet (a subscription in the same file is not a holding until it settles).
    header = ("ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount,units,full,"
              "target_class_code,target_investor_number\n")
    rows = ("R-1,subscription,GLB-A-EUR,INV-1,2023-01-02,2023-01-02,2023-01-04,25000,,,,\n"
            "R-2,redemption,GLB-A-EUR,INV-1,2023-01-04,2023-01-04,2023-01-05,,10,,,\n")
    with pytest.raises(ImportRejected) as caught:
        office.p.imports.import_transactions(PM, header + rows)
    (problem,) = caught.value.rows
    assert (problem.line, "holds 0.0000 units of GLB-A-EUR" in problem.reason) == (3, True)
    assert office.p.dealing.transactions.count() == 0
