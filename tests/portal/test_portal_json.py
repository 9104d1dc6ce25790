"""The portal JSON parsers (golden files) and their frame builders."""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynalib import frames
from mynalib.document import Document
from mynalib.errors import MalformedDocument
from mynalib.portal.sandbox.data import jdate, wareki
from mynalib.sources import detect_kind
from mynalib.sources import parse as sources_parse
from mynalib.sources import portal_json as pj
from mynalib.sources.records import jsonable

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(
    p for d in GOLDEN.glob("portal_*") for p in d.iterdir() if not p.name.endswith(".expected.json")
)


def _expected(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.json")


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_golden(path: Path) -> None:
    data = path.read_bytes()
    kind = path.parent.name
    assert pj.detect(data) == kind
    assert detect_kind(data, path.name) == kind  # through the sources registry too
    result = pj.parse(kind, data, strict=True)
    got = jsonable(
        {"kind": kind, "records": result.records, "warnings": result.warnings, "meta": result.meta}
    )
    expected_file = _expected(path)
    if os.environ.get("MYNA_UPDATE_GOLDEN") == "1":
        expected_file.write_text(
            json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    assert expected_file.exists(), f"missing {expected_file.name}: run with MYNA_UPDATE_GOLDEN=1"
    assert json.loads(json.dumps(got, ensure_ascii=False)) == json.loads(
        expected_file.read_text("utf-8")
    )
    # the sources registry gives the same records
    assert len(sources_parse(kind, data, strict=True).records) == len(result.records)


def test_golden_covers_the_frame_kinds() -> None:
    kinds = {p.parent.name for p in CASES}
    assert {
        "portal_drugs",
        "portal_notices",
        "portal_history",
        "portal_procedures",
        "portal_applications",
        "portal_medical",
        "portal_checkups",
        "portal_pension",
    } <= kinds


def test_drugs_are_normalised_and_raw_kept() -> None:
    data = (GOLDEN / "portal_drugs" / "ume.json").read_bytes()
    recs = pj.parse("portal_drugs", data).records
    assert recs and all(r["drug"] != r["drug_raw"] or r["drug_raw"].isascii() for r in recs)
    assert any("０" <= c <= "９" or "Ａ" <= c <= "ｚ" for r in recs for c in r["drug_raw"])
    assert all(r["route"] in ("内服", "頓服", "外用") for r in recs)
    assert all((r["days"] is None) == (r["route"] != "内服") for r in recs)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026年5月19日", date(2026, 5, 19)),
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("平成3年4月1日", date(1991, 4, 1)),
        ("昭和55年4月1日", date(1980, 4, 1)),
        ("S55.4.1", date(1980, 4, 1)),
        ("２０２５年３月", date(2025, 3, 1)),
        ("2026-05-19", date(2026, 5, 19)),
        ("", None),
    ],
)
def test_dates(text: str, expected: date | None) -> None:
    assert pj.parse_date(text) == expected


@given(st.dates(min_value=date(1927, 1, 1), max_value=date(2100, 12, 31)))
def test_wareki_and_western_dates_round_trip(d: date) -> None:
    assert pj.parse_date(wareki(d)) == d
    assert pj.parse_date(jdate(d)) == d


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"not json", "not portal JSON"),
        (b"[]", "no resBody"),
        (b'{"resultCode": "9000", "resBody": {}}', "error answer"),
        (
            b'{"resultCode": "0000", "resBody": {"items": [{"itemId": "TM00000000000101", "status": "01"}]}}',
            "not a final",
        ),
        (
            b'{"resultCode": "0000", "resBody": {"items": [{"itemId": "TM00000000000101", "status": "03", "results": [{"hierarchy": "1.1", "code": "X"}]}]}}',
            "no parent",
        ),
        (b'{"resultCode": "0000", "resBody": {"notices": {"a": 1}}}', "notices"),
    ],
)
def test_malformed_documents_say_what_is_wrong(data: bytes, match: str) -> None:
    kind = "portal_notices" if b"notices" in data else "portal_pension"
    with pytest.raises(MalformedDocument, match=match):
        pj.parse(kind, data)


def test_unknown_fields_warn_or_fail_in_strict_mode() -> None:
    doc = json.loads((GOLDEN / "portal_pension" / "taro.json").read_text("utf-8"))
    doc["resBody"]["items"][0]["results"].append(
        {"hierarchy": "1.99", "code": "NK0999", "name": "新項目", "content": "x"}
    )
    data = json.dumps(doc, ensure_ascii=False).encode()
    result = pj.parse("portal_pension", data)
    assert result.warnings and result.records[0]["extra"] == {"新項目": "x"}
    with pytest.raises(MalformedDocument, match="新項目"):
        pj.parse("portal_pension", data, strict=True)


