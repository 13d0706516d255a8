"""File → Data key for this workstation…: a colleague asks for the data key on this workstation (or, in a role
that may not read personal data, the audit seal key) and, once an administrator approved it (Admin → Keys), takes
it into this workstation's keyring (``services.key_enrolment``). The fingerprint shown here is what the
administrator types to approve.

What it offers follows the state and the role (``grant_for``): a workstation that holds only the audit seal key
says so, and a role that may read personal data can still ask for the data key; any other role needs nothing
more."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from fidus_desktop.services.key_enrolment import DATA_KEY, EnrolmentRequest, collected, grant_for
from fidus_desktop.services.keys import KeyStatus
from fidus_desktop.ui.common.buttons import button_bar, enable
from fidus_desktop.ui.common.screen_fit import fit_to_content
from fidus_desktop.ui.errors import describe_error
from fidus_desktop.ui.session import UiSession


class KeyAccessDialog(QDialog):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.setObjectName("keyAccessDialog")
        self.setWindowTitle("Data key for this workstation")
        self.status = QLabel("Checking…", objectName="keyAccessStatus", wordWrap=True)
        self.note = QLabel(objectName="keyAccessNote", wordWrap=True)
        self.message = QLabel(objectName="keyAccessMessage", wordWrap=True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar, self.buttons = button_bar([("request", "&Ask an administrator for the key", self.request),
                                        ("collect", "&Take the approved key", self.collect)])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.status, self.note, self.message):
            layout.addWidget(widget)
        layout.addLayout(bar)
        layout.addWidget(close)
        self.refresh()

    def refresh(self) -> None:
        self.session.runner.submit(self.session.services.keys.status, owner=self, key="status", on_done=self._show,
                                   on_error=self._failed)

    def _show(self, status: KeyStatus) -> None:
        self.status.setText(status.describe())
        data_key = grant_for(self.session.actor) == DATA_KEY
        self.buttons["request"].setText("&Ask an administrator for the data key" if data_key else
                                        "&Ask an administrator for the audit seal key")
        why_not = ("There is no office data key yet." if not status.initialised else
                   "The keyring of this workstation is unusable." if status.keyring_problem else
                   "This workstation holds the data key." if status.enrolled else
                   "Your role does not read personal data: the audit seal key this workstation holds is all it "
                   "needs." if status.seals_audit and not data_key else "")
        self.note.setText(self._note(status, data_key))
        for button in self.buttons.values():
            enable(button, why_not)

    @staticmethod
    def _note(status: KeyStatus, data_key: bool) -> str:
        if not status.initialised or status.enrolled or status.keyring_problem:
            return ""
        if status.seals_audit:
            return ("Its audit entries are sealed. To read investors' personal data here, ask for the data key."
                    if data_key else "Nothing more to ask for: your role does not read personal data.")
        what = "the data key" if data_key else "the audit seal key (your role does not read personal data)"
        return (f"Its audit entries are not sealed, so a check cannot tell them from forged ones. Ask for {what}; "
                "an administrator approves it under Admin → Keys.")

    def request(self) -> None:
        enrolments, actor = self.session.services.key_enrolments, self.session.actor

        def asked(request: EnrolmentRequest) -> None:
            self.message.setText(
                f"Request recorded for {request.workstation}. Read this fingerprint to the administrator who "
                f"approves it under Admin → Keys:\n\n{request.fingerprint}\n\nThen come back here and take the key.")

        self.session.runner.submit(lambda: enrolments.request(actor), owner=self, key="request", on_done=asked,
                                   on_error=self._failed)

    def collect(self) -> None:
        enrolments, actor = self.session.services.key_enrolments, self.session.actor

        def taken(key_ids: list[str]) -> None:
            self.message.setText(collected(actor, key_ids) if key_ids else
                                 "No approved request for this workstation yet: ask an administrator to approve it.")
            self.refresh()

        self.session.runner.submit(lambda: enrolments.collect(actor), owner=self, key="collect", on_done=taken,
                                   on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(f"✘ {describe_error(exc)}")
        fit_to_content(self)
