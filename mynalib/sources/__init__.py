"""Importers for the files people download: pure functions ``bytes -> records``.

    from mynalib.sources import detect_kind, parse
    kind = detect_kind(data)                  # by content, never by file name
    result = parse(kind, data, strict=False)  # ParseResult(records, warnings, meta)

Kinds: ``iryohi_csv`` (医療費通知情報 CSV), ``kojo_xml`` (控除証明書等 XML, TEG800–TEG850),
``kenshin_cda`` (特定健診 HL7 CDA XML), ``nenkin_csv`` (the project's pension-record CSV template),
plus the ``portal_*`` kinds of ``mynalib.sources.portal_json``: the table :data:`BUILTIN_KINDS`,
made from the parser modules imported here (other modules may call :func:`register_kind`).

One contract for every parser: ``parse(data: bytes, *, strict: bool = False) -> ParseResult``,
with a detector ``detect(data) -> bool`` judging by content (the portal's JSON kinds share one
detector that names the kind). This package is the bottom layer: bytes in, records out. It never
imports pandas, numpy, :mod:`mynalib.frames` or :mod:`mynalib.vault` (the frames read the records;
``tests/test_layers_sources.py`` keeps it so).

Parsers never touch the vault, the network or the card. Lenient by default: rows or elements they
do not understand become ``warnings`` (kept in the result, at most
:data:`~mynalib.sources.limits.MAX_WARNINGS` of them and a count); ``strict=True`` raises
:class:`~mynalib.errors.MalformedDocument` instead. Files above ``MAX_BYTES`` (50 MB), or above
their kind's limit (:mod:`mynalib.sources.limits`: 5 MB for a 医療費通知 CSV, 2 MB for a 控除証明書,
...), are refused with :class:`~mynalib.errors.DocumentTooLarge` before anything is parsed. Every
problem with a file's content is a :class:`~mynalib.errors.SourceError` (mostly
:class:`~mynalib.errors.MalformedDocument`, with the line or element): no other exception comes
out of a parser (``tests/security/test_fuzz_parsers.py``, ``scripts/fuzz_parsers.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import DocumentTooLarge, MalformedDocument, SourceError, UnknownDocument
from . import iryohi_csv, kenshin_cda, kojo_xml, limits, nenkin_csv, portal_json
from .limits import MAX_BYTES
from .records import ParseResult

Parser = Callable[..., ParseResult]  # (data: bytes, *, strict: bool) -> ParseResult
Detector = Callable[[bytes], bool]


@dataclass(frozen=True)
class KindInfo:
    kind: str
    description: str
    parser: Parser
    detector: Detector | None
    #: checked in this order (lower first); XML kinds before text kinds
    priority: int = 100


#: the built-in kinds. Every parser is ``parse(data, *, strict=False) -> ParseResult``; every
#: detector ``detect(data) -> bool`` judges by content
BUILTIN_KINDS: tuple[KindInfo, ...] = (
    KindInfo(
        kojo_xml.KIND,
        "控除証明書等 XML (TEG800/810/820/821/822/830/840/850)",
        kojo_xml.parse,
        kojo_xml.detect,
        priority=10,
    ),
    KindInfo(
        kenshin_cda.KIND,
        "特定健診 XML (HL7 CDA)",
        kenshin_cda.parse,
        kenshin_cda.detect,
        priority=20,
    ),
    KindInfo(
        iryohi_csv.KIND,
        "医療費通知情報 CSV (マイナポータル)",
        iryohi_csv.parse,
        iryohi_csv.detect,
        priority=50,
    ),
    KindInfo(
        nenkin_csv.KIND,
        "年金記録 CSV (project template)",
        nenkin_csv.parse,
        nenkin_csv.detect,
        priority=60,
    ),
    # the portal's JSON answers: one detector names the kind (below)
    *(
        KindInfo(kind, f"マイナポータル JSON ({kind})", portal_json.parser(kind), None, 200)
        for kind in portal_json.KINDS
    ),
)

#: kind → what reads it: the built-in kinds, and any :func:`register_kind` adds
_KINDS: dict[str, KindInfo] = {info.kind: info for info in BUILTIN_KINDS}

#: detectors that name the kind themselves (``detect(data) -> kind | None``), tried last, on
#: JSON only
_MULTI_DETECTORS: tuple[Callable[[bytes], str | None], ...] = (portal_json.detect,)


def register_kind(
    kind: str,
    parser: Parser,
    *,
    detector: Detector | None = None,
    description: str = "",
    priority: int = 100,
) -> None:
    """Register a parser (``parser(data, *, strict=False) -> ParseResult``) for ``kind``.

    ``detector(data) -> bool`` makes :func:`detect_kind` recognise the kind by content.
    """
    _KINDS[kind] = KindInfo(kind, description or kind, parser, detector, priority)


#: (the registered kinds it was made from, the kinds with a detector in the order
#: :func:`detect_kind` tries them); remade whenever ``_KINDS`` changes
_detection: tuple[tuple[KindInfo, ...], list[KindInfo]] = ((), [])


def _detection_order() -> list[KindInfo]:
    global _detection
    registered = tuple(_KINDS.values())
    if registered != _detection[0]:  # (identical entries compare by identity: cheap)
        ordered = sorted(registered, key=lambda i: (i.priority, i.kind))
        _detection = (registered, [info for info in ordered if info.detector is not None])
    return _detection[1]


def kinds() -> dict[str, str]:
    """Supported kinds → description."""
    return {k: info.description for k, info in sorted(_KINDS.items())}


def load_all() -> None:
    """Nothing left to do: every built-in parser is imported with this package (kept for the
    import workers, which call it before their work)."""


def _own(func: object) -> bool:
    module = getattr(func, "__module__", None)
    return isinstance(module, str) and (module == "mynalib" or module.startswith("mynalib."))


def registry_is_builtin() -> bool:
    """True when every registered parser and detector is mynalib's own, so a fresh process
    (which registers only those) detects and parses exactly as this one."""
    funcs: list[object] = [info.parser for info in _KINDS.values()]
    funcs += [info.detector for info in _KINDS.values() if info.detector is not None]
    funcs += list(_MULTI_DETECTORS)
    return all(_own(f) for f in funcs)


def _check_size(data: bytes, limit: int, what: str = "The file") -> None:
    if len(data) > limit:
        raise DocumentTooLarge(
            f"{what} is {len(data):,} bytes, above the limit of {limit:,} bytes "
            f"({limits.human(limit)}); it was not read",
            hint="check that it is the file you meant (real ones are far smaller), or pass a "
            "larger max_bytes if you are sure",
            ja=f"ファイルが大きすぎます（{limits.human(limit)} まで）。読み込んでいません。",
        )


def _supported_text() -> str:
    return "; ".join(f"{k} ({d})" for k, d in kinds().items())


def detect_kind(data: bytes, name: str | None = None, *, max_bytes: int | None = None) -> str:
    """The kind of ``data``, judged by content (``name`` is only used in messages).

    Raises :class:`UnknownDocument` listing the supported kinds, :class:`DocumentTooLarge`, or
    :class:`MalformedDocument` for an XML file that is unsafe (DTD/entities) or broken.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("detect_kind needs bytes")
    data = bytes(data)
    _check_size(data, MAX_BYTES if max_bytes is None else max_bytes)
    for info in _detection_order():
        try:
            if info.detector(data):  # type: ignore[misc]  # (only kinds with a detector)
                return info.kind
        except MalformedDocument:
            raise
        except (SourceError, ValueError, UnicodeError):
            continue
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        if max_bytes is None and _MULTI_DETECTORS:  # (they read the whole JSON document)
            _check_size(data, limits.PORTAL_MAX_BYTES, "A JSON file (a portal answer?)")
        for multi in _MULTI_DETECTORS:
            try:
                kind = multi(data)
            except (SourceError, ValueError, TypeError, AttributeError, KeyError, IndexError):
                continue
            if kind and kind in _KINDS:
                return kind
    label = f"{name!r}" if name else "The file"
    raise UnknownDocument(
        f"{label} is not a kind of document mynalib can read. Supported: {_supported_text()}",
        hint="check that it is the original download (not opened and re-saved in Excel)",
    )


