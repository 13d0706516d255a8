"""Batch statements (progress, cancel between statements, failures reported) and ``fidus report …``."""

from __future__ import annotations

from pathlib import Path

import pytest

from fidus_desktop.bootstrap import Services
from fidus_desktop.cli import main
from fidus_desktop.reports.batch import write_statements
from fidus_desktop.reports.periods import parse_period
from fidus_desktop.services.base import ServiceContext, ValidationError
from fidus_desktop.services.statements import StatementData
from fidus_desktop.store.sqlite import SqliteStore
from tests.support.cli_policy import admins_without_mfa
from tests.support.portfolio_office import PM, Office

JANUARY = parse_period("2023-01")
PASSWORD = "correct horse battery staple 42"


def gatherer(office: Office):
    return lambda investor_id: office.services.statements.statement_data(PM, investor_id, JANUARY)


def test_batch_writes_one_pdf_per_investor_with_progress(office: Office, tmp_path: Path) -> None:
    ids = office.services.statements.statement_investors(PM)
    seen: list[tuple[int, int, str]] = []
    result = write_statements(ids, gatherer(office), tmp_path / "out", progress=lambda *step: seen.append(step))
    assert sorted(p.name for p in result.written) == ["statement-INV-1-2023-01.pdf", "statement-INV-2-2023-01.pdf"]
    assert seen == [(1, 2, "INV-1"), (2, 2, "INV-2")]
    assert not result.cancelled


def test_cancel_stops_between_statements(office: Office, tmp_path: Path) -> None:
    ids = office.services.statements.statement_investors(PM) * 5  # ten statements to do
    done: list[int] = []
    result = write_statements(ids, gatherer(office), tmp_path, progress=lambda n, total, label: done.append(n),
                              cancelled=lambda: len(done) >= 3)
    assert result.cancelled
    assert (result.done, result.total) == (3, 10)


def test_a_failing_investor_is_reported_and_the_batch_goes_on(office: Office, tmp_path: Path) -> None:
    good = gatherer(office)

    def gather(investor_id: str) -> StatementData:
        if investor_id == office.ann.investor_id:
            raise ValidationError({"fx": "No USD rate near 2023-01-05."})
        return good(investor_id)

    result = write_statements([office.ann.investor_id, office.bob.investor_id], gather, tmp_path)
    assert [p.name for p in result.written] == ["statement-INV-2-2023-01.pdf"]
    assert result.failed == [(office.ann.investor_id, "fx: No USD rate near 2023-01-05.")]


@pytest.mark.slow
def test_process_pool_writes_the_same_statements(office: Office, tmp_path: Path) -> None:
    ids = office.services.statements.statement_investors(PM) * 3
    result = write_statements(ids, gatherer(office), tmp_path / "pool", workers=2,
                              progress=lambda *step: None)
    assert result.done == 6
    assert sorted({p.name for p in result.written}) == ["statement-INV-1-2023-01.pdf", "statement-INV-2-2023-01.pdf"]


@pytest.fixture
def cli_db(office: Office, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    office.services.ctx.store.close()
    store = SqliteStore(tmp_path / "t.db")
    Services(ServiceContext(store)).users.create_first_admin("alice", PASSWORD)
    store.close()
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    admins_without_mfa()
    return ["--db", f"sqlite:///{(tmp_path / 't.db').as_posix()}"]


def run(db: list[str], *args: str) -> int:
    return main([*db, "report", *args, "--user", "alice"])


def test_cli_statement_factsheet_and_batch(cli_db: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    assert run(cli_db, "statement", "--investor", "INV-1", "--period", "2023-01", "--out", str(tmp_path / "s.pdf")) == 0
    assert (tmp_path / "s.pdf").read_bytes().startswith(b"%PDF")
    assert run(cli_db, "factsheet", "--fund", "GLB", "--out", str(tmp_path / "f.pdf")) == 0
    assert "Factsheet of GLB" in capsys.readouterr().out
    assert run(cli_db, "statements", "--period", "2023-01", "--out-dir", str(tmp_path / "all"), "--workers", "1") == 0
    captured = capsys.readouterr()
    assert "2 of 2 statements" in captured.out
    assert "2/2" in captured.err
    assert len(list((tmp_path / "all").glob("*.pdf"))) == 2


def test_cli_refuses_bad_input_with_exit_code_2(cli_db: list[str], tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.pdf")
    assert run(cli_db, "statement", "--investor", "INV-404", "--period", "2023-01", "--out", out) == 2
    assert "no investor 'INV-404'" in capsys.readouterr().err
    assert run(cli_db, "factsheet", "--fund", "NOPE", "--out", str(tmp_path / "x.pdf")) == 2
    assert run(cli_db, "statement", "--investor", "INV-1", "--period", "2023-01",
               "--out", str(tmp_path / "missing" / "x.pdf")) == 2
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        run(cli_db, "statement", "--investor", "INV-1", "--period", "2023-13", "--out", "x.pdf")
    assert exit_info.value.code == 2
    assert "01 to 12" in capsys.readouterr().err
