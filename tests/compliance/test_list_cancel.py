"""Cancelling a list import while its file is read: every reader asks the cancel token every few hundred rows
or elements (and between chunks of an XML file), so Cancel stops a long read at once and nothing of the file
is kept; on the real OFAC files, the current version and its entries stay as they were."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from fidus_desktop.bootstrap import AppContext
from fidus_desktop.domain.compliance.lists import CHECK_EVERY, ReadCancelled
from fidus_desktop.integrations.sanctions.eu import parse_eu_xml
from fidus_desktop.integrations.sanctions.ofac import parse_sdn_csv, parse_sdn_xml
from fidus_desktop.integrations.sanctions.opensanctions import parse_targets_csv
from fidus_desktop.integrations.sanctions.un import parse_un_xml
from fidus_desktop.integrations.sanctions.xml_files import CHUNK
from fidus_desktop.services.actor import Actor
from fidus_desktop.services.compliance.lists import ImportCancelled
from tests.compliance.conftest import CONSOLIDATED_XML, SDN_CSV, real_file
from tests.compliance.test_other_lists import EU, OPENSANCTIONS, UN


def cancel_on(call: int) -> tuple[Callable[[], bool], list[int]]:
    """A token that says "cancel" from its ``call``-th question on, and the list of questions asked."""
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(len(asked) + 1)
        return len(asked) >= call

    return cancelled, asked


@pytest.mark.parametrize(("format", "path", "list_name"), [("ofac", SDN_CSV, "ofac-sdn"),
                                                            ("ofac-xml", CONSOLIDATED_XML, "ofac-consolidated")])
def test_cancelling_the_read_of_a_real_ofac_file_keeps_the_current_version(
    app_context: AppContext, admin: Actor, format: str, path: object, list_name: str
) -> None:
    lists = app_context.services.screening_lists
    data = real_file(path)  # type: ignore[arg-type]
    current = lists.import_file(admin, format, data, "first").version
    stored = app_context.store.collection("screening_list_entries").count({"version_id": current.version_id})
    audited = app_context.store.collection("audit").count()
    cancelled, asked = cancel_on(3)  # a newer file (other bytes), cancelled after a few hundred entries
    with pytest.raises(ImportCancelled, match="cancelled while the file was read; nothing was written"):
        lists.import_file(admin, format, data + b"\n", "newer", cancelled)
    assert len(asked) == 3  # it stopped at the first question answered "cancel": the rest was never read
    assert [v.version_id for v in lists.current()] == [current.version_id]
    assert lists.versions(admin)[0].version_id == current.version_id
    assert app_context.store.collection("screening_list_entries").count() == stored == current.entry_count
    assert app_context.store.collection("audit").count() == audited
    assert current.list_name == list_name


def test_the_sdn_csv_reader_stops_a_few_hundred_rows_in() -> None:
    cancelled, asked = cancel_on(2)
    with pytest.raises(ReadCancelled, match=f"after {2 * CHECK_EVERY} records"):
        parse_sdn_csv(real_file(SDN_CSV), cancelled=cancelled)
    assert asked == [1, 2]
    assert len(parse_sdn_csv(real_file(SDN_CSV), cancelled=lambda: False)) > 10_000  # not cancelled: all read


def test_the_xml_readers_ask_between_chunks_and_elements() -> None:
    cancelled, asked = cancel_on(1)  # before the first chunk is parsed
    with pytest.raises(ReadCancelled, match="after 0 records"):
        parse_sdn_xml(real_file(CONSOLIDATED_XML), cancelled=cancelled)
    assert asked == [1]
    un = UN.replace(b"<INDIVIDUALS>", b"<INDIVIDUALS>" + _repeated(UN, b"INDIVIDUAL", 3 * CHECK_EVERY))
    eu = EU.replace(b"</export>", _repeated(EU, b"sanctionEntity", 3 * CHECK_EVERY) + b"</export>")
    for reader, data in ((parse_un_xml, un), (parse_eu_xml, eu)):
        assert len(reader(data)) > 3 * CHECK_EVERY
        chunks = -(-len(data) // CHUNK)  # asked before each chunk, then every CHECK_EVERY elements
        cancelled, asked = cancel_on(chunks + 1)
        with pytest.raises(ReadCancelled, match=f"after {CHECK_EVERY} records"):
            reader(data, cancelled=cancelled)
        assert len(asked) == chunks + 1


def test_the_opensanctions_reader_stops_too() -> None:
    header, row = OPENSANCTIONS.split(b"\n")[:2]
    data = header + b"\n" + b"".join(row.replace(b"Q7747", f"Q{n}".encode()) + b"\n" for n in range(1000))
    cancelled, asked = cancel_on(1)
    with pytest.raises(ReadCancelled, match=f"after {CHECK_EVERY} records"):
        parse_targets_csv(data, cancelled=cancelled)
    assert asked == [1]


def _repeated(document: bytes, tag: bytes, times: int) -> bytes:
    """The document's first ``tag`` element ``times`` times over, each with its own id."""
    element = re.search(rb"<%s[ >].*?</%s>" % (tag, tag), document, re.S)
    assert element is not None
    return b"".join(element.group(0).replace(b"6908555", str(n).encode()).replace(b'logicalId="13"',
                                                                                   f'logicalId="9{n}"'.encode())
                    for n in range(times))
