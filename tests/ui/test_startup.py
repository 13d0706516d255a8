"""Start-up driven end to end like a user: empty database → wizard, otherwise sign-in, then owed steps, window."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QMessageBox, QWizard
from pytestqt.qtbot import QtBot

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.services.actor import Actor
from fidus_desktop.ui.background import InlineRunner
from fidus_desktop.ui.first_run import FirstRunWizard
from fidus_desktop.ui.login import LoginDialog
from fidus_desktop.ui.main_window import MainWindow
from fidus_desktop.ui.mfa_dialogs import TotpEnrolmentDialog
from fidus_desktop.ui.password_change import ChangePasswordDialog
from fidus_desktop.ui.startup import Startup, StartupOptions
from tests.support.users import ADMIN_PASSWORD

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def no_file_logging_left_behind() -> Iterator[None]:
    """Start-up configures the log file in the test's FIDUS_HOME; later tests must not write there."""
    logger = logging.getLogger("fidus_desktop")
    before = list(logger.handlers)
    yield
    for handler in [h for h in logger.handlers if h not in before]:
        logger.removeHandler(handler)
        handler.close()


class Run:
    """A start-up on an InlineRunner, recording what it finished with."""

    def __init__(self, qtbot: QtBot, db_uri: str, **options: object) -> None:
        self.qtbot = qtbot
        self.startup = Startup(StartupOptions(db_uri, **options), InlineRunner())  # type: ignore[arg-type]
        self.done: list[tuple[MainWindow | None, int]] = []
        self.startup.finished.connect(lambda window, code: self.done.append((window, code)))
        self.startup.start()

    def window(self) -> MainWindow:
        (window, code), = self.done
        assert code == 0
        assert window is not None
        self.qtbot.addWidget(window)
        return window


def sqlite_uri(tmp_path: Path) -> str:
    return f"sqlite:///{(tmp_path / 'office.db').as_posix()}"


def fill_first_admin(qtbot: QtBot, wizard: FirstRunWizard, username: str) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)
    qtbot.keyClicks(wizard.admin.username, username)
    qtbot.keyClicks(wizard.admin.display_name, "Alice Martin")
    qtbot.keyClicks(wizard.admin.password, ADMIN_PASSWORD)
    qtbot.keyClicks(wizard.admin.confirm, ADMIN_PASSWORD)


def test_first_run_creates_the_admin_then_mfa_enrolment_then_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    run = Run(qtbot, sqlite_uri(tmp_path))
    wizard = run.startup.dialog
    assert isinstance(wizard, FirstRunWizard)
    fill_first_admin(qtbot, wizard, "alice")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)

    enrol = run.startup.dialog  # administrators must use two-step sign-in before working
    assert isinstance(enrol, TotpEnrolmentDialog)
    assert enrol.enrolment is not None
    assert run.done == []
    qtbot.keyClicks(enrol.code, pyotp.TOTP(enrol.enrolment.secret).now())
    qtbot.keyClicks(enrol.password, ADMIN_PASSWORD)
    qtbot.mouseClick(enrol.confirm, LEFT)
    codes = enrol.codes_dialog
    assert codes is not None
    qtbot.mouseClick(codes.stored, LEFT)
    qtbot.mouseClick(codes.ok, LEFT)

    window = run.window()
    assert window.session.actor.username == "alice"
    assert "admin" in window.tab_names
    assert window.status_panel.user.text() == "alice · Admin"


def test_a_username_the_service_refuses_reopens_the_wizard_with_the_reason(qtbot: QtBot, tmp_path: Path) -> None:
    run = Run(qtbot, sqlite_uri(tmp_path))
    wizard = run.startup.dialog
    assert isinstance(wizard, FirstRunWizard)
    fill_first_admin(qtbot, wizard, "alice martin")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    assert run.done == []
    assert wizard.isVisible()
    assert wizard.currentPage() is wizard.admin
    assert "Use letters, digits" in wizard.admin.refused.text()
    assert wizard.admin.password.text() == ADMIN_PASSWORD  # nothing typed is lost
    qtbot.keyClick(wizard.admin.username, Qt.Key.Key_Backspace)
    assert wizard.admin.refused.text() == ""


