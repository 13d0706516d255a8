"""This folder's ``office``: the reporting office of tests/support/reporting_office.py (settled subscriptions)."""

from pathlib import Path

import pytest

from tests.support.portfolio_office import Office
from tests.support.reporting_office import reporting_office


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return reporting_office(tmp_path)
