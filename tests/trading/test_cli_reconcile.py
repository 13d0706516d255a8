"""fidus mt5 reconcile: the back office's check, exit 1 while mismatches exist (like ``audit verify``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.cli import main
from fidus_desktop.services.trading.reconciliation import MismatchKind
from tests.support.portfolio_office import ADMIN, BACK
from tests.support.reconciliation_office import FIRST, LAST, ReconciliationOffice, build_reconciliation_office

PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, ReconciliationOffice]:
    ro = build_reconciliation_office(tmp_path)
    users = ro.office.services.users
    users.create_user(ADMIN, "lena", PASSWORD, "back_office")
    users.create_user(ADMIN, "maria", PASSWORD, "portfolio_manager")
    ro.office.services.ctx.store.close()
    monkeypatch.setenv("FIDUS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FIDUS_PASSWORD", PASSWORD)
    monkeypatch.setenv("FIDUS_USER", "lena")
    return f"sqlite:///{(tmp_path / 't.db').as_posix()}", ro


def test_mismatches_exit_1_and_are_listed(db: tuple[str, ReconciliationOffice], capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    uri, ro = db
    assert main(["--db", uri, "mt5", "reconcile", "--from", "2023-01-01", "--to", "2023-01-31"]) == 1
    out = capsys.readouterr().out
    assert "GLB (5001002): 1 matched, 3 to check" in out
    assert "NEW (7002001): not configured" in out
    for kind in ("deal_not_recorded", "flow_not_in_mt5", "needs_classification"):
        assert kind in out

    assert main(["--db", uri, "mt5", "reconcile", "--login", "5001002", "--from", "2023-01-01", "--to", "2023-01-31",
                 "--json"]) == 1
    [fund] = json.loads(capsys.readouterr().out)
    assert (fund["fund_code"], fund["configured"], fund["logins"]) == ("GLB", True, [5001002])
    assert [m["ticket"] for m in fund["matched"]] == [11]
    assert fund["matched"][0]["amount"] == str(ro.ann_net)
    assert {m["kind"] for m in fund["mismatches"]} == {"deal_not_recorded", "flow_not_in_mt5", "needs_classification"}


def test_explained_mismatches_no_longer_fail(db: tuple[str, ReconciliationOffice],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    uri, ro = db
    ctx = open_context(uri, log_to_file=False)
    try:
        reconciliation = ctx.services.trading.reconciliation
        for mismatch in reconciliation.reconcile(BACK, ro.office.fund.fund_id, FIRST, LAST).mismatches:
            if mismatch.kind is MismatchKind.NEEDS_CLASSIFICATION:
                ctx.services.trading.classification.resolve(ADMIN, mismatch.login, mismatch.ticket, "fee_rebate")
            else:
                reconciliation.explain(BACK, mismatch.key, "checked with the broker")
    finally:
        ctx.close()
    assert main(["--db", uri, "mt5", "reconcile", "--login", "5001002", "--from", "2023-01-01", "--to",
                 "2023-01-31"]) == 0
    out = capsys.readouterr().out
    assert "GLB (5001002): 1 matched, 0 to check, 2 explained" in out
    assert "explained by lena: checked with the broker" in out


def test_a_clean_period_exits_0(db: tuple[str, ReconciliationOffice], capsys: pytest.CaptureFixture[str]) -> None:
    uri, _ = db
    assert main(["--db", uri, "mt5", "reconcile", "--login", "5001002", "--from", "2023-02-01", "--to",
                 "2023-02-28"]) == 0
    assert "GLB (5001002): 0 matched, 0 to check" in capsys.readouterr().out


def test_bad_dates_and_roles_are_refused(db: tuple[str, ReconciliationOffice], capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    uri, _ = db
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", uri, "mt5", "reconcile", "--from", "1 Jan"])
    assert exit_info.value.code == 2
    assert "write it as YYYY-MM-DD" in capsys.readouterr().err
    monkeypatch.setenv("FIDUS_USER", "maria")
    assert main(["--db", uri, "mt5", "reconcile"]) != 0
    assert "may not mt5: reconcile" in capsys.readouterr().err
