"""The one reader of a module's imports that the layer tests share.

Every import anywhere in the source counts (inside functions, classes and ``TYPE_CHECKING``
blocks too), so a lazy import of a forbidden module is seen like any other.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable


def import_targets(
    nodes: Iterable[ast.AST],
    module: str,
    is_package: bool,
    is_module: Callable[[str], bool] | None = None,
) -> list[str]:
    """Absolute names of what the import statements among ``nodes`` (of ``module``) name, in
    order: ``import a.b`` gives ``a.b``; ``from x import y`` gives ``x`` and ``x.y`` (y may be a
    module or a name) — or, with ``is_module``, ``x.y`` where that is a module and ``x`` where
    it is not; relative imports are resolved against ``module``'s package."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    names: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if is_module is None:
                names.append(target)
                names += [f"{target}.{alias.name}" for alias in node.names]
                continue
            for alias in node.names:
                name = f"{target}.{alias.name}"
                names.append(name if is_module(name) else target)
    return names


def imports_in(
    tree: ast.AST,
    module: str,
    is_package: bool = False,
    is_module: Callable[[str], bool] | None = None,
) -> list[str]:
    """:func:`import_targets` of every node of ``tree``."""
    return import_targets(ast.walk(tree), module, is_package, is_module)
