"""``fidus fees owed|pay``: what is owed per class, recording a payment, idempotent re-runs, refusals exit 2."""

from __future__ import annotations

import json

import pytest

from tests.portfolio.test_cli_demo import run
from tests.portfolio.test_cli_nav_benchmark import cli_db  # noqa: F401  (fixture: holdings, 35.00 EUR owed)

PAY = ("fees", "pay", "--class", "GLB-A-EUR", "--date", "2023-01-05")


def test_fees_owed_per_class_of_a_fund(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(cli_db, "fees", "owed", "--fund", "GLB", "--date", "2023-01-05", "--json") == 0
    rows = json.loads(capsys.readouterr().out)
    # GLB-A-EUR: 35.00 charged + one day of 1.25 % on 1000 units at 102 (3.49) accrued since the charge.
    assert [(r["class"], r["charged"], r["accrued"], r["paid"], r["owed"]) for r in rows] == [
        ("GLB-A-EUR", "35.00", "3.49", "0.00", "38.49"), ("GLB-A-USD", "0.00", "0.00", "0.00", "0.00")]
    assert run(cli_db, "fees", "owed", "--class", "GLB-A-EUR") == 0  # today: the fee is still owed
    assert "35.00" in capsys.readouterr().out
    assert run(cli_db, "fees", "owed", "--fund", "NOPE") == 2
    assert "no fund 'NOPE'" in capsys.readouterr().err


def test_fees_pay_records_once_and_the_derived_nav_sees_it(
    cli_db: list[str], capsys: pytest.CaptureFixture[str]  # noqa: F811
) -> None:
    assert run(cli_db, *PAY, "--amount", "20.00", "--reference", "BANK-1") == 0
    assert ("Recorded fee payment 1 of GLB-A-EUR: 20.00 EUR on 2023-01-05, reference BANK-1. Still owed on "
            "2023-01-05: 18.49 EUR (15.00 charged, 3.49 management fee accrued since the last settlement).") \
        in capsys.readouterr().out
    assert run(cli_db, *PAY, "--amount", "20.00", "--reference", "BANK-1", "--json") == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["created"], again["payment"]["number"], again["owed"]["payable"]) == (False, 1, "15.00")
    assert run(cli_db, *PAY, "--amount", "16", "--reference", "BANK-2") == 2
    assert "GLB-A-EUR owes 15.00 EUR on 2023-01-05" in capsys.readouterr().err
    assert run(cli_db, "nav", "derive", "--fund", "GLB", "--date", "2023-01-05", "--json") == 0
    eur = json.loads(capsys.readouterr().out)["classes"][0]
    assert (eur["fees_charged"], eur["fees_accrued"], eur["fees_paid"], eur["fees"]) == (
        "35.00", "3.49", "20.00", "18.49")
