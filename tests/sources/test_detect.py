"""Kind detection by content, unknown files, the size limit."""

from __future__ import annotations

from pathlib import Path

import pytest

import mynalib.sources as sources
from mynalib.errors import DocumentTooLarge, SourceError, UnknownDocument
from mynalib.sources import MAX_BYTES, detect_kind, kinds, parse

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize("kind", ["iryohi_csv", "kojo_xml", "kenshin_cda", "nenkin_csv"])
def test_detect_by_content_not_name(kind):
    for path in (GOLDEN / kind).iterdir():
        if path.name.endswith(".json"):
            continue
        data = path.read_bytes()
        assert detect_kind(data) == kind
        assert detect_kind(data, "misleading.pdf") == kind


@pytest.mark.parametrize(
    "data",
    [b"", b"hello world", b"%PDF-1.7\n...", b"\x89PNG\r\n\x1a\n", b"a,b,c\n1,2,3\n", b"<html/>"],
)
def test_unknown_lists_supported_kinds(data):
    with pytest.raises(UnknownDocument) as info:
        detect_kind(data, "x.bin")
    message = str(info.value)
    for kind in ("iryohi_csv", "kojo_xml", "kenshin_cda", "nenkin_csv"):
        assert kind in message
    assert info.value.ja


def test_unknown_kind_name():
    with pytest.raises(UnknownDocument, match="Supported"):
        parse("no_such_kind", b"x")
    assert "iryohi_csv" in kinds()


def test_size_limit_refused_before_parsing(monkeypatch):
    called = []
    monkeypatch.setitem(
        sources._KINDS,
        "iryohi_csv",
        sources._KINDS["iryohi_csv"].__class__(
            "iryohi_csv", "x", lambda *a, **k: called.append(1), lambda d: called.append(1) or False
        ),
    )
    big = b"a" * (MAX_BYTES + 1)
    with pytest.raises(DocumentTooLarge, match="limit"):
        detect_kind(big)
    with pytest.raises(DocumentTooLarge):
        parse("iryohi_csv", big)
    assert called == []
    with pytest.raises(DocumentTooLarge):
        parse("iryohi_csv", b"x" * 11, max_bytes=10)
    assert issubclass(DocumentTooLarge, SourceError)


def test_exactly_at_the_limit_is_read():
    with pytest.raises(UnknownDocument):
        detect_kind(b"x" * 100, max_bytes=100)


def test_portal_json_kinds_are_adopted():
    """mynalib.sources.portal_json (the portal area's module) is reachable through detect/parse."""
    import json

    data = json.dumps(
        {
            "resultCode": "0000",
            "resBody": {
                "page": 1,
                "total": 1,
                "notices": [
                    {
                        "noticeId": "N1",
                        "date": "2026-01-05",
                        "sender": "架空市",
                        "category": "税",
                        "title": "お知らせ",
                        "body": "本文",
                        "read": False,
                    }
                ],
            },
            "errors": [],
        },
        ensure_ascii=False,
    ).encode()
    assert detect_kind(data, "notices.json") == "portal_notices"
    res = parse("portal_notices", data)
    assert [r["notice_id"] for r in res.records] == ["N1"]
    assert "portal_notices" in kinds()
    with pytest.raises(UnknownDocument):
        detect_kind(b'{"resultCode": "9000", "resBody": {}}')
    with pytest.raises(UnknownDocument):
        detect_kind(b"[1, 2, 3]")
