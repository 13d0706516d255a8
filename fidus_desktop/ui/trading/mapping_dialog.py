"""Set up or change an MT5 account: which login, which server, and whose money it trades.

An account maps to a fund or to one managed investor account (an investor's holding in a share class),
never both; the capital source and initial allocation decide how its results are reported. Validation and
the audit entry are the accounts service's (``Mt5AccountService``); its field messages appear next to the
fields. The alert limits (margin level, drawdown, gross and one symbol's exposure) are typed here too; an
empty one turns that check off. The trading password goes to the OS keyring through the same service, never
into the database. An account may have its own MT5 installation (``terminal_path``): the poller then reads it
through that terminal instead of switching logins on the shared one (docs/MT5.md, "Several accounts").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QComboBox, QLabel, QLineEdit, QWidget

from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.changes import MT5_ACCOUNTS
from fidus_desktop.services.portfolio.funds import Fund, ShareClass
from fidus_desktop.services.trading.accounts import (
    TERMINAL_EXE,
    CapitalSource,
    Mt5Account,
    Mt5AccountInput,
    terminal_path_warning,
)
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DecimalEdit
from fidus_desktop.ui.session import UiSession

SERVER_TIMES = ("EET-NY", "EET-EU", "CET-EU", "GMT-EU", "UTC+0", "UTC+2", "UTC+3")  # or any fixed offset typed in
SOURCE_LABELS = {
    CapitalSource.CLIENT_MONEY: "Client money",
    CapitalSource.HOUSE_MONEY: "House money",
    CapitalSource.REINVESTED_PROFIT: "Reinvested profit",
}
NOT_MAPPED, TO_FUND, TO_INVESTOR = "not mapped", "a fund", "a managed investor account"
LIMIT_LABELS = {  # the alert limits (``AlertThresholds``); an empty field turns that check off
    "margin_level_below": ("Alert: margin level below (%)", "e.g. 200; empty: no margin alert"),
    "drawdown_above": ("Alert: drawdown above (%)", "from the equity peak, e.g. 15; empty: none"),
    "gross_exposure_above": ("Alert: gross exposure above", "in the account currency; empty: none"),
    "symbol_exposure_above": ("Alert: one symbol's exposure above", "in the account currency; empty: none"),
}


@dataclass(frozen=True)
class MappingChoices:
    """What the dialog offers, loaded in the worker before it opens."""

    funds: list[Fund]
    classes: list[ShareClass]
    account_investor: tuple[str, str] = ("", "")  # investor number and class code of a mapped account


class AccountMappingDialog(ServiceFormDialog):
    """New account (``account`` None) or a change to an existing one (login fixed, version checked)."""

    changes = frozenset({MT5_ACCOUNTS})

    def __init__(
        self, session: UiSession, choices: MappingChoices, account: Mt5Account | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title, ok = ("Change MT5 account", "Save") if account else ("Add MT5 account", "Add account")
        super().__init__(session, title, ok, parent)
        self.account = account
        self.choices = choices
        self.login = self.add_field("login", "MT5 login", QLineEdit(placeholderText="e.g. 5001001"))
        self.server = self.add_field("server", "Trade server", QLineEdit(placeholderText="e.g. Broker-Live"))
        self.name = self.add_field("name", "Account name", QLineEdit())
        self.currency = self.add_field("currency", "Account currency", QLineEdit(placeholderText="USD"))
        self.server_time = self.add_field("server_time", "Server time", QComboBox(editable=True))
        self.server_time.addItems(SERVER_TIMES)
        self.terminal_path = self.add_field("terminal_path", "Own terminal", QLineEdit(
            placeholderText=f"empty: the shared terminal; or C:/MT5/<login>/{TERMINAL_EXE}"))
        self.terminal_note = QLabel(objectName="terminal_path_note", wordWrap=True)
        self.terminal_note.setStyleSheet("color: #8a5a00;")
        self.terminal_note.hide()
        self.form.addRow("", self.terminal_note)
        self.terminal_path.textChanged.connect(self._note_terminal_path)
        self.capital_source = self.add_field("capital_source", "Capital source", QComboBox())
        for source, label in SOURCE_LABELS.items():
            self.capital_source.addItem(label, source.value)
        self.initial_allocation = self.add_field("initial_allocation", "Initial allocation", DecimalEdit(places=2))
        self.initial_allocation.set_value(Decimal(0))
        self.maps_to = self.add_field("maps_to", "Maps to", QComboBox())
        self.maps_to.addItems([TO_FUND, TO_INVESTOR, NOT_MAPPED])
        self.fund = self.add_field("fund_id", "Fund", QComboBox())
        for fund in choices.funds:
            self.fund.addItem(f"{fund.code} – {fund.name}", fund.fund_id)
        self.investor = self.add_field("investor_account_id", "Investor number", QLineEdit())
        self.share_class = self.add_field("share_class", "Share class", QComboBox())
        for share_class in choices.classes:
            self.share_class.addItem(f"{share_class.code} – {share_class.name}", share_class.code)
        self.password = self.add_field("password", "Trading password", QLineEdit(echoMode=QLineEdit.EchoMode.Password))
        self.password.setPlaceholderText("kept in the OS keyring" if not account else "leave empty to keep")
        self.limits = {name: self.add_field(f"alert_thresholds.{name}", label, DecimalEdit(optional=True))
                       for name, (label, _) in LIMIT_LABELS.items()}
        for name, edit in self.limits.items():
            edit.setPlaceholderText(LIMIT_LABELS[name][1])
        self.maps_to.currentTextChanged.connect(self._show_target)
        if account is not None:
            self._fill(account)
        self._show_target()

    def _fill(self, account: Mt5Account) -> None:
        self.login.setText(str(account.login))
        self.login.setReadOnly(True)
        self.server.setText(account.server)
        self.name.setText(account.name)
        self.currency.setText(account.currency)
        self.server_time.setCurrentText(account.server_time)
        self.terminal_path.setText(account.terminal_path)
        self.capital_source.setCurrentIndex(self.capital_source.findData(account.capital_source.value))
        self.initial_allocation.set_value(account.initial_allocation.amount)
        for name, edit in self.limits.items():
            edit.set_value(getattr(account.thresholds, name))
        if account.fund_id:
            self.fund.setCurrentIndex(self.fund.findData(account.fund_id))
        elif account.investor_account_id:
            self.maps_to.setCurrentText(TO_INVESTOR)
            number, class_code = self.choices.account_investor
            self.investor.setText(number)
            self.share_class.setCurrentIndex(self.share_class.findData(class_code))
        else:
            self.maps_to.setCurrentText(NOT_MAPPED)

    def _note_terminal_path(self, text: str) -> None:
        """Off Windows a path cannot be checked: it is accepted, and the person is told so while typing."""
        warning = terminal_path_warning(text.strip())
        self.terminal_note.setText(warning)
        self.terminal_note.setVisible(bool(warning))

    def _show_target(self) -> None:
        target = self.maps_to.currentText()
        for widget, visible in ((self.fund, target == TO_FUND), (self.investor, target == TO_INVESTOR),
                                (self.share_class, target == TO_INVESTOR)):
            widget.setVisible(visible)
            self.form.labelForField(widget).setVisible(visible)

    def local_problems(self) -> dict[str, str]:
        problems = {}
        if not self.login.text().strip().isdigit():
            problems["login"] = "Type the MT5 login: a whole number such as 5001001."
        if self.maps_to.currentText() == TO_FUND and self.fund.currentData() is None:
            problems["fund_id"] = "There is no fund to map to yet; create the fund first or choose 'not mapped'."
        if self.maps_to.currentText() == TO_INVESTOR and not self.investor.text().strip():
            problems["investor_account_id"] = "Type the investor's number, e.g. INV-0001."
        return problems

    def call(self) -> Mt5Account:
        """Runs in the worker: resolve the investor account, then create or update through the service."""
        services = self.session.services
        actor = self.session.actor
        data = Mt5AccountInput(
            login=int(self.login.text().strip()), server=self.server.text(), name=self.name.text(),
            currency=self.currency.text().strip().upper(), server_time=self.server_time.currentText(),
            capital_source=self.capital_source.currentData(), initial_allocation=self.initial_allocation.plain(),
            fund_id=self.fund.currentData() if self.maps_to.currentText() == TO_FUND else None,
            investor_account_id=self._investor_account() if self.maps_to.currentText() == TO_INVESTOR else None,
            alert_thresholds={name: edit.plain() for name, edit in self.limits.items()},
            terminal_path=self.terminal_path.text(),
            manager_user_id=self.account.manager_user_id if self.account else None,
            active=self.account.active if self.account else True,
        )
        password = self.password.text() or None
        accounts = services.trading.accounts
        if self.account is None:
            return accounts.create(actor, data, password)
        updated = accounts.update(actor, data, expected_version=self.account.version)
        if password:
            accounts.set_password(actor, data.login, password)
        return updated

    def _investor_account(self) -> str:
        portfolio = self.session.services.portfolio
        number, class_code = self.investor.text().strip(), self.share_class.currentData() or ""
        investor = portfolio.investors.by_number(number)
        if investor is None:
            raise ValidationError({"investor_account_id": f"No investor numbered {number}; check the number."})
        share_class = portfolio.funds.class_by_code(class_code)
        account = portfolio.investors.account(investor.investor_id, share_class.class_id) if share_class else None
        if account is None:
            raise ValidationError({"share_class": f"{investor.name} ({number}) holds no account in share class "
                                                  f"{class_code or '(none chosen)'}; choose the class they hold."})
        return account.account_id

