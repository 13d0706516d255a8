"""Lock the screen after a quiet spell: every window is covered and the password (and code) asked again.

``install_idle_lock(main_window, session)`` watches keyboard and mouse input application-wide. After
``security.idle_lock_minutes`` without any, each visible window gets an opaque curtain and an
application-modal ``LockDialog`` asks for the signed-in user's password. Nothing is closed or hidden, so
half-typed input in open dialogs is still there after unlocking. Wrong passwords and codes count towards the
account lockout like any sign-in; "Sign out" emits ``sign_out_requested``: the start-up flow then ends the
session (audited), closes the main window and shows the sign-in dialog, where another user may sign in.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.services.users import AuthenticationFailed, SecondFactorRequired, SignInExpired, User
from fidus_desktop.ui.common.screen_fit import fit_to_content
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession

DEFAULT_MINUTES = 10
ACTIVITY = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
    }
)


class Curtain(QWidget):
    """An opaque child covering its window's contents (the window and its widgets stay as they were)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("idleCurtain")
        self.setAutoFillBackground(True)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class LockDialog(QDialog):
    """Asks the signed-in user to prove it is still them; cannot be dismissed except by unlocking."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._challenge: object | None = None
        self.setObjectName("lockDialog")
        self.setWindowTitle("FIDUS Desktop is locked")
        self.prompt = QLabel(f"Locked after a quiet spell. Enter the password of {session.actor.username} to continue.")
        self.prompt.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.code = QLineEdit()
        self.code.setObjectName("code")
        self.code.setPlaceholderText("6-digit code or recovery code")
        self.code.hide()
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020;")
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setObjectName("unlock")
        sign_out = buttons.addButton("Sign out", QDialogButtonBox.ButtonRole.DestructiveRole)
        sign_out.setObjectName("signOut")
        self.unlock_button.clicked.connect(self.submit)
        sign_out.clicked.connect(self.sign_out_requested)
        layout = QVBoxLayout(self)
        for widget in (self.prompt, self.password, self.code, self.error, buttons):
            layout.addWidget(widget)

    def reject(self) -> None:
        """Escape does not unlock."""

    def submit(self) -> None:
        users = self.session.services.users
        self.unlock_button.setEnabled(False)
        if self._challenge is None:
            username, password = self.session.actor.username, self.password.text()
            self.session.runner.submit(
                lambda: users.authenticate(username, password), owner=self, on_done=self._signed_in,
                on_error=self._failed,
            )
        else:
            challenge, code = self._challenge, self.code.text()
            self.session.runner.submit(
                lambda: users.complete_mfa(challenge, code), owner=self, on_done=self._signed_in,
                on_error=self._failed,
            )

    def _signed_in(self, user: User) -> None:
        self.unlock_button.setEnabled(True)
        if user.user_id != self.session.actor.user_id:
            self._failed(AuthenticationFailed("Only the signed-in user can unlock; sign out to switch users."))
            return
        self.password.clear()
        self.code.clear()
        self.error.clear()
        self._challenge = None
        self.code.hide()
        self.unlocked.emit()
        self.done(QDialog.DialogCode.Accepted)

    def _failed(self, exc: BaseException) -> None:
        self.unlock_button.setEnabled(True)
        if isinstance(exc, SecondFactorRequired):
            self._challenge = exc.challenge
            self.password.setEnabled(False)
            self.code.show()
            self.code.setFocus()
        elif isinstance(exc, SignInExpired):
            self._challenge = None  # back to the password
            self.password.setEnabled(True)
            self.password.clear()
            self.code.hide()
        self.code.clear()
        if self._challenge is None:
            self.password.clear()
        self.error.setText(describe_error(exc))
        fit_to_content(self)


class IdleLock(QObject):
    """The application-wide idle watcher; lives as long as the main window."""

    locked = Signal()
    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, main_window: QWidget, session: UiSession, minutes: float) -> None:
        super().__init__(main_window)
        self.main_window = main_window
        self.session = session
        self.curtains: list[Curtain] = []
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, round(minutes * 60_000)))
        self.timer.timeout.connect(self.lock)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.dialog is None and event.type() in ACTIVITY:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.dialog is not None:
            return
        self.curtains = [
            Curtain(w) for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, LockDialog)
        ]
        self.dialog = LockDialog(self.session, self.main_window)
        self.dialog.setModal(True)
        self.dialog.unlocked.connect(self._unlock)
        self.dialog.sign_out_requested.connect(self.sign_out_requested)
        self.dialog.show()
        self.locked.emit()

    def _unlock(self) -> None:
        self._take_down()
        self.timer.start()
        self.unlocked.emit()

    def _take_down(self) -> None:
        for curtain in self.curtains:
            curtain.parentWidget().removeEventFilter(curtain)
            curtain.deleteLater()
        self.curtains = []
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
        self.dialog = None

    def stop(self) -> None:
        """Stop watching and take a lock down (sign-out, shutdown): whoever calls this ends the session."""
        self.timer.stop()
        QApplication.instance().removeEventFilter(self)
        self._take_down()


def install_idle_lock(main_window: QWidget, session: UiSession, minutes: float | None = None) -> IdleLock:
    """Start the idle lock for ``main_window``; ``minutes`` defaults to ``security.idle_lock_minutes``."""
    if minutes is None:
        minutes = session.context.settings.get("security.idle_lock_minutes", DEFAULT_MINUTES)
    if not isinstance(minutes, int | float) or minutes <= 0:
        raise ValueError(
            f"security.idle_lock_minutes in the settings file must be a positive number of minutes, not {minutes!r}."
        )
    return IdleLock(main_window, session, minutes)
