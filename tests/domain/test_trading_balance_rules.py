"""Balance deal classification: ordered rules, direction, review queue."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.trading.balance_rules import (
    DEFAULT_RULES,
    BalanceCategory,
    BalanceRule,
    BalanceRules,
    Direction,
    RuleError,
)

C = BalanceCategory


@pytest.mark.parametrize(("comment", "amount", "expected"), [
    ("Deposit", "5000", C.CLIENT_DEPOSIT),
    ("Wire in ref 7781", "5000", C.CLIENT_DEPOSIT),
    ("Withdrawal", "-500", C.CLIENT_WITHDRAWAL),
    ("Withdrawal to separation account", "-1500", C.PROFIT_WITHDRAWAL),
    ("Transfer to 12345", "-2000", C.INTERNAL_TRANSFER),
    ("Transfer from 67890", "2000", C.INTERNAL_TRANSFER),
    ("Rebate", "12.40", C.FEE_REBATE),
    ("Deposit", "-100", C.UNCLASSIFIED),  # a negative "deposit" is not a deposit: review it
    ("adj 7781", "10", C.UNCLASSIFIED),
])
def test_default_rules(comment, amount, expected):
    result = DEFAULT_RULES.classify(comment, Decimal(amount))
    assert result.category is expected
    assert result.needs_review == (expected is C.UNCLASSIFIED)


def test_config_rules_first_match_wins():
    rules = BalanceRules.from_config([
        {"category": "internal_transfer", "pattern": "PAMM", "direction": "any"},
        {"category": "profit_withdrawal", "match": "regex", "pattern": r"^PW\s*\d+", "direction": "out"},
        {"category": "client_withdrawal", "pattern": "withdrawal"},
    ])
    assert rules.classify("PW 2024-03 withdrawal", Decimal(-10)).category is C.PROFIT_WITHDRAWAL
    assert rules.classify("PAMM withdrawal", Decimal(-10)).category is C.INTERNAL_TRANSFER
    decided = rules.classify("withdrawal", Decimal(-10))
    assert decided.rule == rules.rules[2]


@pytest.mark.parametrize(("item", "message"), [
    ({"pattern": "x"}, "lacks 'category'"),
    ({"category": "gift", "pattern": "x"}, "gift"),
    ({"category": "fee_rebate", "pattern": "(", "match": "regex"}, "not a valid regular expression"),
    ({"category": "fee_rebate", "pattern": " "}, "empty pattern"),
    ({"category": "fee_rebate", "pattern": "x", "match": "glob"}, "keyword"),
    ({"category": "fee_rebate", "pattern": "x", "direction": "up"}, "up"),
])
def test_bad_config_says_which_rule_and_why(item, message):
    with pytest.raises(RuleError, match=message):
        BalanceRules.from_config([{"category": "fee_rebate", "pattern": "ok"}, item])


amounts = st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(st.text(), amounts)
def test_classification_is_total(comment, amount):
    assert DEFAULT_RULES.classify(comment, amount).category in set(BalanceCategory)


@given(st.text(), amounts)
def test_direction_is_respected(comment, amount):
    category = DEFAULT_RULES.classify(comment, amount).category
    if amount > 0:
        assert category not in (C.CLIENT_WITHDRAWAL, C.PROFIT_WITHDRAWAL)
    if amount < 0:
        assert category is not C.CLIENT_DEPOSIT
    if amount == 0:
        assert category in (C.INTERNAL_TRANSFER, C.FEE_REBATE, C.UNCLASSIFIED)


@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126)), amounts)
def test_matching_ignores_case_and_spacing(comment, amount):
    plain = DEFAULT_RULES.classify(comment, amount).category
    assert DEFAULT_RULES.classify(comment.upper(), amount).category is plain
    assert DEFAULT_RULES.classify("  " + comment.replace(" ", "   ") + " ", amount).category is plain


@given(st.text(), st.text(), amounts.filter(lambda a: a < 0))
def test_separation_wins_over_any_other_words(before, after, amount):
    assert DEFAULT_RULES.classify(f"{before} separation {after}", amount).category is C.PROFIT_WITHDRAWAL


@given(st.text(min_size=1).filter(str.strip), st.text(), amounts.filter(lambda a: a != 0))
def test_a_keyword_rule_matches_its_keyword_anywhere(keyword, text, amount):
    rules = BalanceRules([BalanceRule(C.FEE_REBATE, keyword, "keyword", Direction.ANY)])
    assert rules.classify(text + keyword + text, amount).category is C.FEE_REBATE
