"""FX rates from the ECB euro reference-rate files, and conversions between currencies.

The ECB publishes, each business day, how many units of each currency buy 1 EUR. Every other
pair is a cross rate through EUR: ``USD→GBP = (GBP per EUR) / (USD per EUR)``.

Rules (why: a wrong or silently missing rate misstates every converted figure):

* Rates are ``Decimal`` exactly as published; cross and inverse rates are computed at Decimal
  context precision (28 digits) and never rounded. Only the converted amount is rounded, to the
  target currency's minor units (ROUND_HALF_EVEN).
* On a day without a rate (weekend, holiday) the last rate before it is used, flagged
  ``stale=True`` with the date actually used, up to ``max_stale_days`` (10 by default); beyond
  that, or before the first rate, ``FxRateMissing`` is raised. There is never a silent 1:1;
  same currency is exactly 1.
* Manual rates (``RateTable.with_manual_rate``) follow the same on-or-before rule. The newest rate
  wins; on the same date a manual rate beats the ECB one (``source="manual"``).
* Parsers take bytes or text handed in (no I/O) and name the line and the problem on bad input.
"""

from __future__ import annotations

import bisect
import csv
import io
import pyexpat
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from fidus_desktop.domain.money import Money, MoneyError, check_currency, round_money, to_decimal
from fidus_desktop.errors import UserError

EUR = "EUR"
DEFAULT_MAX_STALE_DAYS = 10
SOURCE_ECB = "ecb"
SOURCE_MANUAL = "manual"
SOURCE_IDENTITY = "identity"
_MAX_UNZIPPED_BYTES = 64 * 1024 * 1024
_NO_RATE = ("N/A", "")
# A positive plain decimal (at least one non-zero digit), N/A, or empty.
_RATE_CELL_RE = re.compile(r"(?=[0-9.]*[1-9])[0-9]+(?:\.[0-9]+)?|N/A|")
_COLUMN_RE = re.compile(rf"(?:(?:{_RATE_CELL_RE.pattern})\n)*(?:{_RATE_CELL_RE.pattern})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("january", "february", "march", "april", "may", "june", "july", "august",
         "september", "october", "november", "december"),
        start=1,
    )
}


class FxError(UserError, ValueError):
    """Base of FX errors."""


class FxParseError(FxError):
    """An ECB rate file could not be read; the message names the line and the problem."""


class FxRateMissing(FxError):
    """No usable rate for a currency pair on a date."""


@dataclass(frozen=True, slots=True)
class FxQuote:
    """``rate`` units of ``quote`` per 1 ``base``, asked for ``on`` and taken from ``rate_date``."""

    base: str
    quote: str
    rate: Decimal
    on: date
    rate_date: date
    stale: bool
    source: str


@dataclass(frozen=True, slots=True)
class _Leg:
    """Units of one currency per 1 EUR, with its date and source."""

    per_eur: Decimal
    rate_date: date
    source: str


class _Series:
    """Dated rates for one key, answering 'latest on or before'.

    Parsed files hand in validated rate text; it becomes ``Decimal`` on first use, which keeps
    parsing the 27-year history file fast.
    """

    __slots__ = ("dates", "rates")

    def __init__(self, points: Mapping[date, Decimal | str]) -> None:
        self.dates = sorted(points)
        self.rates: list[Decimal | str] = [points[d] for d in self.dates]

    def _rate_at(self, index: int) -> Decimal:
        rate = self.rates[index]
        if isinstance(rate, str):
            rate = self.rates[index] = Decimal(rate)
        return rate

    def on_or_before(self, day: date) -> tuple[date, Decimal] | None:
        index = bisect.bisect_right(self.dates, day) - 1
        return None if index < 0 else (self.dates[index], self._rate_at(index))

    def as_dict(self) -> dict[date, Decimal]:
        return {day: self._rate_at(i) for i, day in enumerate(self.dates)}


