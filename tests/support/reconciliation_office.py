"""A fund with settled dealing in its cash ledger and MT5 accounts whose balance deals partly match it.

GLB (tests.support.portfolio_office, EUR class with a 2 % entry fee) is mapped to MT5 5001002 (EUR). Ann's
subscription settles on 2023-01-04 and reaches the account net of the fee (matched); Bob's settles on
2023-01-05 and never reaches it; a 2,500 EUR deposit nobody recorded and an unclassified adjustment are on
the account too. Fund NEW (no dealing, so no cash ledger) is mapped to MT5 7002001.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from fidus_desktop.services.portfolio.dealing import TransactionRequest
from fidus_desktop.services.trading.accounts import Mt5AccountInput
from fidus_desktop.services.trading.sync import Poll
from tests.support.mt5_records import balance, snapshot
from tests.support.portfolio_office import BACK, D1, D2, D3, D4, PM, PM2, Office, build_office

FIRST, LAST = date(2023, 1, 1), date(2023, 1, 31)


@dataclass
class ReconciliationOffice:
    office: Office
    ann_net: Decimal  # what Ann's subscription brought in after the entry fee (the matched deposit)
    bob_transaction: str  # the settled subscription that never reached MT5
    new_fund_id: str


def _settle(office: Office, investor_id: str, amount: str, day: date, settle: date) -> str:
    view = office.p.dealing.enter(PM, TransactionRequest("subscription", office.eur.class_id, investor_id,
                                                         day, day, settle, amount=amount))
    approved = office.p.dealing.approve(PM2, view.transaction_id, view.version)
    return office.p.dealing.settle(BACK, approved.transaction_id, approved.version).transaction_id


def balance_deal(ticket: int, amount: Decimal | str, comment: str, day: date) -> object:
    return replace(balance(ticket, str(amount), comment, datetime(day.year, day.month, day.day, 10, tzinfo=UTC)),
                   login=5001002, currency="EUR")


def build_reconciliation_office(path: Path) -> ReconciliationOffice:
    office = build_office(path)
    _settle(office, office.ann.investor_id, "10000", D1, D3)
    bob = _settle(office, office.bob.investor_id, "3000", D2, D4)
    ann_net = next(f.amount for f in office.p.cashflows.external_flows(BACK, office.fund.fund_id, FIRST, LAST) or []
                   if f.transaction_id != bob)
    new = office.p.funds.create_fund(PM, "NEW", "New fund", "GBP")
    trading = office.services.trading
    account = trading.accounts.create(PM, Mt5AccountInput(5001002, "FidusSim-Live", "Global", "EUR",
                                                          fund_id=office.fund.fund_id))
    trading.accounts.create(PM, Mt5AccountInput(7002001, "FidusSim-UK", "Income", "GBP", fund_id=new.fund_id))
    deals = [balance_deal(11, ann_net, "Deposit", D3), balance_deal(12, "2500", "Deposit", D4),
             balance_deal(13, "42", "Odd adjustment", D4),
             balance_deal(14, "-700", "Withdrawal to separation account", D4)]
    poll = Poll(replace(snapshot("20000"), login=5001002, currency="EUR"), [], deals, watermark=None)  # type: ignore[arg-type]
    trading.sync.record_poll(PM, account, poll)
    return ReconciliationOffice(office, ann_net, bob, new.fund_id)
