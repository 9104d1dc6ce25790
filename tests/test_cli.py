"""The ``myna`` command: every command has --help, and the README's command list is real."""

from __future__ import annotations

import click
from click.testing import CliRunner

from mynalib.cli import main


def _walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        paths.append(path)
        if isinstance(command, click.Group):
            paths.extend(_walk(command, path))
    return paths


def test_every_command_has_help() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for path in _walk(main):
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output
        command = main
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        assert command.help or command.short_help, f"myna {' '.join(path)} has no help text"


def test_version() -> None:
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and "myna" in result.output


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[str]:
    leaves: set[str] = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            leaves |= _leaf_commands(command, (*prefix, name))
        else:
            leaves.add(" ".join((*prefix, name)))
    return leaves


def test_readme_command_table_matches_the_cli() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `myna ([a-z -]+)` \|", section, flags=re.MULTILINE))
    assert documented, "README has no command table"
    actual = _leaf_commands(main)
    assert documented == actual, (
        f"in the CLI but not the README: {sorted(actual - documented)}; "
        f"in the README but not the CLI: {sorted(documented - actual)}"
    )
