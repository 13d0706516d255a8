"""The investor dialog driven by clicks: opened from the investors table, audited Reveal, locked workstation,
the edit form's field errors (nothing saved) and saved changes, and ending the relationship (KYC retention)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.security.keyring_memory import InMemoryKeyring
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.keys import KeyService
from fidus_desktop.services.permissions import PermissionDenied
from fidus_desktop.services.personal_data import LOCKED_TEXT, Vault
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.portfolio.investor_dialog import InvestorDialog
from fidus_desktop.ui.portfolio.tab import PortfolioTab
from fidus_desktop.ui.session import UiSession
from tests.support.cost import CHEAP_KDF
from tests.support.forms import field_error, submit_form
from tests.support.keys_office import PASSPHRASE
from tests.support.portfolio_office import ADMIN, PM, Office

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
IBAN = "DE89370400440532013000"


@pytest.fixture
def keyed(office: Office) -> Office:
    """The office with a data key and Ann's IBAN and national id on file."""
    office.services.keys.kdf = CHEAP_KDF
    office.services.keys.init(ADMIN, PASSPHRASE)
    office.ann = office.p.investors.set_personal(ADMIN, office.ann.investor_id, office.ann.version,
                                                 {"iban": IBAN, "national_id": "X-1234 567"})
    return office


def session_of(office: Office, actor: Actor) -> UiSession:
    return UiSession(SimpleNamespace(services=office.services), actor, runner=InlineRunner())  # type: ignore[arg-type]


@pytest.fixture
def open_dialog(qtbot: QtBot, keyed: Office) -> Iterator:
    opened: list[InvestorDialog] = []

    def make(actor: Actor = ADMIN) -> InvestorDialog:
        dialog = InvestorDialog(session_of(keyed, actor), keyed.ann.investor_id)
        qtbot.addWidget(dialog)
        dialog.show()
        opened.append(dialog)
        return dialog

    yield make
    for dialog in opened:
        if dialog.editor is not None:
            dialog.editor.close()


def text(dialog: InvestorDialog, name: str) -> str:
    return dialog.findChild(QLabel, f"{name}_value").text()


def button(dialog: InvestorDialog, name: str) -> QPushButton:
    return dialog.findChild(QPushButton, name)


def click(qtbot: QtBot, widget: QPushButton | QCheckBox) -> None:
    assert widget.isVisible(), f"{widget.objectName()} is hidden"
    assert widget.isEnabled(), f"{widget.objectName()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def reads(office: Office) -> int:
    return office.services.ctx.store.collection("audit").count({"action": "personal_data.read"})


def test_double_clicking_an_investor_row_opens_the_dialog(qtbot: QtBot, keyed: Office) -> None:
    tab = PortfolioTab(session_of(keyed, PM))
    qtbot.addWidget(tab)
    tab.show()
    view = tab.investors_view
    index = view.model().index(0, 0)
    where = view.visualRect(index).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)  # the view double-clicks the pressed row
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    dialog = tab.investor_dialog
    assert dialog is not None
    assert dialog.tabs.tabText(0) == "Details"
    assert (text(dialog, "number"), text(dialog, "name"), text(dialog, "kind")) == ("INV-1", "Ann Smith", "Individual")
    # A portfolio manager sees that an IBAN is on file but may neither reveal nor edit it.
    assert text(dialog, "iban") == "••••"
    assert text(dialog, "tax_id") == "—"
    assert not button(dialog, "iban_reveal").isEnabled()
    assert not button(dialog, "edit").isEnabled()
    dialog.close()


def test_reveal_shows_the_value_and_writes_exactly_one_audit_entry(
    qtbot: QtBot, keyed: Office, open_dialog
) -> None:
    dialog = open_dialog()
    assert (text(dialog, "iban"), text(dialog, "national_id"), text(dialog, "date_of_birth")) == ("••••", "••••", "—")
    assert not button(dialog, "date_of_birth_reveal").isVisible()
    before = reads(keyed)
    click(qtbot, button(dialog, "iban_reveal"))
    assert text(dialog, "iban") == IBAN
    assert not button(dialog, "iban_reveal").isVisible()
    assert text(dialog, "national_id") == "••••"
    assert reads(keyed) == before + 1
    entry = keyed.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"], entry["after"]) == (
        "personal_data.read", keyed.ann.investor_id, {"field": "iban"})


