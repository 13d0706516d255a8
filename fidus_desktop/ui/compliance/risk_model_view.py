"""The AML risk model: every version (the one in use first, the shipped one last) and the chosen version's
bands, points and dated country lists with their source, read-only. Officers holding ``kyc.model`` update one
country list in a form (``country_list_dialog``) or import a new version from JSON (``RiskModelService.save``:
checked whole, nothing written when invalid or unchanged); either way every scored investor is re-scored with it
and the page says what changed. Anyone who reads it exports a version as JSON to edit (owner-only file), the
same format as ``fidus kyc model export``/``import``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fidus_desktop.domain.compliance.risk import Band, CountryList, model_to_dict
from fidus_desktop.security.private_files import write_private
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.permissions import KycPermission
from fidus_desktop.services.compliance.risk_models import SHIPPED, ModelVersion, SavedModel
from fidus_desktop.services.permissions import allowed
from fidus_desktop.ui.admin.form_dialog import ServiceFormDialog
from fidus_desktop.ui.common.buttons import enable
from fidus_desktop.ui.common.keys import refresh_on_f5
from fidus_desktop.ui.common.lazy_table import RIGHT, Column
from fidus_desktop.ui.common.record_table import RecordTableModel, record_view, selected
from fidus_desktop.ui.common.refreshing_panel import RefreshingPanel
from fidus_desktop.ui.common.table_export import TableExport
from fidus_desktop.ui.compliance.country_list_dialog import CountryListDialog
from fidus_desktop.ui.compliance.model_changes import MODEL_CHANGES
from fidus_desktop.ui.compliance.saved_versions import saved_columns
from fidus_desktop.ui.errors import show_error
from fidus_desktop.ui.session import UiSession

RELOAD_ON = frozenset({"kyc_risk_model", "*"})
JSON_FILTER = "Risk model (*.json)"

VERSION_COLUMNS: list[Column[ModelVersion]] = [
    Column("Version", lambda v: v.version),
    *saved_columns(),
]
COUNTRY_COLUMNS: list[Column[CountryList]] = [
    Column("Country list", lambda c: c.name),
    Column("As of", lambda c: c.as_of.isoformat(), value=lambda c: c.as_of, tooltip=lambda c: c.source or None),
    Column("Points", lambda c: str(c.points), align=RIGHT, value=lambda c: c.points),
    Column("Countries", lambda c: ", ".join(sorted(c.codes)), tooltip=lambda c: f"{len(c.codes)} jurisdiction(s)"),
    Column("Source", lambda c: c.source),
]


def model_html(version: ModelVersion) -> str:
    """The chosen version's header and its points and bands (the country lists are in the table)."""
    model = version.model
    medium, high, critical = model.bounds
    saved = (f"saved {version.saved_at.astimezone():%Y-%m-%d} by {version.saved_by}" if version.saved_at
             else "shipped with FIDUS")
    months = ", ".join(f"{band.value} {model.review_months[band]}" for band in Band)
    points = [f"PEP +{model.pep_points}", f"non face-to-face +{model.non_face_to_face_points}",
              f"unknown source of funds +{model.unknown_source_points}",
              f"+{model.ownership_points_per_level} per level of companies"]
    points += [f"product {name} +{value}" for name, value in sorted(model.product_points.items())]
    points += [f"source {name} +{value}" for name, value in sorted(model.source_of_funds_points.items())]
    points += [f"expected volume from {amount:,} +{value}" for amount, value in model.volume_bands]
    lines = [f"<b>Risk model version {version.version}</b>, {saved}: {version.reason}",
             f"Bands: medium from {medium}, high from {high}, critical from {critical} points; enhanced due "
             f"diligence from {model.enhanced_due_diligence_from.value}; reviews every {months} months.",
             "Points: " + "; ".join(points) + "."]
    if version.changes:
        lines.append("Changed from the version before: " + "; ".join(version.changes) + ".")
    return "<br>".join(lines)


