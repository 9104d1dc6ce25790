"""Fuzz every parser of ``mynalib.sources``: only mynalib's own errors may come out, in bounded time.

The target (:func:`check`) detects the kind of the input, parses it as that kind and as the kind of
the seed it came from (lenient and strict), runs the import's key-free step on it (detect, parse,
frame extracts, the encoded document: :func:`mynalib.vault.importer._prepare_data`) and, for XML,
the signature check on its own. A :class:`~mynalib.errors.MynaError` is an answer; any other
exception is a bug to fix in the parser that raised it.

Inputs start from the real files: ``sample_data/`` (医療費通知 CSV, 特定健診 XML, 控除証明書 XML,
年金 CSV) and the portal answers of ``tests/golden/portal_*`` (the sample data has no portal JSON).
:data:`MUTATIONS` are structured changes of them (byte flips, truncation, huge numbers, years
beyond the calendar, duplicated, removed and swapped lines, other encodings, control characters,
XML comments, deep nesting, long runs of white space, junk lines); ``tests/security/test_fuzz_parsers.py`` draws them with
hypothesis (a few seconds in the normal test run).

This script is the coverage-guided run: ``make test`` runs it for a minute after the suite
(that is CI), ``make fuzz`` for ``FUZZ_SECONDS`` (120), and by hand::

    .venv/bin/python scripts/fuzz_parsers.py --seconds 120     # atheris (libFuzzer)
    .venv/bin/python scripts/fuzz_parsers.py --hypothesis --seconds 60

With ``atheris`` installed (the ``dev`` extra, Linux) it runs libFuzzer over the seeds, with
Python coverage of mynalib's code guiding the search and :data:`MUTATIONS` mixed into libFuzzer's
own byte-level ones; an input that raises anything else, or takes longer than ``--input-timeout``
seconds, stops the run with the traceback and is saved under ``--artifacts``. Without atheris (or
with ``--hypothesis``) it draws the structured mutations with hypothesis until the time is up.
Exit status 0: nothing found; 1: a crash (printed).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: (kind, folder, file pattern) of the seeds
SEED_SOURCES: tuple[tuple[str, str, str], ...] = (
    ("iryohi_csv", "sample_data/iryohi", "*.csv"),
    ("kenshin_cda", "sample_data/kenshin", "*.xml"),
    ("kojo_xml", "sample_data/kojo", "*.xml"),
    ("nenkin_csv", "sample_data/nenkin", "*.csv"),
    ("nenkin_csv", "sample_data/templates", "nenkin_template.csv"),
    ("portal_json", "tests/golden", "portal_*/*.json"),
)
#: the kinds of the seeds, in a fixed order (an atheris input's first byte picks one)
SEED_KINDS: tuple[str, ...] = (
    "iryohi_csv",
    "kenshin_cda",
    "kojo_xml",
    "nenkin_csv",
    "portal_json",
)


def seeds() -> list[tuple[str, str, bytes]]:
    """Every seed file: (kind — ``portal_json`` for the portal answers —, name, bytes)."""
    out: list[tuple[str, str, bytes]] = []
    for kind, folder, pattern in SEED_SOURCES:
        for path in sorted((ROOT / folder).glob(f"**/{pattern}")):
            if path.name.endswith(".expected.json"):
                continue
            out.append((kind, str(path.relative_to(ROOT)), path.read_bytes()))
    return out


# --------------------------------------------------------------------------------- mutations
_DIGITS = re.compile(rb"[0-9]+")
_YEAR = re.compile(rb"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])")
#: numbers that broke parsers: beyond 64 bits, beyond Python's int() digit limit, padded
HUGE_NUMBERS: tuple[bytes, ...] = (
    b"9223372036854775808",  # 2**63
    b"18446744073709551616",  # 2**64
    b"9" * 30,
    b"1" * 4301,  # beyond int()'s default 4,300-digit limit
    b"0" * 40 + b"7",
    b"-9223372036854775809",
    b"1e999",
    b"\xef\xbc\x99" * 25,  # full-width nines
)
YEARS: tuple[bytes, ...] = (b"99999", b"0000", b"10000", b"9" * 25, b"0")
#: bytes that have made trouble somewhere: control characters, bidi overrides, XML and CSV syntax
SNIPPETS: tuple[bytes, ...] = (
    b"\x00",
    b"\x1b[2J\x1b]0;owned\x07",
    "\u202e".encode(),
    b"\r",
    b"\n",
    b'"',
    b",",
    b",,,,,,,,,,",
    b"<!---->",
    b"<?pi x?>",
    b"<![CDATA[x]]>",
    b"&#0;",
    b"&amp;",
    b"&undefined;",
    b"<a>",
    b"</",
    b'xmlns="rel"',
    b'xmlns:x="a b"',
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",  # a UTF-8-encoded surrogate
    b"\x81",  # a lone Shift_JIS lead byte
    b"{",
    b"[",
    b"null",
    b"1.5",
    "令和99年13月32日".encode(),
    "元".encode(),
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [data]


def flip(data: bytes, n: int) -> bytes:
    """Flip some bits of one byte."""
    if not data:
        return b"\x00"
    at = n % len(data)
    return data[:at] + bytes([data[at] ^ (((n >> 16) & 0xFF) or 1)]) + data[at + 1 :]


def truncate(data: bytes, n: int) -> bytes:
    return data[: n % (len(data) + 1)]


def huge_number(data: bytes, n: int) -> bytes:
    """Replace a run of digits with a huge number."""
    runs = list(_DIGITS.finditer(data))
    if not runs:
        return data + HUGE_NUMBERS[n % len(HUGE_NUMBERS)]
    m = runs[n % len(runs)]
    return data[: m.start()] + HUGE_NUMBERS[(n >> 12) % len(HUGE_NUMBERS)] + data[m.end() :]


def odd_year(data: bytes, n: int) -> bytes:
    """Replace a year with one the calendar does not have."""
    runs = list(_YEAR.finditer(data)) or list(_DIGITS.finditer(data))
    if not runs:
        return data
    m = runs[n % len(runs)]
    return data[: m.start()] + YEARS[(n >> 12) % len(YEARS)] + data[m.end() :]


def duplicate_line(data: bytes, n: int) -> bytes:
    lines = _lines(data)
    at = n % len(lines)
    times = 1 + (n >> 12) % 3
    return b"".join(lines[: at + 1] + [lines[at]] * times + lines[at + 1 :])


def remove_line(data: bytes, n: int) -> bytes:
    lines = _lines(data)
    del lines[n % len(lines)]
    return b"".join(lines)


def swap_lines(data: bytes, n: int) -> bytes:
    lines = _lines(data)
    a, b = n % len(lines), (n >> 12) % len(lines)
    lines[a], lines[b] = lines[b], lines[a]
    return b"".join(lines)


def insert(data: bytes, n: int) -> bytes:
    """Insert a troublesome snippet somewhere."""
    at = n % (len(data) + 1)
    return data[:at] + SNIPPETS[(n >> 12) % len(SNIPPETS)] + data[at:]


def reencode(data: bytes, n: int) -> bytes:
    """The text in another encoding (with or without a BOM)."""
    text = data.decode("utf-8", errors="replace")
    encodings = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp932", "utf-8-sig", "latin-1")
    encoding = encodings[n % len(encodings)]
    return text.encode(encoding, errors="replace")


def nest(data: bytes, n: int) -> bytes:
    """Deep nesting (JSON arrays/objects, XML elements) at some point."""
    depth = 100 + (n >> 8) % 20000
    at = n % (len(data) + 1)
    if data.lstrip()[:1] in (b"{", b"["):
        return data[:at] + b"[" * depth + b"]" * depth + data[at:]
    return data[:at] + b"<a>" * depth + b"</a>" * depth + data[at:]


def whitespace_run(data: bytes, n: int) -> bytes:
    """A long run of spaces, tabs, full-width spaces or commas somewhere (what makes a regular
    expression with ambiguous repetitions take quadratic or cubic time)."""
    runs = (b" ", b"\t", "\u3000".encode(), b",", b" ,", b"0")
    at = n % (len(data) + 1)
    return data[:at] + runs[(n >> 8) % len(runs)] * (2000 + (n >> 16) % 8000) + data[at:]


def junk_lines(data: bytes, n: int) -> bytes:
    """Lines that mean nothing, after some line."""
    lines = _lines(data)
    at = n % len(lines)
    junk = [b"x%d,%d\r\n" % (i, n) for i in range(1 + (n >> 12) % 300)]
    return b"".join(lines[: at + 1] + junk + lines[at + 1 :])


#: name → mutation(data, n): each is deterministic in ``n``
MUTATIONS: dict[str, Callable[[bytes, int], bytes]] = {
    "flip": flip,
    "truncate": truncate,
    "huge_number": huge_number,
    "odd_year": odd_year,
    "duplicate_line": duplicate_line,
    "remove_line": remove_line,
    "swap_lines": swap_lines,
    "insert": insert,
    "reencode": reencode,
    "nest": nest,
    "whitespace_run": whitespace_run,
    "junk_lines": junk_lines,
}


def mutate(data: bytes, steps: list[tuple[str, int]]) -> bytes:
    for name, n in steps:
        data = MUTATIONS[name](data, n)
    return data


# ------------------------------------------------------------------------------------ target
def check(data: bytes, kind: str | None = None) -> None:
    """Run every parser step on ``data``; raise whatever is not a :class:`MynaError`.

    ``kind``: the seed's kind (``portal_json``: every portal kind), parsed whatever the
    detection says."""
    from mynalib import sources
    from mynalib.errors import MynaError
    from mynalib.sources import dsig
    from mynalib.vault import importer

    kinds: set[str] = set()
    if kind == "portal_json":
        kinds.update(k for k in sources.kinds() if k.startswith("portal_"))
    elif kind is not None:
        kinds.add(kind)
    try:
        kinds.add(sources.detect_kind(data))
    except MynaError:
        pass
    for each in sorted(kinds):
        for strict in (False, True):
            try:
                sources.parse(each, data, strict=strict, memo=False)
            except MynaError:
                pass
    try:
        _report, ready, extracts = importer._prepare_data(
            data, name="fuzz", person=None, source="file", fetched_at=None, memo=False
        )
    except MynaError:
        pass
    else:  # imported: every frame read of it must work, from the document and from extracts
        frames_of(data, ready.kind, ready.person, extracts)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
        try:
            dsig.verify_detail(data)
        except MynaError:
            pass


def frames_of(
    data: bytes, kind: str, person: str | None, extracts: list[tuple[str, bytes]]
) -> None:
    """Read every frame the document of ``kind`` feeds, as ``vault.frame`` would (from the
    document, and from its stored extracts); nothing may be raised, a project error neither: the
    import accepted the document."""
    from mynalib import frames
    from mynalib.document import Document
    from mynalib.vault import codec

    doc = Document(data=data, kind=kind, person=person, id=1)
    for name, spec in frames.SCHEMAS.items():
        if kind in frames.kinds_for(name):
            df = frames.build(name, [doc])
            if spec.year_column is not None:
                frames.filter_frame(name, df, year=2025)
    for name, raw in extracts:
        extract = frames.extract_for(name)
        value = codec.decode_extract(raw)
        if extract is not None and value is not None:
            frames.conform(name, extract.assemble([(1, value)]))


def _warm_up() -> None:
    """Import and register everything once (so the first input is not slow)."""
    from mynalib import frames, sources

    sources.load_all()
    frames.SCHEMAS  # noqa: B018 - imported for its registrations


# ----------------------------------------------------------------------------- atheris run
def _atheris_run(args: argparse.Namespace) -> int:
    import atheris

    with atheris.instrument_imports(include=["mynalib"]):
        import mynalib.sources
        import mynalib.sources.dsig
        import mynalib.vault.importer  # noqa: F401

        _warm_up()

    all_seeds = seeds()
    corpus = Path(tempfile.mkdtemp(prefix="myna-fuzz-corpus-"))
    artifacts = Path(args.artifacts or tempfile.mkdtemp(prefix="myna-fuzz-crash-"))
    artifacts.mkdir(parents=True, exist_ok=True)
    largest = 0
    for i, (kind, _name, data) in enumerate(all_seeds):
        (corpus / f"seed-{i:03d}").write_bytes(bytes([SEED_KINDS.index(kind)]) + data)
        largest = max(largest, len(data) + 1)
    names = list(MUTATIONS)

    def one_input(raw: bytes) -> None:
        if not raw:
            return
        check(raw[1:], SEED_KINDS[raw[0] % len(SEED_KINDS)])

    def custom_mutator(raw: bytes, max_size: int, seed: int) -> bytes:
        rnd = random.Random(seed)
        if len(raw) < 2 or rnd.random() < 0.5:
            return atheris.Mutate(raw, max_size)
        head, body = raw[:1], raw[1:]
        steps = [(rnd.choice(names), rnd.getrandbits(32)) for _ in range(rnd.randint(1, 3))]
        return (head + mutate(body, steps))[:max_size]

    argv = [
        sys.argv[0],
        f"-max_total_time={int(args.seconds)}",
        f"-timeout={int(args.input_timeout)}",
        f"-rss_limit_mb={int(args.rss_mb)}",
        f"-max_len={max(4096, 2 * largest)}",
        f"-artifact_prefix={artifacts}{os.sep}",
        "-print_final_stats=1",
        str(corpus),
    ]
    print(f"atheris: {len(all_seeds)} seeds, {args.seconds:.0f} s; crashes go to {artifacts}")
    try:
        atheris.Setup(argv, one_input, custom_mutator=custom_mutator)
        atheris.Fuzz()  # exits the process (0 when the time is up with nothing found)
    finally:
        shutil.rmtree(corpus, ignore_errors=True)
    return 0


# -------------------------------------------------------------------------- hypothesis run
def _hypothesis_run(args: argparse.Namespace) -> int:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    _warm_up()
    all_seeds = seeds()
    steps = st.lists(
        st.tuples(st.sampled_from(list(MUTATIONS)), st.integers(0, 2**32 - 1)),
        min_size=1,
        max_size=4,
    )

    end = time.monotonic() + args.seconds
    count = [0]

    @settings(
        max_examples=50,  # short rounds: the time limit is kept within a round or so
        deadline=args.input_timeout * 1000,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(st.sampled_from(all_seeds), steps)
    def run(seed: tuple[str, str, bytes], mutation: list[tuple[str, int]]) -> None:
        count[0] += 1
        check(mutate(seed[2], mutation), seed[0])

    while time.monotonic() < end:
        run()
    print(f"hypothesis: {count[0]} inputs in {args.seconds:.0f} s, nothing found")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="total time (default 120)")
    parser.add_argument(
        "--input-timeout", type=float, default=10.0, help="seconds one input may take (10)"
    )
    parser.add_argument("--rss-mb", type=int, default=2048, help="memory limit in MB (2048)")
    parser.add_argument("--artifacts", default=None, help="folder for crashing inputs")
    parser.add_argument(
        "--hypothesis", action="store_true", help="structured mutations with hypothesis only"
    )
    args = parser.parse_args(argv)
    if args.seconds <= 0:
        print("fuzz: --seconds 0, nothing to do")
        return 0
    if not args.hypothesis:
        try:
            import atheris  # noqa: F401
        except ImportError:
            print("atheris is not installed (the dev extra, Linux): using hypothesis instead")
        else:
            return _atheris_run(args)
    return _hypothesis_run(args)


if __name__ == "__main__":
    sys.exit(main())
