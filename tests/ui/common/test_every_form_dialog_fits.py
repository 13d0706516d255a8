"""Every service form dialog of the application grows to show a long error in full, under its first and last
fields and above the buttons, on a 1366×768 laptop (Portfolio, Trading, CRM, Compliance, Signing and Admin).

The dialogs are opened over the demo office, so each gets the real records it is opened with (a KYC case, an
investigation, an investor's readiness …). ``test_every_form_dialog_is_covered`` fails when a new dialog is
added without a way to open it here."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

import fidus_desktop.ui
from fidus_desktop.bootstrap import open_context
from fidus_desktop.config.paths import AppPaths
from fidus_desktop.config.secrets import SecretStore
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.checklists import ChecklistVersion
from fidus_desktop.services.compliance.risk_models import SHIPPED
from fidus_desktop.services.restore_approval import RestoreGate
from fidus_desktop.ui.admin.backup_view import BackupSettingsDialog
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.admin.keys_view import PassphraseDialog
from fidus_desktop.ui.admin.restore_over import RequestRestoreDialog, RestoreOverDialog
from fidus_desktop.ui.admin.user_dialogs import ChangeRoleDialog, ConfirmDialog, CreateUserDialog, ResetPasswordDialog
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.backup_scheduler import BackupScheduler
from fidus_desktop.ui.common import screen_fit
from fidus_desktop.ui.compliance import investigation_dialogs as inv
from fidus_desktop.ui.compliance import kyc_dialogs as kyc
from fidus_desktop.ui.compliance import readiness_panel as ready
from fidus_desktop.ui.compliance.checklists_view import EditChecklistDialog
from fidus_desktop.ui.compliance.country_list_dialog import CountryListDialog
from fidus_desktop.ui.compliance.risk_model_view import ImportModelDialog
from fidus_desktop.ui.crm.activities import LogActivityDialog
from fidus_desktop.ui.crm.commissions_view import NewAgentDialog
from fidus_desktop.ui.crm.dialogs import NewProspectDialog
from fidus_desktop.ui.crm.google_dialogs import EmailDialog, MeetingDialog
from fidus_desktop.ui.portfolio.dealing_dialog import DealingDialog
from fidus_desktop.ui.portfolio.fee_dialog import FeePaymentDialog
from fidus_desktop.ui.portfolio.holdings_dialogs import InstrumentDialog, PriceDialog, TradeDialog
from fidus_desktop.ui.portfolio.investor_dialog import EndRelationshipDialog, InvestorEditDialog
from fidus_desktop.ui.portfolio.nav_dialog import NavDialog
from fidus_desktop.ui.portfolio.setup_dialogs import FundDialog, NewInvestorDialog, ProductTermsDialog, ShareClassDialog
from fidus_desktop.ui.portfolio.statements_dialog import StatementsDialog
from fidus_desktop.ui.session import UiSession
from fidus_desktop.ui.signing import certificate_panel as cert
from fidus_desktop.ui.signing import dialogs as signing
from fidus_desktop.ui.trading.mapping_dialog import AccountMappingDialog, MappingChoices
from tests.support.demo import DEMO_KEYRING, demo_admin
from tests.support.forms import click

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
LONG = ("This value cannot be accepted as it stands, because the office's rules require it to be complete and "
        "consistent with what is already on file; correct it as the message explains, or ask the compliance "
        "officer, who can see the whole record, to do it for you before you try again.")
DAY = date(2026, 4, 30)
LAPTOP = QRect(0, 0, 1366, 728)  # 1366×768 less a 40 px task bar
Open = Callable[[UiSession], ServiceFormDialog]


def _first(items: list[Any], test: Callable[[Any], bool] = lambda _: True) -> Any:
    return next(item for item in items if test(item))


def _readiness(s: UiSession) -> Any:
    return _first(s.services.readiness.of_investors(s.actor))


def _file(s: UiSession, corporate: bool = False) -> Any:
    found = _first(s.services.readiness.of_investors(s.actor),
                   lambda r: (r.investor.kind == "corporate") == corporate)
    return s.services.kyc_files.file(s.actor, found.investor.investor_id)


def _case(s: UiSession) -> Any:
    officer = _first(s.services.users.list(s.actor), lambda u: u.role == "compliance_officer").actor()
    return _first(s.services.investigations.list_cases(officer, open_only=False))


def _prospect(s: UiSession) -> Any:
    return _first(s.services.prospects.list(s.actor))


def _classes(s: UiSession) -> list[Any]:
    return s.services.portfolio.funds.all_classes()


def _user(s: UiSession) -> Any:
    return _first(s.services.users.list(s.actor), lambda u: u.username != s.actor.username)


def _noop(*_: object) -> None:
    return None


OPENERS: dict[type[ServiceFormDialog], Open] = {
    # Admin
    CreateUserDialog: lambda s: CreateUserDialog(s),
    ResetPasswordDialog: lambda s: ResetPasswordDialog(s, _user(s)),
    ChangeRoleDialog: lambda s: ChangeRoleDialog(s, _user(s)),
    ConfirmDialog: lambda s: ConfirmDialog(s, "Disable user", "Disable bob.pm?", "Disable", _noop),
    BackupSettingsDialog: lambda s: BackupSettingsDialog(s, s.backups),
    RequestRestoreDialog: lambda s: RequestRestoreDialog(s, s.backups, Path.home() / "fidus-2026-04-30.fidusbak"),
    RestoreOverDialog: lambda s: RestoreOverDialog(s, s.backups, Path.home() / "fidus-2026-04-30.fidusbak",
                                                   RestoreGate(None, True, "")),
    PassphraseDialog: lambda s: PassphraseDialog(s, "Backup passphrase", "Save", _noop, confirm=True,
                                                 note="Keep it in the office safe."),
    # Portfolio
    FundDialog: lambda s: FundDialog(s),
    ShareClassDialog: lambda s: ShareClassDialog(s, s.services.portfolio.funds.list_funds(s.actor), None, DAY),
    NewInvestorDialog: lambda s: NewInvestorDialog(s),
    ProductTermsDialog: lambda s: ProductTermsDialog(s, s.services.portfolio.products.list_products(s.actor)),
    NavDialog: lambda s: NavDialog(s, _classes(s), None, DAY),
    InstrumentDialog: lambda s: InstrumentDialog(s),
    PriceDialog: lambda s: PriceDialog(s, s.services.portfolio.holdings.list_instruments(s.actor), DAY),
    TradeDialog: lambda s: TradeDialog(s, s.services.portfolio.funds.list_funds(s.actor)[0],
                                       s.services.portfolio.holdings.list_instruments(s.actor), DAY),
    FeePaymentDialog: lambda s: FeePaymentDialog(s, _classes(s), None, DAY),
    DealingDialog: lambda s: DealingDialog(s, _classes(s), None, DAY),
    StatementsDialog: lambda s: StatementsDialog(s, "2026-Q1", Path.home()),
    InvestorEditDialog: lambda s: InvestorEditDialog(
        s, s.services.portfolio.investors.details(s.actor, _readiness(s).investor.investor_id)),
    EndRelationshipDialog: lambda s: EndRelationshipDialog(s, _readiness(s).investor, 5),
    # Trading
    AccountMappingDialog: lambda s: AccountMappingDialog(
        s, MappingChoices(s.services.portfolio.funds.list_funds(s.actor), _classes(s))),
    # CRM
    NewProspectDialog: lambda s: NewProspectDialog(s, [c.stage for c in s.services.prospects.board(s.actor)]),
    LogActivityDialog: lambda s: LogActivityDialog(s, _prospect(s).prospect_id),
    NewAgentDialog: lambda s: NewAgentDialog(s),
    EmailDialog: lambda s: EmailDialog(s, _prospect(s)),
    MeetingDialog: lambda s: MeetingDialog(s, _prospect(s)),
    # Compliance
    kyc.RecordDocumentDialog: lambda s: kyc.RecordDocumentDialog(s, (f := _file(s)).case, f.documents, None),
    kyc.ReasonDialog: lambda s: kyc.ReasonDialog(s, "Reject the KYC file", "&Reject", _noop),
    kyc.RiskBandDialog: lambda s: kyc.RiskBandDialog(s, _file(s).case),
    kyc.OwnershipDialog: lambda s: kyc.OwnershipDialog(s, _file(s, corporate=True).ownership),
    ImportModelDialog: lambda s: ImportModelDialog(s),
    inv.OpenInvestigationDialog: lambda s: inv.OpenInvestigationDialog(s),
    inv.TextDialog: lambda s: inv.TextDialog(s, "Add a note", "&Add", "text", "Note", "What was found.", _noop),
    inv.LinkDialog: lambda s: inv.LinkDialog(s, _case(s)),
    inv.ProposeCloseDialog: lambda s: inv.ProposeCloseDialog(s, _case(s)),
    ready.AgreementDialog: lambda s: ready.AgreementDialog(s, _readiness(s), ()),
    ready.OverrideDialog: lambda s: ready.OverrideDialog(s, _readiness(s)),
    ready.RevokeDialog: lambda s: ready.RevokeDialog(s, _readiness(s)),
    EditChecklistDialog: lambda s: EditChecklistDialog(s, "individual", "Individual",
                                                       ChecklistVersion.shipped("individual")),
    CountryListDialog: lambda s: CountryListDialog(s, s.services.risk_models.version(s.actor, SHIPPED)),
    # Signing
    cert.CreateCertificateDialog: lambda s: cert.CreateCertificateDialog(s),
    cert.ImportCertificateDialog: lambda s: cert.ImportCertificateDialog(s),
    cert.TrustCaDialog: lambda s: cert.TrustCaDialog(s),
    signing.TemplateEnvelopeDialog: lambda s: signing.TemplateEnvelopeDialog(s),
    signing.PdfEnvelopeDialog: lambda s: signing.PdfEnvelopeDialog(s),
    signing.ReasonDialog: lambda s: signing.ReasonDialog(s, "Void the envelope", "&Void", _noop),
}


def every_form_dialog() -> set[type[ServiceFormDialog]]:
    for module in pkgutil.walk_packages(fidus_desktop.ui.__path__, "fidus_desktop.ui."):
        importlib.import_module(module.name)
    found, todo = set(), [ServiceFormDialog]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return {cls for cls in found if cls.__module__.startswith("fidus_desktop.")}


@pytest.fixture
def session(demo_db: Path, tmp_path: Path) -> Iterator[UiSession]:
    """The demo office's administrator, on a workstation enrolled with the demo's data key."""
    secrets = SecretStore(DEMO_KEYRING)
    ctx = open_context(f"sqlite:///{demo_db.as_posix()}", secrets=secrets, log_to_file=False,
                       paths=AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "logs"))
    session = UiSession(ctx, demo_admin(ctx.store), runner=InlineRunner())  # type: ignore[arg-type]
    session.backups = BackupScheduler(ctx, session.runner, session.actor)
    yield session
    ctx.close()


def fully_visible(dialog: QWidget, widget: QWidget) -> bool:
    """Inside the dialog and at least as tall as its text needs at its width."""
    inside = QRect(widget.mapTo(dialog, widget.rect().topLeft()), widget.size())
    needed = widget.heightForWidth(widget.width()) if widget.hasHeightForWidth() else widget.sizeHint().height()
    return dialog.rect().contains(inside) and widget.height() >= needed


def test_every_form_dialog_is_covered() -> None:
    assert every_form_dialog() == set(OPENERS)


@pytest.mark.parametrize("kind", sorted(OPENERS, key=lambda cls: f"{cls.__module__}.{cls.__name__}"),
                         ids=lambda cls: cls.__name__)
def test_a_long_error_is_read_in_full(qtbot: QtBot, session: UiSession, kind: type[ServiceFormDialog],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _: LAPTOP)
    dialog = OPENERS[kind](session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    shown = [name for name, widget in dialog.fields.items() if widget.isVisibleTo(dialog)]
    fields = sorted({shown[0], shown[-1]}) if shown else []  # a message at the top and one at the bottom of the form

    def refuse() -> None:
        raise ValidationError({"": LONG, **{name: LONG for name in fields}})

    # The service refuses (whatever was typed): only what the dialog does with the refusal is under test.
    monkeypatch.setattr(dialog, "field_problems", dict)
    monkeypatch.setattr(dialog, "local_problems", dict)
    monkeypatch.setattr(dialog, "call", refuse)
    dialog.ok_button.setEnabled(True)
    click(qtbot, dialog.ok_button)
    assert dialog.isVisible()
    labels = [dialog.general_error, *(dialog.errors[name] for name in fields)]
    for label in labels:
        assert label.isVisibleTo(dialog), label.objectName()
        assert label.text() == LONG
        assert fully_visible(dialog, label), label.objectName()
    assert fully_visible(dialog, dialog.ok_button)
    clipped = [w.objectName() or w.text()[:30] for w in dialog.findChildren(QLabel)
               if w.isVisibleTo(dialog) and w.text() and not fully_visible(dialog, w)]
    assert not clipped


def reachable(dialog: QWidget, widget: QWidget) -> bool:
    """Read in full where it is: in the dialog, or in the form's scroll area once scrolled to."""
    scroll = getattr(dialog, "scroll", None)
    if scroll is None or not scroll.widget().isAncestorOf(widget):
        return fully_visible(dialog, widget)
    scroll.ensureWidgetVisible(widget, 0, 0)
    viewport = scroll.viewport()
    top_left = widget.mapTo(viewport, widget.rect().topLeft())
    inside = QRect(top_left, widget.size()).intersected(viewport.rect())
    needed = widget.heightForWidth(widget.width())
    shown_whole = inside.height() >= min(widget.height(), viewport.height()) and inside.width() == widget.width()
    return shown_whole and widget.height() >= needed and dialog.rect().contains(
        QRect(scroll.mapTo(dialog, scroll.rect().topLeft()), scroll.size()))