def _doc(kind: str, data: bytes, n: int, *, person: str = "見本　太郎") -> Document:
    return Document(
        data,
        kind,
        "portal",
        person,
        fetched_at=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(days=n),
        id=n,
    )


def test_frames_read_only_the_latest_snapshot_per_person() -> None:
    path = GOLDEN / "portal_medical" / "hanako.json"
    old = json.loads(path.read_text("utf-8"))
    new = json.loads(path.read_text("utf-8"))
    rows = new["resBody"]["items"][0]["results"]
    extra = [
        dict(
            r,
            hierarchy=str(int(r["hierarchy"].split(".")[0]) + 100)
            + r["hierarchy"][len(r["hierarchy"].split(".")[0]) :],
        )
        for r in rows
        if r["hierarchy"].split(".")[0] == "1"
    ]
    rows.extend(extra)
    docs = [
        _doc(
            "portal_medical", json.dumps(old, ensure_ascii=False).encode(), 1, person="見本　花子"
        ),
        _doc(
            "portal_medical", json.dumps(new, ensure_ascii=False).encode(), 2, person="見本　花子"
        ),
    ]
    df = frames.build("medical_expenses", docs)
    assert len(df) == len(pj.parse("portal_medical", docs[1].data).records)  # not old + new
    assert set(df["source_id"]) == {2}
    assert df["patient_share"].dtype == "Int64" and str(df["month"].dtype) == "period[M]"


def test_notices_merge_by_id_with_the_latest_read_state() -> None:
    path = GOLDEN / "portal_notices" / "page1.json"
    before = json.loads(path.read_text("utf-8"))
    after = json.loads(path.read_text("utf-8"))
    for n in after["resBody"]["notices"]:
        n["read"] = True
    docs = [
        _doc("portal_notices", json.dumps(before, ensure_ascii=False).encode(), 1),
        _doc("portal_notices", json.dumps(after, ensure_ascii=False).encode(), 2),
    ]
    df = frames.build("notices", docs)
    assert len(df) == len(before["resBody"]["notices"]) and df["read"].all()
    assert str(df["read"].dtype) == "boolean"


def test_every_new_frame_conforms_to_its_schema() -> None:
    docs = [_doc(p.parent.name, p.read_bytes(), i) for i, p in enumerate(CASES)]
    for frame in (
        "dispensings",
        "notices",
        "history",
        "procedures",
        "applications",
        "checkups",
        "pension_periods",
        "medical_expenses",
    ):
        df = frames.build(frame, docs)
        assert list(df.columns) == list(frames.SCHEMAS[frame].columns), frame
        assert len(df) > 0, frame


def test_imported_files_win_over_the_portal_for_the_same_ground() -> None:
    """A vault with both the 医療費通知 CSVs and the portal's answers counts each claim once."""
    import httpx

    from mynalib.portal.auth import Session
    from mynalib.portal.client import PortalClient
    from mynalib.portal.sandbox.app import SandboxConfig, _Access, _h, create_app

    root = Path(__file__).resolve().parents[2] / "sample_data"
    csvs = sorted((root / "iryohi" / "hanako").glob("*.csv"))
    if not csvs:
        pytest.skip("sample_data/iryohi not generated")
    app = create_app(SandboxConfig(pending_polls=0, done_step=False))
    import time

    app.state.sandbox.access[_h("t")] = _Access(
        "hanako", None, "openid myinfo", time.time() + 600, "f"
    )
    client = PortalClient(
        "http://s",
        transport=httpx.ASGITransport(app=app),
        session=Session("t", None, time.time() + 600),
    )
    _, _, raw = client.myinfo("TM00000000000701")
    portal_doc = _doc("portal_medical", raw, 99, person="見本　花子")
    file_docs = [
        Document(p.read_bytes(), "iryohi_csv", "file", None, id=i) for i, p in enumerate(csvs)
    ]
    only_files = frames.build("medical_expenses", file_docs)
    only_portal = frames.build("medical_expenses", [portal_doc])
    both = frames.build("medical_expenses", [*file_docs, portal_doc])
    assert len(only_portal) == len(only_files) > 0  # the sandbox serves the same claims
    assert len(both) == len(only_files)
    assert both["patient_share"].sum() == only_files["patient_share"].sum()


def test_parser_item_table_matches_the_protocol() -> None:
    from mynalib.portal import protocol as P

    assert pj.ITEM_KINDS == {i.item_id: i.kind for i in P.ITEMS}
    assert set(pj.KINDS) == set(P.PORTAL_KINDS)
