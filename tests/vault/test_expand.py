"""``expand_paths`` (the file list of an import) walks folders like the original ``rglob`` version."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mynalib.vault import expand_paths


def _rglob_version(folder: Path) -> list[Path]:
    return sorted(
        f
        for f in folder.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(folder).parts)
    )


def _tree(root: Path) -> Path:
    files = [
        "a.csv",
        "a/b.csv",
        "a-c/d.csv",
        "a/z/deep.xml",
        "a/.hidden.csv",
        ".git/config",
        "B/upper.csv",
        "b/lower.csv",
        "x y/space.csv",
        "医療費/医療費情報_2025.csv",
        "a/zz/.cache/inner.csv",
    ]
    for name in files:
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    return root


def test_same_files_in_the_same_order_as_rglob(tmp_path):
    root = _tree(tmp_path / "in")
    assert expand_paths([root]) == _rglob_version(root)
    assert expand_paths([root / "a.csv", root / "a"]) == [
        root / "a.csv",
        *_rglob_version(root / "a"),
    ]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks")
def test_symlinks_like_rglob(tmp_path):
    root = _tree(tmp_path / "in")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.csv").write_bytes(b"x")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    (root / "linkfile.csv").symlink_to(outside / "o.csv")
    (root / "broken.csv").symlink_to(tmp_path / "missing")
    assert expand_paths([root]) == _rglob_version(root)
