"""Class performance figures: money-weighted return against a plain bisection, short periods, ``--from`` labels."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.portfolio.fixtures import BACK, D1, D3, D4, PM, PM2, Office
from tests.portfolio.test_cli_demo import run
from tests.portfolio.test_cli_nav_benchmark import cli_db  # noqa: F401  (fixture)


def settle(o: Office, investor_id: str, amount: str, day: date) -> None:
    entered = o.p.dealing.enter(PM, TransactionRequest("subscription", o.eur.class_id, investor_id, day, day, day,
                                                       amount=amount))
    approved = o.p.dealing.approve(PM2, entered.transaction_id, entered.version)
    o.p.dealing.settle(BACK, approved.transaction_id, approved.version)


def irr_by_bisection(flows: list[tuple[date, float]]) -> float:
    """The rate making Σ amount / (1 + r)^(days/365) zero, by plain bisection on [-0.99, 1e6]."""
    first = min(d for d, _ in flows)

    def npv(r: float) -> float:
        return sum(a / (1 + r) ** ((d - first).days / 365) for d, a in flows)

    low, high = -0.99, 1e6
    for _ in range(400):
        mid = (low + high) / 2
        if (npv(mid) > 0) == (npv(low) > 0):
            low = mid
        else:
            high = mid
    return (low + high) / 2


def test_money_weighted_return_of_the_class_is_the_irr_of_its_investors_flows(office: Office) -> None:
    settle(office, office.ann.investor_id, "10000", D1)  # 2 % entry fee: 9,800 at 100 = 98 units
    settle(office, office.bob.investor_id, "20000", D3)  # 19,600 at 102 = 192.1569 units
    units_d3 = (Decimal("19600") / Decimal("102")).quantize(Decimal("0.0001"))
    flows = [(D1, -9800.0), (D3, -float(units_d3 * 102)), (D4, float((98 + units_d3) * Decimal("101.5")))]
    mwr = office.p.performance.money_weighted_return(PM, office.eur.class_id)
    assert mwr == pytest.approx(irr_by_bisection(flows), rel=1e-9)
    # Bob came in at 102 and the NAV fell to 101.5: money-weighted is below the time-weighted 1.5 %.
    assert mwr < (101.5 / 100) ** (365 / 3) - 1


def test_a_class_without_units_has_no_money_weighted_return(office: Office) -> None:
    assert office.p.performance.money_weighted_return(PM, office.usd.class_id) is None


def test_a_chosen_start_is_labelled_as_such_not_since_inception(office: Office) -> None:
    report = office.p.performance.class_performance(PM, office.eur.class_id, date(2023, 1, 3), D4)
    assert [p.name for p in report.periods][-1] == "Since 2023-01-03"
    assert report.annualised_return is None  # two days: never annualised
    full = office.p.performance.class_performance(PM, office.eur.class_id)
    assert [p.name for p in full.periods][-1] == "Since inception"


def test_fidus_perf_json_carries_every_figure(cli_db: list[str], capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run(cli_db, "perf", "--class", "GLB-A-EUR", "--from", "2023-01-03", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    for key in ("time_weighted_return", "money_weighted_return", "annualised_return", "annualised_volatility",
                "sharpe", "sortino", "calmar", "max_drawdown", "drawdown_peak", "drawdown_trough",
                "drawdown_recovery", "drawdown_days", "recovery_days", "best_month", "best_month_return",
                "worst_month", "worst_month_return"):
        assert key in data
    assert data["annualised_return"] is None
    assert float(data["time_weighted_return"]) == pytest.approx(101.5 / 101 - 1)
    assert "Since 2023-01-03" in data["periods"]
    assert any("not annualised" in w for w in data["warnings"])
    assert run(cli_db, "perf", "--class", "GLB-A-EUR", "--from", "2023-01-03") == 0
    assert "note: The period is 2 days" in capsys.readouterr().out