class ImportModelDialog(ServiceFormDialog):
    """A JSON file (a version exported and edited) saved as the next version, with the reason."""

    changes = MODEL_CHANGES

    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, "Import a risk model version", "&Import", parent)
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(objectName="path", placeholderText="The model as JSON (Export version… gives one)")
        browse = QPushButton("&Browse…", objectName="browse")
        browse.clicked.connect(self.browse)
        line.addWidget(self.path, 1)
        line.addWidget(browse)
        self.add_field("model", "File", row)
        self.reason = self.add_field("reason", "Reason", QPlainTextEdit())
        self.reason.setPlaceholderText("Why the model changes, e.g. FATF plenary of June 2026 (audited)")
        self.reason.setFixedHeight(self.fontMetrics().lineSpacing() * 3)

    def browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The risk model to import", "", JSON_FILTER)
        if path:
            self.path.setText(path)

    def local_problems(self) -> dict[str, str]:
        return {} if self.path.text().strip() else {"model": "Choose the JSON file to import (Browse…)."}

    def call(self) -> SavedModel:
        path = Path(self.path.text().strip())
        try:
            data = json.loads(path.read_bytes().decode("utf-8-sig"))
        except OSError as exc:
            raise ValidationError({"model": f"Cannot read {path}: {exc.strerror or exc}."}) from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationError({"model": f"{path.name} is not a JSON risk model ({exc}); start from "
                                            "Export version…."}) from None
        service, actor = self.session.services.risk_models, self.session.actor
        return service.save(actor, data, self.reason.toPlainText())


