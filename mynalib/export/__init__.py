"""Exports for tax filing: the NTA 医療費集計フォーム, a deduction summary, deadlines as a calendar.

Every export is personal data: files are written readable by their owner only (mode 0600, a
permissive umask notwithstanding) and atomically (a temporary file in the same folder, renamed
over the target once complete), so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["write_private"]


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` readable and writable by the owner only (0600), atomically.

    The folder is created when missing. An existing file at ``path`` is replaced (and with it
    its permissions). Returns the path written."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # a leftover of an interrupted export by a process with our pid
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # exactly 0600 (a umask can only have taken bits away)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
