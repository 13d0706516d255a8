"""The first-run wizard on an empty database: create the first administrator, or load the demo office."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from fidus_desktop.security.passwords import check_password_policy

CHOICE_PAGE, ADMIN_PAGE, DEMO_PAGE = 0, 1, 2


class ChoicePage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to FIDUS Desktop")
        self.setSubTitle("This database is empty. How do you want to start?")
        self.create = QRadioButton("Create the first administrator", objectName="createAdmin", checked=True)
        self.demo = QRadioButton("Load demo data (a fictitious fund office to explore)", objectName="loadDemo")
        layout = QVBoxLayout(self)
        layout.addWidget(self.create)
        layout.addWidget(self.demo)

    def nextId(self) -> int:
        return ADMIN_PAGE if self.create.isChecked() else DEMO_PAGE


class DemoPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Demo office")
        self.setSubTitle("Three funds, 200 investors, three years of history and simulated MT5 accounts.")
        text = QLabel(
            "Finish fills this database with fictitious demo data and signs you in as the demo administrator. "
            "Use it to explore; start real work in a new, empty database.",
            wordWrap=True,
        )
        QVBoxLayout(self).addWidget(text)


class AdminPage(QWizardPage):
    """Username, name and password with live policy feedback; Finish stays disabled until all is valid."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("First administrator")
        self.setSubTitle("This account manages users, roles, audit and backups.")
        self.username = QLineEdit(objectName="adminUsername")
        self.display_name = QLineEdit(objectName="adminName")
        self.password = QLineEdit(objectName="adminPassword", echoMode=QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit(objectName="adminConfirm", echoMode=QLineEdit.EchoMode.Password)
        self.feedback = QLabel(objectName="policyFeedback", wordWrap=True)
        form = QFormLayout(self)
        form.addRow("Username", self.username)
        form.addRow("Full name", self.display_name)
        form.addRow("Password", self.password)
        form.addRow("Repeat password", self.confirm)
        form.addRow(self.feedback)
        for field in (self.username, self.password, self.confirm):
            field.textChanged.connect(self._changed)
        self._changed()

    def problems(self) -> list[str]:
        found = [] if self.username.text().strip() else ["Enter a username."]
        found += check_password_policy(self.password.text(), self.username.text().strip() or None)
        if self.password.text() != self.confirm.text():
            found.append("The two passwords differ.")
        return found

    def _changed(self) -> None:
        problems = self.problems()
        self.feedback.setText("✔ Ready." if not problems else "\n".join(f"• {p}" for p in problems))
        self.feedback.setStyleSheet("color: #1b5e20" if not problems else "color: #8a4b00")
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.problems()

    def nextId(self) -> int:
        return -1


class FirstRunWizard(QWizard):
    """Collects the choice; the caller does the work (in the worker) once the wizard is accepted."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Set up FIDUS Desktop")
        self.choice = ChoicePage()
        self.admin = AdminPage()
        self.setPage(CHOICE_PAGE, self.choice)
        self.setPage(ADMIN_PAGE, self.admin)
        self.setPage(DEMO_PAGE, DemoPage())

    @property
    def wants_demo(self) -> bool:
        return self.choice.demo.isChecked()
