"""Fixtures for keys, personal data, audit and backup tests over the office of tests/support/keys_office.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fidus_desktop.config.secrets import SecretStore
from tests.support.keys_office import PASSPHRASE, Office, make_office, open_db


@pytest.fixture
def office(tmp_path: Path, secrets: SecretStore) -> Iterator[Office]:
    ctx = open_db(tmp_path / "office.db", secrets)
    yield make_office(ctx, secrets)
    ctx.close()


@pytest.fixture
def keyed(office: Office) -> Office:
    """The office with its data key created (this workstation enrolled) and two people on file."""
    office.keys.init(office.admin, PASSPHRASE)
    office.add_person("p1", "AB-123 456")
    office.add_person("p2", "CD-789 000")
    return office
