"""The vault's layers: the store core knows no parser, no frame and no command line; the import
pipeline and the frame reader use the public API of mynalib.sources and mynalib.frames only;
the command an audit entry names is set by the ``myna`` CLI, never sniffed by the store."""

from __future__ import annotations

import ast
from pathlib import Path

import click
from click.testing import CliRunner

from mynalib import log
from mynalib.vault import open_vault

from ..importgraph import imports_in
from .conftest import PASSPHRASE

PACKAGE = Path(__file__).resolve().parents[2] / "mynalib"

#: what the store core (and everything it imports) must not import, even inside a function
NOT_BELOW_THE_STORE = (
    "mynalib.sources",
    "mynalib.frames",
    "mynalib.commands",
    "mynalib.cli",
    "mynalib.vault.importer",
    "mynalib.vault.reader",
    "mynalib.vault.vault",
    "mynalib.vault.opening",
    "mynalib.vault._import_worker",
    "click",
    "pandas",
    "numpy",
)


def _path_of(module: str) -> Path | None:
    parts = module.split(".")[1:]
    base = PACKAGE.joinpath(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(module: str) -> tuple[set[str], ast.Module]:
    """Every module ``module`` imports anywhere in its code (functions included)."""
    path = _path_of(module)
    assert path is not None, module
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # `from . import codec`: a module of the package, not the package
    out = set(
        imports_in(
            tree,
            module,
            path.name == "__init__.py",
            lambda name: name.startswith("mynalib") and _path_of(name) is not None,
        )
    )
    return out, tree


def _closure(start: str) -> dict[str, ast.Module]:
    """``start`` and the mynalib modules it imports, directly or not (parent packages'
    ``__init__`` not counted: they are not what the module depends on)."""
    seen: dict[str, ast.Module] = {}
    todo = [start]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        imported, tree = _imports(module)
        seen[module] = tree
        todo.extend(m for m in imported if m.startswith("mynalib") and _path_of(m) is not None)
    return seen


def _forbidden(imported: set[str]) -> list[str]:
    return sorted(
        m for m in imported if any(m == f or m.startswith(f + ".") for f in NOT_BELOW_THE_STORE)
    )


def test_the_store_core_imports_no_parser_frame_or_cli() -> None:
    modules = _closure("mynalib.vault.store")
    assert {"mynalib.vault.codec", "mynalib.vault.crypto", "mynalib.log"} <= set(modules)
    for module, tree in modules.items():
        imported, _ = _imports(module)
        assert _forbidden(imported) == [], module
        argv = [
            n.lineno
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr == "argv" and ast.unparse(n.value) == "sys"
        ]
        assert argv == [], f"{module} reads sys.argv (lines {argv})"


def test_the_check_sees_an_upward_import() -> None:
    """The check above fails for a module that imports a parser inside a function."""
    imported, _ = _imports("mynalib.vault.importer")
    assert "mynalib.sources" in _forbidden(imported)
    assert "mynalib.frames" in _forbidden(_imports("mynalib.vault.reader")[0])


def test_pipeline_and_reader_use_public_parser_and_frame_api_only() -> None:
    for module in (
        "mynalib.vault.importer",
        "mynalib.vault.reader",
        "mynalib.vault._import_worker",
    ):
        _, tree = _imports(module)
        private = [
            f"{ast.unparse(n)} (line {n.lineno})"
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute)
            and n.attr.startswith("_")
            and ast.unparse(n.value) in {"frames", "sources", "memo"}
        ]
        assert private == [], module


def test_the_command_line_names_the_command(vault_dir: Path) -> None:
    """A click command that is not mynalib's CLI is not looked at: its entries name
    ``python``; mynalib.log.current_command (which the CLI sets) is what counts."""

    @click.command()
    def other_program() -> None:
        with open_vault(vault_dir, passphrase=PASSPHRASE) as vault:
            vault.audit("outside", "")
            token = log.current_command.set("myna test")
            try:
                vault.audit("inside", "")
            finally:
                log.current_command.reset(token)

    result = CliRunner().invoke(other_program, [], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with open_vault(vault_dir, passphrase=PASSPHRASE) as vault:
        entries = [(e.action, e.command) for e in vault.audit_log()]
    assert entries == [("outside", "python"), ("inside", "myna test")]


def test_current_command_is_one_variable() -> None:
    from mynalib import vault

    assert vault.current_command is log.current_command
