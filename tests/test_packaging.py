"""pyproject.toml and environment.yml must list the same dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)) :].replace(" ", "")


def _environment_lists() -> tuple[dict[str, str], list[str]]:
    conda: dict[str, str] = {}
    pip: list[str] = []
    in_pip = False
    text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    for raw in text.split("\ndependencies:", 1)[1].splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        stripped = line.strip()
        if stripped == "- pip:":
            in_pip = True
            continue
        if stripped.startswith("- "):
            item = stripped[2:].strip()
            indent = len(line) - len(line.lstrip())
            if in_pip and indent > 4:
                pip.append(item)
            else:
                in_pip = False
                conda[_name(item)] = _spec(item)
    return conda, pip


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r): _spec(r) for r in project["dependencies"]}
    wanted.update({_name(r): _spec(r) for r in project["optional-dependencies"]["pcsc"]})
    conda, pip = _environment_lists()
    pip_names = {_name(r): _spec(r) for r in pip if not r.startswith("-")}
    listed = {k: v for k, v in {**conda, **pip_names}.items() if k not in {"python", "pip"}}
    assert listed == wanted, (
        f"only in pyproject: {sorted(set(wanted) - set(listed))}; "
        f"only in environment.yml: {sorted(set(listed) - set(wanted))}; "
        f"different: {sorted(k for k in wanted if k in listed and listed[k] != wanted[k])}"
    )
    assert "-e ." in pip, "environment.yml must install mynalib itself"


def test_ipykernel_pinned_below_7() -> None:
    # measured here: ipykernel 7 hangs Voila's first cell about one page load in eleven
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    spec = next(r for r in project["dependencies"] if r.startswith("ipykernel"))
    assert "<7" in spec


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make test" in ci and "make test" in readme
    commands = [
        line.strip()
        for line in ci.splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert commands == ["make test"]


def test_jupyter_start_imports_no_lark_grammars() -> None:
    # jsonschema >= 4.24 imports rfc3987_syntax (Lark grammars compiled at import, seconds of
    # every Jupyter server, Voila and nbconvert start); the pin keeps it out
    import subprocess
    import sys

    code = (
        "import sys, jsonschema._format, nbformat.validator; "
        "print(','.join(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_make_test_runs_the_suite_in_parallel() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "$(PYTEST_XDIST)" in target
    line = next(x for x in makefile.splitlines() if x.startswith("PYTEST_XDIST ?="))
    assert "-n auto" in line and "--dist loadgroup" in line  # groups honoured
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(r.startswith("pytest-xdist") for r in project["optional-dependencies"]["dev"])


@pytest.mark.pcsc
def test_pcscd_tests_share_one_xdist_group(request: pytest.FixtureRequest) -> None:
    # every pcsc test starts the machine's one pcscd: under xdist they run on one worker
    groups = [m.args for m in request.node.iter_markers("xdist_group")]
    assert groups == [("pcscd",)]


def test_pcscd_turns_are_exclusive_across_processes(tmp_path: Path) -> None:
    # xdist workers (and other test runs) take turns with the machine's one pcscd
    import subprocess
    import sys

    from tests.pcsc_stack import pcscd_turn

    lock = tmp_path / "pcscd.lock"

    probe = (
        "import fcntl, sys\n"
        f"f = open({str(lock)!r}, 'r+b')\n"
        "try:\n    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept BlockingIOError:\n"
        "    sys.exit(3)\n"
    )

    def other_gets_it() -> bool:
        done = subprocess.run([sys.executable, "-c", probe], timeout=60, check=False)
        assert done.returncode in (0, 3)
        return done.returncode == 0

    with pcscd_turn(lock=lock):
        assert not other_gets_it()
    assert other_gets_it()


def test_a_pcscd_not_started_here_is_neither_used_nor_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from tests import pcscd

    started: list[object] = []
    monkeypatch.setattr(pcscd, "running_pcscd", lambda: [4242])
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    with pytest.raises(pcscd.ForeignPcscd, match="4242"), pcscd.pcscd(tmp_path / "pcscd.log"):
        pass
    assert started == []


def test_a_held_pcscd_turn_times_out_with_the_reason(tmp_path: Path) -> None:
    from tests import pcscd

    lock = tmp_path / "pcscd.lock"
    with pcscd.turn(lock=lock), pytest.raises(pcscd.TurnTimeout, match="held the pcscd lock"):
        with pcscd.turn(lock=lock, timeout=0.2):
            pass
