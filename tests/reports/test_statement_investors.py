"""Statements for a large office: the investors with accounts are found without one huge ``$in`` query."""

from __future__ import annotations

from decimal import Decimal

from tests.support.portfolio_office import PM, Office


def test_statement_investors_of_an_office_of_2500(office: Office) -> None:
    p = office.p
    docs = [p.investors.investor_doc(f"INV-{n:05d}", f"Investor {n}", "individual") for n in range(10, 2510)]
    ids = p.investors.investors.insert_many(docs)
    eur = office.eur
    p.investors.accounts.insert_many([{"investor_id": i, "class_id": eur.class_id, "fund_id": eur.fund_id,
                                       "units": Decimal(1), "high_water_mark": None, "period_start": None}
                                      for i in ids[::2]])
    found = office.services.statements.statement_investors(PM)
    assert found == [*ids[::2], office.ann.investor_id, office.bob.investor_id]  # INV-00010 … sorts before INV-1