class RiskModelView(RefreshingPanel):
    def __init__(self, session: UiSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)
        self.setObjectName("riskModel")
        self.dialog: ImportModelDialog | None = None
        self.told: QMessageBox | None = None
        self.wanted: str | None = None  # the version to show once the list holds it (one just imported)
        self.versions: RecordTableModel[ModelVersion] = RecordTableModel(VERSION_COLUMNS)
        self.versions_view = record_view(self.versions, "modelVersions", stretch=3)
        self.versions_export = TableExport(self.versions_view, "Risk model versions", session.runner)
        self.countries: RecordTableModel[CountryList] = RecordTableModel(COUNTRY_COLUMNS)
        self.countries_view = record_view(self.countries, "countryLists", stretch=3)
        self.countries_view.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)  # source
        self.countries_view.setWordWrap(True)
        # wrapped rows grow again whenever the table's width changes (the window resized), so nothing is cut off
        self.countries_viewport = self.countries_view.viewport()
        self.countries_viewport.installEventFilter(self)
        self.countries_export = TableExport(self.countries_view, "Country lists", session.runner)
        self.summary = QLabel(objectName="modelSummary", wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.import_button = QPushButton("&Import version…", objectName="model_import")
        self.import_button.setEnabled(allowed(session.actor.role, KycPermission.MODEL))
        self.import_button.setToolTip("Save an edited model (JSON) as the next version; every scored investor is "
                                      "re-scored with it." if self.import_button.isEnabled() else
                                      "Changing the risk model needs the kyc.model permission.")
        self.countries_button = QPushButton("Edit &country list…", objectName="model_countries")
        self.countries_button.setEnabled(self.import_button.isEnabled())
        self.countries_button.setToolTip("Update one dated country list (e.g. after a FATF plenary) of the model in "
                                         "use; saved as the next version and every scored investor re-scored."
                                         if self.import_button.isEnabled() else
                                         "Changing the risk model needs the kyc.model permission.")
        self.countries_button.clicked.connect(self.edit_countries)
        self.country_dialog: CountryListDialog | None = None
        self.export_button = QPushButton("Export v&ersion…", objectName="model_export")
        self.import_button.clicked.connect(self.import_version)
        self.export_button.clicked.connect(self.export_version)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(self.import_button)
        bar.addWidget(self.export_button)
        bar.addStretch()
        bar.addWidget(self.versions_export.button)
        left_layout.addLayout(bar)
        left_layout.addWidget(self.versions_view, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        top = QHBoxLayout()
        top.addWidget(self.countries_button)
        top.addStretch()
        top.addWidget(self.countries_export.button)
        right_layout.addLayout(top)
        right_layout.addWidget(self.countries_view, 1)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([480, 800])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.versions_view.selectionModel().selectionChanged.connect(lambda *_: self._show_version())
        session.signals.data_changed.connect(self._changed)  # type: ignore[attr-defined]
        refresh_on_f5(self, self.refresh)
        self._stale = True  # read when first shown
        self._show_version()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.countries_viewport and event.type() == QEvent.Type.Resize:
            view = self.countries_view  # once the columns have their width; not after the view is gone
            QTimer.singleShot(0, view, view.resizeRowsToContents)
        return super().eventFilter(watched, event)

    def _changed(self, name: str) -> None:
        if name in RELOAD_ON:
            self.data_arrived()

    def refresh(self) -> None:
        service, actor = self.session.services.risk_models, self.session.actor
        self.load(lambda: [*service.versions(actor), service.version(actor, SHIPPED)], self._show)

    def _show(self, versions: list[ModelVersion]) -> None:
        chosen = self.chosen()
        self.versions.set_records(versions)
        self.finished()
        self.select(self.wanted or (chosen.version if chosen else None))

    def select(self, version: str | None) -> None:
        """Show ``version`` (the one in use when None or not listed yet; then remembered until it is)."""
        names = [v.version for v in self.versions.records]
        self.wanted = None if version is None or version in names else version
        self.versions_view.selectRow(names.index(version) if version in names else 0)
        self._show_version()

    def chosen(self) -> ModelVersion | None:
        version: ModelVersion | None = selected(self.versions_view, self.versions)
        return version

    def _show_version(self) -> None:
        version = self.chosen()
        self.summary.setText(model_html(version) if version else "Reading the risk model…")
        self.countries.set_records(sorted(version.model.country_lists, key=lambda c: c.name) if version else ())
        self.countries_view.resizeRowsToContents()
        enable(self.export_button, "" if version is not None else "Select a model version first.")

    def import_version(self) -> None:
        self.dialog = ImportModelDialog(self.session, self)
        self.dialog.accepted.connect(lambda: self._imported(self.dialog.result_value if self.dialog else None))
        self.dialog.open()

    def edit_countries(self) -> None:
        """The country list selected (else the first) of the model in use, in a form."""
        in_use = self.versions.records[0] if self.versions.records else None
        if in_use is None:
            return
        rows = self.countries_view.selectionModel().selectedRows()
        chosen = self.countries.record(rows[0].row()).name if rows else None
        self.country_dialog = CountryListDialog(self.session, in_use, chosen, self)
        self.country_dialog.accepted.connect(
            lambda: self._imported(self.country_dialog.result_value if self.country_dialog else None))
        self.country_dialog.open()

    def _imported(self, result: SavedModel | None) -> None:
        if result is None:
            return
        saved, rescored = result.saved, result.rescored
        self.select(saved.version)
        text = (f"Risk model version {saved.version} saved: {'; '.join(saved.changes)}.\n\n"
                f"{rescored.rescored} scored investor(s) re-scored with it"
                + (": " + ", ".join(rescored.band_changes) if rescored.band_changes else "; no band changed") + ".")
        if rescored.needs_update:
            text += "\n\nApproved cases whose band rose now need an update: " + ", ".join(rescored.needs_update) + "."
        self.told = QMessageBox(QMessageBox.Icon.Information, "Risk model saved", text, QMessageBox.StandardButton.Ok,
                                self)
        self.told.setObjectName("modelSaved")
        self.told.open()

    def choose_export_path(self, version: ModelVersion) -> Path | None:
        """Ask where to save (a separate method so tests can answer it)."""
        suggested = str(Path.home() / f"risk-model-{version.version}.json")
        path, _ = QFileDialog.getSaveFileName(self, "Export the risk model", suggested, JSON_FILTER)
        if not path:
            return None
        out = Path(path)
        return out if out.suffix.lower() == ".json" else out.with_name(out.name + ".json")

    def export_version(self) -> None:
        version = self.chosen()
        path = self.choose_export_path(version) if version else None
        if version is None or path is None:
            return
        data: dict[str, Any] = model_to_dict(version.model)
        self.session.runner.submit(
            lambda: write_private(path, (json.dumps(data, indent=2) + "\n").encode("utf-8")), owner=self,
            on_done=lambda _: self._tell(f"Risk model version {version.version} written to {path} (readable by you "
                                         "only); edit it and import it as the next version."),
            on_error=lambda exc: show_error(exc, self))

    def _tell(self, text: str) -> None:
        self.told = QMessageBox(QMessageBox.Icon.Information, "Risk model exported", text,
                                QMessageBox.StandardButton.Ok, self)
        self.told.setObjectName("modelExported")
        self.told.open()
