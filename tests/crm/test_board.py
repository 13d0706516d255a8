"""The board from aggregate queries: counts and per-currency totals equal an independent sum over every
prospect, columns cut at ``cards`` keep the soonest follow-ups, and the list's filter choices."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from fidus_desktop.bootstrap import open_context
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
