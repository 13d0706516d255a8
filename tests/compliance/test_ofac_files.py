"""OFAC's files read as they are published, and files that are not OFAC's refused with where and why."""

from __future__ import annotations

from collections import Counter

import pytest

from fidus_desktop.domain.compliance.lists import EntityKind, ListEntry, ListFormatError, NameStrength, changes
from fidus_desktop.integrations.sanctions import ofac
from fidus_desktop.integrations.sanctions.countries import country_code
from tests.compliance.conftest import CONSOLIDATED_XML, real_file


def test_the_real_sdn_file_gives_every_entry_with_aliases_dates_and_countries(sdn_entries: list[ListEntry]) -> None:
    assert len(sdn_entries) == 14_965  # the count shared/data/README.md gives for this file
    kinds = Counter(e.kind for e in sdn_entries)
    assert kinds[EntityKind.PERSON] == 6854
    assert kinds[EntityKind.VESSEL] == 851
    entry = next(e for e in sdn_entries if e.entry_id == "3754")
    # From the file: "ABU MARZOOK, Mousa Mohammed","individual","SDGT",…,"DOB 09 Feb 1951; … a.k.a. 'ABU-'UMAR'."
    assert entry.primary_name == "Mousa Mohammed ABU MARZOOK"
    assert [(n.text, n.strength) for n in entry.names[1:]] == [("ABU-'UMAR", NameStrength.STRONG)]
    assert entry.birth_dates == ("1951-02-09",)
    assert entry.programmes == ("SDGT",)


def test_the_real_consolidated_xml_gives_strong_and_weak_aliases() -> None:
    entries = ofac.parse_sdn_xml(real_file(CONSOLIDATED_XML))
    assert len(entries) == 443
    assert Counter(e.kind for e in entries) == {EntityKind.ORGANISATION: 364, EntityKind.PERSON: 79}
    entry = next(e for e in entries if e.entry_id == "9640")
    assert [n.text for n in entry.names] == ["Mohammed ABU TEIR", "Mohammed Mahmud ABU TAIR",
                                             "Mohammad Mahmoud ABOU TAYR"]
    assert entry.birth_dates == ("1951",)


@pytest.mark.parametrize(("remarks", "expected"), [
    ("DOB 09 Feb 1951; POB Gaza", ("1951-02-09",)),
    ("DOB Feb 1951", ("1951-02",)),
    ("DOB circa 1965; alt. DOB 1966", ("1965", "1966")),
    ("DOB 1962 to 1964", ("1962", "1963", "1964")),
    ("DOB 01 Jan 1960 to 31 Dec 1961", ("1960", "1961")),
    ("no date here", ()),
])
def test_ofac_date_forms(remarks: str, expected: tuple[str, ...]) -> None:
    assert ofac.birth_dates(remarks) == expected


@pytest.mark.parametrize(("name", "code"), [("Iran", "IR"), ("Korea, North", "KP"), ("Burma", "MM"),
                                            ("Congo, Democratic Republic of the", "CD"), ("Region", None)])
def test_list_country_names_become_codes(name: str, code: str | None) -> None:
    assert country_code(name) == code


@pytest.mark.parametrize(("data", "message"), [
    (b"name,kind\nAnn,person\n", "Line 1 is not an OFAC SDN row"),
    (b"", "no OFAC SDN entries"),
])
def test_a_file_that_is_not_the_sdn_csv_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ListFormatError, match=message):
        ofac.parse_sdn_csv(data)


@pytest.mark.parametrize(("data", "message"), [
    (b"<sdnList><sdnEntry>", "not well-formed"),
    (b"<other/>", "not OFAC's <sdnList>"),
    (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><sdnList/>', "DTD"),
])
def test_an_xml_that_is_not_ofacs_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(ListFormatError, match=message):
        ofac.parse_sdn_xml(data)


def test_a_new_import_says_what_it_added_removed_and_changed(sdn_entries: list[ListEntry]) -> None:
    old = {e.entry_id: e.fingerprint() for e in sdn_entries[:100]}
    edited = sdn_entries[5]
    newer = [*sdn_entries[1:5], ListEntry(edited.list_name, edited.entry_id, edited.kind, edited.names, ("1970",)),
             *sdn_entries[6:101]]
    diff = changes(old, newer)
    assert diff.added == (sdn_entries[100].entry_id,)
    assert diff.removed == (sdn_entries[0].entry_id,)
    assert diff.changed == (edited.entry_id,)
    assert diff.summary() == "1 added, 1 removed, 1 changed"
