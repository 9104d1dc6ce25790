"""ipywidgets components the Voila dashboards are built from (Japanese labels).

Notebook cells only wire: ``from mynalib.widgets import procedures_app; procedures_app()``.
Errors reach the page as short Japanese messages; tracebacks go to
``$MYNA_HOME/logs/dashboards.log`` (:func:`mynalib.widgets.common.log_path`).
"""

from __future__ import annotations

from typing import Any

#: the line a preheated dashboard kernel writes to the server's log once it waits for its page
#: (:func:`mynalib.widgets.apps.await_page`, :func:`mynalib.demo.wait_for_preheated`)
PREHEATED_MARK = "mynalib: preheated dashboard waiting for its page:"

__all__ = [
    "ApplicationsStatus",
    "FetchPanel",
    "HistoryTable",
    "LifeEventPlanner",
    "MemoryState",
    "NoticeInbox",
    "Overview",
    "PhoneLoginPanel",
    "ProcedureSearch",
    "StatusBar",
    "notebook_progress",
    "notices_app",
    "overview_app",
    "procedures_app",
]

_WHERE = {
    "ApplicationsStatus": "procedures",
    "LifeEventPlanner": "procedures",
    "ProcedureSearch": "procedures",
    "HistoryTable": "notices",
    "NoticeInbox": "notices",
    "FetchPanel": "overview",
    "Overview": "overview",
    "PhoneLoginPanel": "phone_login",
    "MemoryState": "common",
    "StatusBar": "common",
    "notebook_progress": "progress",
    "notices_app": "apps",
    "overview_app": "apps",
    "procedures_app": "apps",
}


def __getattr__(name: str) -> Any:  # ipywidgets is imported only when a component is used
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(name)
