"""Every document the code, the help texts, the notebooks and the docs point at is in the
repository: a reader who follows ``see FORMATS.md`` must find the file."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: what a person reads: the package (docstrings, --help texts, comments), the notebooks and
#: dashboards, and the documents
SCANNED = ("mynalib", "notebooks", "dashboards", "docs", "README.md", "ARCHITECTURE.md")
SUFFIXES = {".py", ".ipynb", ".md", ".html", ".j2", ".json", ".toml", ".txt"}
#: design notes kept outside the repository: never cited, with or without a folder
NEVER = ("DESIGN.md", "STACK.md")
REFERENCE = re.compile(r"(?<![\w./-])([\w./-]*[\w-]\.md)\b")


def _files() -> list[Path]:
    out = []
    for name in SCANNED:
        path = ROOT / name
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += [p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in SUFFIXES]
    return out


def resolves(reference: str, where: Path) -> bool:
    """``reference`` names a file from the repository root, from the package folder (as
    ARCHITECTURE.md names modules: ``portal/PROTOCOL.md``), from the citing file's folder, or (a
    bare name such as ``PROTOCOL.md``) from a folder above it."""
    ref = reference.lstrip("./")
    bases = (ROOT, ROOT / "mynalib", where.parent)
    if any((base / ref).is_file() for base in bases if "/" in ref or base == where.parent):
        return True
    if "/" not in ref:
        folder = where.parent
        while folder != ROOT.parent:
            if (folder / ref).is_file():
                return True
            folder = folder.parent
    return False


def unresolved(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    bad = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        for ref in REFERENCE.findall(line):
            if ref.endswith(NEVER) or not resolves(ref, path):
                bad.append(f"{path.relative_to(ROOT)}:{lineno}: {ref}")
    return bad


def test_every_referenced_document_is_in_the_repository() -> None:
    bad = [b for path in _files() for b in unresolved(path)]
    assert bad == [], "references to documents that are not in the repository:\n" + "\n".join(bad)


def test_the_check_catches_a_design_note_outside_the_repository(tmp_path: Path) -> None:
    cited = ROOT / "mynalib" / "card" / "x.py"  # never written: only where the citation sits
    assert not resolves("CARD.md", cited)  # docs/CARD.md exists, a bare CARD.md does not
    assert resolves("docs/CARD.md", cited)
    assert resolves("PROTOCOL.md", ROOT / "mynalib" / "portal" / "sandbox" / "app.py")
    assert not resolves("PROTOCOL.md", ROOT / "mynalib" / "widgets" / "phone_login.py")
    note = tmp_path / "note.py"
    note.write_text('"""See DESIGN.md §3 and FORMATS.md."""\n', encoding="utf-8")
    assert REFERENCE.findall(note.read_text(encoding="utf-8")) == ["DESIGN.md", "FORMATS.md"]
