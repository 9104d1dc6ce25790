"""The notebook progress bar: a ``(done, total, label)`` callback shown as an ipywidgets bar.

The portal client and the sample-vault builder only call the callback they are given
(``PortalClient.fetch(..., on_progress=notebook_progress())``); this is the one bar notebooks use.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
from IPython.display import display

from ..display import fetch_progress_label

Progress = Callable[[int, int, str], None]


def notebook_progress(
    description: str = "取得中", message: str = "{done}/{total} {label}"
) -> Progress:
    """A progress callback that shows a bar (with ``description``) at its first call and then
    moves it; the text beside it is ``message`` filled with ``done``, ``total`` and ``label``
    (the portal's operation names in Japanese: :func:`mynalib.display.fetch_progress_label`)."""
    parts: list[widgets.DOMWidget] = []

    def update(done: int, total: int, label: str) -> None:
        if not parts:
            parts.append(widgets.IntProgress(value=0, min=0, max=1, description=description))
            parts.append(widgets.Label(""))
            display(widgets.HBox(parts))
        bar, text = parts
        bar.max = max(total, 1)
        bar.value = done
        text.value = message.format(done=done, total=total, label=fetch_progress_label(label))
        if done >= total:
            bar.bar_style = "success"

    return update