def test_a_workstation_without_the_key_shows_locked_fields(qtbot: QtBot, keyed: Office, open_dialog) -> None:
    ctx = keyed.services.ctx
    keyed.p.investors.vault = Vault(ctx, KeyService(ctx, SecretStore(InMemoryKeyring())))
    dialog = open_dialog()
    assert text(dialog, "iban") == LOCKED_TEXT
    assert text(dialog, "national_id") == LOCKED_TEXT
    assert text(dialog, "tax_id") == "—"
    assert not button(dialog, "iban_reveal").isVisible()


def test_an_invalid_iban_shows_the_message_under_the_field_and_saves_nothing(
    qtbot: QtBot, keyed: Office, open_dialog
) -> None:
    dialog = open_dialog()
    click(qtbot, button(dialog, "edit"))
    editor = dialog.editor
    assert editor is not None
    seq = keyed.services.ctx.audit.last()["seq"]
    name = editor.findChild(QLineEdit, "name")
    name.clear()
    qtbot.keyClicks(name, "Ann Smith-Jones")
    qtbot.keyClicks(editor.findChild(QLineEdit, "iban"), "DE89 3704 0044 0532 0130 01")
    click(qtbot, editor.findChild(QPushButton, "ok"))
    error = editor.findChild(QLabel, "iban_error")
    assert error.isVisible()
    assert "fails its check digits" in error.text()
    assert editor.isVisible()
    assert keyed.services.ctx.audit.last()["seq"] == seq
    assert keyed.p.investors.get(ADMIN, keyed.ann.investor_id).name == "Ann Smith"


def test_an_edit_saves_new_values_and_removes_ticked_ones(qtbot: QtBot, keyed: Office, open_dialog) -> None:
    dialog = open_dialog()
    click(qtbot, button(dialog, "edit"))
    editor = dialog.editor
    qtbot.keyClicks(editor.findChild(QLineEdit, "tax_id"), "12/345/67890")
    qtbot.keyClicks(editor.findChild(QLineEdit, "date_of_birth"), "29/02/1980")
    click(qtbot, editor.findChild(QCheckBox, "national_id_clear"))
    click(qtbot, editor.findChild(QPushButton, "ok"))
    assert not editor.isVisible()
    assert (text(dialog, "tax_id"), text(dialog, "date_of_birth"), text(dialog, "national_id")) == (
        "••••", "••••", "—")
    assert dialog.message.text() == "Saved."
    assert keyed.p.investors.reveal(ADMIN, keyed.ann.investor_id, "tax_id") == "12/345/67890"


def test_ending_the_relationship_records_the_day_and_shows_when_the_record_may_be_erased(
    qtbot: QtBot, keyed: Office, open_dialog
) -> None:
    dialog = open_dialog()
    assert (text(dialog, "relationship_ended_on"), text(dialog, "erasable_from")) == (
        "ongoing", "kept while the relationship lasts")
    click(qtbot, button(dialog, "end_relationship"))
    form = dialog.editor
    assert "kept as identity evidence for 5 years" in form.findChild(QLabel, "retention_note").text()
    seq = keyed.services.ctx.audit.last()["seq"]
    future = (date.today() + timedelta(days=2)).isoformat()
    submit_form(qtbot, form, relationship_ended_on=future)
    assert "is in the future" in field_error(form, "relationship_ended_on")
    submit_form(qtbot, form, relationship_ended_on="31.31.2024")
    assert "YYYY-MM-DD" in field_error(form, "relationship_ended_on")
    assert form.isVisible()
    assert keyed.services.ctx.audit.last()["seq"] == seq

    submit_form(qtbot, form, relationship_ended_on="31/03/2024")  # as a British user types it
    assert not form.isVisible()
    assert (text(dialog, "relationship_ended_on"), text(dialog, "erasable_from")) == ("2024-03-31", "2029-03-31")
    assert keyed.p.investors.get(ADMIN, keyed.ann.investor_id).relationship_ended_on == date(2024, 3, 31)
    entry = keyed.services.ctx.audit.last()
    assert (entry["action"], entry["entity_id"], entry["actor"], entry["after"]) == (
        "investor.relationship_end", keyed.ann.investor_id, ADMIN.username,
        {"relationship_ended_on": date(2024, 3, 31)})
    # The date shown is the one erasure applies.
    report = keyed.services.personal_data.erase_person(ADMIN, keyed.ann.investor_id, now=keyed.services.ctx.clock())
    assert [(r.document_id, r.until) for r in report.retained if r.collection == "investors"] == [
        (keyed.ann.investor_id, date(2029, 3, 31))]


