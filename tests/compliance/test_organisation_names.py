"""Organisation names as the matcher reads them, on the real OFAC file: legal forms written with dots dropped
like their plain forms, and a company named only with generic words ("Holding Co") not hitting every listed
company that merely contains them."""

from __future__ import annotations

import pytest

from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import ScreeningIndex, Subject
from fidus_desktop.domain.names import name_words


@pytest.mark.parametrize(("written", "plain"), [
    ("Banco Nacional de Cuba S.A.", "Banco Nacional de Cuba SA"),
    ("Fiat S.p.A.", "Fiat SpA"),
    ("Philips N.V.", "Philips NV"),
    ("Acme L.L.C.", "Acme LLC"),
    ("Müller G.m.b.H.", "Müller GmbH"),
    ("Delta S.à r.l.", "Delta SARL"),
    ("O.O.O. Romashka", "OOO Romashka"),
])
def test_a_legal_form_written_with_dots_is_dropped_like_its_plain_form(written: str, plain: str) -> None:
    assert name_words(written, organisation=True) == name_words(plain, organisation=True)
    assert len(name_words(written, organisation=True)) == len(plain.split()) - 1


def test_single_letters_that_are_no_legal_form_stay() -> None:
    assert name_words("A B Trading", organisation=True) == ["a", "b", "trading"]
    assert name_words("X S.A.", organisation=True) == ["x"]
    assert name_words("S.A.", organisation=True) == ["s", "a"]  # nothing else: the name is kept whole
    assert name_words("J.R. Ewing", organisation=False) == ["j", "r", "ewing"]  # people keep their initials


def org(name: str) -> Subject:
    return Subject(name, EntityKind.ORGANISATION)


def test_a_dotted_legal_form_scores_as_the_name_without_it(sdn_index: ScreeningIndex) -> None:
    [dotted] = sdn_index.screen(org("Banco Nacional de Cuba S.A."))
    [bare] = sdn_index.screen(org("Banco Nacional de Cuba"))
    assert dotted.entry.entry_id == bare.entry.entry_id == "306"
    assert dotted.score == bare.score == 1.0


@pytest.mark.parametrize("name", ["Holding Co", "Holding", "Trading LLC", "International Group Ltd",
                                  "Investment Holdings S.A."])
def test_a_company_named_only_with_generic_words_hits_nothing_that_merely_contains_them(
    sdn_index: ScreeningIndex, name: str
) -> None:
    assert sdn_index.screen(org(name), threshold=0.5) == []


def test_a_distinctive_word_beside_generic_ones_still_hits(sdn_index: ScreeningIndex) -> None:
    hits = sdn_index.screen(org("ZK Holding Co"))
    assert "ZK HOLDING" in [h.matched_name for h in hits]
    [rosneft] = [h for h in sdn_index.screen(org("Rosneft Trading")) if h.matched_name == "ROSNEFT TRADING S.A."]
    assert rosneft.score == 1.0  # the listed name's "S.A." is dropped too


def test_a_company_listed_with_generic_words_only_is_found_by_its_whole_name(sdn_index: ScreeningIndex) -> None:
    hits = sdn_index.screen(org("International Investments Holding S.A. de C.V."))
    assert "INTERNATIONAL INVESTMENTS HOLDING S.A. DE C.V." in [h.matched_name for h in hits]
    assert sdn_index.screen(org("International Investments S.A."), threshold=0.5) == []  # a part is not enough
