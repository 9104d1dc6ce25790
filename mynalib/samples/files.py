"""The generator: every sample document, and ``myna samples generate`` writing ``sample_data/``.

Everything is a pure function of ``seed`` (``random.Random(seed)``, fixed dates, no clock): the
same seed always gives the same bytes on disk. The committed ``sample_data/`` is
``generate(Path("sample_data"))`` with :data:`~mynalib.samples.household.DEFAULT_SEED`; a test
regenerates it and compares byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .household import DEFAULT_SEED
from .iryohi import iryohi_files
from .kenshin import kenshin_files
from .kojo import certificate_files
from .nenkin import nenkin_files
from .readme import sample_readme

#: sub-folders of the output directory the generator owns (stale generated files there go)
GENERATED_DIRS = ("iryohi", "kojo", "kenshin", "nenkin")
_GENERATED_PATTERNS = ("医療費情報_*.csv", "TEG*.xml", "kenshin_*.xml", "nenkin_*.csv")


def sample_files(seed: int = DEFAULT_SEED, *, sign: bool = True) -> list[tuple[str, bytes]]:
    """Every sample document as (path relative to the output folder, bytes), in write order."""
    return [
        *iryohi_files(seed),
        *certificate_files(seed, sign=sign),
        *kenshin_files(seed),
        *nenkin_files(),
    ]


def generate(
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    *,
    sign: bool = True,
    clean: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write the sample household's documents under ``out_dir``; return the written paths.

    Deterministic: the same ``seed`` always gives the same bytes (``sample_data/`` is
    ``generate(Path("sample_data"))``). ``sign`` signs the 控除証明書 with the SAMPLE issuer key
    (TEST ONLY). ``clean`` removes generated-looking files (``医療費情報_*.csv``, ``TEG*.xml``,
    ``kenshin_*.xml``, ``nenkin_*.csv``) left in the generator's own sub-folders
    (:data:`GENERATED_DIRS`) by an earlier run that this run did not write; nothing else is
    touched. A ``README.md`` describing every file is written last.
    ``progress(done, total, relative_path)`` is called after each file.
    """
    out_dir = Path(out_dir)
    files = [*sample_files(seed, sign=sign), ("README.md", sample_readme(seed).encode("utf-8"))]
    written: list[Path] = []
    for n, (rel, data) in enumerate(files, start=1):
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
        if progress is not None:
            progress(n, len(files), rel)
    if clean:
        keep = {p.resolve() for p in written}
        for sub in GENERATED_DIRS:
            folder = out_dir / sub
            if not folder.is_dir():
                continue
            for pattern in _GENERATED_PATTERNS:
                for stale in folder.rglob(pattern):
                    if stale.is_file() and stale.resolve() not in keep:
                        stale.unlink()
    return written
