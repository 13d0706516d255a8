"""The real OFAC files from ../shared/data (skipped on a laptop without them, never in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fidus_desktop.domain.compliance.lists import ListEntry
from fidus_desktop.domain.compliance.screening import ScreeningIndex
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv
from tests.support.tools import SHARED_DATA, shared_file

SDN_CSV = SHARED_DATA / "ofac-sdn-2024-05-03.csv"
CONSOLIDATED_XML = SHARED_DATA / "ofac-consolidated-2024-05-06.xml"


def real_file(path: Path) -> bytes:
    return shared_file(path.name).read_bytes()


@pytest.fixture(scope="session")
def sdn_entries() -> list[ListEntry]:
    return parse_sdn_csv(real_file(SDN_CSV))


@pytest.fixture(scope="session")
def sdn_index(sdn_entries: list[ListEntry]) -> ScreeningIndex:
    return ScreeningIndex(sdn_entries)


def sdn_excerpt(*ids: str, first: int = 150) -> bytes:
    """The real SDN file's first ``first`` lines plus the lines of entries ``ids``, as the publisher wrote them."""
    lines = real_file(SDN_CSV).decode("utf-8").splitlines(keepends=True)
    chosen = lines[:first] + [line for line in lines[first:] if line.split(",", 1)[0] in ids]
    return "".join(chosen).encode("utf-8")
