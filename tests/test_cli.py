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


def test_the_card_options_have_one_home() -> None:
    """``--virtual/--reader/--profile/--member`` mean the same in every command: each is declared
    in mynalib/commands/_card.py only, and every command has them in the same shape."""
    import re
    from pathlib import Path

    import mynalib

    commands = Path(mynalib.__file__).parent / "commands"
    declared = re.compile(r"click\.option\(\s*\"--(virtual|reader|profile|member)\"")
    elsewhere = [
        f"{path.name}: --{m.group(1)}"
        for path in commands.glob("*.py")
        if path.name != "_card.py"
        for m in declared.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not elsewhere, elsewhere
    seen = set()
    for path in _walk(main):
        command = main
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        for param in command.params:
            if param.name == "virtual":
                assert (
                    isinstance(param, click.Option)
                    and param.is_flag
                    and param.opts == ["--virtual"]
                )
            elif param.name == "profile":
                assert isinstance(param.type, click.Path) and not param.type.dir_okay, path
                assert param.opts == ["--profile"] and param.default is None
            elif param.name in ("reader", "member"):
                assert param.opts == [f"--{param.name}"] and param.default is None, path
                assert param.type is click.STRING, path
            else:
                continue
            seen.add((path, param.name))
    # the commands this covers: phone approve and dashboards among them
    assert (("phone", "approve"), "member") in seen and (("dashboards",), "profile") in seen
    assert (("login",), "reader") in seen and (("card", "serve-virtual"), "profile") in seen
