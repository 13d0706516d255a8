"""``fidus nav derive`` and ``fidus import benchmark``: exit codes, messages, ``--json``, nothing written on errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.services.base import ServiceContext
from fidus_desktop.store.sqlite import SqliteStore
from tests.portfolio.fixtures import DATA, build_office
from tests.portfolio.test_cli_demo import PASSWORD, run
from tests.portfolio.test_nav_derivation import holdings


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The test office with holdings (``test_nav_derivation.holdings``) and an admin ``alice``."""
    office = build_office(tmp_path)
    holdings(office)
    office.services.users.create_first_admin("alice", PASSWORD)
    office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def navs_of(db: list[str]) -> int:
    store = SqliteStore(Path(db[1].removeprefix("sqlite:///")))
    try:
        return Services(ServiceContext(store)).portfolio.navs.navs.count()
    finally:
        store.close()


def test_nav_derive_shows_the_breakdown_and_saves_only_when_asked(
    cli_db: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    before = navs_of(cli_db)
    assert run(cli_db, "nav", "derive", "--fund", "GLB", "--date", "2023-01-05", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    # By hand in tests/portfolio/test_nav_derivation.py::test_two_class_multi_currency_nav_by_hand.
    assert [c["nav_per_unit"] for c in data["classes"]] == ["104.8356", "104.8579"]
    assert (data["holdings"], data["cash"], data["fees"], data["saved"]) == ("94330.72", "60000.00", "38.49", False)
    assert navs_of(cli_db) == before
    derive = ("nav", "derive", "--fund", "GLB", "--date", "2023-01-05", "--save")
    assert run(cli_db, *derive) == 2
    assert "give a reason" in capsys.readouterr().err
    assert run(cli_db, *derive, "--reason", "from holdings") == 0
    out = capsys.readouterr().out
    assert "net assets 154,292.23" in out
    assert "Saved as derived NAVs." in out
    assert navs_of(cli_db) == before  # corrections of the stored dates, no new rows
    assert run(cli_db, "nav", "derive", "--fund", "NOPE", "--date", "2023-01-05") == 2
    assert "no fund 'NOPE'" in capsys.readouterr().err


def test_import_benchmark(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--code", "DEMO-EUR", "--name", "Demo index EUR", "--currency", "EUR")
    assert run(cli_db, "import", "benchmark", str(DATA / "portfolio" / "benchmark-bad.csv"), *args) == 2
    err = capsys.readouterr().err
    assert "line 3:" in err
    assert "nothing was written" in err
    assert run(cli_db, "import", "benchmark", str(DATA / "portfolio" / "benchmark-example.csv"), *args) == 0
    assert "Created benchmark DEMO-EUR (EUR): 4 levels 2023-01-02 … 2023-01-05, 4 new" in capsys.readouterr().out


def test_link_a_benchmark_and_perf_compares_with_it(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    args = ("--code", "DEMO-EUR", "--name", "Demo index EUR", "--currency", "EUR")
    assert run(cli_db, "import", "benchmark", str(DATA / "portfolio" / "benchmark-example.csv"), *args) == 0
    assert run(cli_db, "funds", "set-benchmark", "--class", "GLB-A-EUR", "--benchmark", "NOPE") == 2
    assert "no benchmark 'NOPE'" in capsys.readouterr().err
    assert run(cli_db, "funds", "set-benchmark", "--class", "GLB-A-EUR", "--benchmark", "DEMO-EUR") == 0
    assert "GLB-A-EUR is compared with DEMO-EUR." in capsys.readouterr().out
    assert run(cli_db, "perf", "--class", "GLB-A-EUR", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["benchmark"] == "DEMO-EUR"
    assert data["beta"] is not None
    assert run(cli_db, "funds", "set-benchmark", "--class", "GLB-A-EUR", "--benchmark", "none") == 0
    assert "compared with no benchmark" in capsys.readouterr().out
    assert run(cli_db, "perf", "--class", "GLB-A-EUR", "--json") == 0
    assert json.loads(capsys.readouterr().out)["benchmark"] is None
