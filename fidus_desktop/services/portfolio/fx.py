"""FX rates: ECB reference rates stored one document per date, manual overrides, lookups, online refresh.

Storage: ``fx_rates`` holds one document per ECB ``rate_date`` with a ``rates`` map (``{"USD": 1.0812, …}``,
units per EUR, Decimal as published); the natural key is ``rate_date``, so re-importing a file is
idempotent (unchanged dates are left alone). ``fx_manual`` holds manual rates per ``(base, quote,
rate_date)`` with the reason and who entered them. Lookups go through ``domain.fx.RateTable``: the last
rate on or before the date, flagged ``stale`` when older, ``FxRateMissing`` beyond 10 days; never 1:1.

The table is cached per process and reloaded when the stored rates change (a cheap count + newest
``updated_at`` check), so another workstation's import is seen on the next lookup.
Changes need ``fx.manage``.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fidus_desktop.domain.fx import FxError, FxQuote, RateTable, parse_ecb
from fidus_desktop.domain.money import Money
from fidus_desktop.errors import UserError
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission
from fidus_desktop.services.portfolio._common import parse_currency, parse_date, parse_decimal
from fidus_desktop.store.port import Document

FX_RATES = "fx_rates"
FX_MANUAL = "fx_manual"
MAX_DOWNLOAD_BYTES = 32 * 1024 * 1024
Opener = Callable[..., Any]


class FxRefreshFailed(UserError):
    """The online refresh could not fetch or read the rates; nothing was changed."""


@dataclass(frozen=True)
class FxImportSummary:
    """What an ECB import did: dates in the file and how many were new, changed or already stored."""

    dates: int
    first: date
    last: date
    inserted: int
    updated: int
    unchanged: int


def rate_documents(table: RateTable, now: Any) -> list[Document]:
    """One document per date from a parsed ECB table."""
    return [{"rate_date": day, "rates": rates, "source": "ecb", "updated_at": now}
            for day, rates in table.daily_rows().items()]


class FxService(Service):
    """Import, override and look up FX rates."""

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.rates = ctx.store.collection(FX_RATES)
        self.manual = ctx.store.collection(FX_MANUAL)
        self._cache: tuple[tuple[Any, ...], RateTable] | None = None

    def ensure_indexes(self) -> None:
        self.rates.ensure_index(["rate_date"], unique=True)
        self.rates.ensure_index(["updated_at"])
        self.manual.ensure_index(["base", "quote", "rate_date"], unique=True)
        self.manual.ensure_index(["updated_at"])

    # -- changing -----------------------------------------------------------------------------------
    def import_ecb(self, actor: Actor, data: bytes, *, origin: str = "file") -> FxImportSummary:
        """Store every date of an ECB CSV/XML/zip; the whole file is parsed (and refused) before writing."""
        try:
            table = parse_ecb(data)
        except FxError as exc:
            raise ValidationError({"file": f"The ECB rate file cannot be read: {exc}"}) from None
        docs = rate_documents(table, self.now())

        def write(rec: ChangeRecorder) -> FxImportSummary:
            # updated_at differs on every run; compare without it so unchanged dates stay unchanged.
            stored = {d["rate_date"]: d for d in self.rates.find(
                {"rate_date": {"$gte": docs[-1]["rate_date"], "$lte": docs[0]["rate_date"]}},
                projection=["rate_date", "rates"])}
            changed = [d for d in docs if stored.get(d["rate_date"], {}).get("rates") != d["rates"]]
            result = self.rates.upsert_many(changed, ["rate_date"])
            summary = FxImportSummary(len(docs), docs[-1]["rate_date"], docs[0]["rate_date"], result.inserted,
                                      result.updated, len(docs) - len(changed))
            rec.record("fx.import", "fx_rates", origin[:200], after={"summary": vars(summary).copy()})
            return summary

        return self.change(actor, Permission.FX_MANAGE, write)

    def set_manual_rate(self, actor: Actor, base: Any, quote: Any, rate_date: Any, rate: Any, reason: Any
                        ) -> Document:
        """Override a rate by hand (units of ``quote`` per 1 ``base``); it wins over the ECB on that date."""
        doc = {
            "base": parse_currency(base, "base"),
            "quote": parse_currency(quote, "quote"),
            "rate_date": parse_date(rate_date, "rate_date", "The rate date", today=self.now().date()),
            "rate": parse_decimal(rate, "rate", "The rate", positive=True),
            "reason": self.required_text(reason, "reason", "A reason for the manual rate", max_length=500),
            "entered_by": actor.username,
            "updated_at": self.now(),
        }
        if doc["base"] == doc["quote"]:
            raise ValidationError({"quote": "A manual rate needs two different currencies."})

        def write(rec: ChangeRecorder) -> Document:
            key = {k: doc[k] for k in ("base", "quote", "rate_date")}
            before = self.manual.find_one(key)
            self.manual.upsert_many([doc], ["base", "quote", "rate_date"])
            after = self.manual.find_one(key)
            assert after is not None
            rec.record("fx.manual_rate", "fx_manual", after["_id"], before=before, after=after)
            return after

        return self.change(actor, Permission.FX_MANAGE, write)

    def refresh_online(self, actor: Actor, url: str, *, timeout: float = 20, opener: Opener | None = None
                       ) -> FxImportSummary:
        """Download an ECB file from ``url`` (settings ``fx.refresh_url``) and import it.

        Offline, a bad URL or a damaged file raises ``FxRefreshFailed`` and changes nothing.
        """
        if not url or not url.startswith(("https://", "http://", "file:")):
            raise FxRefreshFailed(f"The FX refresh URL {url!r} is not configured or not an http(s)/file URL; "
                                  "set fx.refresh_url in the settings.")
        try:
            with (opener or urllib.request.urlopen)(url, timeout=timeout) as response:
                data = response.read(MAX_DOWNLOAD_BYTES + 1)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise FxRefreshFailed(f"Could not download FX rates from {url}: {exc}. Check the network or "
                                  "import a file with `fidus import fx FILE`.") from None
        if len(data) > MAX_DOWNLOAD_BYTES:
            raise FxRefreshFailed(f"The download from {url} is larger than {MAX_DOWNLOAD_BYTES} bytes.")
        try:
            return self.import_ecb(actor, data, origin=url)
        except ValidationError as exc:
            raise FxRefreshFailed(f"The file from {url} is not an ECB rate file: {exc}") from None

    # -- reading ------------------------------------------------------------------------------------
    def _stamp(self) -> tuple[Any, ...]:
        newest = [c.find_one(sort=[("updated_at", -1)]) for c in (self.rates, self.manual)]
        return (self.rates.count(), self.manual.count(), *(d["updated_at"] if d else None for d in newest))

    def table(self) -> RateTable:
        """Every stored rate as a ``RateTable`` (cached until the stored rates change)."""
        stamp = self._stamp()
        if self._cache is None or self._cache[0] != stamp:
            ecb: dict[str, dict[date, Any]] = {}
            for doc in self.rates.find(projection=["rate_date", "rates"]):
                for ccy, rate in doc["rates"].items():
                    ecb.setdefault(ccy, {})[doc["rate_date"]] = rate
            manual: dict[tuple[str, str], dict[date, Any]] = {}
            for doc in self.manual.find():
                manual.setdefault((doc["base"], doc["quote"]), {})[doc["rate_date"]] = doc["rate"]
            self._cache = (stamp, RateTable(ecb, manual_rates=manual))
        return self._cache[1]

    def rate(self, base: str, quote: str, on: date) -> FxQuote:
        """Units of ``quote`` per 1 ``base`` on ``on`` (``stale`` flagged; ``FxRateMissing`` if none)."""
        return self.table().rate(base, quote, on)

    def convert(self, money: Money, to_currency: str, on: date) -> tuple[Money, FxQuote]:
        return self.table().convert(money, to_currency, on)

    def stored_dates(self) -> tuple[date, date] | None:
        """First and last ECB date held, for the status line ('rates up to …')."""
        first = self.rates.find_one(sort=[("rate_date", 1)])
        last = self.rates.find_one(sort=[("rate_date", -1)])
        return (first["rate_date"], last["rate_date"]) if first and last else None
