"""The names file of `fidus screening check`: one name a line or a CSV, every bad line reported at once."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fidus_desktop.domain.compliance.lists import EntityKind
from fidus_desktop.domain.compliance.screening import Subject
from fidus_desktop.services.base import ValidationError
from fidus_desktop.services.compliance.subjects import parse_subjects


def test_one_name_a_line_blank_lines_skipped() -> None:
    assert parse_subjects("\ufeffAnn Smith\n\n  Ivan Petrov \n".encode()) == [Subject("Ann Smith"),
                                                                             Subject("Ivan Petrov")]


def test_a_csv_with_optional_columns_in_any_order() -> None:
    text = "Kind,name,country,date_of_birth\nperson,Ann Smith,France,1970-03-21\ncompany,\"Acme, Ltd\",GB,\n,Bo,,1961\n"
    assert parse_subjects(text.encode()) == [
        Subject("Ann Smith", EntityKind.PERSON, date(1970, 3, 21), ("FR",)),
        Subject("Acme, Ltd", EntityKind.ORGANISATION, None, ("GB",)),
        Subject("Bo", None, 1961)]


def test_every_bad_line_is_named() -> None:
    text = "name,date_of_birth,country,kind\nAnn,21/03/1970,,\n,,,\nBo,,Atlantis,\nCy,,,robot\nDi,,,,extra\n"
    with pytest.raises(ValidationError) as caught:
        parse_subjects(text.encode())
    assert set(caught.value.problems) == {"line 2", "line 4", "line 5", "line 6"}
    assert "Atlantis" in caught.value.problems["line 4"]


@pytest.mark.parametrize(("data", "says"), [
    (b"\xff\xfe\x00A", "not UTF-8"), (b"", "holds no names"), (b"name,alias\nAnn,A\n", r"Unknown column\(s\) alias"),
])
def test_files_that_are_not_names_are_refused(data: bytes, says: str) -> None:
    with pytest.raises(ValidationError, match=says):
        parse_subjects(data)


names = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s)


@given(st.lists(st.tuples(names, st.one_of(st.none(), st.dates(date(1900, 1, 1), date(2020, 12, 31)))),
                min_size=1, max_size=20))
def test_any_names_written_as_csv_read_back(rows: list[tuple[str, date | None]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "date_of_birth"])
    writer.writerows([(name, born.isoformat() if born else "") for name, born in rows])
    assert parse_subjects(out.getvalue().encode()) == [Subject(name, None, born) for name, born in rows]