def test_sign_in_with_a_reset_password_forces_a_change_and_hides_admin(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    users = app_context.services.users
    maria = users.create_user(admin, "maria", ADMIN_PASSWORD + "!", "portfolio_manager")
    users.reset_password(admin, maria.user_id, "temporary pass phrase 77")
    run = Run(qtbot, app_context.db_uri, tab="admin")
    login = run.startup.dialog
    assert isinstance(login, LoginDialog)
    qtbot.keyClicks(login.username, "maria")
    qtbot.keyClicks(login.password, "temporary pass phrase 77")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)

    change = run.startup.dialog
    assert isinstance(change, ChangePasswordDialog)
    qtbot.keyClicks(change.current, "temporary pass phrase 77")
    qtbot.keyClicks(change.fields.password, "maria is a long passphrase")
    assert not change.ok.isEnabled()
    assert "username" in change.fields.feedback.text()
    change.fields.password.clear()
    qtbot.keyClicks(change.fields.password, "a passphrase of her own 9")
    qtbot.keyClicks(change.fields.confirm, "a passphrase of her own 9")
    qtbot.mouseClick(change.ok, LEFT)

    window = run.window()
    assert window.session.actor.username == "maria"
    assert "admin" not in window.tab_names
    assert window.status_panel.currentMessage() == "The admin tab is not shown to the role Portfolio manager."
    assert users.authenticate("maria", "a passphrase of her own 9").must_change_password is False


def test_sign_in_asks_for_the_second_factor_and_accepts_a_recovery_code(
    qtbot: QtBot, app_context: AppContext, admin: Actor
) -> None:
    users = app_context.services.users
    enrolment = users.begin_totp_enrolment(admin)
    recovery = users.confirm_totp_enrolment(admin, enrolment.secret, pyotp.TOTP(enrolment.secret).now(), ADMIN_PASSWORD)
    dialog = LoginDialog(users, InlineRunner(), "test database")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.password, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.user is None
    assert dialog.code.isVisible()
    assert not dialog.password.isEnabled()
    qtbot.keyClicks(dialog.code, "000000")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    assert "not right" in dialog.error.text()
    assert dialog.code.text() == ""
    qtbot.keyClicks(dialog.code, recovery[0])
    with qtbot.waitSignal(dialog.accepted):
        qtbot.keyClick(dialog.code, Qt.Key.Key_Return)
    assert dialog.user is not None
    assert dialog.user.username == "admin"


def test_a_bad_database_uri_ends_with_exit_code_2_and_says_why(qtbot: QtBot, capsys: pytest.CaptureFixture) -> None:
    run = Run(qtbot, "postgres://nowhere/office")
    qtbot.waitUntil(lambda: bool(run.done))
    assert run.done == [(None, 2)]
    assert "postgres://nowhere/office" in capsys.readouterr().err


@pytest.mark.slow
def test_first_run_demo_choice_signs_in_as_the_demo_admin(qtbot: QtBot, tmp_path: Path) -> None:
    run = Run(qtbot, sqlite_uri(tmp_path))
    wizard = run.startup.dialog
    assert isinstance(wizard, FirstRunWizard)
    qtbot.mouseClick(wizard.choice.demo, LEFT)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), LEFT)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    window = run.window()
    assert window.session.actor.username == "demo.admin"
    assert "admin" in window.tab_names
    assert window.findChild(QMessageBox) is None  # no enrolment or error on the way


def test_a_missing_database_is_created_only_when_the_wizard_finishes(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "mistyped" / "office.db"
    uri = f"sqlite:///{path.as_posix()}"
    run = Run(qtbot, uri)
    wizard = run.startup.dialog
    assert isinstance(wizard, FirstRunWizard)
    label = wizard.findChild(QLabel, "createsDatabase")
    assert label is not None
    assert str(path) in label.text()
    assert not path.exists()
    assert not path.parent.exists()  # nor its folder
    wizard.reject()  # Cancel: nothing is created
    assert run.done == [(None, 0)]
    assert not path.parent.exists()

    run = Run(qtbot, uri)
    wizard = run.startup.dialog
    assert isinstance(wizard, FirstRunWizard)
    fill_first_admin(qtbot, wizard, "alice")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton), LEFT)
    assert path.exists()
    assert isinstance(run.startup.dialog, TotpEnrolmentDialog)  # the administrator exists: next, MFA


def test_the_starting_window_is_painted_before_the_heavy_imports(qtbot) -> None:
    """``fidus-desktop`` paints this window before importing the features (seconds on an office PC):
    reaching it must not import them (benchmarks/bench_startup.py measures the launch)."""
    import subprocess
    import sys

    from PySide6.QtWidgets import QApplication

    from fidus_desktop.ui.splash import show_starting

    probe = ("import sys; import fidus_desktop.ui.splash; "
             "print(sorted(m for m in ('pandas', 'pyhanko', 'fidus_desktop.features', 'fidus_desktop.bootstrap') "
             "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    progress = show_starting(QApplication.instance())
    qtbot.addWidget(progress)
    assert progress.isVisible()
    assert progress.labelText() == "Starting FIDUS Desktop…"
