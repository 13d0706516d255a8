"""One dated country list of the risk model in use (e.g. FATF's increased monitoring after a plenary) edited in a
form: its publication date and source, its points, and its countries added by name or ISO code (completed from
CLDR's English names) or removed. Saved through ``RiskModelService.save_country_list``, the rest of the model
unchanged, as the next version (audited, ``kyc.model``); every scored investor is then re-scored."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.compliance.risk import CountryList
from fidus_desktop.services.compliance.risk_models import ModelVersion, SavedModel, country_names
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.editors import DateEdit
from fidus_desktop.ui.compliance.model_changes import MODEL_CHANGES
from fidus_desktop.ui.session import UiSession

CHOICE = re.compile(r"^(?P<name>.+) \((?P<code>[A-Z]{2})\)$")  # what the completer offers: "Iran (IR)"


def choice_text(code: str) -> str:
    return f"{country_names().get(code, code)} ({code})"


def country_of(text: str) -> str | None:
    """The ISO code typed or picked: "Iran (IR)", "Iran", "iran" or "IR"; None when it is no country."""
    text = text.strip()
    names = country_names()
    if (match := CHOICE.match(text)) and match["code"] in names:
        return match["code"]
    if len(text) == 2 and text.upper() in names:
        return text.upper()
    by_name = {name.casefold(): code for code, name in names.items()}
    return by_name.get(text.casefold())


class CountryCodes(QWidget):
    """The list's countries (name and code, sorted by name) with a completing field to add one and Remove."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.countries = QListWidget(objectName="countryCodes")
        self.countries.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.countries.setMinimumHeight(self.fontMetrics().height() * 10)
        self.entry = QLineEdit(objectName="countryEntry", placeholderText="Country name or ISO code")
        completer = QCompleter(sorted(choice_text(c) for c in country_names()), self.entry)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.entry.setCompleter(completer)
        self.entry.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)  # its hint and a long name in full
        self.entry.returnPressed.connect(self.add_typed)
        self.add_button = QPushButton("&Add", objectName="country_add")
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button = QPushButton("&Remove selected", objectName="country_remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.problem = QLabel(objectName="countryEntryProblem", wordWrap=True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        self.count = QLabel(objectName="countryCount")
        row = QHBoxLayout()
        row.addWidget(self.entry, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.count)
        layout.addWidget(self.countries, 1)
        layout.addLayout(row)
        layout.addWidget(self.problem)
        self.countries.itemSelectionChanged.connect(self._enable)
        self._enable()

    def codes(self) -> list[str]:
        return [str(self.countries.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.countries.count())]

    def set_codes(self, codes: frozenset[str] | list[str]) -> None:
        self.countries.clear()
        for code in sorted(codes, key=lambda c: country_names().get(c, c)):
            item = QListWidgetItem(choice_text(code))
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.countries.addItem(item)
        self._enable()

    def add_typed(self) -> None:
        text = self.entry.text().strip()
        if not text:
            return
        code = country_of(text)
        if code is None:
            self.problem.setText(f"{text!r} is not a country; type part of its name or its ISO code and pick it "
                                 "from the list.")
            self.problem.show()
            return
        self.problem.hide()
        self.entry.clear()
        if code not in self.codes():
            self.set_codes([*self.codes(), code])
        self.countries.setCurrentRow(self.codes().index(code))

    def remove_selected(self) -> None:
        gone = {str(i.data(Qt.ItemDataRole.UserRole)) for i in self.countries.selectedItems()}
        self.set_codes([c for c in self.codes() if c not in gone])

    def _enable(self) -> None:
        self.remove_button.setEnabled(bool(self.countries.selectedItems()))
        self.count.setText(f"{self.countries.count()} jurisdiction(s)")


class CountryListDialog(ServiceFormDialog):
    """One country list of the model in use, saved with a reason as the next version."""

    changes = MODEL_CHANGES
    enter_submits = False  # Enter adds the country typed

    def __init__(self, session: UiSession, current: ModelVersion, chosen: str | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, f"Edit a country list (risk model version {current.version} → the next)",
                         "&Save and re-score", parent)
        self.lists = {c.name: c for c in current.model.country_lists}
        self.based_on = current.version  # a version saved by someone else meanwhile is refused, not undone
        self.chooser = self.add_field("name", "List", QComboBox())
        self.chooser.addItems(sorted(self.lists))
        self.as_of = self.add_field("as_of", "Published on", DateEdit())
        self.source = self.add_field("source", "Source", QLineEdit(
            placeholderText="Who published it and where, e.g. FATF public statement, 21 February 2025, https://…"))
        self.points = self.add_field("points", "Points", QSpinBox())
        self.points.setRange(0, 100)
        self.points.setToolTip("Points an investor resident in, a national of or incorporated in one of these "
                               "countries scores (a country counts once, at its worst list).")
        self.codes = self.add_field("codes", "Countries", CountryCodes())
        self.reason = self.add_field("reason", "Reason", QPlainTextEdit())
        self.reason.setPlaceholderText("Why the list changes, e.g. FATF plenary of June 2026 (audited)")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 3)
        self.chooser.currentTextChanged.connect(self._load)
        if chosen in self.lists:
            self.chooser.setCurrentText(chosen)
        self._load(self.chooser.currentText())

    def _load(self, name: str) -> None:
        country_list: CountryList | None = self.lists.get(name)
        if country_list is None:
            return
        self.as_of.set_date(country_list.as_of)
        self.source.setText(country_list.source)
        self.points.setValue(country_list.points)
        self.codes.set_codes(country_list.codes)

    def local_problems(self) -> dict[str, str]:
        if self.codes.entry.text().strip():  # typed but not added: the officer would lose it unseen
            return {"codes": f"Add {self.codes.entry.text().strip()!r} to the list (Add) or clear the field."}
        return {}

    def call(self) -> SavedModel:
        service, actor = self.session.services.risk_models, self.session.actor
        return service.save_country_list(actor, self.chooser.currentText(), self.as_of.iso(), self.codes.codes(),
                                         self.points.value(), self.reason.toPlainText(), source=self.source.text(),
                                         based_on=self.based_on)