def _positive_rate(value: object, what: str) -> Decimal:
    try:
        rate = to_decimal(value, what)
    except MoneyError as exc:
        raise FxError(str(exc)) from None
    if rate <= 0:
        raise FxError(f"The {what} {value} must be greater than zero.")
    return rate


class RateTable:
    """ECB rates per (date, currency) plus manual rates per (date, pair); immutable."""

    def __init__(
        self,
        ecb_rates: Mapping[str, Mapping[date, Decimal]] | None = None,
        *,
        max_stale_days: int = DEFAULT_MAX_STALE_DAYS,
        manual_rates: Mapping[tuple[str, str], Mapping[date, Decimal]] | None = None,
    ) -> None:
        if max_stale_days < 0:
            raise FxError(f"max_stale_days must be 0 or more, not {max_stale_days}.")
        self.max_stale_days = max_stale_days
        self._ecb: dict[str, _Series] = {
            check_currency(ccy): _Series({d: _positive_rate(r, f"{ccy} rate") for d, r in pts.items()})
            for ccy, pts in (ecb_rates or {}).items()
            if pts
        }
        self._manual = {
            (check_currency(b), check_currency(q)): _Series(
                {d: _positive_rate(r, f"manual {b}/{q} rate") for d, r in pts.items()}
            )
            for (b, q), pts in (manual_rates or {}).items()
            if pts
        }

    @classmethod
    def _from_parsed(
        cls, by_currency: Mapping[str, Mapping[date, Decimal | str]], max_stale_days: int
    ) -> RateTable:
        """Skip re-validating what a parser has already checked (keeps the history file fast)."""
        table = cls(max_stale_days=max_stale_days)
        table._ecb = {ccy: _Series(points) for ccy, points in by_currency.items() if points}
        return table

    def ecb_rates(self) -> dict[str, dict[date, Decimal]]:
        """The ECB rates as ``{currency: {date: units per EUR}}``."""
        return {ccy: series.as_dict() for ccy, series in self._ecb.items()}

    def daily_rows(self) -> dict[date, dict[str, Decimal]]:
        """The ECB rates as ``{date: {currency: units per EUR}}``, newest date first."""
        rows: dict[date, dict[str, Decimal]] = {}
        for ccy, series in sorted(self._ecb.items()):
            for day, rate in zip(series.dates, series.rates, strict=True):
                rows.setdefault(day, {})[ccy] = rate
        return dict(sorted(rows.items(), reverse=True))

    def currencies(self) -> frozenset[str]:
        """Currencies with an ECB rate on at least one date (EUR included)."""
        return frozenset(self._ecb) | {EUR}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RateTable):
            return NotImplemented
        return (
            self.ecb_rates() == other.ecb_rates()
            and self.max_stale_days == other.max_stale_days
            and {k: s.as_dict() for k, s in self._manual.items()}
            == {k: s.as_dict() for k, s in other._manual.items()}
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RateTable({len(self._ecb)} currencies, {len(self._manual)} manual pairs)"

    def with_manual_rate(self, base: str, quote: str, on: date, rate: object) -> RateTable:
        """A copy with a manual ``rate`` (units of ``quote`` per 1 ``base``) from ``on``."""
        base, quote = check_currency(base), check_currency(quote)
        if base == quote:
            raise FxError(f"A manual rate needs two different currencies, not {base}/{quote}.")
        manual = {k: s.as_dict() for k, s in self._manual.items()}
        manual.setdefault((base, quote), {})[on] = _positive_rate(rate, f"manual {base}/{quote} rate")
        return RateTable(self.ecb_rates(), max_stale_days=self.max_stale_days, manual_rates=manual)

    def rate(self, base: str, quote: str, on: date) -> FxQuote:
        """Units of ``quote`` per 1 ``base`` on ``on``; raises ``FxRateMissing`` if none is usable."""
        base, quote = check_currency(base), check_currency(quote)
        if base == quote:
            return FxQuote(base, quote, Decimal(1), on, on, False, SOURCE_IDENTITY)
        candidates: list[tuple[date, int, Decimal, str]] = []
        direct = self._manual_pair(base, quote, on)
        if direct is not None:
            candidates.append((direct[0], 1, direct[1], SOURCE_MANUAL))
        try:
            base_leg, quote_leg = self._leg(base, on), self._leg(quote, on)
        except FxRateMissing:
            if not candidates:
                raise
        else:
            sources = {base_leg.source, quote_leg.source} - {SOURCE_IDENTITY}
            candidates.append((
                min(base_leg.rate_date, quote_leg.rate_date),
                1 if sources == {SOURCE_MANUAL} else 0,
                quote_leg.per_eur / base_leg.per_eur,
                SOURCE_MANUAL if sources == {SOURCE_MANUAL} else SOURCE_ECB,
            ))
        rate_date, _, rate, source = max(candidates, key=lambda c: (c[0], c[1]))
        return FxQuote(base, quote, rate, on, rate_date, rate_date != on, source)

    def convert(self, money: Money, to_currency: str, on: date) -> tuple[Money, FxQuote]:
        """``money`` in ``to_currency`` at the rate of ``on``, rounded to its minor units."""
        quote = self.rate(money.currency, to_currency, on)
        amount = round_money(money.amount * quote.rate, quote.quote)
        return Money(amount, quote.quote), quote

    def _usable(self, found: tuple[date, Decimal] | None, on: date) -> tuple[date, Decimal] | None:
        if found is None or (on - found[0]).days > self.max_stale_days:
            return None
        return found

    def _manual_pair(self, base: str, quote: str, on: date) -> tuple[date, Decimal] | None:
        best: tuple[date, Decimal] | None = None
        for key, invert in (((base, quote), False), ((quote, base), True)):
            series = self._manual.get(key)
            found = self._usable(series.on_or_before(on), on) if series else None
            if found and (best is None or found[0] > best[0]):
                best = (found[0], Decimal(1) / found[1] if invert else found[1])
        return best

    def _leg(self, currency: str, on: date) -> _Leg:
        if currency == EUR:
            return _Leg(Decimal(1), on, SOURCE_IDENTITY)
        legs: list[tuple[date, int, Decimal, str]] = []
        manual = self._manual_pair(EUR, currency, on)
        if manual is not None:
            legs.append((manual[0], 1, manual[1], SOURCE_MANUAL))
        series = self._ecb.get(currency)
        found = series.on_or_before(on) if series else None
        if found is not None and self._usable(found, on):
            legs.append((found[0], 0, found[1], SOURCE_ECB))
        if legs:
            rate_date, _, per_eur, source = max(legs, key=lambda c: (c[0], c[1]))
            return _Leg(per_eur, rate_date, source)
        raise FxRateMissing(self._missing_message(currency, on, found, series))

    def _missing_message(
        self, currency: str, on: date, found: tuple[date, Decimal] | None, series: _Series | None
    ) -> str:
        fix = "load newer ECB rates or enter a manual rate"
        if series is None:
            return f"There is no ECB rate for {currency} at all; enter a manual rate for it."
        if found is None:
            return (f"There is no {currency} rate on or before {on}: ECB rates for {currency} start "
                    f"on {series.dates[0]}; load a history file reaching that far back or enter a manual "
                    "rate.")
        age = (on - found[0]).days
        return (f"The last {currency} rate on or before {on} is from {found[0]}, {age} days earlier, "
                f"beyond the {self.max_stale_days}-day limit; {fix}.")


# ---------------------------------------------------------------- parsing


def _parse_date(text: str, where: str) -> date:
    """ISO ``2026-04-13`` (history files, XML) or ``13 April 2026`` (daily CSV)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.split()
    try:
        if len(parts) == 3 and parts[1].lower() in _MONTHS:
            return date(int(parts[2]), _MONTHS[parts[1].lower()], int(parts[0]))
    except ValueError:
        pass
    raise FxParseError(f"{where}: {text!r} is not a date; expected YYYY-MM-DD or '13 April 2026'.")


def _parse_rate(text: str, where: str) -> Decimal:
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise FxParseError(f"{where}: rate {text!r} is not a number (use N/A for no rate).") from None
    if not rate.is_finite() or rate <= 0:
        raise FxParseError(f"{where}: rate {text!r} must be a positive number.")
    return rate


def _check_column(ccy: str, cells: tuple[str, ...], lines: list[int]) -> None:
    """Check a whole column with one regex match; find the bad line only when it fails."""
    if _COLUMN_RE.fullmatch("\n".join(cells)):
        return
    for cell, line in zip(cells, lines, strict=True):
        if not _RATE_CELL_RE.fullmatch(cell):
            _parse_rate(cell, f"line {line}, {ccy}")
            raise FxParseError(f"line {line}, {ccy}: rate {cell!r} must be plain digits like 1.0956 or N/A.")


def parse_ecb_csv(text: str, *, max_stale_days: int = DEFAULT_MAX_STALE_DAYS) -> RateTable:
    """Parse ``eurofxref.csv`` or ``eurofxref-hist.csv`` (``Date,USD,JPY,…``; ``N/A`` = no rate)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), skipinitialspace=True)
    header = next(reader, None)
    if not header or header[0].strip() != "Date":
        raise FxParseError("line 1: expected a header starting with 'Date', such as 'Date,USD,JPY,…'.")
    names = [h.strip() for h in header[1:]]
    while names and not names[-1]:
        names.pop()
    try:
        currencies = [check_currency(n) for n in names]
    except MoneyError as exc:
        raise FxParseError(f"line 1: {exc}") from None
    if len(set(currencies)) != len(currencies):
        raise FxParseError("line 1: a currency appears twice in the header.")
    width = len(currencies) + 1
    days: list[date] = []
    lines: list[int] = []
    rows: list[list[str]] = []
    for row in reader:
        if len(row) != width:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > width and not any(cell.strip() for cell in row[width:]):
                row = row[:width]
            else:
                raise FxParseError(
                    f"line {reader.line_num}: {len(row) - 1} rates for {width - 1} currencies in the header."
                )
        days.append(_parse_date(row[0].strip(), f"line {reader.line_num}"))
        lines.append(reader.line_num)
        rows.append(row)
    if not days:
        raise FxParseError("The ECB CSV has a header but no rows of rates.")
    if len(set(days)) != len(days):
        first: dict[date, int] = {}
        for day, line in zip(days, lines, strict=True):
            if day in first:
                raise FxParseError(f"line {line}: date {day} appears twice (first on line {first[day]}).")
            first[day] = line
    by_currency: dict[str, dict[date, Decimal | str]] = {}
    for ccy, cells in zip(currencies, list(zip(*rows, strict=True))[1:], strict=True):
        _check_column(ccy, cells, lines)
        by_currency[ccy] = {day: cell for day, cell in zip(days, cells, strict=True) if cell not in _NO_RATE}
    return RateTable._from_parsed(by_currency, max_stale_days)


