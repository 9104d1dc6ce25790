"""Pieces every dashboard component shares.

- :class:`StatusBar`: where short Japanese messages reach the page (errors say what to do).
- :func:`guard`: wraps a widget callback; any exception becomes a short message on the page and
  its traceback goes to the dashboard log file (never to the page, never the PIN).
- :class:`StateStore` / :class:`MemoryState`: the small key-value store components persist
  their state in (the vault's ``get_state``/``set_state`` in the dashboards).
- HTML helpers that always escape the text they are given.
"""

from __future__ import annotations

import functools
import html
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import ipywidgets as widgets

from ..errors import MynaError, PinError
from ..jp.fmt import yen as jp_yen
from ..log import RedactingFilter

F = TypeVar("F", bound=Callable[..., Any])

LOGGER_NAME = "mynalib.dashboards"

_STYLE = """
<style>
.myna-app { font-family: "Noto Sans CJK JP", "Noto Sans JP", sans-serif; max-width: 1100px; }
.myna-app h1 { font-size: 1.6em; margin: 0.2em 0 0.4em 0; }
.myna-app h2 { font-size: 1.25em; margin: 1.2em 0 0.4em 0; border-bottom: 1px solid #ccd; }
.myna-table { border-collapse: collapse; width: 100%; font-size: 0.95em; }
.myna-table th, .myna-table td { border-bottom: 1px solid #e3e3ea; padding: 4px 8px;
  text-align: left; vertical-align: top; }
.myna-table td.num, .myna-table th.num { text-align: right; }
.myna-overdue { color: #b00020; font-weight: bold; }
.myna-soon { color: #a15c00; }
.myna-status-error { color: #b00020; background: #fdecee; padding: 6px 10px; border-radius: 4px; }
.myna-status-info { color: #0b4f8a; background: #eaf2fb; padding: 6px 10px; border-radius: 4px; }
.myna-status-ok { color: #1b5e20; background: #e8f5e9; padding: 6px 10px; border-radius: 4px; }
.myna-muted { color: #667; font-size: 0.9em; }
.myna-card { border: 1px solid #dde; border-radius: 6px; padding: 8px 12px; margin: 4px; }
.myna-figure { font-size: 1.5em; font-weight: bold; }
.myna-unread { font-weight: bold; }
.myna-myinfo { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr));
  gap: 4px; }
.myna-myinfo h3 { font-size: 1.05em; margin: 0.2em 0 0.3em 0; }
.myna-myinfo ul { margin: 0; padding-left: 1.2em; }
.myna-myinfo > p { grid-column: 1 / -1; }
.myna-myinfo .myna-no-record { color: #667; }
/* nothing a person must read is cut: buttons and drop-downs as wide as their labels, lists as
   wide as the page (ipywidgets gives them fixed widths and cuts the rest with "…") */
.myna-app .jupyter-button, .myna-app .widget-button { width: auto; max-width: 100%;
  overflow: visible; text-overflow: clip; padding-left: 12px; padding-right: 12px; }
.myna-app .widget-dropdown { width: auto; max-width: 100%; }
.myna-app .widget-dropdown > select { width: auto; flex: 0 1 auto; max-width: 100%; }
.myna-app .widget-vbox > .jupyter-button { align-self: flex-start; }
.myna-app .widget-select { width: auto; max-width: 100%; align-self: stretch; }
.myna-app .widget-select > select { width: auto; flex: 1 1 auto; min-width: 0; }
.myna-app .widget-inline-hbox .widget-label { overflow: visible; text-overflow: clip; }
.myna-app .widget-checkbox { width: auto; }
.myna-app .widget-checkbox > .widget-label { overflow: visible; text-overflow: clip; width: auto; }
.myna-app a.myna-download { display: inline-block; background: #1976d2; color: #fff;
  text-decoration: none; padding: 4px 14px; border-radius: 2px; margin: 4px 8px 4px 0;
  line-height: 20px; font-size: 13px; }
.myna-app a.myna-download:hover { background: #1565c0; }
.myna-app a.myna-download::before { content: "⤓ "; }
</style>
"""


