"""Keeping a fund's holdings without the CLI: new instruments, their prices and the trades that build positions.

Each dialog calls one ``HoldingsService`` method in the worker, with the fields read on the GUI thread first;
what the service refuses appears under its field. A trade is typed as a purchase or a sale of a positive
quantity (the service takes a sale as a negative one); its FX rate may be left empty for the stored rate of
the trade date. Trades give the holdings table its book cost and unrealised P&L (``domain.cost_basis``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from fidus_desktop.services.changes import INSTRUMENT, POSITION
from fidus_desktop.services.portfolio.funds import Fund
from fidus_desktop.services.portfolio.holdings import CASH_CLASS, Instrument
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.session import UiSession

ASSET_CLASSES = ("equity", "bonds", "fund", "commodity", "cash", "other")
SIDES = {"Purchase": 1, "Sale": -1}  # the sign of the quantity sent to the service


def instrument_combo(instruments: list[Instrument]) -> QComboBox:
    """The priced (non-cash) instruments, ``CODE — name (CCY)``."""
    combo = QComboBox()
    for instrument in instruments:
        if instrument.asset_class != CASH_CLASS:
            combo.addItem(f"{instrument.code} — {instrument.name} ({instrument.currency})", instrument.instrument_id)
    return combo


class InstrumentDialog(ServiceFormDialog):
    """A new instrument: code, name, currency, asset class and lot size."""

    changes = frozenset({INSTRUMENT})

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "New instrument", "&Create", parent)
        self.code = self.add_field("code", "Code", QLineEdit())
        self.code.setPlaceholderText("e.g. EQ-WORLD (letters, digits, - or _)")
        self.name = self.add_field("name", "Name", QLineEdit())
        self.currency = self.add_field("currency", "Currency", QLineEdit())
        self.currency.setPlaceholderText("ISO code, e.g. USD: the currency it is priced in")
        self.asset_class = self.add_field("asset_class", "Asset class", QComboBox(editable=True))
        self.asset_class.addItems(list(ASSET_CLASSES))
        self.asset_class.setToolTip("What the allocation chart groups it under; a cash account is priced at 1.")
        self.lot_size = self.add_field("lot_size", "Lot size", DecimalEdit())
        self.lot_size.setText("1")

    def typed(self) -> dict[str, Any]:
        return {"code": self.code.text(), "name": self.name.text(), "currency": self.currency.text().strip().upper(),
                "asset_class": self.asset_class.currentText(), "lot_size": self.lot_size.plain()}

    def call(self) -> Any:
        t = self.typed_values
        return self.session.services.portfolio.holdings.add_instrument(
            self.session.actor, t["code"], t["name"], t["currency"], t["asset_class"], t["lot_size"])

    def describe(self) -> str:
        code = self.result_value["code"]
        return (f"Instrument {code} created; enter its price (Positions ▸ Enter a price) and record the trades "
                "that bought it.")


class PriceDialog(ServiceFormDialog):
    """An instrument's closing price on a day (a price already stored for that day is replaced)."""

    changes = frozenset({INSTRUMENT})

    def __init__(self, session: UiSession, instruments: list[Instrument], default_day: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "Enter a price", "&Save", parent)
        self.instrument = self.add_field("instrument_id", "Instrument", instrument_combo(instruments))
        self.price_date = self.add_field("price_date", "Price date", DateEdit(default_day))
        self.price = self.add_field("price", "Price (instrument currency)", DecimalEdit())

    def typed(self) -> dict[str, Any]:
        return {"instrument_id": self.instrument.currentData(), "price_date": self.price_date.iso(),
                "price": self.price.plain(), "code": self.instrument.currentText().split(" — ")[0]}

    def call(self) -> Any:
        t = self.typed_values
        return self.session.services.portfolio.holdings.set_prices(self.session.actor, t["instrument_id"],
                                                                   {t["price_date"]: t["price"]})

    def describe(self) -> str:
        t = self.typed_values
        return f"Price of {t['code']} on {t['price_date']} saved: {t['price']}."


class TradeDialog(ServiceFormDialog):
    """A purchase or sale by the fund: it moves the position and gives it a book cost."""

    changes = frozenset({POSITION})

    def __init__(self, session: UiSession, fund: Fund, instruments: list[Instrument], default_day: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"Record a trade for {fund.code}", "&Record", parent)
        self.fund = fund
        self.instrument = self.add_field("instrument_id", "Instrument", instrument_combo(instruments))
        self.side = self.add_field("side", "Purchase or sale", QComboBox())
        for label, sign in SIDES.items():
            self.side.addItem(label, sign)
        self.reference = self.add_field("reference", "Reference", QLineEdit())
        self.reference.setPlaceholderText("the broker's or custodian's trade reference")
        self.trade_date = self.add_field("trade_date", "Trade date", DateEdit(default_day))
        self.quantity = self.add_field("quantity", "Quantity", DecimalEdit())
        self.price = self.add_field("price", "Price per unit (instrument currency)", DecimalEdit())
        self.fees = self.add_field("fees", "Fees (instrument currency)", DecimalEdit(places=2, optional=True))
        self.fx_rate = self.add_field("fx_rate", f"FX rate to {fund.base_currency}", DecimalEdit(optional=True))
        self.fx_rate.setPlaceholderText("empty: the stored rate of the trade date")

    def typed(self) -> dict[str, Any]:
        quantity = self.quantity.plain()
        if quantity and self.side.currentData() < 0:
            quantity = f"-{quantity}"
        return {"instrument_id": self.instrument.currentData(), "reference": self.reference.text(),
                "trade_date": self.trade_date.iso(), "quantity": quantity, "price": self.price.plain(),
                "fees": self.fees.plain() or "0", "fx_rate": self.fx_rate.plain() or None,
                "what": f"{self.side.currentText().lower()} of {self.quantity.text()} "
                        f"{self.instrument.currentText().split(' — ')[0]}"}

    def call(self) -> Any:
        t = self.typed_values
        return self.session.services.portfolio.holdings.record_trade(
            self.session.actor, self.fund.fund_id, t["instrument_id"], t["reference"], t["trade_date"],
            t["quantity"], t["price"], fees=t["fees"], fx_rate=t["fx_rate"])

    def describe(self) -> str:
        trade = self.result_value
        return (f"Recorded the {self.typed_values['what']} ({trade['reference']}, {trade['trade_date']}) at "
                f"{trade['price']}; FX rate {trade['fx_rate']}.")