@pytest.mark.parametrize("kind", sorted(OPENERS, key=lambda cls: f"{cls.__module__}.{cls.__name__}"),
                         ids=lambda cls: cls.__name__)
def test_every_field_refused_at_once_can_be_read(qtbot: QtBot, session: UiSession, kind: type[ServiceFormDialog],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every field refused at once: a long form outgrows a 1366×768 laptop and scrolls, each message reachable."""
    monkeypatch.setattr(screen_fit, "available_geometry", lambda _: LAPTOP)
    dialog = OPENERS[kind](session)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    fields = [name for name, widget in dialog.fields.items() if widget.isVisibleTo(dialog)]

    def refuse() -> None:
        raise ValidationError({"": LONG, **{name: LONG for name in fields}})

    monkeypatch.setattr(dialog, "field_problems", dict)
    monkeypatch.setattr(dialog, "local_problems", dict)
    monkeypatch.setattr(dialog, "call", refuse)
    dialog.ok_button.setEnabled(True)
    click(qtbot, dialog.ok_button)
    assert dialog.frameGeometry().height() <= LAPTOP.height()
    assert fully_visible(dialog, dialog.ok_button)
    assert fully_visible(dialog, dialog.general_error)
    unreadable = [name for name in fields if not reachable(dialog, dialog.errors[name])]
    assert not unreadable
