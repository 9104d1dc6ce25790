"""The first steps of a new user: `./myna` in the checkout, the make targets saying how to run
`myna`, and `myna_command` naming the script when its folder is not on the PATH."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _checkout(tmp_path: Path) -> Path:
    """A copy of the wrapper in a folder of its own (the real .venv is not touched)."""
    folder = tmp_path / "checkout"
    folder.mkdir()
    shutil.copy2(ROOT / "myna", folder / "myna")
    return folder


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_the_wrapper_runs_the_venv_command_with_its_arguments(tmp_path: Path) -> None:
    folder = _checkout(tmp_path)
    fake = folder / ".venv" / "bin" / "myna"
    fake.parent.mkdir(parents=True)
    fake.write_text('#!/bin/sh\necho "args:$*"\nexit 3\n', encoding="utf-8")
    fake.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "VENV"}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(folder / "myna"), "import", "医療費 情報.csv"],
        cwd=elsewhere,  # works from any folder
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout == "args:import 医療費 情報.csv\n"
    assert result.returncode == 3  # the command's own exit status


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_the_wrapper_says_what_to_do_before_setup(tmp_path: Path) -> None:
    folder = _checkout(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "VENV"}
    result = subprocess.run(
        [str(folder / "myna"), "--help"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 127
    assert "make setup" in result.stderr and "インストールされていません" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script")
def test_the_wrapper_runs_this_checkouts_myna(tmp_path: Path) -> None:
    """Through the venv's own script (here: the interpreter running the tests)."""
    folder = _checkout(tmp_path)
    bin_dir = folder / "env" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "myna"
    script.write_text(
        f"#!{sys.executable}\nfrom mynalib.cli import main\nmain()\n", encoding="utf-8"
    )
    script.chmod(0o755)
    env = dict(os.environ, VENV="env", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [str(folder / "myna"), "--version"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("myna, version")


def test_make_demo_and_help_say_how_to_run_myna() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "./myna" in demo and "$(BIN)/activate" in demo
    assert "./myna" in makefile.split("\nhelp:", 1)[1].split("\n\n", 1)[0]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "./myna" in start and "source .venv/bin/activate" in start


def test_myna_command_names_the_script_when_it_is_not_on_the_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mynalib import paths

    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "myna").write_text("#!/bin/sh\n", encoding="utf-8")
    (bin_dir / "myna").chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    assert paths.myna_command() == str(bin_dir / "myna")
    monkeypatch.setenv("PATH", str(bin_dir))
    assert paths.myna_command() == "myna"  # an activated environment


def test_the_japanese_guide_shows_our_screens_and_real_commands() -> None:
    import re

    from mynalib.cli import main

    guide = (ROOT / "docs" / "guide_ja.md").read_text(encoding="utf-8")
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", guide)
    assert {"start.png", "files.png", "overview.png", "terminal.png", "search.png"} <= set(images)
    for name in images:
        picture = ROOT / "docs" / name
        assert picture.is_file() and picture.read_bytes()[:4] == b"\x89PNG", name
        assert picture.stat().st_size < 300_000, f"{name} is large for a guide picture"
        assert not name.startswith(("http:", "https:")), "no external images"
    for words in re.findall(r"\./myna ((?:[a-z][a-z-]* ?)+)", guide):
        command = main
        for word in words.split():
            sub = getattr(command, "commands", {}).get(word)
            if sub is None:
                break
            command = sub
        assert command is not main, f"./myna {words} is not a command"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/guide_ja.md" in readme.split("## Quick start", 1)[0]  # linked at the top
