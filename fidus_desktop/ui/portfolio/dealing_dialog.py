"""Subscription / redemption entry: the request goes to ``dealing.enter`` in the worker.

The investor is typed by number (``INV-00017``, as on paper forms) or found by name: what is typed is looked
up in the worker (debounced) and offered for completion as ``INV-00017 — Name``. What the service refuses appears under
the field it is about (``ValidationError.problems`` keys are the field names); nothing is saved then.
Dates default to ``default_day``, the latest day the fund has data (not a today with no NAV yet); units are
given only for a redemption (a subscription is an amount). Below the fields, what the deal will book (NAV,
units, gross, fee, net and any fee settled first) is priced as it is typed (``dealing.preview_request``, in
the worker), so it is seen before saving.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QCompleter, QLabel, QLineEdit, QSizePolicy, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import TRANSACTION
from fidus_desktop.services.portfolio.dealing import DealPreview, TransactionRequest, TransactionView
from fidus_desktop.services.portfolio.funds import ShareClass
from fidus_desktop.services.portfolio.investors import Investor, investor_filter
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit, DecimalEdit
from fidus_desktop.ui.common.locale_text import format_number
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.portfolio.dialogs import class_combo
from fidus_desktop.ui.session import UiSession

KINDS = {"Subscription": "subscription", "Redemption": "redemption"}
SEPARATOR = " — "  # between an offered investor's number and name
MATCHES = 20
LOOKUP_DELAY_MS = 250


class DealingDialog(ServiceFormDialog):
    changes = frozenset({TRANSACTION})

    def __init__(self, session: UiSession, classes: list[ShareClass], class_id: str | None, default_day: date,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, "New subscription or redemption", "&Enter", parent)
        self.kind = self.add_field("kind", "Kind", QComboBox())
        for label, value in KINDS.items():
            self.kind.addItem(label, value)
        self.share_class = self.add_field("class_id", "Share class", class_combo(classes, class_id))
        self.investor = self.add_field("investor_id", "Investor", QLineEdit())
        self.investor.setPlaceholderText("number or name, e.g. INV-00017")
        self.matches = QStringListModel(self)
        completer = QCompleter(self.matches, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.investor.setCompleter(completer)
        self._lookup = QTimer(self, singleShot=True, interval=LOOKUP_DELAY_MS)
        self._lookup.timeout.connect(self.look_up_investors)
        self.investor.textEdited.connect(lambda _: self._lookup.start())
        self.amount = self.add_field("amount", "Amount (class currency)", DecimalEdit(places=2, optional=True))
        self.units = self.add_field("units", "Units (redemption)", DecimalEdit(optional=True))
        self.dates = {name: self.add_field(name, label, DateEdit(default_day))
                      for name, label in (("trade_date", "Trade date"), ("dealing_date", "Dealing date"),
                                          ("settlement_date", "Settlement date"))}
        self.preview = QLabel(objectName="dealPreview", wordWrap=True)
        self.preview.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.preview.setStyleSheet("background: palette(alternate-base); padding: 4px;")
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form.addRow("What it books", self.preview)
        self._previewing = QTimer(self, singleShot=True, interval=LOOKUP_DELAY_MS)
        self._previewing.timeout.connect(self.update_preview)
        for edit in (self.investor, self.amount, self.units, self.dates["dealing_date"]):
            edit.textChanged.connect(lambda _: self._previewing.start())
        for combo in (self.kind, self.share_class):
            combo.currentIndexChanged.connect(lambda _: self._previewing.start())
        self.kind.currentIndexChanged.connect(lambda _: self._kind_changed())
        self._kind_changed()
        self.update_preview()

    def _kind_changed(self) -> None:
        """Units are for redemptions only; a subscription is always an amount."""
        redemption = self.kind.currentData() == "redemption"
        self.units.setEnabled(redemption)
        self.units.setToolTip("" if redemption else "A subscription is an amount; units are given for redemptions.")
        if not redemption:
            self.units.clear()
        example = format_number(Decimal("25000"), places=2)
        self.amount.setPlaceholderText(f"{example} — or leave empty and give units" if redemption else example)

    def look_up_investors(self) -> None:
        """Offer the investors whose number starts with, or whose name contains, what is typed."""
        text = self.investor.text().split(SEPARATOR)[0].strip()
        if not text:
            return
        investors, actor = self.session.services.portfolio.investors, self.session.actor
        self.session.runner.submit(lambda: investors.page(actor, investor_filter(text), None, 0, MATCHES),
                                   owner=self, key="investors", on_done=self._offer,
                                   on_error=lambda _: None)  # no suggestions; the typed number still works

    def _offer(self, found: list[Investor]) -> None:
        self.matches.setStringList([f"{i.number}{SEPARATOR}{i.name}" for i in found])
        if found and self.investor.hasFocus():
            self.investor.completer().complete()

    def update_preview(self) -> None:
        """Price what is typed in the worker (``dealing.preview_request``): NAV, units, gross, fee and net."""
        if self.field_problems() or not (self.amount.plain() or self.units.plain()):
            self.preview.setText("Give the investor and an amount (or units) to see the NAV, units and fees.")
            return
        typed, dealing, actor = self.typed(), self.session.services.portfolio.dealing, self.session.actor
        self.session.runner.submit(lambda: dealing.preview_request(actor, self.request(typed)), owner=self,
                                   key="preview", on_done=self._previewed,
            on_error=lambda exc: self.preview.setText(f"Cannot be priced: {describe_error(exc)}"))

    def _previewed(self, preview: DealPreview) -> None:
        deal, ccy = preview.deal, preview.currency
        if deal is None:
            self.preview.setText(f"Priced at the NAV of its dealing date once that NAV is in ({preview.problem})")
            return
        text = (f"At NAV {format_number(deal.nav_per_unit.amount)} {ccy}: {format_number(deal.units, places=4)} "
                f"units; gross {format_number(deal.gross.amount, places=2)} − fee "
                f"{format_number(deal.fee.amount, places=2)} = net {format_number(deal.net.amount, places=2)} {ccy}")
        fees = [f"the class's {e.kind} fee of {format_number(e.amount.amount, places=2)} {e.currency} is settled first"
                for e in preview.fees]
        self.preview.setText("; ".join([text, *fees]) + ". Booked when it settles, after a colleague approves it.")
        self._fit()

    def typed(self) -> dict[str, str | None]:
        """What the fields hold, read on the GUI thread for a job."""
        return {"kind": self.kind.currentData(), "class_id": self.share_class.currentData(),
                "investor": self.investor.text().split(SEPARATOR)[0].strip(),
                **{name: edit.iso() for name, edit in self.dates.items()},
                "amount": self.amount.plain() or None, "units": self.units.plain() or None}

    def request(self, typed: dict[str, str | None]) -> TransactionRequest:
        """The request for ``typed`` (runs in the worker: the investor number is looked up)."""
        portfolio = self.session.services.portfolio
        number = typed["investor"] or ""
        investor = portfolio.investors.by_number(number) if number else None
        if investor is None:
            raise ValidationError({"investor_id": f"There is no investor numbered {number!r}; type a "
                                                  "number such as INV-00017, or part of a name and pick the investor "
                                                  "from the list." if number else "The investor number is required."})
        return TransactionRequest(
            kind=str(typed["kind"]), class_id=str(typed["class_id"]), investor_id=investor.investor_id,
            trade_date=typed["trade_date"], dealing_date=typed["dealing_date"],
            settlement_date=typed["settlement_date"], amount=typed["amount"], units=typed["units"])

    def call(self) -> TransactionView:
        return self.session.services.portfolio.dealing.enter(self.session.actor, self.request(self.typed_values))

    def describe(self) -> str:
        """What was stored and its reference, for the tab's message line once the dialog closed."""
        view: TransactionView = self.result_value
        asked = f"{view.amount:,} {view.currency}" if view.amount is not None else f"{view.units} units"
        return (f"Entered {view.kind} {view.ref} for {self.investor.text().strip()}: {asked} in "
                f"{self.share_class.currentText()}, dealing date {view.dealing_date}, settlement "
                f"{view.settlement_date}; {view.status}, to be approved by a colleague (Open deals).")