def parse_ecb_xml(data: bytes | str, *, max_stale_days: int = DEFAULT_MAX_STALE_DAYS) -> RateTable:
    """Parse ``eurofxref-daily.xml`` / ``eurofxref-hist.xml`` (``<Cube time=…><Cube currency rate/>``).

    Document type declarations are refused, so entity tricks (XML bombs, external files) can't run.
    """
    parser = pyexpat.ParserCreate()
    by_currency: dict[str, dict[date, Decimal]] = {}
    state: dict[str, date | None] = {"day": None}

    def where() -> str:
        return f"line {parser.CurrentLineNumber}"

    def start(name: str, attrs: dict[str, str]) -> None:
        if name.rsplit(":", 1)[-1] != "Cube":
            return
        if "time" in attrs:
            state["day"] = _parse_date(attrs["time"].strip(), where())
        elif "currency" in attrs or "rate" in attrs:
            day = state["day"]
            if day is None:
                raise FxParseError(f"{where()}: a currency Cube is not inside a <Cube time='…'>.")
            if "currency" not in attrs or "rate" not in attrs:
                raise FxParseError(f"{where()}: a Cube needs both currency='…' and rate='…'.")
            try:
                ccy = check_currency(attrs["currency"])
            except MoneyError as exc:
                raise FxParseError(f"{where()}: {exc}") from None
            series = by_currency.setdefault(ccy, {})
            if day in series:
                raise FxParseError(f"{where()}: {ccy} appears twice on {day}.")
            series[day] = _parse_rate(attrs["rate"].strip(), f"{where()}, {ccy}")

    def refuse_doctype(*_args: object) -> None:
        raise FxParseError(f"{where()}: document type declarations are not allowed in an ECB rate file.")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as exc:
        problem = pyexpat.ErrorString(exc.code)
        raise FxParseError(f"line {exc.lineno}: the XML is not well-formed ({problem}).") from None
    if not by_currency:
        raise FxParseError("The XML holds no <Cube currency='…' rate='…'/> rates.")
    return RateTable._from_parsed(by_currency, max_stale_days)


