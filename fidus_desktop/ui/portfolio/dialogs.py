"""Shared bits of the Portfolio dialogs: the class chooser."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from fidus_desktop.services.portfolio.funds import ShareClass


def class_combo(classes: list[ShareClass], selected: str | None) -> QComboBox:
    """A combo of share classes (code and currency shown, ``class_id`` as data), ``selected`` preselected."""
    combo = QComboBox()
    for share_class in classes:
        combo.addItem(f"{share_class.code} ({share_class.currency})", share_class.class_id)
    if selected is not None and (row := combo.findData(selected)) >= 0:
        combo.setCurrentIndex(row)
    return combo
