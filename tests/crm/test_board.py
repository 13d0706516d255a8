"""The board from aggregate queries: counts and per-currency totals equal an independent sum over every
prospect, columns cut at ``cards`` keep the soonest follow-ups, and the list's filter choices."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fidus_desktop.bootstrap import open_context
from fidus_desktop.services.base import ValidationError
from tests.conftest import ADMIN_PASSWORD


def test_columns_totals_and_cut(tmp_path: Path) -> None:
    ctx = open_context(f"sqlite:///{(tmp_path / 'b.db').as_posix()}", log_to_file=False)
    try:
        admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Admin").actor()
        prospects = ctx.services.prospects
        rows = [("A", "Lead", "100.10", "EUR", "2026-03-05"), ("B", "Lead", "0.20", "EUR", None),
                ("C", "Lead", "7", "USD", "2026-03-01"), ("D", "Negotiation", "1000", "EUR", "2026-03-02"),
                ("E", "Lead", None, None, "2026-03-03"), ("F", "Negotiation", "5", "CHF", None)]
        for name, stage, amount, currency, follow in rows:
            prospects.create(admin, {"organisation": f"{name} Trust", "stage": stage, "expected_amount": amount,
                                     "currency": currency, "next_follow_up": follow, "owner": f"owner-{name}",
                                     "country": "DE" if name < "D" else "CH"})
        expected: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for _, stage, amount, currency, _ in rows:
            if amount:
                expected[stage][currency] += Decimal(amount)
        columns = {c.stage.name: c for c in prospects.board(admin, cards=2)}
        for stage in ("Lead", "Negotiation"):
            assert {t.total.currency: t.total.amount for t in columns[stage].totals} == expected[stage]
        assert columns["Lead"].count == 4
        assert [p.organisation for p in columns["Lead"].prospects] == ["C Trust", "E Trust"]  # soonest first
        assert [p.organisation for p in columns["Negotiation"].prospects] == ["D Trust", "F Trust"]
        assert (columns["Won"].count, columns["Won"].prospects) == (0, ())
        assert columns["Negotiation"].in_base.total.amount == Decimal("1000.00")  # CHF has no rate here
        assert [m.currency for m in columns["Negotiation"].in_base.unconverted] == ["CHF"]
        choices = prospects.filter_choices(admin)
        assert choices["country"] == ["CH", "DE"]
        assert len(choices["owner"]) == 6
    finally:
        ctx.close()


def test_list_pages_count_and_sort_in_the_service(tmp_path: Path) -> None:
    ctx = open_context(f"sqlite:///{(tmp_path / 'p.db').as_posix()}", log_to_file=False)
    try:
        admin = ctx.services.users.create_first_admin("admin", ADMIN_PASSWORD, "Admin").actor()
        prospects = ctx.services.prospects
        for i, (amount, currency) in enumerate([("50", "USD"), ("900", "EUR"), ("10", "EUR"), (None, None)]):
            prospects.create(admin, {"organisation": f"Trust {i}", "expected_amount": amount, "currency": currency,
                                     "next_follow_up": "2020-01-01" if i == 2 else None})
        assert prospects.count(admin, {}) == 4
        assert prospects.count(admin, {"overdue_on": date(2026, 1, 1)}) == 1
        page = prospects.page(admin, {}, [("expected_amount", 1)], 0, 3)
        assert [(p.currency, p.expected_amount) for p in page] == [(None, None), ("EUR", 10), ("EUR", 900)]
        assert [p.organisation for p in prospects.page(admin, {}, None, 2, 10)] == ["Trust 2", "Trust 3"]
        with pytest.raises(ValidationError, match="cannot be sorted by 'email'"):
            prospects.page(admin, {}, [("email", 1)], 0, 10)
        with pytest.raises(ValidationError, match="1 to 1000"):
            prospects.page(admin, {}, None, 0, 5000)
    finally:
        ctx.close()
