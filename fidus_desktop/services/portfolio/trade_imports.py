"""A file of position trades (purchases and sales of instruments by the funds), checked whole then written at once.

Each row is checked by ``holdings.trade_doc`` (the same rules as a trade entered on its own). A reference already
recorded with the same figures is unchanged (importing a file again changes nothing); with other figures, or twice
in the file, it is a problem of its row. Sales are checked against the position net of the file's earlier rows.
Any problem refuses the whole file with every bad row and its line; nothing is written. Format: docs/PORTFOLIO.md.
"""

from __future__ import annotations

from decimal import Decimal

from fidus_desktop.services.actor import Actor
from fidus_desktop.services.base import ChangeRecorder, Service, ServiceContext, ValidationError
from fidus_desktop.services.permissions import Permission, require
from fidus_desktop.services.portfolio._common import parse_code
from fidus_desktop.services.portfolio.funds import FundService
from fidus_desktop.services.portfolio.holdings import HoldingsService
from fidus_desktop.services.portfolio.imports import ImportProblem, ImportRejected, ImportSummary, check_all
from fidus_desktop.store.port import Document

TRADE_COLUMNS = ("reference", "fund_code", "instrument_code", "trade_date", "quantity", "price")
TRADE_OPTIONAL = ("fees", "fx_rate")


class TradeImportService(Service):
    def __init__(self, ctx: ServiceContext, funds: FundService, holdings: HoldingsService) -> None:
        super().__init__(ctx)
        self.funds, self.holdings = funds, holdings

    def _fund_id(self, code: str) -> str:
        found = self.funds.fund_by_code(parse_code(code, "fund_code", "The fund code")) if code else None
        if found is None:
            raise ValidationError({"fund_code": f"there is no fund {code!r}"})
        return found.fund_id

    def _instrument_id(self, code: str) -> str:
        found = (self.holdings.instruments.find_one({"code": parse_code(code, "instrument_code",
                                                                         "The instrument code")}) if code else None)
        if found is None:
            raise ValidationError({"instrument_code": f"there is no instrument {code!r}; create it first "
                                                      "(Positions ▸ New instrument, `fidus holdings instrument`)"})
        return found["_id"]

    def import_trades(self, actor: Actor, text: str) -> ImportSummary:
        """Every row a purchase (quantity > 0) or sale (< 0); fees default 0, fx_rate the stored rate of the
        trade date. Returns how many rows were new and how many were already recorded."""
        require(actor, Permission.FUNDS_MANAGE)
        held: dict[tuple[str, str], Decimal] = {}  # each position net of the file's earlier new rows
        seen: set[tuple[str, str]] = set()  # (fund, reference) of the file's earlier rows

        def check(row: dict[str, str]) -> tuple[Document, bool]:
            doc = self.holdings.trade_doc(self._fund_id(row["fund_code"]), self._instrument_id(row["instrument_code"]),
                                          row["reference"], row["trade_date"], row["quantity"], row["price"],
                                          row.get("fees") or "0", row.get("fx_rate") or None)
            if (doc["fund_id"], doc["reference"]) in seen:
                raise ValidationError({"reference": f"trade {doc['reference']} of {row['fund_code'].upper()} appears "
                                                    "on an earlier line of the file too; give each trade its own "
                                                    "reference"})
            seen.add((doc["fund_id"], doc["reference"]))
            if self.holdings.recorded_trade(doc) is not None:
                return doc, True
            key = (doc["fund_id"], doc["instrument_id"])
            if key not in held:
                position = self.holdings.positions.find_one({"fund_id": key[0], "instrument_id": key[1]})
                held[key] = position["quantity"] if position else Decimal(0)
            if held[key] + doc["quantity"] < 0:
                raise ValidationError({"quantity": f"a sale of {-doc['quantity']} {row['instrument_code'].upper()} "
                                                   f"is more than the {held[key]} held then (after the file's "
                                                   "earlier rows)"})
            held[key] += doc["quantity"]
            return doc, False

        rows = check_all("trades", text, TRADE_COLUMNS, TRADE_OPTIONAL, check)

        def write(rec: ChangeRecorder) -> ImportSummary:
            refused: list[ImportProblem] = []
            new = [(line, doc) for line, (doc, recorded) in rows if not recorded]
            for line, doc in new:  # in file order: a sale is checked against the file's earlier purchases too
                try:
                    self.holdings.apply_trade(rec, actor, doc)
                except ValidationError as exc:
                    refused.append(ImportProblem(line, str(exc)))
            if refused:
                raise ImportRejected("trades", refused)
            rec.record("trade.import", "position", "import",
                       after={"rows": len(rows), "inserted": len(new), "unchanged": len(rows) - len(new)})
            return ImportSummary(len(rows), len(new), 0, len(rows) - len(new))

        return self.change(actor, Permission.FUNDS_MANAGE, write)
