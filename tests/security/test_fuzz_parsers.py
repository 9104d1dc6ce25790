"""Every parser, fed mutated real files: only mynalib's own errors come out (issue 11, item 3).

The mutations are ``scripts/fuzz_parsers.py``'s (byte flips, truncation, numbers beyond 64 bits
and beyond int()'s digit limit, years beyond the calendar, duplicated/removed/swapped lines, other
encodings, control characters, XML comments, deep nesting, junk lines); its :func:`check` parses
each input as every kind it may be, imports it without a key and reads every frame it feeds. The
coverage-guided run of the same target is ``make fuzz`` (atheris, a few minutes in CI).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mynalib.errors import MynaError

ROOT = Path(__file__).resolve().parents[2]


def _load_fuzz():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "fuzz_parsers", ROOT / "scripts" / "fuzz_parsers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_parsers", module)
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()
SEEDS = fuzz.seeds()
STEPS = st.lists(
    st.tuples(st.sampled_from(sorted(fuzz.MUTATIONS)), st.integers(0, 2**32 - 1)),
    min_size=1,
    max_size=3,
)


def test_every_kind_has_seeds() -> None:
    assert {kind for kind, _, _ in SEEDS} == set(fuzz.SEED_KINDS)


@pytest.mark.parametrize("seed", SEEDS, ids=[name for _, name, _ in SEEDS])
def test_seeds_parse(seed: tuple[str, str, bytes]) -> None:
    fuzz.check(seed[2], seed[0])


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(st.sampled_from(SEEDS), STEPS)
def test_mutated_files_give_only_project_errors(
    seed: tuple[str, str, bytes], steps: list[tuple[str, int]]
) -> None:
    fuzz.check(fuzz.mutate(seed[2], steps), seed[0])


@pytest.mark.parametrize("name", sorted(fuzz.MUTATIONS))
def test_each_mutation_on_each_kind(name: str) -> None:
    """Every mutation once on one seed of every kind (deterministic: fails the same way)."""
    seen: set[str] = set()
    for kind, _, data in SEEDS:
        if kind in seen:
            continue
        seen.add(kind)
        for n in (0, 7, 4099, 2**31 + 12345):
            fuzz.check(fuzz.MUTATIONS[name](data, n), kind)


@settings(max_examples=100, deadline=None, database=None)
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    fuzz.check(data)


def test_found_by_the_fuzzer_year_beyond_pandas_in_portal_as_of() -> None:
    """atheris' first find: a わたしの情報 answer whose asOf is a 25-digit year was imported and
    then broke every read of the myinfo_answers frame (OutOfBoundsDatetime)."""
    for kind, _, data in SEEDS:
        if kind == "portal_json" and b'"asOf"' in data:
            fuzz.check(fuzz.odd_year(data, 0) if b"asOf" in data else data, kind)
            bad = data.replace(
                b'"asOf": "', '"asOf": "９９９９９９９９９９９９９９９９'.encode(), 1
            )
            bad = bad.replace(b'"asOf":"', '"asOf":"９９９９９９９９９９９９９９９９'.encode(), 1)
            fuzz.check(bad, kind)
            return
    pytest.skip("no わたしの情報 answer among the seeds")


def test_found_by_the_fuzzer_iso_date_with_a_huge_day_in_portal_as_of() -> None:
    """atheris' second find: ``"asOf": "2026-11-18446744073709551616"`` read as 2026-11-18 by the
    parser but kept as given, so the myinfo_answers frame could not read it."""
    from mynalib import sources

    for kind, _, data in SEEDS:
        if kind == "portal_json" and b'"asOf":"2026-11-01"' in data:
            bad = data.replace(b'"asOf":"2026-11-01"', b'"asOf":"2026-11-18446744073709551616"')
            fuzz.check(bad, kind)
            try:
                result = sources.parse(sources.detect_kind(bad), bad)
            except MynaError:
                return
            assert result.meta["as_of"] in (None, "2026-11-18")
            return
    pytest.skip("no わたしの情報 answer among the seeds")


def test_found_by_the_fuzzer_a_dose_without_a_date() -> None:
    """atheris' third find: a 予防接種 answer with one dose lacking 接種年月日 was imported, then
    every read of the vaccinations frame raised TypeError (sorting None-as-"" against dates)."""
    for kind, _, data in SEEDS:
        text = data.decode("utf-8", errors="replace")
        if kind == "portal_json" and "YS0003" in text and text.count("YS0003") >= 2:
            first = re.search(r'\{"hierarchy":"[0-9.]+","code":"YS0003"[^}]*\},?', text)
            assert first is not None
            bad = (text[: first.start()] + text[first.end() :]).encode()
            fuzz.check(bad, kind)
            return
    pytest.skip("no 予防接種 answer among the seeds")


def test_the_script_runs_without_atheris_too() -> None:
    """``scripts/fuzz_parsers.py --hypothesis`` (the fallback where atheris is missing) runs."""
    assert fuzz.main(["--hypothesis", "--seconds", "1"]) == 0
