"""The sample vault: the whole sample household in an encrypted vault, built one way for everyone.

:func:`build_sample_vault` imports every sample document as a user would (kind detected by
content, ``source="sample"``, each file attributed to the member its folder or name says), then
logs in to an in-process portal sandbox with the members' software cards
(:mod:`mynalib.samples.card`) and fetches what only the portal has (:data:`SANDBOX_FETCHES`):
every member's 薬剤情報 and わたしの情報 (税・所得, 世帯, 子育て, 介護, 雇用保険, 健康保険証,
予防接種, 公金受取口座), and the お知らせ, やりとり履歴 and 申請状況 of the first member (the holder
of the built-in ``--virtual`` card and of the demo's card). The notebooks' workbook
(:func:`mynalib.workbook.open_workbook`) and ``myna demo`` both build their sample vault here.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .household import HOUSEHOLD

if TYPE_CHECKING:
    from ..vault import Vault

#: ``progress(done, total, label)``: after each document imported and each member's fetch
Progress = Callable[[int, int, str], None]

#: what the sandbox adds to the sample files: (member id, portal groups fetched with their card)
SANDBOX_FETCHES: tuple[tuple[str, tuple[str, ...]], ...] = (
    (HOUSEHOLD[0].id, ("drugs", "myinfo", "notices", "history", "applications")),
    *((member.id, ("drugs", "myinfo")) for member in HOUSEHOLD[1:]),
)

#: the folder of the pension CSVs among the sample files (see ``pension_files``)
PENSION_FOLDER = "nenkin"

#: bump when the way the sample vault is built changes (cached copies are then rebuilt)
BUILD_VERSION = "4"

#: the code the vault's content depends on besides the documents (the sandbox serves the portal
#: part), relative to the package folder
_CONTENT_CODE = ("samples", "portal/sandbox/data.py", "portal/sandbox/app.py")


class PortalFetchFailed(RuntimeError):
    """The sample files are in the vault, but fetching from the in-process sandbox failed."""


def is_sample_vault(vault: Any) -> bool:
    """Whether ``vault`` was built by :func:`build_sample_vault` (it holds the fictional
    household only: the notebooks and dashboards then use the household's tax inputs)."""
    return vault.get_state("sample_skipped") is not None


def person_for_file(rel: str | Path) -> str | None:
    """The name of the member a sample file belongs to (its folder or file name says so)."""
    path = Path(rel)
    words = set(path.parent.name.split("_")) | set(path.stem.replace("-", "_").split("_"))
    for member in HOUSEHOLD:
        if member.id in words:
            return member.name
    return None


def sample_fingerprint(
    documents: Sequence[tuple[str, bytes]], *, pension_files: bool = True
) -> str:
    """What a sample vault built from ``documents`` holds, as a hash: its documents, the code
    that makes the portal's part, and :data:`BUILD_VERSION` (stored in the vault's state as
    ``sample_fingerprint``, so a cached sample vault can tell whether it is stale)."""
    h = hashlib.sha256(f"{BUILD_VERSION}|pension_files={pension_files}".encode())
    package = Path(__file__).resolve().parent.parent
    for name in _CONTENT_CODE:
        path = package / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for code in files:
            h.update(code.relative_to(package).as_posix().encode())
            h.update(hashlib.sha256(code.read_bytes()).digest() if code.exists() else b"-")
    for rel, data in documents:
        h.update(rel.encode())
        h.update(hashlib.sha256(data).digest())
    return h.hexdigest()


def build_sample_vault(
    target: Path,
    *,
    passphrase: str,
    documents: Sequence[tuple[str, bytes]] | None = None,
    pension_files: bool = True,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Build the sample vault in ``target`` (replaced as a whole); return documents per kind.

    ``documents`` are (path relative to ``sample_data/``, bytes), by default
    :func:`mynalib.samples.sample_files` (the same bytes as the committed ``sample_data/``).
    ``pension_files=False`` leaves the pension CSVs out, so that the pension record is the
    portal's to bring (what ``myna demo``'s overview shows off); every other file is imported.
    A document that is not one the vault knows (a settings CSV in ``$MYNA_SAMPLE_DATA``) is
    skipped and listed in the vault's state ``sample_skipped``; a document the vault refuses
    raises. When the sandbox part fails, the vault with the files is still put in place and
    :class:`PortalFetchFailed` is raised (the vault then has no ``sample_fingerprint``).
    """
    from ..errors import UnknownDocument
    from ..vault import open_vault

    if documents is None:
        from .files import sample_files

        documents = sample_files()
    given = documents
    if not pension_files:
        documents = [(rel, d) for rel, d in given if Path(rel).parts[0] != PENSION_FOLDER]
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".sample-vault-", dir=target.parent))
    counts: dict[str, int] = {}
    failure: Exception | None = None
    try:
        total = len(documents) + len(SANDBOX_FETCHES)
        with open_vault(work, passphrase=passphrase) as vault:
            skipped: list[str] = []
            for i, (rel, data) in enumerate(documents, start=1):
                name = Path(rel)
                try:
                    report = vault.import_bytes(
                        data, name=name.name, person=person_for_file(name), source="sample"
                    )
                except UnknownDocument:
                    skipped.append(rel)
                    continue
                if report.error:
                    raise RuntimeError(f"sample file {rel} did not import: {report.error}")
                counts[str(report.kind)] = counts.get(str(report.kind), 0) + 1
                if progress:
                    progress(i, total, name.name)
            vault.set_state("sample_skipped", skipped)
            try:
                fetched = _fetch_from_sandbox(vault, progress=progress, done=len(documents))
            except Exception as exc:  # the files are in: the caller decides what to do
                failure = exc
            else:
                for kind, n in fetched.items():
                    counts[kind] = counts.get(kind, 0) + n
                fingerprint = sample_fingerprint(given, pension_files=pension_files)
                vault.set_state("sample_fingerprint", fingerprint)
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    if failure is not None:
        raise PortalFetchFailed("fetching from the in-process sandbox failed") from failure
    return counts


def _fetch_from_sandbox(vault: Vault, *, progress: Progress | None, done: int) -> dict[str, int]:
    """Log in to an in-process sandbox with each member's software card (its documented test
    PIN, on a fresh in-memory card: no saved card spends a try) and fetch their groups."""
    from ..card import open_card
    from ..card.virtual.profile import DEFAULT_PINS
    from ..portal.inprocess import sandbox_client
    from ..secrets import Pin
    from .card import sample_card_profile
    from .household import person

    total = done + len(SANDBOX_FETCHES)
    new: dict[str, int] = {}
    with sandbox_client() as client:
        for k, (member_id, groups) in enumerate(SANDBOX_FETCHES, start=1):
            with open_card(reader="virtual", profile=sample_card_profile(member_id)) as card:
                client.login(card, Pin(DEFAULT_PINS["auth"], "auth"))
            report = client.fetch(list(groups), store=vault.put)
            if report.errors:
                task, error = report.errors[0]
                raise RuntimeError(f"the sandbox refused {task} for {member_id}: {error}")
            for kind, n in report.new.items():
                new[kind] = new.get(kind, 0) + n
            if progress:
                progress(done + k, total, f"マイナポータル {person(member_id).name}")
    return new