def parse(
    kind: str,
    data: bytes,
    *,
    strict: bool = False,
    max_bytes: int | None = None,
    memo: bool = True,
) -> ParseResult:
    """Parse ``data`` as ``kind``; see the module docstring.

    ``memo=False`` bypasses the parse memo (:mod:`mynalib.sources.memo`): the result is neither
    looked up nor kept (a bulk import of thousands of files, whose results nobody asks for
    again, would otherwise fill it)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse needs bytes")
    data = bytes(data)
    _check_size(data, MAX_BYTES if max_bytes is None else max_bytes)
    info = _KINDS.get(kind)
    if info is None:
        raise UnknownDocument(f"Unknown document kind {kind!r}. Supported: {_supported_text()}")
    if max_bytes is None:
        _check_size(data, limits.max_bytes_for(kind), f"The {info.description}")
    parser = info.parser if memo else getattr(info.parser, "__wrapped__", info.parser)
    result = parser(data, strict=strict)
    result.warnings = limits.capped(result.warnings)
    return result


__all__ = [
    "BUILTIN_KINDS",
    "MAX_BYTES",
    "KindInfo",
    "ParseResult",
    "detect_kind",
    "kinds",
    "load_all",
    "parse",
    "register_kind",
    "registry_is_builtin",
]