def parse_ecb(data: bytes, *, max_stale_days: int = DEFAULT_MAX_STALE_DAYS) -> RateTable:
    """Parse any ECB rate file: CSV, XML, or a zip holding one of them (as the ECB serves them)."""
    if data[:4] == b"PK\x03\x04":
        return _parse_zip(data, max_stale_days)
    if data.lstrip()[:1] == b"<":
        return parse_ecb_xml(data, max_stale_days=max_stale_days)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FxParseError(f"The file is not UTF-8 text (byte {exc.start}); expected an ECB CSV.") from None
    return parse_ecb_csv(text, max_stale_days=max_stale_days)


def _parse_zip(data: bytes, max_stale_days: int) -> RateTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FxParseError(f"The zip file is damaged: {exc}.") from None
    with archive:
        members = [m for m in archive.infolist() if m.filename.lower().endswith((".csv", ".xml"))]
        if len(members) != 1:
            names = ", ".join(archive.namelist()) or "nothing"
            raise FxParseError(f"Expected one .csv or .xml file in the zip, found: {names}.")
        member = members[0]
        if member.file_size > _MAX_UNZIPPED_BYTES:
            raise FxParseError(
                f"{member.filename} unzips to {member.file_size} bytes; too large for an ECB rate file."
            )
        inner = archive.read(member)
    try:
        return parse_ecb(inner, max_stale_days=max_stale_days)
    except FxParseError as exc:
        raise FxParseError(f"{member.filename}, {exc}") from None


