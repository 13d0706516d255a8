"""The portfolio tests' ``office``: the small portfolio office of tests/support/portfolio_office.py."""

from pathlib import Path

import pytest

from tests.support.portfolio_office import Office, build_office


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return build_office(tmp_path)