def log_path() -> Path:
    """The dashboard log file: ``$MYNA_HOME/logs/dashboards.log`` (tracebacks land here)."""
    from ..paths import default_state_dir

    return default_state_dir() / "logs" / "dashboards.log"


def logger() -> logging.Logger:
    """The dashboards' logger: writes to :func:`log_path`, never to the page."""
    log = logging.getLogger(LOGGER_NAME)
    if not any(getattr(h, "_myna_dashboard", False) for h in log.handlers):
        path = log_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # tracebacks may quote personal data: the log is private (0600) and redacted
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._myna_dashboard = True  # type: ignore[attr-defined]
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False  # the kernel's stderr would end up on the page
    return log


def japanese_message(exc: BaseException) -> str:
    """A short Japanese message for ``exc`` that says what to do next."""
    if (
        isinstance(exc, PinError)
        and exc.tries_left is not None
        and str(exc.tries_left) not in (exc.ja or "")
    ):
        return f"{exc.ja} 残り{exc.tries_left}回です。"
    if isinstance(exc, MynaError):
        return exc.ja
    return (
        "予期しないエラーが発生しました。ページを再読み込みしてください。"
        f"続く場合はログファイル（{log_path().name}）を添えてご相談ください。"
    )


def esc(value: Any) -> str:
    """HTML-escaped text of ``value`` (``<NA>``/None become an empty string)."""
    if value is None:
        return ""
    try:
        import pandas as pd

        if value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
            return ""
    except (TypeError, ValueError):
        pass
    return html.escape(str(value))


def yen(value: Any) -> str:
    """``12,345円`` (empty for missing values)."""
    if not esc(value):
        return ""
    return jp_yen(int(value))


def heading(text: str, level: int = 2) -> widgets.HTML:
    return widgets.HTML(f"<h{level}>{esc(text)}</h{level}>")


def table_html(
    headers: list[str], rows: list[list[str]], *, css: str = "myna-table", empty: str = "該当なし"
) -> str:
    """An HTML table; ``rows`` are already-escaped cell HTML."""
    if not rows:
        return f'<p class="myna-muted">{esc(empty)}</p>'
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


class StatusBar(widgets.HTML):
    """One line of feedback: errors in red, information in blue, success in green."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(value="", **kwargs)
        self.add_class("myna-status")

    def error(self, message: str) -> None:
        self.value = f'<div class="myna-status-error" role="alert">{esc(message)}</div>'

    def info(self, message: str) -> None:
        self.value = f'<div class="myna-status-info">{esc(message)}</div>'

    def ok(self, message: str) -> None:
        self.value = f'<div class="myna-status-ok">{esc(message)}</div>'

    def clear(self) -> None:
        self.value = ""

    def exception(self, exc: BaseException, where: str = "") -> None:
        """Log ``exc`` with its traceback to the log file and show its Japanese message."""
        logger().error("%s failed", where or "dashboard", exc_info=exc)
        self.error(japanese_message(exc))


def guard(status: StatusBar, where: str = "") -> Callable[[F], F]:
    """Decorator for widget callbacks: exceptions become a message on ``status``."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                status.exception(exc, where or fn.__name__)
                return None

        return wrapper  # type: ignore[return-value]

    return deco


class StateStore(Protocol):
    """What components need to persist small state (the vault has these two methods)."""

    def get_state(self, key: str, default: Any = None) -> Any: ...

    def set_state(self, key: str, value: Any) -> None: ...


class MemoryState:
    """A :class:`StateStore` in memory (tests, or when no vault is open)."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}

    def get_state(self, key: str, default: Any = None) -> Any:
        import copy

        return copy.deepcopy(self._data.get(key, default))

    def set_state(self, key: str, value: Any) -> None:
        import copy
        import json

        json.dumps(value)  # same contract as the vault: JSON values only
        self._data[key] = copy.deepcopy(value)


def app_box(title: str, children: list[widgets.Widget], *, css: str = "") -> widgets.VBox:
    """The outer box of a dashboard: the style sheet, an <h1> title, then ``children``."""
    box = widgets.VBox([widgets.HTML(_STYLE), heading(title, 1), *children])
    box.add_class("myna-app")
    if css:
        box.add_class(css)
    return box
