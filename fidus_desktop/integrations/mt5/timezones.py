"""Trade-server time ↔ UTC.

MT5 returns times as integer seconds of the trade server's *wall clock* (not UTC), and every broker
picks its own server zone. Most FX brokers use the "New York close" convention: server time is
New York time + 7 h, so the trading day rolls over at 17:00 New York and daily candles are five per
week. That is UTC+2 in winter and UTC+3 in summer, switching on the **US** DST dates (second Sunday
of March and first Sunday of November, at 02:00 New York), not the EU ones. Between the US and the
EU switch dates (a few weeks each spring and autumn) such a server is *not* on Europe/Athens time.

The US rule coded here is the one in force since 2007 (MT5 itself is from 2010); it needs no time
zone database, so Windows workstations without ``tzdata`` behave the same.

Ambiguous and skipped wall-clock times (documented rule, same as PEP 495 ``fold=0``):
- the skipped hour in spring (server 09:00–10:00 on the switch Sunday) is read with the offset in
  force *before* the jump (UTC+2), i.e. as if the server clock had not moved yet;
- the repeated hour in autumn (server 08:00–09:00 on the switch Sunday) is read as its *first*
  occurrence (UTC+3, the earlier instant).
Both fall on a Sunday morning when FX markets are closed.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = 3600
_DETECT_STEP_MINUTES = 30
_MAX_OFFSET_MINUTES = 14 * 60


def utc_datetime(epoch_ms: int) -> datetime:
    """UTC datetime for milliseconds since the epoch, exactly (no float rounding)."""
    return _EPOCH + timedelta(milliseconds=epoch_ms)


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; pass an aware datetime (e.g. tzinfo=UTC).")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


class ServerTimePolicy(ABC):
    """How one trade server's wall clock relates to UTC."""

    name: str

    @property
    @abstractmethod
    def offsets(self) -> tuple[int, ...]:
        """Every offset (seconds east of UTC) the server can use."""

    @abstractmethod
    def offset_at_utc(self, utc_seconds: int) -> int:
        """Offset in seconds in force at the UTC instant ``utc_seconds``."""

    def server_ms_to_utc(self, server_ms: int) -> datetime:
        """UTC instant of a server wall-clock time in milliseconds (``time_msc`` fields)."""
        seconds = server_ms // 1000
        valid = [o for o in self.offsets if self.offset_at_utc(seconds - o) == o]
        # Several valid readings: a repeated hour, take the earliest instant (largest offset).
        # None: a skipped hour, read with the offset in force just before the jump.
        offset = max(valid) if valid else self.offset_at_utc(seconds - max(self.offsets))
        return utc_datetime(server_ms - offset * 1000)

    def server_to_utc(self, server_seconds: int) -> datetime:
        """UTC instant of a server wall-clock time in seconds (``time`` fields)."""
        return self.server_ms_to_utc(server_seconds * 1000)

    def utc_to_server_ms(self, moment: datetime) -> int:
        """Server wall-clock milliseconds of an aware datetime."""
        ms = epoch_ms(moment)
        return ms + self.offset_at_utc(ms // 1000) * 1000

    def utc_to_server(self, moment: datetime) -> int:
        """Server wall-clock seconds of an aware datetime (floored)."""
        return self.utc_to_server_ms(moment) // 1000


@dataclass(frozen=True)
class FixedOffset(ServerTimePolicy):
    """A server that never changes its clock, e.g. UTC+0 or UTC+2 all year."""

    minutes: int

    def __post_init__(self) -> None:
        if abs(self.minutes) > _MAX_OFFSET_MINUTES:
            raise ValueError(f"Server offset {self.minutes} min is outside UTC−14:00 … UTC+14:00.")

    @property
    def name(self) -> str:  # type: ignore[override]
        sign = "+" if self.minutes >= 0 else "-"
        hours, minutes = divmod(abs(self.minutes), 60)
        return f"UTC{sign}{hours:02d}:{minutes:02d}"

    @property
    def offsets(self) -> tuple[int, ...]:
        return (self.minutes * 60,)

    def offset_at_utc(self, utc_seconds: int) -> int:
        return self.minutes * 60


def _us_dst_utc_bounds(year: int) -> tuple[int, int]:
    """UTC epoch seconds when US DST starts (2nd Sunday of March, 07:00 UTC) and ends
    (1st Sunday of November, 06:00 UTC) in ``year``; both are 02:00 local New York time."""
    march8 = date(year, 3, 8)
    start_day = march8 + timedelta(days=(6 - march8.weekday()) % 7)
    nov1 = date(year, 11, 1)
    end_day = nov1 + timedelta(days=(6 - nov1.weekday()) % 7)
    start = datetime(start_day.year, start_day.month, start_day.day, 7, tzinfo=UTC)
    end = datetime(end_day.year, end_day.month, end_day.day, 6, tzinfo=UTC)
    return epoch_ms(start) // 1000, epoch_ms(end) // 1000


@dataclass(frozen=True)
class NewYorkClose(ServerTimePolicy):
    """"EET with DST" as brokers use it: New York + 7 h, UTC+2 winter / UTC+3 summer, US dates."""

    name: str = "EET with DST (New York close)"

    @property
    def offsets(self) -> tuple[int, ...]:
        return (2 * _HOUR, 3 * _HOUR)

    def offset_at_utc(self, utc_seconds: int) -> int:
        start, end = _us_dst_utc_bounds(utc_datetime(utc_seconds * 1000).year)
        return 3 * _HOUR if start <= utc_seconds < end else 2 * _HOUR


def _eu_dst_utc_bounds(year: int) -> tuple[int, int]:
    """UTC epoch seconds when EU summer time starts (last Sunday of March) and ends (last Sunday of October),
    both at 01:00 UTC, the same instant in every EU zone."""
    def last_sunday(month: int) -> date:
        last = date(year, month, 31)
        return last - timedelta(days=(last.weekday() - 6) % 7)

    start, end = last_sunday(3), last_sunday(10)
    return (epoch_ms(datetime(start.year, start.month, start.day, 1, tzinfo=UTC)) // 1000,
            epoch_ms(datetime(end.year, end.month, end.day, 1, tzinfo=UTC)) // 1000)


@dataclass(frozen=True)
class EuropeanSummerTime(ServerTimePolicy):
    """A server on a European zone's clock: ``standard_minutes`` in winter, one hour more in summer, switching on
    the EU dates (e.g. "EET-EU": UTC+2/+3 like Europe/Athens; "CET-EU": UTC+1/+2; "GMT-EU": London)."""

    standard_minutes: int
    name: str = "EU summer time"

    @property
    def offsets(self) -> tuple[int, ...]:
        return (self.standard_minutes * 60, self.standard_minutes * 60 + _HOUR)

    def offset_at_utc(self, utc_seconds: int) -> int:
        start, end = _eu_dst_utc_bounds(utc_datetime(utc_seconds * 1000).year)
        return self.standard_minutes * 60 + (_HOUR if start <= utc_seconds < end else 0)


_NAMED = {"eet-ny", "eet with dst", "new york close", "ny-close", "eet_dst"}
_EUROPEAN = {"eet-eu": 120, "cet-eu": 60, "gmt-eu": 0, "wet-eu": 0}
_NO_DST = {"eet-nodst": 120, "cet-nodst": 60, "gmt": 0, "utc": 0}
POLICY_NAMES = ("EET-NY", "EET-EU", "CET-EU", "GMT-EU", "EET-NODST", "UTC+2")  # for help texts
_FIXED_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-]?)(\d{1,2})(?::(\d{2}))?$", re.IGNORECASE)


