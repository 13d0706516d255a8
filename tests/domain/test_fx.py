"""ECB rate parsing, cross/stale/manual rates and conversions."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.fx import (
    FxParseError,
    FxRateMissing,
    RateTable,
    parse_ecb,
    parse_ecb_csv,
    parse_ecb_xml,
    render_ecb_csv,
    render_ecb_xml,
)
from fidus_desktop.domain.money import Money
from tests.support.tools import shared_file

DATA = Path(__file__).resolve().parents[1] / "data"
REAL_HISTORY = "ecb-eurofxref-hist.zip"


@pytest.fixture(scope="module")
def extract() -> RateTable:
    return parse_ecb_csv((DATA / "ecb-extract.csv").read_text())


def test_extract_rates_as_published(extract: RateTable) -> None:
    quote = extract.rate("EUR", "USD", date(2023, 1, 16))
    assert quote.rate == Decimal("1.0812")
    assert (quote.rate_date, quote.stale, quote.source) == (date(2023, 1, 16), False, "ecb")
    assert extract.rate("EUR", "JPY", date(2022, 12, 12)).rate == Decimal("144.86")
    assert extract.currencies() == {"EUR", "USD", "JPY", "GBP", "CHF", "HRK"}


def test_cross_rate_goes_through_eur(extract: RateTable) -> None:
    # USD→GBP on 2023-01-16 = 0.88758 / 1.0812 = 0.820921198668…
    quote = extract.rate("USD", "GBP", date(2023, 1, 16))
    assert quote.rate == Decimal("0.88758") / Decimal("1.0812")
    assert str(quote.rate).startswith("0.8209211986")
    inverse = extract.rate("GBP", "USD", date(2023, 1, 16))
    assert inverse.rate == Decimal("1.0812") / Decimal("0.88758")


def test_same_currency_is_exactly_one(extract: RateTable) -> None:
    quote = extract.rate("chf", "CHF", date(1990, 1, 1))
    assert (quote.rate, quote.stale, quote.source) == (Decimal(1), False, "identity")


def test_holiday_uses_last_rate_flagged_stale(extract: RateTable) -> None:
    quote = extract.rate("EUR", "USD", date(2022, 12, 26))
    assert quote.rate == Decimal("1.0622")
    assert quote.rate_date == date(2022, 12, 23)
    assert quote.stale is True
    assert quote.on == date(2022, 12, 26)


def test_cross_rate_is_as_stale_as_its_oldest_leg() -> None:
    table = RateTable({"USD": {date(2024, 1, 2): Decimal("1.1")}, "GBP": {date(2024, 1, 5): Decimal("0.9")}})
    quote = table.rate("USD", "GBP", date(2024, 1, 5))
    assert (quote.rate_date, quote.stale) == (date(2024, 1, 2), True)


def test_rate_too_old_is_an_error_not_a_guess(extract: RateTable) -> None:
    # HRK's last rate is 2022-12-30 (Croatia joined the euro); 2023-01-16 is 17 days later.
    with pytest.raises(FxRateMissing, match=r"HRK.*2022-12-30, 17 days earlier.*10-day limit"):
        extract.rate("EUR", "HRK", date(2023, 1, 16))
    assert extract.rate("EUR", "HRK", date(2023, 1, 9)).rate_date == date(2022, 12, 30)


def test_staleness_window_is_configurable() -> None:
    table = parse_ecb_csv((DATA / "ecb-extract.csv").read_text(), max_stale_days=0)
    with pytest.raises(FxRateMissing, match="0-day limit"):
        table.rate("EUR", "USD", date(2022, 12, 24))


def test_before_first_rate_and_unknown_currency(extract: RateTable) -> None:
    with pytest.raises(FxRateMissing, match=r"no USD rate on or before 2022-12-01.*start on 2022-12-12"):
        extract.rate("USD", "EUR", date(2022, 12, 1))
    with pytest.raises(FxRateMissing, match="no ECB rate for AED at all; enter a manual rate"):
        extract.convert(Money.of("10", "USD"), "AED", date(2023, 1, 3))


def test_manual_rate_wins_on_its_date_and_is_flagged(extract: RateTable) -> None:
    table = extract.with_manual_rate("EUR", "USD", date(2023, 1, 16), "1.0900")
    quote = table.rate("USD", "EUR", date(2023, 1, 16))
    assert quote.source == "manual"
    assert quote.rate == Decimal(1) / Decimal("1.0900")
    assert table.rate("EUR", "USD", date(2023, 1, 17)).source == "manual"
    # A newer ECB rate beats an older manual one.
    newer = table.with_manual_rate("EUR", "GBP", date(2023, 1, 10), "0.5")
    assert newer.rate("EUR", "GBP", date(2023, 1, 16)).source == "ecb"
    # The original table is unchanged (immutable).
    assert extract.rate("EUR", "USD", date(2023, 1, 16)).source == "ecb"


def test_manual_rate_for_a_currency_the_ecb_does_not_quote(extract: RateTable) -> None:
    table = extract.with_manual_rate("EUR", "AED", date(2023, 1, 13), "3.97")
    # USD→AED = AED per EUR / USD per EUR = 3.97 / 1.0814; the ECB USD leg makes it an "ecb" cross.
    quote = table.rate("USD", "AED", date(2023, 1, 13))
    assert quote.rate == Decimal("3.97") / Decimal("1.0814")
    direct = table.with_manual_rate("USD", "AED", date(2023, 1, 13), "3.6725")
    assert direct.rate("AED", "USD", date(2023, 1, 14)).rate == Decimal(1) / Decimal("3.6725")
    assert direct.rate("AED", "USD", date(2023, 1, 14)).source == "manual"


def test_manual_rate_is_validated(extract: RateTable) -> None:
    with pytest.raises(ValueError, match="greater than zero"):
        extract.with_manual_rate("EUR", "USD", date(2023, 1, 2), "0")
    with pytest.raises(ValueError, match="float"):
        extract.with_manual_rate("EUR", "USD", date(2023, 1, 2), 1.1)
    with pytest.raises(ValueError, match="two different currencies"):
        extract.with_manual_rate("USD", "usd", date(2023, 1, 2), "1")


def test_convert_rounds_to_target_minor_units(extract: RateTable) -> None:
    # 1,000.00 USD → JPY on 2023-01-16: 1000 × 138.92 / 1.0812 = 128,486.866… → 128,487 JPY (0 dp).
    converted, quote = extract.convert(Money.of("1000.00", "USD"), "JPY", date(2023, 1, 16))
    assert converted == Money(Decimal("128487"), "JPY")
    assert quote.base == "USD"
    # 100 EUR → GBP: 88.758 → 88.76
    assert extract.convert(Money.of("100", "EUR"), "GBP", date(2023, 1, 16))[0] == Money.of("88.76", "GBP")


def test_xml_sample_parses_like_the_csv() -> None:
    table = parse_ecb_xml((DATA / "ecb-sample.xml").read_bytes())
    assert table.rate("EUR", "USD", date(2024, 1, 2)).rate == Decimal("1.0956")
    assert table.rate("EUR", "JPY", date(2024, 1, 3)).rate == Decimal("156.16")
    assert parse_ecb_csv(render_ecb_csv(table)) == table


def test_daily_csv_shape_with_spaces_and_long_dates() -> None:
    table = parse_ecb(b"Date, USD, JPY, \n13 April 2026, 1.1684, 186.75, \n")
    assert table.rate("EUR", "JPY", date(2026, 4, 13)).rate == Decimal("186.75")


def test_daily_rows_are_decimals_before_any_lookup() -> None:
    """Parsers hand in rate text that becomes Decimal on first use; the rows stored by an import are Decimal."""
    rows = parse_ecb(b"Date, USD, JPY, \n13 April 2026, 1.1684, 186.75, \n").daily_rows()
    assert rows == {date(2026, 4, 13): {"USD": Decimal("1.1684"), "JPY": Decimal("186.75")}}
    assert {type(rate) for rates in rows.values() for rate in rates.values()} == {Decimal}


def test_zip_holding_csv_or_xml() -> None:
    for name, day, usd in (("eurofxref-hist.csv", date(2023, 1, 16), "1.0812"),
                           ("ecb-sample.xml", date(2024, 1, 2), "1.0956")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            source = DATA / ("ecb-extract.csv" if name.endswith(".csv") else name)
            archive.writestr(name, source.read_bytes())
        assert parse_ecb(buffer.getvalue()).rate("EUR", "USD", day).rate == Decimal(usd)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("USD,JPY\n", r"line 1: expected a header starting with 'Date'"),
        ("Date,USD,US\n", r"line 1: Currency 'US' is not a 3-letter"),
        ("Date,USD,USD\n", "line 1: a currency appears twice"),
        ("Date,USD\n", "no rows"),
        ("Date,USD,JPY,\n2024-01-02,1.1,150,\n2024-01-01,1.1\n", r"line 3: 1 rates for 2 currencies"),
        ("Date,USD\n2024-13-02,1.1\n", r"line 2: '2024-13-02' is not a date"),
        ("Date,USD\n2024-01-02,1.1\n2024-01-02,1.2\n",
         r"line 3: date 2024-01-02 appears twice .first on line 2"),
        ("Date,USD,JPY\n2024-01-02,1.1,150\n\n2024-01-01,1,x\n", r"line 4, JPY: rate 'x' is not a number"),
        ("Date,USD\n2024-01-02,-1.1\n", r"line 2, USD: rate '-1.1' must be a positive number"),
        ("Date,USD\n2024-01-02,0.000\n", r"line 2, USD: rate '0.000' must be a positive number"),
        ("Date,USD\n2024-01-02,1e3\n", r"line 2, USD: rate '1e3' must be plain digits"),
    ],
)
def test_csv_errors_name_the_line_and_problem(text: str, message: str) -> None:
    with pytest.raises(FxParseError, match=message):
        parse_ecb_csv(text)


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("<Cube><Cube time='2024-01-02'>\n<Cube currency='USD' rate='abc'/></Cube></Cube>",
         r"line 2, USD: rate 'abc' is not a number"),
        ("<Cube>\n<Cube currency='USD' rate='1.1'/></Cube>", "line 2: a currency Cube is not inside"),
        ("<Cube><Cube time='2024-01-02'>\n\n<Cube currency='USD'/></Cube></Cube>",
         "line 3: a Cube needs both"),
        ("<Cube><Cube time='2024-01-02'>\n<Cube currency='USD' rate='1'>\n</Cube>",
         r"line 3: .*not well-formed"),
        ("<?xml version='1.0'?>\n<!DOCTYPE lol [<!ENTITY a 'aaaa'>]><Cube/>",
         "line 2: document type declarations are not allowed"),
        ("<Cube/>", "holds no"),
    ],
)
def test_xml_errors_name_the_line_and_problem(xml: str, message: str) -> None:
    with pytest.raises(FxParseError, match=message):
        parse_ecb_xml(xml)


def test_zip_errors_are_clear() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.csv", "Date,USD\n2024-01-02,x\n")
    with pytest.raises(FxParseError, match=r"a.csv, line 2, USD"):
        parse_ecb(buffer.getvalue())
    with pytest.raises(FxParseError, match="damaged"):
        parse_ecb(b"PK\x03\x04 not really a zip")


_rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4)
_days = st.dates(min_value=date(1999, 1, 4), max_value=date(2030, 12, 31))
_tables = st.dictionaries(
    st.sampled_from(["USD", "JPY", "GBP", "CHF", "SEK", "ZAR"]),
    st.dictionaries(_days, _rates, min_size=1, max_size=8),
    min_size=1,
    max_size=4,
).map(RateTable)


@given(_tables)
def test_csv_render_then_parse_is_identity(table: RateTable) -> None:
    assert parse_ecb_csv(render_ecb_csv(table)) == table


@given(_tables)
def test_xml_render_then_parse_is_identity(table: RateTable) -> None:
    assert parse_ecb_xml(render_ecb_xml(table)) == table


@given(
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("200"), places=4),
    st.decimals(min_value=Decimal("0.5"), max_value=Decimal("200"), places=4),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("1000000"), places=2),
    st.integers(min_value=0, max_value=10),
)
def test_conversion_there_and_back_stays_within_rounding(
    usd: Decimal, gbp: Decimal, amount: Decimal, days_late: int
) -> None:
    day = date(2024, 1, 2)
    table = RateTable({"USD": {day: usd}, "GBP": {day: gbp}})
    on = day + timedelta(days=days_late)
    there, quote = table.convert(Money(amount, "USD"), "GBP", on)
    assert quote.stale is (days_late > 0)
    back, _ = table.convert(there, "USD", on)
    # Each leg rounds to 0.005; the first rounding error is scaled by the USD/GBP rate on the way back.
    assert abs(back.amount - amount) <= Decimal("0.005") * (1 + usd / gbp) + Decimal("0.00001")


def test_real_ecb_history_file() -> None:
    table = parse_ecb(shared_file(REAL_HISTORY).read_bytes())
    # From the file: 2024-01-02,1.0956,155.68,… and 2026-04-13,1.1684,186.75,…
    assert table.rate("EUR", "USD", date(2024, 1, 2)).rate == Decimal("1.0956")
    assert table.rate("EUR", "JPY", date(2026, 4, 13)).rate == Decimal("186.75")
    assert table.rate("EUR", "USD", date(1999, 1, 4)).rate == Decimal("1.1789")
    saturday = table.rate("USD", "JPY", date(2024, 1, 6))
    assert (saturday.rate_date, saturday.stale) == (date(2024, 1, 5), True)
    assert {"USD", "JPY", "GBP", "CHF", "CNY"} <= table.currencies()
