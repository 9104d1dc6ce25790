"""Text from files, the portal, the card or the vault reaches the terminal only through
``commands._common.echo`` / ``clean`` / ``json_safe`` (issue 11, item 8: terminal control
characters stripped in every human output)."""

from __future__ import annotations

import ast
from pathlib import Path

from click.testing import CliRunner

COMMANDS = Path(__file__).resolve().parents[2] / "mynalib" / "commands"

#: click.echo calls that print only what mynalib made itself: (file, a piece of the call's source)
OWN_TEXT = {
    ("_common.py", "message"),  # echo() itself, for None and bytes
    ("_common.py", "clean(message)"),
    ("_common.py", "label"),  # the PIN prompt's label (mynalib's own)
    ("_common.py", "from the environment: unsafe"),  # names an environment variable
    ("portal.py", "login.qr_text()"),  # the QR code drawn from the code mynalib asked for
    ("portal.py", "次の確認まで"),  # the countdown (numbers); "\r" redraws the line
    ("phone.py", "approval"),  # the approval the phone made (base64url), to paste
    ("demo.py", "wrote {count} deadlines"),
    ("samples.py", "Wrote {len(documents)}"),
    ("samples.py", "labels.get(sub"),
}
SAFE_WRAPPERS = {"clean", "json_safe"}


def _unsafe_calls() -> list[str]:
    found = []
    for path in sorted(COMMANDS.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "echo"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "click"
            ):
                continue
            if not node.args or isinstance(node.args[0], ast.Constant):
                continue
            first = node.args[0]
            if (
                isinstance(first, ast.Call)
                and isinstance(first.func, ast.Name)
                and first.func.id in SAFE_WRAPPERS
            ):
                continue
            text = ast.get_source_segment(source, node) or ""
            if any(path.name == name and piece in text for name, piece in OWN_TEXT):
                continue
            found.append(f"{path.name}:{node.lineno}: {text[:80]}")
    return found


def test_every_printed_value_goes_through_echo() -> None:
    assert _unsafe_calls() == []


def test_echo_strips_and_keeps_bytes(capsys) -> None:  # type: ignore[no-untyped-def]
    import click

    from mynalib.commands._common import echo

    @click.command()
    def cmd() -> None:
        echo("名前\x1b]0;pwned\x07\x1b[2J\u202e")
        echo(None)

    result = CliRunner().invoke(cmd, [])
    assert result.output == "名前\n\n"
