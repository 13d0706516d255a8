"""UI tests read and type dates and numbers as a British user would, whatever the machine's locale."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale


@pytest.fixture(autouse=True)
def british_locale() -> Iterator[QLocale]:
    previous = QLocale()
    locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)
    QLocale.setDefault(locale)
    yield locale
    QLocale.setDefault(previous)
