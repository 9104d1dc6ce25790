"""Unsafe XML is refused: entity bombs and external entities never expand or load."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mynalib.errors import MalformedDocument
from mynalib.sources import detect_kind, dsig, parse
from mynalib.sources.xml import parse_xml

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<TEG850 xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu" VR="1.0"><WPC00000>&lol9;</WPC00000></TEG850>
"""


def _xxe(path) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file://'
        + str(path).encode()
        + b'">]>\n<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>'
    )


@pytest.mark.parametrize("kind", ["kojo_xml", "kenshin_cda"])
def test_billion_laughs_rejected(kind):
    t0 = time.monotonic()
    with pytest.raises(MalformedDocument, match="DOCTYPE"):
        parse(kind, BOMB)
    with pytest.raises(MalformedDocument):
        detect_kind(BOMB)
    with pytest.raises(MalformedDocument):
        dsig.verify(BOMB)
    assert time.monotonic() - t0 < 5


@pytest.mark.parametrize("kind", ["kojo_xml", "kenshin_cda"])
def test_external_entity_rejected_and_file_never_read(kind, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    data = _xxe(secret)
    with pytest.raises(MalformedDocument) as info:
        parse(kind, data)
    assert "TOP-SECRET" not in str(info.value)
    with pytest.raises(MalformedDocument):
        detect_kind(data)


def test_utf16_doctype_rejected():
    data = BOMB.decode().replace('<?xml version="1.0"?>', "").encode("utf-16")
    with pytest.raises(MalformedDocument):
        parse_xml(data)


def test_parser_itself_does_not_resolve_entities():
    """Even if the DOCTYPE pre-check were bypassed, lxml is configured not to expand entities."""
    from lxml import etree

    from mynalib.sources.xml import make_parser

    secret = Path(__file__)  # any readable file: its text must never show up
    root = etree.fromstring(_xxe(secret), make_parser())
    text = "".join(root.itertext())
    assert text in ("", "&xxe;")  # the entity stays an unexpanded reference
    assert "TOP-SECRET-CONTENT" not in text  # a string this very file contains


def test_broken_xml_gives_line():
    with pytest.raises(MalformedDocument) as info:
        parse("kojo_xml", b'<TEG850 xmlns="http://xml.e-tax.nta.go.jp/XSD/kyotsu">\n<a>\n</TEG850>')
    assert info.value.line is not None