def test_without_investors_manage_there_is_no_end_action_and_the_service_refuses(
    qtbot: QtBot, keyed: Office, open_dialog
) -> None:
    dialog = open_dialog(PM)
    assert text(dialog, "relationship_ended_on") == "ongoing"
    assert button(dialog, "end_relationship").isHidden()
    current = keyed.p.investors.get(PM, keyed.ann.investor_id)
    with pytest.raises(PermissionDenied):
        keyed.p.investors.end_relationship(PM, current.investor_id, current.version, "2024-03-31")
    assert keyed.p.investors.get(PM, keyed.ann.investor_id).relationship_ended_on is None


def test_holdings_and_returns_are_the_statement_services(qtbot: QtBot, open_dialog, keyed: Office) -> None:
    """Opened with Enter from the table: per-class holdings with weight and gain, the investor's transactions
    and returns, the same figures ``statements.investor_overview`` gives."""
    dialog = open_dialog(PM)
    expected = keyed.services.statements.investor_overview(PM, keyed.ann.investor_id)
    position = dialog.position
    assert position.holdings.rowCount() == len(expected.statement.holdings) == 2
    columns = [c.title for c in position.holdings.columns]
    weight = position.holdings.index(0, columns.index("Weight")).data()
    first = expected.statement.holdings[0]
    assert weight == f"{first.statement_value / expected.statement.closing_value:.2%}".replace("%", " %")
    assert position.transactions.rowCount() == len(expected.statement.transactions)
    summary = position.summary.text()
    assert "time-weighted return" in summary
    assert "not annualised" in summary  # three days of history
    dialog.tabs.setCurrentIndex(1)
    assert dialog.tabs.tabText(1) == "Holdings"


def test_the_investor_window_says_whether_the_investor_may_invest(qtbot: QtBot, open_dialog, keyed: Office) -> None:
    assert text(open_dialog(), "readiness") == "Ready to invest"  # the office made Ann ready
    keyed.p.investors.create_investor(ADMIN, "INV-9", "Nina New", "individual")
    newcomer = keyed.p.investors.by_number("INV-9")
    assert newcomer is not None
    dialog = InvestorDialog(session_of(keyed, PM), newcomer.investor_id)
    qtbot.addWidget(dialog)
    shown = dialog.findChild(QLabel, "readiness_value").text()
    assert shown.startswith("Not ready to invest: ")
    assert "subscription agreement not signed" in shown


def test_the_nationalities_are_shown_and_edited_with_the_investor(qtbot: QtBot, keyed: Office, open_dialog) -> None:
    dialog = open_dialog()
    assert text(dialog, "nationalities") == "—"
    click(qtbot, button(dialog, "edit"))
    editor = dialog.editor
    assert editor is not None
    qtbot.keyClicks(editor.findChild(QLineEdit, "nationalities"), "eu")
    click(qtbot, editor.findChild(QPushButton, "ok"))
    assert "'EU' is not an ISO country code" in editor.findChild(QLabel, "nationalities_error").text()
    assert editor.isVisible()
    field = editor.findChild(QLineEdit, "nationalities")
    field.clear()
    qtbot.keyClicks(field, "ch, it")
    click(qtbot, editor.findChild(QPushButton, "ok"))
    assert not editor.isVisible()
    assert text(dialog, "nationalities") == "CH (Switzerland), IT (Italy)"
    assert keyed.p.investors.get(ADMIN, keyed.ann.investor_id).nationalities == ("CH", "IT")


def test_the_residence_is_shown_and_edited_with_the_investor(qtbot: QtBot, keyed: Office, open_dialog) -> None:
    dialog = open_dialog()
    assert text(dialog, "residence_country") == "—"
    click(qtbot, button(dialog, "edit"))
    editor = dialog.editor
    assert editor is not None
    assert editor.findChild(QLineEdit, "incorporation_country") is None  # an individual: no incorporation
    field = editor.findChild(QLineEdit, "residence_country")
    qtbot.keyClicks(field, "zz")
    click(qtbot, editor.findChild(QPushButton, "ok"))
    assert "'ZZ' is not an ISO country code" in editor.findChild(QLabel, "residence_country_error").text()
    field.clear()
    qtbot.keyClicks(field, "ch")
    click(qtbot, editor.findChild(QPushButton, "ok"))
    assert not editor.isVisible()
    assert text(dialog, "residence_country") == "CH (Switzerland)"
    assert keyed.p.investors.get(ADMIN, keyed.ann.investor_id).residence_country == "CH"
