"""A small reporting office: the portfolio test office plus settled subscriptions in January 2023.

Shared by the report tests and the Portfolio tab tests (each folder's conftest makes it the ``office`` fixture).
"""

from __future__ import annotations

from pathlib import Path

from fidus_desktop.services.portfolio.dealing import TransactionRequest
from tests.support.portfolio_office import BACK, D1, D2, D3, PM, PM2, Office, build_office


def settle_subscription(o: Office, class_id: str, investor_id: str, amount: str, day, settle) -> None:
    entered = o.p.dealing.enter(PM, TransactionRequest("subscription", class_id, investor_id, day, day, settle,
                                                       amount=amount))
    approved = o.p.dealing.approve(PM2, entered.transaction_id, entered.version)
    o.p.dealing.settle(BACK, approved.transaction_id, approved.version)


def reporting_office(tmp_path: Path) -> Office:
    o = build_office(tmp_path)
    settle_subscription(o, o.eur.class_id, o.ann.investor_id, "10000", D1, D2)
    settle_subscription(o, o.usd.class_id, o.ann.investor_id, "5000", D2, D3)
    settle_subscription(o, o.usd.class_id, o.bob.investor_id, "20000", D3, D3)
    return o