# ---------------------------------------------------------------- rendering


def render_ecb_csv(table: RateTable) -> str:
    """The ECB rates of ``table`` in the history CSV shape (newest first, ``N/A``, trailing comma)."""
    rows = table.daily_rows()
    currencies = sorted(table.currencies() - {EUR})
    out = io.StringIO()
    out.write(",".join(["Date", *currencies, ""]) + "\n")
    for day, rates in rows.items():
        cells = [_render_rate(rates[c]) if c in rates else "N/A" for c in currencies]
        out.write(",".join([day.isoformat(), *cells, ""]) + "\n")
    return out.getvalue()


def render_ecb_xml(table: RateTable) -> str:
    """The ECB rates of ``table`` in the eurofxref-hist.xml shape."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">',
        "\t<gesmes:subject>Reference rates</gesmes:subject>",
        "\t<Cube>",
    ]
    for day, rates in table.daily_rows().items():
        lines.append(f"\t\t<Cube time='{day.isoformat()}'>")
        lines.extend(
            f"\t\t\t<Cube currency='{c}' rate='{_render_rate(r)}'/>" for c, r in sorted(rates.items())
        )
        lines.append("\t\t</Cube>")
    lines += ["\t</Cube>", "</gesmes:Envelope>", ""]
    return "\n".join(lines)


def _render_rate(rate: Decimal) -> str:
    return format(rate, "f")

