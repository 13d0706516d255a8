"""Referral agents and their commission statements: figures checked against an independent computation in
exact fractions (hypothesis for the rule, fixed figures through the service), introductions from conversion,
pending → approved (by someone else, crm.commissions) → paid, frozen once prepared, audited, PDF and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.bootstrap import AppContext, open_context
from fidus_desktop.domain.crm.commissions import CommissionStatus, commission_lines
from fidus_desktop.domain.fixed_yield import Investment, PayoutFrequency, ProductTerms, YieldKind
from fidus_desktop.domain.money import Money
from fidus_desktop.reports.commission_statement import commission_csv_table, commission_story
from fidus_desktop.reports.pdf import story_text
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.audit_query import AuditFilter
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.permissions import PermissionDenied
from tests.conftest import ADMIN_PASSWORD
from tests.support.clock import FakeClock


def exact(value: Fraction) -> Fraction:
    """To the cent, half to even, computed without Decimal (Python rounds Fractions half to even)."""
    return Fraction(round(value, 2))


def expected_commission(principal: int, monthly_rate: Fraction, months: int, rate: Fraction) -> Fraction:
    return exact(exact(principal * monthly_rate * months) * rate)


def terms(monthly_rate: Decimal, frequency: PayoutFrequency) -> ProductTerms:
    return ProductTerms("CORE", "Core", 1, YieldKind.FIXED, frequency, 0, 12, Money(Decimal(0), "USD"),
                        monthly_rate=monthly_rate)


@settings(max_examples=200, deadline=None)
@given(principal=st.integers(1, 10**9), rate_bp=st.integers(1, 500), share_bp=st.integers(0, 5000),
       frequency=st.sampled_from(list(PayoutFrequency)), start_day=st.integers(1, 28))
def test_every_payment_earns_the_rounded_share_of_its_interest(principal: int, rate_bp: int, share_bp: int,
                                                                frequency: PayoutFrequency, start_day: int) -> None:
    monthly, share = Fraction(rate_bp, 10_000), Fraction(share_bp, 10_000)
    investment = Investment("i1", "inv1", terms(Decimal(rate_bp) / 10_000, frequency),
                            Money(Decimal(principal), "USD"), date(2026, 1, start_day))
    lines = commission_lines("AG", Decimal(share_bp) / 10_000, [investment], date(2026, 1, 1), date(2026, 12, 31))
    months = frequency.value
    # payments fall every `months` months after the start; those in 2026 are the months 1+months … ≤ 12
    assert len(lines) == len(range(1 + months, 13, months))
    for line in lines:
        assert Fraction(line.interest.amount) == exact(principal * monthly * months)
        assert Fraction(line.commission.amount) == expected_commission(principal, monthly, months, share)


@pytest.fixture
def office(tmp_path: Path) -> Iterator[tuple[AppContext, Actor, Actor, Actor]]:
    ctx = open_context(f"sqlite:///{(tmp_path / 'crm.db').as_posix()}",
                       clock=FakeClock(datetime(2026, 1, 5, tzinfo=UTC)), log_to_file=False)
    users = ctx.services.users
    admin = users.create_first_admin("admin", ADMIN_PASSWORD, "Admin").actor()
    bo = users.create_user(admin, "bo", ADMIN_PASSWORD, "back_office", "Back Office").actor()
    pm = users.create_user(admin, "pm", ADMIN_PASSWORD, "portfolio_manager", "PM").actor()
    yield ctx, admin, bo, pm
    ctx.close()


def client_with_investments(ctx: AppContext, admin: Actor, agent_code: str) -> str:
    """A prospect introduced by the agent, won and converted, then investing twice in CORE (1.5 % a month)."""
    prospects = ctx.services.prospects
    p = prospects.create(admin, {"first_name": "Ann", "last_name": "Smith", "agent_code": agent_code})
    prospects.move(admin, p.prospect_id, "Won")
    investor_id = prospects.convert(admin, p.prospect_id)
    products = ctx.services.portfolio.products
    products.define_terms(admin, "CORE", "Core", monthly_rate="0.015", payout_frequency="monthly",
                          commitment_months=12, currency="USD")
    products.invest(admin, investor_id, "CORE", "100000.33", "2025-12-31")  # month-end dates clamp
    products.invest(admin, investor_id, "CORE", "25000", "2026-02-10")
    return investor_id


def test_statement_figures_match_an_independent_computation(office: tuple[AppContext, Actor, Actor, Actor]) -> None:
    ctx, admin, _, _ = office
    agents = ctx.services.crm_agents
    agents.add(admin, {"code": "ag-1", "name": "Alpine Introductions", "email": "a@alpine.example", "rate": "12.5 %"})
    investor_id = client_with_investments(ctx, admin, "AG-1")
    assert agents.clients(admin, "AG-1") == [investor_id]
    statement = agents.statement(admin, "AG-1", "2026-Q1")
    # 100,000.33 from 2025-12-31: paid Jan 31, Feb 28, Mar 31; 25,000 from 2026-02-10: Mar 10.
    big = exact(Fraction("100000.33") * Fraction("0.015"))
    small = exact(Fraction(25000) * Fraction("0.015"))
    assert [(line.due_date, Fraction(line.interest.amount)) for line in statement.lines] == [
        (date(2026, 1, 31), big), (date(2026, 2, 28), big), (date(2026, 3, 10), small), (date(2026, 3, 31), big)]
    share = Fraction(1, 8)
    assert Fraction(statement.totals["USD"].amount) == 3 * exact(big * share) + exact(small * share)
    assert statement.status is None
    assert {line.investor_name for line in statement.lines} == {"Ann Smith"}


def test_prepare_approve_pay_with_four_eyes(office: tuple[AppContext, Actor, Actor, Actor]) -> None:
    ctx, admin, bo, pm = office
    agents = ctx.services.crm_agents
    agents.add(admin, {"code": "AG-1", "name": "Alpine Introductions"})
    client_with_investments(ctx, admin, "AG-1")
    prepared = agents.prepare(bo, "AG-1", "2026-03")
    assert (prepared.status, prepared.prepared_by, len(prepared.lines)) == (CommissionStatus.PENDING, "bo", 2)
    with pytest.raises(ValidationError, match="Four-eyes"):
        agents.approve(bo, "AG-1", "2026-03")
    with pytest.raises(PermissionDenied):
        agents.approve(pm, "AG-1", "2026-03")
    with pytest.raises(ValidationError, match="pending commission cannot become paid"):
        agents.mark_paid(admin, "AG-1", "2026-03")
    approved = agents.approve(admin, "AG-1", "2026-03")
    assert (approved.status, approved.approved_by) == (CommissionStatus.APPROVED, "admin")
    agents.set_rate(admin, "AG-1", "0.2")  # a new rate does not change what was approved
    assert agents.statement(admin, "AG-1", "2026-03").totals == prepared.totals
    with pytest.raises(ValidationError, match="already approved"):
        agents.prepare(bo, "AG-1", "2026-03")
    assert agents.mark_paid(bo, "AG-1", "2026-03").status is CommissionStatus.PAID
    actions = [e.action for e in ctx.services.audit_query.page(admin, AuditFilter(entity="crm_commission"))]
    assert actions == ["crm.commission_paid", "crm.commission_approved", "crm.commission_prepare"]


def test_bad_input_is_explained(office: tuple[AppContext, Actor, Actor, Actor]) -> None:
    ctx, admin, _, pm = office
    agents = ctx.services.crm_agents
    with pytest.raises(ValidationError) as caught:
        agents.add(admin, {"code": "bad code!", "name": "", "rate": "80 %", "email": "nope"})
    assert set(caught.value.problems) == {"code", "name", "rate", "email"}
    agents.add(admin, {"code": "AG-1", "name": "Alpine"})
    with pytest.raises(ValidationError, match="already an agent AG-1"):
        agents.add(admin, {"code": "ag-1", "name": "Other"})
    with pytest.raises(ValidationError, match="YYYY-Qn"):
        agents.statement(admin, "AG-1", "March")
    with pytest.raises(ValidationError, match="no agent"):
        agents.statement(admin, "AG-9", "2026-03")
    with pytest.raises(ValidationError, match="not prepared"):
        agents.approve(admin, "AG-1", "2026-03")
    with pytest.raises(PermissionDenied):
        ctx.services.crm_agents.add(
            ctx.services.users.create_user(admin, "cora", ADMIN_PASSWORD, "compliance_officer", "C").actor(),
            {"code": "AG-2", "name": "x"})
    assert pm.username == "pm"


def test_pdf_and_csv_show_the_same_figures(office: tuple[AppContext, Actor, Actor, Actor], tmp_path: Path) -> None:
    ctx, admin, _, _ = office
    agents = ctx.services.crm_agents
    agents.add(admin, {"code": "AG-1", "name": "Alpine Introductions"})
    client_with_investments(ctx, admin, "AG-1")
    statement = agents.statement(admin, "AG-1", "2026-Q1")
    text = story_text(commission_story(statement))
    assert "Commission statement 2026-Q1" in text
    assert "Alpine Introductions (AG-1) · rate 10 %" in text
    assert "Total USD" in text
    assert f"{statement.totals['USD'].amount:,}" in text
    table = commission_csv_table(statement)
    assert table.headers[:3] == ["Due date", "Investor number", "Investor"]
    assert sum(row[-1] for row in table.rows) == statement.totals["USD"].amount
