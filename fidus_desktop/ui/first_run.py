"""The first-run wizard on an empty or not yet existing database: create the first administrator, or load the
demo office. When the database file does not exist the first page names where Finish will create it."""

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

from fidus_desktop.ui.new_password import NewPasswordFields

CHOICE_PAGE, ADMIN_PAGE, DEMO_PAGE = 0, 1, 2


class ChoicePage(QWizardPage):
    def __init__(self, creates: str | None = None) -> None:
        super().__init__()
        self.setTitle("Welcome to FIDUS Desktop")
        self.setSubTitle("This database is empty. How do you want to start?" if creates is None else
                         "There is no database yet. How do you want to start?")
        self.create = QRadioButton("Create the first administrator", objectName="createAdmin", checked=True)
        self.demo = QRadioButton("Load demo data (a fictitious fund office to explore)", objectName="loadDemo")
        layout = QVBoxLayout(self)
        if creates is not None:
            where = QLabel(f"Finish creates a new database file at:\n{creates}\n\nIf you expected an existing "
                           "office here, Cancel (nothing is created) and check the database location (--db, "
                           "FIDUS_DB or database.uri in the settings).", objectName="createsDatabase", wordWrap=True)
            layout.addWidget(where)
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
        self.refused = QLabel(objectName="demoRefused", wordWrap=True)
        self.refused.setStyleSheet("color: #b00020")
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.refused)


class AdminPage(QWizardPage):
    """Username, name and password with live policy feedback; Finish stays disabled until all is valid."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("First administrator")
        self.setSubTitle(
            "This account manages users, roles, audit and backups. After Finish you set up two-step sign-in."
        )
        self.username = QLineEdit(objectName="adminUsername")
        self.display_name = QLineEdit(objectName="adminName")
        self.fields = NewPasswordFields(self.username.text, prefix="admin")
        self.password, self.confirm, self.feedback = self.fields.password, self.fields.confirm, self.fields.feedback
        self.refused = QLabel(objectName="adminRefused", wordWrap=True)
        self.refused.setStyleSheet("color: #b00020")
        form = QFormLayout(self)
        form.addRow("Username", self.username)
        form.addRow("Full name", self.display_name)
        self.fields.add_rows(form)
        form.addRow(self.refused)
        self.username.textChanged.connect(self._changed)
        self.fields.changed.connect(self._changed)
        self._changed()

    def problems(self) -> list[str]:
        found = [] if self.username.text().strip() else ["Enter a username."]
        return found + self.fields.problems()

    def _changed(self) -> None:
        self.refused.clear()
        self.fields.show(self.problems())
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.problems()

    def nextId(self) -> int:
        return -1


class FirstRunWizard(QWizard):
    """Collects the choice; the caller does the work (in the worker) once the wizard is accepted."""

    def __init__(self, parent: QWidget | None = None, *, creates: str | None = None) -> None:
        """``creates``: the database file Finish will create (None: the database exists and is empty)."""
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Set up FIDUS Desktop")
        self.choice = ChoicePage(creates)
        self.admin = AdminPage()
        self.setPage(CHOICE_PAGE, self.choice)
        self.setPage(ADMIN_PAGE, self.admin)
        self.demo_page = DemoPage()
        self.setPage(DEMO_PAGE, self.demo_page)

    @property
    def wants_demo(self) -> bool:
        return self.choice.demo.isChecked()

    def refused(self, message: str) -> None:
        """The service turned the choice down (e.g. a username it does not accept): say why, keep the input."""
        label = self.admin.refused if not self.wants_demo else self.demo_page.refused
        label.setText(message)
