"""The country fields of the investor forms: nationalities as ISO codes typed as text (``DE`` or ``DE, FR``),
the country of residence or of incorporation as one code; upper-cased as typed; the investor service validates
them and its refusal appears under the field."""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit


def nationality_edit(codes: tuple[str, ...] = ()) -> QLineEdit:
    edit = QLineEdit(", ".join(codes), objectName="nationalities")
    edit.setPlaceholderText("ISO codes, e.g. DE, or DE, FR for a dual national")
    edit.setToolTip("Two-letter ISO 3166 country codes, separated by commas; screening and the risk score use "
                    "them. Individuals only.")
    edit.textEdited.connect(lambda text: _upper(edit, text))
    return edit


COUNTRY_TIPS = {"residence_country": "Where the individual lives: a two-letter ISO 3166 code; the risk score uses "
                                     "it. Individuals only.",
                "incorporation_country": "Where the company is incorporated: a two-letter ISO 3166 code; screening "
                                         "and the risk score use it. Corporate investors only."}


def country_edit(name: str, code: str | None = None) -> QLineEdit:
    """One country code (``residence_country`` or ``incorporation_country``)."""
    edit = QLineEdit(code or "", objectName=name)
    edit.setPlaceholderText("ISO code, e.g. DE")
    edit.setMaxLength(2)
    edit.setToolTip(COUNTRY_TIPS[name])
    edit.textEdited.connect(lambda text: _upper(edit, text))
    return edit


def _upper(edit: QLineEdit, text: str) -> None:
    if text != text.upper():
        position = edit.cursorPosition()
        edit.setText(text.upper())
        edit.setCursorPosition(position)
