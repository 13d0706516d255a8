"""The nationality field of the investor forms: ISO codes typed as text (``DE`` or ``DE, FR``), upper-cased as
typed; the investor service validates them and its refusal appears under the field."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit


def nationality_edit(codes: tuple[str, ...] = ()) -> QLineEdit:
    edit = QLineEdit(", ".join(codes), objectName="nationalities")
    edit.setPlaceholderText("ISO codes, e.g. DE, or DE, FR for a dual national")
    edit.setToolTip("Two-letter ISO 3166 country codes, separated by commas; screening and the risk score use "
                    "them. Individuals only.")
    edit.textEdited.connect(lambda text: _upper(edit, text))
    return edit


def _upper(edit: QLineEdit, text: str) -> None:
    if text != text.upper():
        position = edit.cursorPosition()
        edit.setText(text.upper())
        edit.setCursorPosition(position)
