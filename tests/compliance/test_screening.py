"""Screening quality on the labelled set (real list names altered, ordinary names), and hits that explain
themselves."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fidus_desktop.domain.compliance.lists import EntityKind, EntryName, ListEntry, NameStrength
from fidus_desktop.domain.compliance.screening import ScreeningIndex, Subject, name_score, skeleton

LABELLED = Path(__file__).resolve().parents[1] / "data" / "screening" / "labelled.csv"


def test_recall_and_false_alerts_on_the_labelled_set_at_the_default_threshold(sdn_index: ScreeningIndex) -> None:
    rows = list(csv.DictReader(LABELLED.open(encoding="utf-8")))
    found = missed = false_alerts = ordinary = 0
    for row in rows:
        subject = Subject(row["name"], EntityKind(row["kind"]), int(row["birth_year"]) if row["birth_year"] else None)
        ids = {hit.entry.entry_id for hit in sdn_index.screen(subject)}
        if row["expected"]:
            found += row["expected"] in ids
            missed += row["expected"] not in ids
        else:
            ordinary += 1
            false_alerts += bool(ids)
    assert found / (found + missed) >= 0.98
    assert false_alerts / ordinary <= 0.01


def test_a_hit_names_the_entry_the_words_paired_and_what_moved_the_score(sdn_index: ScreeningIndex) -> None:
    [hit] = sdn_index.screen(Subject("Musa Mohamed Abu Marzuk", EntityKind.PERSON, date(1951, 2, 9), ("JO",)))
    assert hit.entry.entry_id == "3754"
    assert {(p.query, p.listed) for p in hit.pairs} == {("musa", "mousa"), ("mohamed", "mohammed"),
                                                         ("abu", "abu"), ("marzuk", "marzook")}
    assert hit.factors == ("date of birth 1951-02-09 listed (+0.05)",)
    assert "ofac-sdn 3754 'Mousa Mohammed ABU MARZOOK'" in hit.explanation()


def test_names_in_another_script_are_transliterated(sdn_index: ScreeningIndex) -> None:
    hits = sdn_index.screen(Subject("Владимир Владимирович Путин", EntityKind.PERSON))
    assert hits[0].entry.primary_name == "Vladimir Vladimirovich PUTIN"


ENTRY = ListEntry("test", "1", EntityKind.PERSON,
                  (EntryName("Ivan PETROV", NameStrength.PRIMARY), EntryName("Vanya", NameStrength.WEAK)),
                  ("1960-05-01",), ("RU",))


def test_evidence_raises_and_lowers_the_score() -> None:
    index = ScreeningIndex([ENTRY])
    same = index.screen(Subject("Ivan Petrov", EntityKind.PERSON, date(1960, 5, 1), ("RU",)), threshold=0)[0]
    other = index.screen(Subject("Ivan Petrov", EntityKind.PERSON, 1975, ("FR",)), threshold=0)[0]
    company = index.screen(Subject("Ivan Petrov", EntityKind.ORGANISATION), threshold=0)[0]
    assert same.score == 1.0
    assert other.score == 0.8  # 1.0 − 0.15 (15 years off) − 0.05 (other country)
    assert company.score == 0.6
    assert company.factors == ("screened as organisation, listed as person (×0.6)",)


def test_initials_and_order_do_not_hide_a_name() -> None:
    score, _ = name_score(["petrov", "i"], ["ivan", "petrov"])
    assert score > 0.85
    assert skeleton("mohammed") == skeleton("muhammad") == skeleton("mohamed")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.sampled_from([None, *EntityKind]), st.one_of(st.none(), st.integers(1, 3000)))
def test_any_text_screens_without_error_and_scores_stay_in_range(name: str, kind: EntityKind | None,
                                                                  year: int | None) -> None:
    for hit in ScreeningIndex([ENTRY]).screen(Subject(name, kind, year), threshold=0):
        assert 0.0 <= hit.score <= 1.0
