"""Every importer refuses bad input with a message, never a traceback: hostile numbers, oversized cells, NUL
bytes, corrupt and bomb zips, and random bytes (hypothesis). The service boundary enforces the documented
ranges (docs/SECURITY.md) whichever way a value arrives."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.fx import FxError
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.portfolio.fx import FxRefreshFailed
from fidus_desktop.services.portfolio.imports import SHOWN_PROBLEMS, ImportRejected
from tests.support.portfolio_office import PM, Office

NAV_HEADER = "class_code,nav_date,nav_per_unit\n"
TX_HEADER = "ref,kind,class_code,investor_number,trade_date,dealing_date,settlement_date,amount\n"
TRADES_HEADER = "reference,fund_code,instrument_code,trade_date,quantity,price,fees,fx_rate\n"
REFUSED = (ValidationError, FxError, FxRefreshFailed)


def importers(office: Office) -> dict[str, object]:
    p = office.p
    if p.holdings.instruments.find_one({"code": "EQ-REAL"}) is None:  # so trade rows can get past the names
        p.holdings.add_instrument(PM, "EQ-REAL", "Euro equity", "EUR", "equity")
    return {
        "nav": lambda data: p.imports.import_nav(PM, data.decode("utf-8", "replace")),
        "transactions": lambda data: p.imports.import_transactions(PM, data.decode("utf-8", "replace")),
        "benchmark": lambda data: p.benchmarks.import_levels(PM, data.decode("utf-8", "replace"), "IDX", "Index",
                                                             "EUR"),
        "fx": lambda data: p.fx.import_ecb(PM, data),
        "trades": lambda data: p.trade_imports.import_trades(PM, data.decode("utf-8", "replace")),
    }


@pytest.mark.parametrize("amount", ["1e400", "-1e400", "1" * 40, "0." + "1" * 40, "NaN", "Infinity", "1e-400"])
def test_hostile_amounts_are_refused_before_anything_is_written(office: Office, amount: str) -> None:
    row = f"T-1,subscription,GLB-A-EUR,INV-1,2023-01-03,2023-01-03,2023-01-05,{amount}\n"
    with pytest.raises(ImportRejected) as refused:
        office.p.imports.import_transactions(PM, TX_HEADER + row)
    assert "line 2" in str(refused.value)


@pytest.mark.parametrize("nav", ["1e400", "1" * 40, "1." + "1" * 40])
def test_hostile_navs_are_refused(office: Office, nav: str) -> None:
    with pytest.raises(ValidationError, match=r"range|decimal places|finite"):
        office.p.navs.set_nav(PM, office.eur.class_id, date(2023, 1, 6), nav)


@pytest.mark.parametrize("day", ["2099-01-02", "0001-01-01", "1799-12-31"])
def test_implausible_dates_are_refused(office: Office, day: str) -> None:
    with pytest.raises(ValidationError, match="not plausible"):
        office.p.navs.set_nav(PM, office.eur.class_id, day, "100")
    with pytest.raises(ImportRejected, match="not plausible"):
        office.p.benchmarks.import_levels(PM, f"date,level\n{day},100\n", "IDX", "Index", "EUR")


def test_a_year_ahead_is_the_limit() -> None:
    from fidus_desktop.services.portfolio._common import parse_date

    today = date(2026, 4, 10)  # the office's day, from the service's clock (the demo's on its timeline)
    assert parse_date(today + timedelta(days=300), "d", "The date", today=today)
    with pytest.raises(ValidationError):
        parse_date(today + timedelta(days=400), "d", "The date", today=today)


@pytest.mark.parametrize("kind", ["nav", "transactions", "benchmark", "fx", "trades"])
def test_a_cell_over_128_kib_is_refused_cleanly(office: Office, kind: str) -> None:
    huge = "x" * (200 * 1024)
    data = {
        "nav": NAV_HEADER + f'GLB-A-EUR,2023-01-06,"{huge}"\n',
        "transactions": TX_HEADER + f'"{huge}",subscription,GLB-A-EUR,INV-1,2023-01-03,2023-01-03,2023-01-05,1\n',
        "benchmark": f'date,level\n2023-01-06,"{huge}"\n',
        "fx": f'Date,USD\n2023-01-06,"{huge}"\n',
        "trades": TRADES_HEADER + f'T-1,GLB,EQ-REAL,2023-01-03,"{huge}",1,,\n',
    }[kind].encode()
    with pytest.raises(REFUSED):
        importers(office)[kind](data)


@pytest.mark.slow  # 300,000 rows through the importer: tens of seconds
def test_300000_bad_rows_give_the_first_100_and_a_count(office: Office) -> None:
    rows = "".join(f"GLB-A-EUR,2023-01-0x,{n}\n" for n in range(300_000))
    with pytest.raises(ImportRejected) as refused:
        office.p.imports.import_nav(PM, NAV_HEADER + rows)
    message = str(refused.value)
    assert len(refused.value.rows) == 300_000
    assert f"and {300_000 - SHOWN_PROBLEMS} more problem(s)" in message
    assert len(message) < 20_000


def zipped(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, content)
    return buffer.getvalue()


def corrupt_crc(data: bytes) -> bytes:
    raw = bytearray(data)
    at = raw.index(b"PK\x03\x04") + 14  # the local header's CRC-32
    raw[at] ^= 0xFF
    central = raw.index(b"PK\x01\x02") + 16
    raw[central] ^= 0xFF
    return bytes(raw)


def corrupt_data(data: bytes) -> bytes:
    raw = bytearray(data)
    start = 30 + len("eurofxref.csv")
    for i in range(start, start + 20):
        raw[i] ^= 0x5A
    return bytes(raw)


def lying_bomb() -> bytes:
    """64 MiB of zeros whose headers claim 100 bytes."""
    data = zipped("eurofxref.csv", b"Date,USD\n" + b"0" * (64 * 1024 * 1024))
    raw = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.index(signature) + offset
        raw[at:at + 4] = (100).to_bytes(4, "little")
    return bytes(raw)


@pytest.mark.parametrize("make", [corrupt_crc, corrupt_data], ids=["bad CRC", "corrupt data"])
def test_corrupt_fx_zips_are_refused(office: Office, make) -> None:
    good = zipped("eurofxref.csv", b"Date,USD,\n06 January 2023,1.0500,\n")
    with pytest.raises(REFUSED):
        office.p.fx.import_ecb(PM, make(good))


def test_a_zip_bomb_that_lies_about_its_size_is_capped(office: Office) -> None:
    with pytest.raises(REFUSED, match=r"damaged|too large"):
        office.p.fx.import_ecb(PM, lying_bomb())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["nav", "transactions", "benchmark", "fx", "trades"]),
       data=st.one_of(st.binary(max_size=400),
                      st.text(alphabet=st.characters(codec="utf-8"), max_size=300).map(str.encode),
                      st.lists(st.sampled_from(["GLB-A-EUR", "2023-01-03", "1e400", "", '"', ",", "\n", "\x00",
                                                "NaN", "-0", "INV-1", "subscription", "Date", "USD", "date", "level",
                                                "9" * 30, "2099-01-01", "GLB", "EQ-REAL", "T-1", "-5", "1e-400"]),
                               max_size=30)
                      .map(lambda parts: ",".join(parts).encode())))
def test_no_importer_input_produces_a_traceback(office: Office, kind: str, data: bytes) -> None:
    header = {"nav": NAV_HEADER, "transactions": TX_HEADER, "benchmark": "date,level\n", "fx": "",
              "trades": TRADES_HEADER}[kind].encode()
    for candidate in (data, header + data):
        try:
            importers(office)[kind](candidate)
        except REFUSED:
            pass
