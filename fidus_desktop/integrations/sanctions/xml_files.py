"""Reading list XML safely: no DTDs or entities (defusedxml), a clear error for a file that is not XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from fidus_desktop.domain.compliance.lists import CancelCheck, ListFormatError

CHUNK = 256 * 1024
"""Bytes fed to the parser between two looks at the cancel token (a chunk parses in a few milliseconds)."""


def parse_root(data: bytes, expected: str, what: str, check: CancelCheck | None = None
               ) -> tuple[ET.Element, dict[str, str]]:
    """The root element (its local name must be ``expected``) and a namespace map with ``x`` for its namespace.
    The file is fed to the parser in chunks, asking ``check`` between them, so a long read can be cancelled."""
    try:
        parser = safe_xml.DefusedXMLParser(target=ET.TreeBuilder(), forbid_dtd=True)
        for start in range(0, len(data), CHUNK):
            if check is not None:
                check.now()
            parser.feed(data[start:start + CHUNK])
        root = parser.close()
    except DefusedXmlException:
        raise ListFormatError(f"The XML declares a DTD or entities; {what} has none, so it is refused.") from None
    except ET.ParseError as exc:
        raise ListFormatError(f"The file is not well-formed XML ({exc}).") from None
    namespace, _, local = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if local != expected:
        raise ListFormatError(f"The XML's root is <{local}>, not {what}'s <{expected}>.")
    return root, {"x": namespace}


def child_text(element: ET.Element, path: str, ns: dict[str, str]) -> str:
    found = element.find(path, ns)
    return (found.text or "").strip() if found is not None else ""
