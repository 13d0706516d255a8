"""The UN, EU and OpenSanctions readers on excerpts written in each publisher's published format (no copy of
those files is available here; the OFAC readers are tested on the real files)."""

from __future__ import annotations

import pytest

from fidus_desktop.domain.compliance.lists import EntityKind, ListFormatError, NameStrength
from fidus_desktop.integrations.sanctions.eu import parse_eu_xml
from fidus_desktop.integrations.sanctions.opensanctions import parse_targets_csv
from fidus_desktop.integrations.sanctions.un import parse_un_xml

UN = b"""<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2024-05-06T10:00:00.000Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>6908555</DATAID><VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>ABDUL</FIRST_NAME><SECOND_NAME>GHANI</SECOND_NAME><THIRD_NAME>BARADAR</THIRD_NAME>
      <UN_LIST_TYPE>Taliban</UN_LIST_TYPE><REFERENCE_NUMBER>TAi.024</REFERENCE_NUMBER>
      <COMMENTS1>Belongs to Popalzai tribe.</COMMENTS1>
      <NATIONALITY><VALUE>Afghanistan</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Mullah Baradar Akhund</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Baradar</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1968</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1967</FROM_YEAR><TO_YEAR>1969</TO_YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>110407</DATAID><FIRST_NAME>AL-AKHTAR TRUST INTERNATIONAL</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>QDe.121</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Al Akhtar Trust</ALIAS_NAME></ENTITY_ALIAS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>"""

EU = b"""<?xml version="1.0" encoding="UTF-8"?>
<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="2024-05-06T18:00:00.000+02:00">
  <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.27.28" logicalId="13">
    <regulation regulationType="amendment" programme="IRQ" numberTitle="2023/1514"/>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Saddam" middleName="" lastName="Hussein Al-Tikriti" wholeName="Saddam Hussein Al-Tikriti"
               strong="true" logicalId="17"/>
    <nameAlias firstName="" middleName="" lastName="" wholeName="Abu Ali" strong="false" logicalId="19"/>
    <citizenship countryIso2Code="IQ" countryDescription="IRAQ"/>
    <birthdate birthdate="1937-04-28" year="1937" countryIso2Code="IQ"/>
  </sanctionEntity>
  <sanctionEntity euReferenceNumber="EU.3.4" logicalId="40">
    <regulation programme="RUS"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Joint Stock Company Example Bank" strong="true"/>
  </sanctionEntity>
</export>"""

OPENSANCTIONS = (b"id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,"
                 b"program_ids,dataset,first_seen,last_seen,last_change\n"
                 b"Q7747,Person,Vladimir Putin,\"Vladimir Vladimirovich Putin;Putin V. V.\",1952-10-07,ru,,,,,,"
                 b"EU-UKR,Politically Exposed Persons,2021-01-01,2024-05-06,2024-05-01\n"
                 b"NK-abc,Company,Example Shipping LLC,,,\"kp;cn\",,,,,,,Sanctioned entities,2022-01-01,"
                 b"2024-05-06,2024-05-01\n")


def test_un_individuals_entities_aliases_and_dates() -> None:
    person, entity = parse_un_xml(UN)
    assert (person.entry_id, person.kind, person.primary_name) == ("TAi.024", EntityKind.PERSON, "ABDUL GHANI BARADAR")
    assert [(n.text, n.strength) for n in person.names[1:]] == [("Mullah Baradar Akhund", NameStrength.STRONG),
                                                                ("Baradar", NameStrength.WEAK)]
    assert person.birth_dates == ("1968", "1967", "1969")
    assert person.countries == ("AF",)
    assert (entity.entry_id, entity.kind, entity.programmes) == ("QDe.121", EntityKind.ORGANISATION, ("Al-Qaida",))


def test_eu_entities_with_strong_and_weak_names() -> None:
    person, bank = parse_eu_xml(EU)
    assert person.entry_id == "EU.27.28"
    assert [(n.text, n.strength) for n in person.names] == [("Saddam Hussein Al-Tikriti", NameStrength.PRIMARY),
                                                            ("Abu Ali", NameStrength.WEAK)]
    assert (person.birth_dates, person.countries, person.programmes) == (("1937-04-28",), ("IQ",), ("IRQ",))
    assert bank.kind is EntityKind.ORGANISATION


def test_opensanctions_targets_simple_csv() -> None:
    putin, ship = parse_targets_csv(OPENSANCTIONS)
    assert [n.text for n in putin.names] == ["Vladimir Putin", "Vladimir Vladimirovich Putin", "Putin V. V."]
    assert (putin.kind, putin.birth_dates, putin.countries) == (EntityKind.PERSON, ("1952-10-07",), ("RU",))
    assert ship.countries == ("KP", "CN")
    assert ship.kind is EntityKind.ORGANISATION


@pytest.mark.parametrize(("reader", "data", "message"), [
    (parse_un_xml, b"<CONSOLIDATED_LIST/>", "no INDIVIDUAL or ENTITY"),
    (parse_un_xml, b"<export/>", "not the UN consolidated list's <CONSOLIDATED_LIST>"),
    (parse_eu_xml, b"<export xmlns='http://eu.europa.ec/fpi/fsd/export'/>", "no sanctionEntity"),
    (parse_targets_csv, b"id,name\n1,x\n", "the header lacks schema, aliases, birth_date, countries"),
])
def test_files_of_another_format_are_refused(reader, data: bytes, message: str) -> None:
    with pytest.raises(ListFormatError, match=message):
        reader(data)
