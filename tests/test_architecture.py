"""The package's imports go one way: each layer imports only the layers below it.

Every import is read from the source — also those inside functions and ``TYPE_CHECKING`` blocks —
so the structure ARCHITECTURE.md describes cannot drift: an import of a higher layer, or a cycle
between modules, fails here with the offending lines.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mynalib"

#: (layer, part) of each piece of the package; the longest matching prefix counts. A module may
#: import its own part, or a part of a LOWER layer. Parts of one layer do not import each other.
PARTS: dict[str, tuple[int, str]] = {
    # 0 — facts and plumbing every layer may use
    "mynalib.errors": (0, "base"),
    "mynalib.paths": (0, "base"),
    "mynalib.log": (0, "base"),
    "mynalib.jp": (0, "jp"),
    "mynalib.document": (1, "base1"),
    "mynalib.pins": (0, "base"),
    "mynalib.secrets": (2, "secrets"),
    # 3 — plain data tables
    "mynalib.portal.protocol": (3, "protocol"),
    "mynalib.samples.household": (3, "household"),
    # 10 — the card, the parsers, the store core
    "mynalib.card": (10, "card"),
    "mynalib.sources": (10, "sources"),
    "mynalib.vault.store": (10, "store"),
    "mynalib.vault.crypto": (10, "store"),
    "mynalib.vault.keys": (10, "store"),
    "mynalib.vault.codec": (10, "store"),
    "mynalib.vault.files": (10, "store"),
    "mynalib.vault._gc": (10, "store"),
    # 20 — the portal client, frames, sample files
    "mynalib.portal": (20, "portal"),
    "mynalib.portal.pending": (20, "portal"),
    "mynalib.frames": (20, "frames"),
    "mynalib.samples": (20, "samples"),  # the written formats (household apart, above)
    # 25 — signing with the card (CMS, PAdES through pyHanko)
    "mynalib.signing": (25, "signing"),
    # 30 — the vault's pipeline and reader, the sample card; procedures catalogue
    "mynalib.vault": (30, "vault"),
    "mynalib.samples.card": (30, "samples-card"),
    "mynalib.procedures": (30, "procedures"),
    # 32 — 電子申請: forms, the signed bytes, prefill, signing and submission (the sandbox checks
    # submissions with its forms; widgets and commands call it)
    "mynalib.apply": (32, "apply"),
    # 40 — analysis, the sandbox (serves the samples), the in-process bridge
    "mynalib.analysis": (40, "analysis"),
    "mynalib.portal.sandbox": (40, "sandbox"),
    "mynalib.samples.vault": (45, "samples-vault"),
    "mynalib.portal.inprocess": (42, "inprocess"),
    # 35 — the tax rule table (plain data with its sources), read by analysis and tax
    "mynalib.tax.rules": (35, "tax-rules"),
    # 50 — tax; 60 — outputs
    "mynalib.tax": (50, "tax"),
    "mynalib.export": (60, "export"),
    "mynalib.charts": (60, "charts"),
    "mynalib.display": (65, "display"),
    "mynalib.widgets": (70, "widgets"),
    "mynalib.workbook": (75, "workbook"),
    "mynalib.demo": (80, "demo"),
    "mynalib.serve": (82, "serve"),
    "mynalib.voila_login": (78, "voila-login"),
    "mynalib.commands": (85, "commands"),
    "mynalib.cli": (90, "cli"),
}
#: the package's own ``__init__`` defines ``__version__`` and re-exports ``open_vault`` lazily: any
#: module may import it (for the version), and it may import what it re-exports
ROOT_PACKAGE = "mynalib"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def part_of(module: str) -> str:
    """The key of :data:`PARTS` that ``module`` belongs to."""
    return max((k for k in PARTS if module == k or module.startswith(k + ".")), key=len)


def _nodes(tree: ast.AST, typing: bool) -> list[ast.AST]:
    """Every node, without the bodies of ``if TYPE_CHECKING:`` unless ``typing``."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        out.append(node)
        if (
            not typing
            and isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
        ):
            todo.extend(node.orelse)
            continue
        todo.extend(ast.iter_child_nodes(node))
    return out


@cache
def imports_of(module: str, typing: bool = True) -> frozenset[str]:
    """mynalib modules ``module`` imports anywhere in its source (inside functions too; inside
    ``if TYPE_CHECKING:`` only when ``typing``)."""
    path = modules()[module]
    here = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in _nodes(ast.parse(path.read_text(encoding="utf-8")), typing):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            stem = ".".join([*base, node.module] if node.module else base)
            names = [f"{stem}.{a.name}" for a in node.names] or [stem]
        else:
            continue
        for name in names:
            while name and name not in modules():
                name = name.rpartition(".")[0]
            if name.startswith("mynalib") and name != module:
                found.add(name)
    return frozenset(found)


