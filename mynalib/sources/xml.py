"""Safe XML parsing for every importer: lxml with entity resolution, DTDs and network access off.

Documents with a DOCTYPE are refused outright (none of the supported formats has one), which
rejects entity bombs ("billion laughs") and external-entity (XXE) files before anything is expanded.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import MalformedDocument

if TYPE_CHECKING:
    from lxml import etree

_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


def make_parser() -> etree.XMLParser:
    """A parser that never resolves entities, never loads a DTD and never touches the network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_comments=False,
        remove_pis=False,
        collect_ids=False,
    )


def parse_xml(data: bytes, *, what: str = "XML document") -> etree._Element:
    """Parse ``data`` safely and return the root element; raise :class:`MalformedDocument`.

    A DOCTYPE or ENTITY declaration anywhere (also in UTF-16 text) is refused.
    """
    from lxml import etree

    if not isinstance(data, (bytes, bytearray)):
        raise MalformedDocument(f"{what}: expected bytes, got {type(data).__name__}")
    probe = bytes(data)
    if _DOCTYPE.search(probe) or _DOCTYPE.search(probe.replace(b"\x00", b"")):
        raise MalformedDocument(
            f"{what} contains a DOCTYPE/ENTITY declaration; refused for safety "
            "(entity expansion and external entities are never processed)",
            hint="the supported XML formats never need a DTD; check that the file is what you think",
        )
    try:
        root = etree.fromstring(probe, make_parser())
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None)
        raise MalformedDocument(
            f"{what} is not well-formed XML: {exc.msg if hasattr(exc, 'msg') else exc}",
            line=line,
            hint="the file may be truncated or not an XML file",
        ) from None
    except (ValueError, TypeError) as exc:  # e.g. unsupported encoding declarations
        raise MalformedDocument(f"{what} could not be parsed: {exc}") from None
    if root is None:
        raise MalformedDocument(f"{what} is empty")
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise MalformedDocument(f"{what} declares a DTD; refused for safety")
    return root


def local(tag: object) -> str:
    """Local name of an element tag ('' for comments and processing instructions)."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
