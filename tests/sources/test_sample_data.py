"""The committed sample household goes through every importer strictly, and the frames add up."""

from __future__ import annotations

from pathlib import Path

import pytest

from mynalib import frames
from mynalib.document import Document
from mynalib.sources import detect_kind, kojo_xml, parse

SAMPLE = Path(__file__).resolve().parent.parent.parent / "sample_data"
FILES = sorted(
    p
    for sub in ("iryohi", "kojo", "kenshin", "nenkin")
    for p in (SAMPLE / sub).rglob("*")
    if p.is_file() and p.suffix in (".csv", ".xml")
)
EXPECTED_KIND = {
    "iryohi": "iryohi_csv",
    "kojo": "kojo_xml",
    "kenshin": "kenshin_cda",
    "nenkin": "nenkin_csv",
}


def test_there_are_sample_files_of_every_kind():
    kinds = {EXPECTED_KIND[p.relative_to(SAMPLE).parts[0]] for p in FILES}
    assert kinds == set(EXPECTED_KIND.values())


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SAMPLE)))
def test_sample_file_parses_strictly(path):
    data = path.read_bytes()
    kind = detect_kind(data)
    assert kind == EXPECTED_KIND[path.relative_to(SAMPLE).parts[0]]
    res = parse(kind, data, strict=True)
    assert res.records and res.warnings == []
    if kind == "kojo_xml":
        assert res.meta["signature"] == "untrusted"


def test_sample_certificates_valid_with_sample_root():
    from mynalib.samples import sample_root_certificate

    root = sample_root_certificate()
    for path in FILES:
        if path.suffix == ".xml" and "kojo" in path.parts:
            assert (
                kojo_xml.parse(path.read_bytes(), trusted_roots=[root]).meta["signature"] == "valid"
            )


def test_medical_frame_totals_equal_each_csv_totals():
    csvs = [p for p in FILES if p.relative_to(SAMPLE).parts[0] == "iryohi"]
    docs = [Document(p.read_bytes(), "iryohi_csv", id=i) for i, p in enumerate(csvs, 1)]
    df = frames.build("medical_expenses", docs)
    for doc in docs:
        meta = parse("iryohi_csv", doc.data).meta
        totals = meta["totals"]["医療費の合計"]
        part = df[df.source_id == doc.id]
        for col in ("total_cost", "insurer_paid", "public_paid", "patient_share"):
            assert int(part[col].sum()) == totals[col], (doc.id, col)