def test_every_module_belongs_to_a_part() -> None:
    lost = [
        m
        for m in modules()
        if m != ROOT_PACKAGE and not any(m == k or m.startswith(k + ".") for k in PARTS)
    ]
    assert lost == []


def test_every_import_goes_down() -> None:
    wrong = []
    for module in modules():
        if module == ROOT_PACKAGE:
            continue
        layer, part = PARTS[part_of(module)]
        for target in sorted(imports_of(module)):
            if target == ROOT_PACKAGE:
                continue
            their_layer, their_part = PARTS[part_of(target)]
            if their_part != part and their_layer >= layer:
                wrong.append(
                    f"{module} ({part}, {layer}) imports {target} ({their_part}, {their_layer})"
                )
    assert wrong == [], "imports that do not go down:\n" + "\n".join(wrong)


def _cycles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted. Imports made
    only for type checking do not run, so they cannot make a cycle."""
    graph = {
        m: sorted(t for t in imports_of(m, typing=False) if t != ROOT_PACKAGE) for m in modules()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return sorted(found)


def test_no_import_cycles() -> None:
    assert _cycles() == []


#: third-party libraries that only some parts may import (the part names of PARTS)
LIBRARY_HOMES: dict[str, set[str]] = {
    "smartcard": {"card"},  # pyscard: one adapter (card/pcsc.py)
    "httpx": {"portal", "inprocess"},
    "starlette": {"sandbox"},
    "uvicorn": {"sandbox", "demo", "commands"},
    "matplotlib": {"charts"},
    "ipywidgets": {"widgets"},
    "IPython": {"widgets", "charts", "workbook"},
    "click": {"commands", "cli"},
    "pyhanko": {"signing"},
    "segno": {"portal"},  # QR codes of the cross-device login (portal/crossdevice.py)
}
#: frames and everything above them may use pandas/numpy; the parsers, the card, the portal
#: client, the store and the samples may not
TABLE_LIBRARIES = {"pandas", "numpy"}
NO_TABLES = {
    "base",
    "base1",
    "jp",
    "secrets",
    "protocol",
    "household",
    "card",
    "sources",
    "store",
    "portal",
    "samples",
    "samples-card",
}


def _third_party(module: str) -> set[str]:
    found = set()
    for node in _nodes(ast.parse(modules()[module].read_text(encoding="utf-8")), True):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_libraries_stay_in_their_parts() -> None:
    wrong = []
    for module in modules():
        part = "package" if module == ROOT_PACKAGE else PARTS[part_of(module)][1]
        for lib in sorted(_third_party(module)):
            if lib in LIBRARY_HOMES and part not in LIBRARY_HOMES[lib]:
                wrong.append(f"{module} ({part}) imports {lib}")
            if lib in TABLE_LIBRARIES and part in NO_TABLES:
                wrong.append(f"{module} ({part}) imports {lib}")
    assert wrong == [], "\n".join(wrong)


# ------------------------------------------------------------------------------ registries
def _registries() -> dict[str, list[str]]:
    from mynalib import frames, sources
    from mynalib.demo import DASHBOARDS
    from mynalib.portal import protocol
    from mynalib.tax.summary import CALCULATORS

    return {
        "kinds": sorted(sources.kinds()),
        "frames": sorted(frames.SCHEMAS),
        "operations": [op.name for op in protocol.OPERATIONS],
        "dashboards": list(DASHBOARDS),
        "calculators": [c.key for c in CALCULATORS],
    }


def _mentions(text: str, name: str) -> bool:
    import re

    return re.search(rf"`{re.escape(name)}(\.ipynb)?`", text) is not None


def test_every_registry_entry_is_in_architecture_md() -> None:
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [
        f"{kind}: {n}"
        for kind, names in _registries().items()
        for n in names
        if not _mentions(text, n)
    ]
    assert missing == [], "add these to ARCHITECTURE.md's registries:\n" + "\n".join(missing)


def test_every_user_visible_registry_entry_is_in_the_readme() -> None:
    from mynalib.portal import protocol

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    wanted = _registries()
    # operations reach a user as the choices of `myna fetch`
    wanted["fetch choices"] = sorted(protocol.FETCH_GROUPS)
    del wanted["operations"], wanted["calculators"]
    missing = [
        f"{kind}: {n}"
        for kind, names in wanted.items()
        for n in names
        if not (_mentions(text, n) or (kind == "fetch choices" and n in text))
    ]
    assert missing == [], "add these to the README:\n" + "\n".join(missing)


def test_architecture_md_names_only_files_that_exist() -> None:
    import re

    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    for path in re.findall(r"`((?:[a-z_]+/)+[a-z_]+\.(?:py|md))`", text):
        assert (PACKAGE / path).exists() or (ROOT / path).exists(), path
