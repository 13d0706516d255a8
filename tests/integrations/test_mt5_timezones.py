"""Server time ↔ UTC, across the US DST changes that "New York close" servers follow."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.integrations.mt5.timezones import (
    FixedOffset,
    NewYorkClose,
    detect_offset_minutes,
    epoch_ms,
    policy_from_config,
)

NY = NewYorkClose()


def server(text: str) -> int:
    """Server wall-clock seconds for an ISO string (the number MT5 puts in ``time``)."""
    return epoch_ms(datetime.fromisoformat(text).replace(tzinfo=UTC)) // 1000


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("server_time", "expected_utc"), [
    ("2024-03-08 12:00:00", "2024-03-08 10:00:00"),  # winter: UTC+2
    ("2024-03-10 08:59:59", "2024-03-10 06:59:59"),  # last second before the US switch
    ("2024-03-10 10:00:00", "2024-03-10 07:00:00"),  # first valid second after it: UTC+3
    ("2024-03-11 10:15:00", "2024-03-11 07:15:00"),
    ("2024-03-20 12:00:00", "2024-03-20 09:00:00"),  # US summer, EU still winter: UTC+3 anyway
    ("2024-10-30 12:00:00", "2024-10-30 09:00:00"),  # EU back to winter, US not yet: still UTC+3
    ("2024-11-04 12:00:00", "2024-11-04 10:00:00"),
])
def test_new_york_close_around_the_2024_switches(server_time, expected_utc):
    assert NY.server_to_utc(server(server_time)) == utc(expected_utc)
    assert NY.utc_to_server(utc(expected_utc)) == server(server_time)


def test_skipped_hour_reads_with_the_offset_before_the_jump():
    # 2024-03-10 09:30 never existed on the server; read as UTC+2 (documented rule).
    assert NY.server_to_utc(server("2024-03-10 09:30:00")) == utc("2024-03-10 07:30:00")


def test_repeated_hour_reads_as_its_first_occurrence():
    # 2024-11-03 08:30 happened twice on the server: at 05:30 UTC (UTC+3) and 06:30 UTC (UTC+2).
    assert NY.utc_to_server(utc("2024-11-03 05:30:00")) == server("2024-11-03 08:30:00")
    assert NY.utc_to_server(utc("2024-11-03 06:30:00")) == server("2024-11-03 08:30:00")
    assert NY.server_to_utc(server("2024-11-03 08:30:00")) == utc("2024-11-03 05:30:00")


def test_milliseconds_are_kept_exactly():
    assert NY.server_ms_to_utc(server("2024-03-11 10:15:00") * 1000 + 87) == utc("2024-03-11 07:15:00.087")


@pytest.mark.parametrize(("value", "name"), [
    ("EET-NY", "EET with DST (New York close)"), ("EET with DST", "EET with DST (New York close)"),
    (2, "UTC+02:00"), ("+3", "UTC+03:00"), ("UTC+2", "UTC+02:00"), ("GMT-05:00", "UTC-05:00"),
    ("+5:30", "UTC+05:30"), ("0", "UTC+00:00"),
])
def test_policy_from_config(value, name):
    assert policy_from_config(value).name == name


@pytest.mark.parametrize("bad", ["Europe/Athens-ish", "+25", True])
def test_policy_from_config_rejects_nonsense(bad):
    with pytest.raises(ValueError, match=r"(?i)server"):
        policy_from_config(bad)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="time zone"):
        NY.utc_to_server(datetime(2024, 3, 1))


def test_detect_offset_rounds_to_half_hours():
    now = utc("2024-03-20 12:00:00")
    assert detect_offset_minutes(server("2024-03-20 15:00:20"), now) == 180
    assert detect_offset_minutes(server("2024-03-20 14:58:00"), now) == 180
    assert detect_offset_minutes(server("2024-03-20 17:31:00"), now) == 330


def test_detect_offset_refuses_a_stale_tick():
    with pytest.raises(ValueError, match="stale"):
        detect_offset_minutes(server("2024-03-15 23:59:00"), utc("2024-03-17 12:00:00"))


instants = st.datetimes(min_value=datetime(2012, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC, microsecond=d.microsecond // 1000 * 1000)
)


@given(instants)
def test_utc_round_trip_except_in_the_repeated_hour(moment):
    back = NY.server_ms_to_utc(NY.utc_to_server_ms(moment))
    if back != moment:  # only the second pass through the autumn hour may come back an hour early
        assert moment - back == timedelta(hours=1)
        assert NY.offset_at_utc(epoch_ms(moment) // 1000) == 2 * 3600
        assert NY.offset_at_utc(epoch_ms(back) // 1000) == 3 * 3600


@given(st.integers(min_value=server("2012-01-01 00:00:00"), max_value=server("2035-12-31 00:00:00")))
def test_server_round_trip_except_in_the_skipped_hour(server_seconds):
    again = NY.utc_to_server(NY.server_to_utc(server_seconds))
    if again != server_seconds:  # only the spring gap moves, forward by exactly one hour
        assert again - server_seconds == 3600


@given(instants, st.integers(min_value=-14 * 60, max_value=14 * 60))
def test_fixed_offsets_round_trip_exactly(moment, minutes):
    policy = FixedOffset(minutes)
    assert policy.server_ms_to_utc(policy.utc_to_server_ms(moment)) == moment


def test_eu_summer_time_policies_switch_on_the_eu_dates_not_the_us_ones():
    from fidus_desktop.integrations.mt5.timezones import EuropeanSummerTime, FixedOffset, policy_from_config

    eet = policy_from_config("EET-EU")
    assert isinstance(eet, EuropeanSummerTime)
    march = datetime(2024, 3, 20, 12, tzinfo=UTC)  # US already on summer time, the EU not until 31 March
    assert eet.offset_at_utc(int(march.timestamp())) == 2 * 3600
    assert policy_from_config("EET-NY").offset_at_utc(int(march.timestamp())) == 3 * 3600
    switch = int(datetime(2024, 3, 31, 1, tzinfo=UTC).timestamp())  # last Sunday of March, 01:00 UTC
    assert (eet.offset_at_utc(switch - 1), eet.offset_at_utc(switch)) == (7200, 10800)
    autumn = int(datetime(2024, 10, 27, 1, tzinfo=UTC).timestamp())  # last Sunday of October
    assert (eet.offset_at_utc(autumn - 1), eet.offset_at_utc(autumn)) == (10800, 7200)
    assert policy_from_config("GMT-EU").offset_at_utc(switch) == 3600  # London
    assert policy_from_config("EET-NODST") == FixedOffset(120)
    server = eet.utc_to_server(march)
    assert eet.server_to_utc(server) == march
