"""Property tests: mutated and random inputs raise only SourceError subclasses and never hang."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynalib.errors import SourceError
from mynalib.sources import detect_kind, dsig, parse

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SEEDS = {
    kind: [
        p.read_bytes() for p in sorted((GOLDEN / kind).iterdir()) if not p.name.endswith(".json")
    ]
    for kind in ("iryohi_csv", "kojo_xml", "kenshin_cda", "nenkin_csv")
}
SETTINGS = settings(
    max_examples=200,
    deadline=3000,  # ms per example: a hang or blow-up fails the test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@st.composite
def mutated(draw, kind):
    data = bytearray(draw(st.sampled_from(SEEDS[kind])))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(
            st.sampled_from(["flip", "delete", "insert", "truncate", "dup_line", "drop_line"])
        )
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 40))]
        elif op == "insert":
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b",",
                        b'"',
                        b"\r\n",
                        b"<",
                        b">",
                        b"&amp;",
                        b"\x00",
                        b"\xff\xfe",
                        b"9" * 30,
                        "　".encode(),
                        b"<!DOCTYPE x>",
                    ]
                )
            )
        elif op == "truncate":
            data = data[:pos]
        else:
            lines = bytes(data).split(b"\n")
            i = draw(st.integers(0, len(lines) - 1))
            if op == "dup_line":
                lines.insert(i, lines[i])
            else:
                del lines[i]
            data = bytearray(b"\n".join(lines))
    return bytes(data)


def _only_source_errors(kind, data):
    for strict in (False, True):
        try:
            result = parse(kind, data, strict=strict)
        except SourceError:
            continue
        assert isinstance(result.records, list) and isinstance(result.warnings, list)
    try:
        detect_kind(data)
    except SourceError:
        pass


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_inputs(kind):
    @SETTINGS
    @given(mutated(kind))
    def run(data):
        _only_source_errors(kind, data)

    run()


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(sorted(SEEDS)))
def test_random_bytes(data, kind):
    _only_source_errors(kind, data)


@SETTINGS
@given(
    st.text(
        alphabet=st.sampled_from(
            list('医療費通知情報,"\r\n0123456789年月日～（円）項目名内容資格')
        ),
        max_size=800,
    )
)
def test_random_csv_like_text(text):
    for enc in ("utf-8", "cp932"):
        try:
            data = text.encode(enc)
        except UnicodeEncodeError:
            continue
        _only_source_errors("iryohi_csv", data)
        _only_source_errors("nenkin_csv", data)


@SETTINGS
@given(mutated("kojo_xml"))
def test_signature_verification_never_crashes(data):
    try:
        assert dsig.verify(data) in dsig.STATUSES
    except SourceError:
        pass
