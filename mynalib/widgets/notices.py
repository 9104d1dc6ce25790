"""お知らせ: an inbox with filters, a detail view, read/unread kept in the vault (and sent to the
portal at the next login or fetch: :mod:`mynalib.portal.readmarks`); やりとり履歴."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..portal import readmarks
from .common import StateStore, StatusBar, esc, guard, heading, table_html

if TYPE_CHECKING:
    import pandas as pd

ANY = ""
#: vault state key: {notice_id: true|false} — what the person marked, over the portal's flag
READ_KEY = readmarks.READ_KEY


def _day(value: Any) -> dt.date | None:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


class NoticeInbox(widgets.VBox):
    """The お知らせ inbox. ``notices`` is the ``notices`` frame; read marks go to ``state``."""

    def __init__(self, notices: pd.DataFrame, state: StateStore, **kwargs: Any) -> None:
        self.state = state
        self.status = StatusBar()
        self.records = sorted(
            notices.to_dict("records"),
            key=lambda r: (_day(r.get("date")) or dt.date.min, str(r.get("notice_id"))),
            reverse=True,
        )
        self._by_id = {str(r["notice_id"]): r for r in self.records}
        style = {"description_width": "6em"}
        senders = sorted({str(r["sender"]) for r in self.records if r.get("sender") is not None})
        categories = sorted(
            {str(r["category"]) for r in self.records if r.get("category") is not None}
        )
        self.search = widgets.Text(
            description="検索", placeholder="件名・本文から探す", style=style
        )
        self.sender = widgets.Dropdown(
            description="差出人", options=[("すべて", ANY), *[(s, s) for s in senders]], style=style
        )
        self.category = widgets.Dropdown(
            description="種類",
            options=[("すべて", ANY), *[(c, c) for c in categories]],
            style=style,
        )
        self.unread_only = widgets.Checkbox(
            description="未読のみ", indent=False, layout=widgets.Layout(width="auto")
        )
        self.date_from = widgets.DatePicker(description="開始日", style=style)
        self.date_to = widgets.DatePicker(description="終了日", style=style)
        self.summary = widgets.HTML()
        self.summary.add_class("myna-notice-summary")
        self.list = widgets.Select(description="お知らせ一覧", options=[], rows=10)
        self.list.add_class("myna-notice-list")
        self.detail = widgets.HTML()
        self.detail.add_class("myna-notice-detail")
        self.toggle = widgets.Button(description="既読にする", disabled=True, icon="envelope-open")
        self.toggle.add_class("myna-read-toggle")
        for control in (
            self.search,
            self.sender,
            self.category,
            self.unread_only,
            self.date_from,
            self.date_to,
        ):
            control.observe(self._on_filter, names="value")
        self.list.observe(self._on_select, names="value")
        self.toggle.on_click(self._on_toggle)
        super().__init__(
            [
                heading("受信したお知らせ"),
                widgets.HBox([self.search, self.sender, self.category]),
                widgets.HBox([self.date_from, self.date_to, self.unread_only]),
                self.status,
                self.summary,
                # the list as wide as the page (a subject is never cut), the detail under it
                self.list,
                self.detail,
                self.toggle,
            ],
            **kwargs,
        )
        self.add_class("myna-notices")
        self.refresh()

    # ------------------------------------------------------------------ state
    def _marks(self) -> dict[str, bool]:
        marks = self.state.get_state(READ_KEY, {}) or {}
        return {str(k): bool(v) for k, v in marks.items()}

    def is_read(self, notice_id: str, marks: dict[str, bool] | None = None) -> bool:
        marks = self._marks() if marks is None else marks
        if notice_id in marks:
            return marks[notice_id]
        value = self._by_id[notice_id].get("read")
        try:
            return bool(value)
        except TypeError:  # pd.NA: the source did not say
            return False

    def set_read(self, notice_id: str, read: bool) -> None:
        """Mark here; a read mark goes to the portal at the next login or fetch."""
        person = self._by_id[notice_id].get("person") if notice_id in self._by_id else None
        readmarks.mark(
            self.state, notice_id, read, person=str(person) if isinstance(person, str) else None
        )

    # ------------------------------------------------------------------ view
    def matching(self) -> list[dict[str, Any]]:
        words = [w.casefold() for w in self.search.value.replace("　", " ").split() if w]
        marks = self._marks()
        out = []
        for rec in self.records:
            if self.sender.value and rec.get("sender") != self.sender.value:
                continue
            if self.category.value and rec.get("category") != self.category.value:
                continue
            day = _day(rec.get("date"))
            if self.date_from.value and (day is None or day < self.date_from.value):
                continue
            if self.date_to.value and (day is None or day > self.date_to.value):
                continue
            if self.unread_only.value and self.is_read(str(rec["notice_id"]), marks):
                continue
            if words:
                text = f"{rec.get('title') or ''} {rec.get('body') or ''}".casefold()
                if not all(w in text for w in words):
                    continue
            out.append(rec)
        return out

    def refresh(self) -> None:
        marks = self._marks()
        found = self.matching()
        options = []
        for rec in found:
            nid = str(rec["notice_id"])
            dot = "　" if self.is_read(nid, marks) else "●"
            day = _day(rec.get("date"))
            options.append(
                (f"{dot} {day or ''} {rec.get('sender') or ''} — {rec.get('title')}", nid)
            )
        previous = self.list.value
        self.list.options = options
        ids = [v for _l, v in options]
        self.list.value = previous if previous in ids else None
        unread = sum(1 for r in self.records if not self.is_read(str(r["notice_id"]), marks))
        self.summary.value = (
            f'<span class="myna-unread-count">未読 <b>{unread}</b> 件</span>'
            f'　<span class="myna-muted">表示 {len(found)} 件 / 全 {len(self.records)} 件</span>'
        ) + ("" if found or not self.records else self.empty_hint())
        self._show_detail()

    def empty_hint(self) -> str:
        """What to try when no notice matches: the filters in use, named."""
        tips = []
        if self.search.value.strip():
            tips.append("検索する言葉を短くするか、件名にありそうな別の言葉にしてください")
        narrowing = [
            label
            for label, value in (
                ("差出人", self.sender.value),
                ("種類", self.category.value),
                ("開始日・終了日", self.date_from.value or self.date_to.value),
            )
            if value
        ]
        if narrowing:
            tips.append(f"{'・'.join(narrowing)}を「すべて」（空欄）に戻してください")
        if self.unread_only.value:
            tips.append("「未読のみ」を外すと既読のお知らせも表示されます")
        items = "".join(f"<li>{esc(t)}</li>" for t in tips or ["条件を変えてください"])
        return (
            '<div class="myna-empty-hint myna-status-info">該当するお知らせはありません。'
            f"<ul>{items}</ul></div>"
        )

    def _show_detail(self) -> None:
        nid = self.list.value
        if not nid:
            self.detail.value = '<p class="myna-muted">お知らせを選ぶと本文が表示されます。</p>'
            self.toggle.disabled = True
            self.toggle.description = "既読にする"
            return
        rec = self._by_id[nid]
        read = self.is_read(nid)
        body = esc(rec.get("body")).replace("\n", "<br>")
        self.detail.value = (
            f'<div class="myna-card" data-notice="{esc(nid)}" data-read="{str(read).lower()}">'
            f"<h3>{esc(rec.get('title'))}</h3>"
            f'<p class="myna-muted">{esc(_day(rec.get("date")))}　{esc(rec.get("sender"))}'
            f"　{esc(rec.get('category'))}　{'既読' if read else '未読'}</p>"
            f"<p>{body}</p></div>"
        )
        self.toggle.disabled = False
        self.toggle.description = "未読にする" if read else "既読にする"

    def _on_filter(self, _change: dict[str, Any]) -> None:
        guard(self.status, "notice filter")(self.refresh)()

    def _on_select(self, _change: dict[str, Any]) -> None:
        guard(self.status, "notice detail")(self._show_detail)()

    def _on_toggle(self, _button: Any) -> None:
        @guard(self.status, "notice read toggle")
        def toggle() -> None:
            nid = self.list.value
            if not nid:
                return
            read = not self.is_read(nid)
            self.set_read(nid, read)
            self.refresh()
            self.status.ok(
                "既読にしました。次にマイナポータルから取得するとき、ポータルにも既読を送ります。"
                if read
                else "未読に戻しました（この端末の表示だけです。ポータルには未読に戻す操作がありません）。"
            )

        toggle()


class HistoryTable(widgets.VBox):
    """やりとり履歴: who asked which office for what about you, newest first."""

    def __init__(self, history: pd.DataFrame | None, **kwargs: Any) -> None:
        self.table = widgets.HTML()
        self.table.add_class("myna-history")
        self.provider = widgets.Dropdown(description="提供元", options=[("すべて", ANY)])
        self.provider.observe(lambda _c: self._render(), names="value")
        super().__init__([heading("やりとり履歴"), self.provider, self.table], **kwargs)
        self.records: list[dict[str, Any]] = []
        if history is not None and len(history):
            self.records = sorted(
                history.to_dict("records"),
                key=lambda r: _day(r.get("date")) or dt.date.min,
                reverse=True,
            )
        providers = sorted({str(r["provider"]) for r in self.records if r.get("provider")})
        self.provider.options = [("すべて", ANY), *[(p, p) for p in providers]]
        self._render()

    def _render(self) -> None:
        if not self.records:
            self.table.value = (
                '<p class="myna-muted">やりとり履歴はまだありません'
                "（マイナポータルから取得すると表示されます）。</p>"
            )
            return
        rows = [
            [
                esc(_day(r.get("date"))),
                esc(r.get("requester")),
                esc(r.get("provider")),
                esc(r.get("item")),
                esc(r.get("purpose")),
            ]
            for r in self.records
            if not self.provider.value or r.get("provider") == self.provider.value
        ]
        self.table.value = table_html(
            ["日付", "照会した機関", "提供した機関", "情報", "事務"], rows
        )
