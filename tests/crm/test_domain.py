"""CRM rules checked against figures worked out here by hand or by a separate computation."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.crm import activities as act
from fidus_desktop.domain.crm import commissions as com
from fidus_desktop.domain.crm import funnel, matching, outbox
from fidus_desktop.domain.crm.stages import (
    DEFAULT_STAGES,
    PipelineError,
    Stage,
    StageKind,
    check_move,
    check_stage_set,
    reordered,
    stage_change,
)
from fidus_desktop.domain.fixed_yield import Investment, PayoutFrequency, ProductTerms, YieldKind
from fidus_desktop.domain.money import Money

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
LEAD, NEGOTIATION, WON, LOST = DEFAULT_STAGES


# -- stages ---------------------------------------------------------------------------------------------------
def test_default_stages_are_a_valid_set_in_board_order() -> None:
    assert [s.name for s in check_stage_set(DEFAULT_STAGES[::-1])] == ["Lead", "Negotiation", "Won", "Lost"]


@pytest.mark.parametrize(("stages", "message"), [
    ([LEAD, Stage("lead", StageKind.OPEN, Decimal("0.2"), "#000000", 5), WON, LOST], "used twice"),
    ([LEAD, NEGOTIATION, LOST], "at least one won stage"),
    ([LEAD, Stage("Qualified", StageKind.OPEN, Decimal("0.2"), "#000000", 10), WON, LOST], "same position"),
])
def test_a_broken_stage_set_is_refused_saying_why(stages: list[Stage], message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        check_stage_set(stages)


def test_won_and_lost_probabilities_are_fixed_and_colours_checked() -> None:
    with pytest.raises(PipelineError, match="probability is 1"):
        Stage("Won", StageKind.WON, Decimal("0.9"), "#000000", 1)
    with pytest.raises(PipelineError, match="#RRGGBB"):
        Stage("Lead", StageKind.OPEN, Decimal("0.1"), "blue", 1)


def test_an_admin_adds_a_stage_and_reorders_without_code() -> None:
    qualified = Stage("Qualified", StageKind.OPEN, Decimal("0.3"), "#123456", 99)
    board = reordered([*DEFAULT_STAGES, qualified], ["Lead", "Qualified", "Negotiation", "Won", "Lost"])
    assert [(s.name, s.order) for s in board] == [("Lead", 10), ("Qualified", 20), ("Negotiation", 30),
                                                  ("Won", 40), ("Lost", 50)]
    with pytest.raises(PipelineError, match="every stage exactly once"):
        reordered(DEFAULT_STAGES, ["Lead", "Won", "Lost"])


def test_lost_needs_a_reason_and_converted_prospects_do_not_move() -> None:
    with pytest.raises(PipelineError, match="lost reason"):
        check_move(NEGOTIATION, LOST, reason="  ", converted=False)
    check_move(LOST, LEAD, reason=None, converted=False)  # reopening
    with pytest.raises(PipelineError, match="converted"):
        check_move(WON, LEAD, reason=None, converted=True)


def test_a_stage_change_records_the_time_spent_in_the_previous_stage() -> None:
    change = stage_change("p1", "Lead", "Negotiation", T0 + timedelta(days=2, hours=3), "maria", T0)
    assert change.seconds_in_previous == 2 * 86400 + 3 * 3600
    assert stage_change("p1", None, "Lead", T0, "maria", None).seconds_in_previous is None


# -- duplicates -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["+44 7700 900123", "07700 900123", "(0)7700-900-123", "+447700900123"])
def test_phone_numbers_typed_differently_give_one_key(typed: str) -> None:
    assert matching.phone_key(typed, "GB") == "+447700900123"


def test_names_match_without_accents_case_punctuation_or_legal_form() -> None:
    assert matching.name_key("Jürgen  MÜLLER", "Müller & Söhne GmbH") == matching.name_key(
        "jurgen muller", "Muller Sohne")
    assert matching.name_key("", "Acme") is None


def test_duplicates_are_found_by_any_key_most_matching_first() -> None:
    new = matching.MatchKeys.of(display_name="Ann Smith", organisation=None, email="ANN@example.com ",
                                phone="020 7946 0018", country="GB")
    by_email = matching.Candidate("investor", "i1", "Ann Smith (INV-1)", matching.MatchKeys.of(
        display_name="Ann Smith", organisation=None, email="ann@example.com", phone=None, country=None))
    by_phone = matching.Candidate("prospect", "p2", "A. Smith", matching.MatchKeys.of(
        display_name="A. Smith", organisation=None, email=None, phone="+44 20 7946 0018", country=None))
    other = matching.Candidate("prospect", "p3", "Bob", matching.MatchKeys.of(
        display_name="Bob", organisation=None, email="bob@example.com", phone=None, country=None))
    found = matching.find_duplicates(new, [other, by_phone, by_email])
    assert [(m.candidate.record_id, m.fields) for m in found] == [("i1", ("email", "name")), ("p2", ("phone",))]
    assert matching.find_duplicates(new, [by_email], exclude=["i1"]) == []


@given(st.text(max_size=40), st.sampled_from([None, "", "GB", "DE", "US", "zz"]))
def test_any_phone_text_gives_a_key_or_none_and_never_raises(text: str, country: str | None) -> None:
    key = matching.phone_key(text, country)
    assert key is None or (key.startswith("+") and key[1:].isdigit())
    assert key is None or matching.phone_key(key, None) == key  # a key reads back as itself


def test_an_unusable_phone_number_is_explained() -> None:
    assert "country code" in (matching.phone_problem("7946 0018", None) or "")
    assert matching.phone_problem("+44 20 7946 0018", None) is None


# -- activities -----------------------------------------------------------------------------------------------
def test_completing_a_call_plans_the_proposal_three_days_later() -> None:
    templates = [act.ChainTemplate(act.ActivityKind.CALL, "Intro call", act.ActivityKind.EMAIL, "Send proposal", 3),
                 act.ChainTemplate(act.ActivityKind.MEETING, None, act.ActivityKind.TODO, "Write minutes", 0)]
    assert act.chained(templates, act.ActivityKind.CALL, "intro call ", T0) == [
        act.PlannedActivity(act.ActivityKind.EMAIL, "Send proposal", T0 + timedelta(days=3))]
    assert act.chained(templates, act.ActivityKind.CALL, "Other call", T0) == []


def test_my_day_buckets() -> None:
    monday_noon = datetime(2026, 3, 2, 12, tzinfo=UTC)
    assert act.day_bucket(monday_noon - timedelta(minutes=1), monday_noon) is act.DayBucket.OVERDUE
    assert act.day_bucket(monday_noon.replace(hour=17), monday_noon) is act.DayBucket.TODAY
    assert act.day_bucket(datetime(2026, 3, 8, 23, tzinfo=UTC), monday_noon) is act.DayBucket.THIS_WEEK
    assert act.day_bucket(datetime(2026, 3, 9, 8, tzinfo=UTC), monday_noon) is act.DayBucket.LATER


def test_reminders_include_those_missed_while_closed_and_each_shows_once() -> None:
    due = [("a", T0 + timedelta(minutes=10)), ("b", T0 - timedelta(days=1)), ("c", T0 + timedelta(hours=2))]
    shown = act.reminders_due(due, timedelta(minutes=15), T0, already_shown=set())
    assert [r.activity_id for r in shown] == ["b", "a"]
    assert act.reminders_due(due, timedelta(minutes=15), T0, already_shown={"a", "b"}) == []


# -- commissions ----------------------------------------------------------------------------------------------
def terms(rate: str = "0.01", frequency: PayoutFrequency = PayoutFrequency.QUARTERLY) -> ProductTerms:
    return ProductTerms("CORE", "Core", 1, YieldKind.FIXED, frequency, 0, 12, Money(Decimal(1000), "USD"),
                        monthly_rate=Decimal(rate))


def test_commission_is_ten_percent_of_each_interest_payment_in_the_period() -> None:
    ann = Investment("inv-1", "ann", terms(), Money(Decimal(100_000), "USD"), date(2026, 1, 15))
    lines = com.commission_lines("AG1", com.DEFAULT_RATE, [ann], date(2026, 4, 1), date(2026, 12, 31))
    # Quarterly interest 100,000 × 1 % × 3 = 3,000 on Apr 15, Jul 15, Oct 15; the Jan 15, 2027 one is outside.
    assert [(line.due_date, line.interest.amount, line.commission.amount) for line in lines] == [
        (date(2026, 4, 15), Decimal("3000.00"), Decimal("300.00")),
        (date(2026, 7, 15), Decimal("3000.00"), Decimal("300.00")),
        (date(2026, 10, 15), Decimal("3000.00"), Decimal("300.00"))]
    assert com.totals(lines) == {"USD": Money(Decimal("900.00"), "USD")}


@given(principal=st.decimals(min_value=1000, max_value=10_000_000, places=2),
       monthly=st.decimals(min_value=Decimal("0.001"), max_value=Decimal("0.05"), places=4),
       rate=st.decimals(min_value=0, max_value=Decimal("0.5"), places=4))
def test_commission_matches_an_independent_monthly_computation(principal: Decimal, monthly: Decimal,
                                                                rate: Decimal) -> None:
    investment = Investment("x", "ann", terms(str(monthly), PayoutFrequency.MONTHLY), Money(principal, "USD"),
                            date(2026, 1, 31))
    lines = com.commission_lines("AG", rate, [investment], date(2026, 1, 1), date(2027, 12, 31))
    cent = Decimal("0.01")
    interest = (principal * monthly).quantize(cent, rounding=ROUND_HALF_EVEN)
    expected = (interest * rate).quantize(cent, rounding=ROUND_HALF_EVEN)
    assert len(lines) == 12
    assert {line.commission.amount for line in lines} == {expected}
    assert lines[0].due_date == date(2026, 2, 28)  # month-end clamped


def test_commission_status_moves_forward_and_needs_a_second_person() -> None:
    com.check_status_change(com.CommissionStatus.PENDING, com.CommissionStatus.APPROVED, entered_by="a", actor="b")
    with pytest.raises(com.CommissionError, match="Four-eyes"):
        com.check_status_change(com.CommissionStatus.PENDING, com.CommissionStatus.APPROVED, entered_by="a",
                                actor="a")
    with pytest.raises(com.CommissionError, match="cannot become paid"):
        com.check_status_change(com.CommissionStatus.PENDING, com.CommissionStatus.PAID, entered_by="a", actor="b")
    with pytest.raises(com.CommissionError, match=r"between 0 and 0\.5"):
        com.check_rate(Decimal("0.6"))


# -- funnel ---------------------------------------------------------------------------------------------------
def test_funnel_figures_of_a_small_pipeline_worked_by_hand() -> None:
    day = timedelta(days=1)
    log = [
        stage_change("p1", None, "Lead", T0, "m", None),
        stage_change("p1", "Lead", "Negotiation", T0 + 2 * day, "m", T0),
        stage_change("p1", "Negotiation", "Won", T0 + 6 * day, "m", T0 + 2 * day),
        stage_change("p2", None, "Lead", T0, "m", None),
        stage_change("p2", "Lead", "Lost", T0 + 4 * day, "m", T0, reason="fees"),
        stage_change("p3", None, "Lead", T0, "m", None),
    ]
    figures = {f.stage: f for f in funnel.stage_figures(DEFAULT_STAGES, log, {"p1": "Won", "p2": "Lost",
                                                                              "p3": "Lead"})}
    lead = figures["Lead"]
    assert (lead.entered, lead.advanced, lead.won) == (3, 1, 1)
    assert lead.conversion == pytest.approx(1 / 3)
    assert lead.average_seconds == 3 * 86400  # (2 + 4) / 2 days
    assert figures["Negotiation"].average_seconds == 4 * 86400
    assert figures["Won"].average_seconds is None
    assert funnel.outcome_counts([("p2", "fees"), ("p4", "timing"), ("p5", "fees")]) == {"fees": 2, "timing": 1}


def test_column_totals_convert_what_they_can_and_list_the_rest() -> None:
    def convert(money: Money, to: str) -> Money | None:
        return {"EUR": money, "USD": Money(money.amount * Decimal("0.9"), to)}.get(money.currency)

    total = funnel.column_total(NEGOTIATION, 3, {"EUR": Decimal(1000), "USD": Decimal(2000), "JPY": Decimal(5)},
                                "EUR", convert)
    assert total.total == Money(Decimal("2800.00"), "EUR")
    assert total.weighted == Money(Decimal("1400.00"), "EUR")  # × 0.50
    assert total.unconverted == (Money(Decimal(5), "JPY"),)


# -- outbox ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("status", "detail", "expected"), [
    (429, "", outbox.Outcome.RETRY), (503, "", outbox.Outcome.RETRY), (None, "timeout", outbox.Outcome.RETRY),
    (401, "", outbox.Outcome.RECONNECT), (400, "invalid_grant", outbox.Outcome.RECONNECT),
    (403, "insufficient scope", outbox.Outcome.NEEDS_PERSON), (404, "", outbox.Outcome.NEEDS_PERSON)])
def test_failures_are_retried_or_handed_to_a_person(status: int | None, detail: str,
                                                     expected: outbox.Outcome) -> None:
    assert outbox.classify(status, detail) is expected


@given(attempt=st.integers(min_value=1, max_value=60), seed=st.integers())
def test_backoff_is_jittered_within_the_exponential_ceiling(attempt: int, seed: int) -> None:
    delay = outbox.backoff(attempt, random.Random(seed)).total_seconds()
    assert 0 <= delay <= min(1800, 2 * 2 ** (attempt - 1))


def test_a_job_stops_after_the_last_attempt_and_says_how_to_fix_403() -> None:
    rng = random.Random(1)
    retry = outbox.after_failure(503, "", 1, T0, rng)
    assert retry.outcome is outbox.Outcome.RETRY
    assert retry.next_attempt_at is not None
    assert T0 <= retry.next_attempt_at <= T0 + timedelta(seconds=2)
    assert outbox.after_failure(503, "", outbox.MAX_ATTEMPTS, T0, rng).outcome is outbox.Outcome.NEEDS_PERSON
    assert "scope" in outbox.after_failure(403, "", 1, T0, rng).reason