def policy_from_config(value: str | int) -> ServerTimePolicy:
    """Parse an account's ``server_time`` setting.

    Accepted: ``"EET-NY"`` / ``"EET with DST"`` / ``"New York close"`` for :class:`NewYorkClose`;
    ``"EET-EU"``, ``"CET-EU"``, ``"GMT-EU"`` for :class:`EuropeanSummerTime`; ``"EET-NODST"``, ``"GMT"``, an
    integer number of hours, ``"+2"``, ``"UTC+3"``, ``"GMT-05:00"``, ``"+5:30"`` for a fixed offset (no DST).
    """
    if isinstance(value, bool):
        raise ValueError("server_time must be a policy name or an offset such as 'UTC+2'.")
    if isinstance(value, int):
        return FixedOffset(value * 60)
    text = value.strip()
    if text.lower() in _NAMED:
        return NewYorkClose()
    if text.lower() in _EUROPEAN:
        return EuropeanSummerTime(_EUROPEAN[text.lower()], f"{text.upper()} (EU summer-time dates)")
    if text.lower() in _NO_DST:
        return FixedOffset(_NO_DST[text.lower()])
    match = _FIXED_RE.match(text)
    if not match:
        raise ValueError(
            f"server_time {value!r} is not understood; use 'EET-NY' (UTC+2/+3 on US DST dates), "
            "'EET-EU' / 'CET-EU' / 'GMT-EU' (EU summer-time dates), 'EET-NODST' or a fixed offset such as "
            "'UTC+2' or '+5:30' (no summer time)."
        )
    sign, hours, minutes = match.groups()
    total = int(hours) * 60 + int(minutes or 0)
    return FixedOffset(-total if sign == "-" else total)


def detect_offset_minutes(last_tick_server_seconds: int, utc_now: datetime) -> int:
    """Guess the server's current UTC offset from the newest tick time and the UTC clock.

    Rounded to the nearest 30 minutes, which absorbs tick latency and PC clock drift. Only
    meaningful while the market is open (a tick from Friday evening seen on Sunday is stale), so an
    implausible result is refused instead of being returned.
    """
    difference = last_tick_server_seconds - epoch_ms(utc_now) // 1000
    minutes = round(difference / 60 / _DETECT_STEP_MINUTES) * _DETECT_STEP_MINUTES
    if abs(minutes) > _MAX_OFFSET_MINUTES:
        raise ValueError(
            f"The last tick is {difference / 3600:+.1f} h away from UTC now; it is stale (market "
            "closed?). Detect the server time while the market is open, or configure it."
        )
    return minutes
