"""手続の検索: procedure search with a detail panel, the life-event planner, 申請状況."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import procedures as catalogue
from .common import StateStore, StatusBar, esc, guard, heading, table_html

if TYPE_CHECKING:
    import pandas as pd

ANY = ""
#: vault state key where the planner keeps the planned events (read by `myna export deadlines`)
PLANS_KEY = "procedures.plans"


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [("すべて", ANY), *[(v, v) for v in values]]


def procedure_detail_html(proc: dict[str, Any] | None) -> str:
    """The detail panel of one procedure (who can apply, attachments, deadline, legal basis)."""
    if proc is None:
        return '<p class="myna-muted">一覧から手続を選ぶと、ここに詳細が表示されます。</p>'
    attachments = proc["attachments"] or ["（なし）"]
    items = "".join(f"<li>{esc(a)}</li>" for a in attachments)
    flags = [
        "オンライン申請できます" if proc["online"] else "窓口・郵送での手続です",
        "署名用電子証明書（マイナンバーカード）が必要です" if proc["signature_required"] else "",
    ]
    return (
        f'<div class="myna-card myna-detail" data-procedure="{esc(proc["procedure_id"])}">'
        f"<h3>{esc(proc['name'])}</h3>"
        f"<p>{esc(proc['description'])}</p>"
        '<table class="myna-table">'
        f"<tr><th>分野</th><td>{esc(proc['category'])}</td></tr>"
        f"<tr><th>ライフイベント</th><td>{esc(proc['life_event'])}</td></tr>"
        f"<tr><th>対象者</th><td>{esc(proc['audience'])}</td></tr>"
        f"<tr><th>申請できる人</th><td>{esc(proc['who_can_apply'])}</td></tr>"
        f"<tr><th>期限</th><td>{esc(proc['deadline_rule'])}</td></tr>"
        f"<tr><th>必要なもの</th><td><ul>{items}</ul></td></tr>"
        f"<tr><th>根拠法令</th><td>{esc(proc['legal_basis'])}</td></tr>"
        f"<tr><th>申請方法</th><td>{esc(' / '.join(f for f in flags if f))}</td></tr>"
        "</table></div>"
    )


class ProcedureSearch(widgets.VBox):
    """Search the catalogue by keyword, category, life event, audience, online, signature."""

    def __init__(
        self,
        procedures: list[dict[str, Any]] | None = None,
        *,
        on_apply: Callable[[str], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.procedures = list(catalogue.CATALOGUE if procedures is None else procedures)
        # 「電子申請する」 under the detail of an online procedure (widgets/applying.py)
        self._on_apply = on_apply
        self.apply_button = widgets.Button(
            description="電子申請する", button_style="success", icon="pencil"
        )
        self.apply_button.add_class("myna-apply-button")
        self.apply_button.layout.display = "none"
        self.apply_button.on_click(self._on_apply_click)
        self.status = StatusBar()
        style = {"description_width": "7em"}
        self.keyword = widgets.Text(
            description="キーワード", placeholder="例: 児童手当、国保、ひっこし", style=style
        )
        self.category = widgets.Dropdown(
            description="分野", options=_choices(catalogue.CATEGORIES), value=ANY, style=style
        )
        self.life_event = widgets.Dropdown(
            description="ライフイベント",
            options=_choices(catalogue.LIFE_EVENTS),
            value=ANY,
            style=style,
        )
        self.audience = widgets.Dropdown(
            description="対象者", options=_choices(catalogue.AUDIENCES), value=ANY, style=style
        )
        self.online = widgets.Checkbox(
            description="オンライン申請できるもののみ",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.signature = widgets.Checkbox(
            description="電子署名（署名用電子証明書）が必要なもののみ",
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.count = widgets.HTML()
        self.count.add_class("myna-count")
        self.results = widgets.Select(description="検索結果", options=[], rows=10)
        self.results.add_class("myna-results")
        self.detail = widgets.HTML(procedure_detail_html(None))
        self.detail.add_class("myna-detail-panel")
        for control in (
            self.keyword,
            self.category,
            self.life_event,
            self.audience,
            self.online,
            self.signature,
        ):
            control.observe(self._on_filter, names="value")
        self.results.observe(self._on_select, names="value")
        filters = widgets.VBox(
            [
                widgets.HBox([self.keyword, self.category]),
                widgets.HBox([self.life_event, self.audience]),
                widgets.HBox([self.online, self.signature]),
            ]
        )
        super().__init__(
            [
                heading("手続の検索"),
                filters,
                self.status,
                self.count,
                # the list as wide as the page (a procedure's name is never cut), the detail
                # under it
                self.results,
                self.detail,
                self.apply_button,
            ],
            **kwargs,
        )
        self.add_class("myna-procedure-search")
        self.refresh()

    def matching(self) -> list[dict[str, Any]]:
        """The procedures that match the current filters."""
        return catalogue.search(
            self.keyword.value or None,
            category=self.category.value or None,
            life_event=self.life_event.value or None,
            audience=self.audience.value or None,
            online=True if self.online.value else None,
            signature_required=True if self.signature.value else None,
            procedures=self.procedures,
        )

    def empty_hint(self) -> str:
        """What to try when nothing matches: the filters that narrow the search, named."""
        tips = []
        if self.keyword.value.strip():
            tips.append(
                "キーワードを短くするか、別の言い方にしてください（例: 「国民健康保険」→「国保」、"
                "「ひっこし」のようにひらがなでも探せます）"
            )
        narrowing = [
            label
            for label, control in (
                ("分野", self.category),
                ("ライフイベント", self.life_event),
                ("対象者", self.audience),
            )
            if control.value
        ]
        if narrowing:
            tips.append(f"{'・'.join(narrowing)}を「すべて」に戻してください")
        if self.online.value or self.signature.value:
            tips.append(
                "「オンライン申請できるもののみ」「電子署名が必要なもののみ」を外してください"
            )
        if not tips:
            tips.append("条件を変えて探してください")
        items = "".join(f"<li>{esc(t)}</li>" for t in tips)
        return f'<div class="myna-empty-hint myna-status-info">見つかりませんでした。<ul>{items}</ul></div>'

    def result_ids(self) -> list[str]:
        return [value for _label, value in self.results.options]

    def refresh(self) -> None:
        found = self.matching()
        previous = self.results.value
        options = [(f"{p['name']}（{p['category']}）", p["procedure_id"]) for p in found]
        self.results.options = options
        ids = [v for _l, v in options]
        self.results.value = previous if previous in ids else None
        self.count.value = f"<b>{len(found)}</b> 件の手続が見つかりました" + (
            "" if found else self.empty_hint()
        )
        if self.results.value is None:
            self.detail.value = procedure_detail_html(None)
            self.apply_button.layout.display = "none"

    def _on_apply_click(self, _button: Any) -> None:
        if self._on_apply is not None and self.results.value:
            guard(self.status, "apply")(self._on_apply)(self.results.value)

    def _on_filter(self, _change: dict[str, Any]) -> None:
        guard(self.status, "procedure filter")(self.refresh)()

    def _on_select(self, change: dict[str, Any]) -> None:
        @guard(self.status, "procedure detail")
        def show() -> None:
            pid = change["new"]
            proc = catalogue.get(pid) if pid else None
            self.detail.value = procedure_detail_html(proc)
            online = bool(proc and proc["online"] and self._on_apply is not None)
            self.apply_button.layout.display = None if online else "none"

        show()


class LifeEventPlanner(widgets.VBox):
    """Pick an event and its date; list the procedures with their deadlines; export an .ics."""

    def __init__(
        self,
        state: StateStore | None = None,
        *,
        today: dt.date | None = None,
        event: str = "birth",
        event_date: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        self.state = state
        self.today = today
        self.status = StatusBar()
        style = {"description_width": "7em"}
        self.event = widgets.Dropdown(
            description="できごと",
            options=[(label, key) for key, label in catalogue.EVENTS.items()],
            value=event,
            style=style,
        )
        self.date = widgets.DatePicker(
            description="日付", value=event_date or self._today(), style=style
        )
        self.date_hint = widgets.HTML()
        self.table = widgets.HTML()
        self.table.add_class("myna-plan")
        # the download is a real link, made afresh for every event and date: one click saves
        # the .ics; the same click presses this hidden button, so the kernel keeps the plan
        # (for `myna export deadlines`) and says what was made
        self.export_button = widgets.Button(description="予定を保存")
        self.export_button.add_class("myna-ics-save")
        self.export_button.layout.display = "none"
        self.download = widgets.HTML()
        self.download.add_class("myna-ics-link")
        self.note = widgets.HTML(f'<p class="myna-muted">{esc(catalogue.CLOSED_DAY_NOTE)}</p>')
        self.event.observe(self._on_change, names="value")
        self.date.observe(self._on_change, names="value")
        self.export_button.on_click(self._on_export)
        super().__init__(
            [
                heading("ライフイベントから探す"),
                widgets.HBox([self.event, self.date, self.date_hint]),
                self.status,
                self.table,
                self.note,
                widgets.HBox([self.export_button, self.download]),
            ],
            **kwargs,
        )
        self.add_class("myna-planner")
        self.refresh()

    def _today(self) -> dt.date:
        return self.today or dt.date.today()

    def rows(self) -> list[catalogue.PlannedProcedure]:
        if self.date.value is None:
            return []
        return catalogue.plan(self.event.value, self.date.value, today=self._today())

    def refresh(self) -> None:
        self.date_hint.value = f'<span class="myna-muted">（{esc(catalogue.EVENT_DATE_LABELS[self.event.value])}）</span>'
        self.download.value = ""
        if self.date.value is None:
            self.table.value = '<p class="myna-muted">日付を入力してください。</p>'
            return
        self.download.value = self.ics_link()
        today = self._today()
        cells = []
        for row in self.rows():
            proc, deadline = row.procedure, row.deadline
            if deadline is None:
                when, state = "—", '<span class="myna-muted">期限の日付なし</span>'
            elif row.overdue:
                when = esc(deadline.isoformat())
                state = '<span class="myna-overdue">期限切れ</span>'
            else:
                left = (deadline - today).days
                when = esc(deadline.isoformat())
                css = "myna-soon" if left <= 7 else ""
                state = f'<span class="{css}">あと{left}日</span>' if left else "今日が期限"
            hint = catalogue.closed_day_hint(deadline) if deadline is not None else None
            closed = (
                f'<br><span class="myna-muted myna-closed-day">{esc(hint)}</span>' if hint else ""
            )
            cells.append(
                [
                    f'<span class="myna-deadline">{when}</span>{closed}',
                    f'<span class="myna-plan-name" data-procedure="{esc(proc["procedure_id"])}">'
                    f"{esc(proc['name'])}</span>",
                    esc(proc["deadline_rule"]),
                    state,
                ]
            )
        self.table.value = table_html(["期限", "手続", "期限の決まり", "状況"], cells)

    def _on_change(self, _change: dict[str, Any]) -> None:
        guard(self.status, "planner")(self.refresh)()

    def ics_bytes(self) -> bytes:
        from ..export.calendar import deadlines_ics_bytes

        return deadlines_ics_bytes(self.rows(), event=self.event.value, event_date=self.date.value)

    def ics_link(self) -> str:
        """The link that downloads this plan's .ics at one click (a ``data:`` URI: nothing is
        sent anywhere); clicking it also presses :attr:`export_button` (the plan is saved)."""
        data = self.ics_bytes()
        href = "data:text/calendar;charset=utf-8;base64," + base64.b64encode(data).decode()
        name = f"deadlines-{self.event.value}-{self.date.value.isoformat()}.ics"
        save = (
            "var p=this.closest('.myna-planner');"
            "var b=p&&p.querySelector('button.myna-ics-save');if(b){b.click();}"
        )
        return (
            f'<a class="myna-download myna-ics-download" download="{esc(name)}" href="{href}" '
            f'title="{esc(name)}" onclick="{esc(save)}">カレンダー（.ics）をダウンロード</a>'
            f'<span class="myna-muted">　{data.count(b"BEGIN:VEVENT")}件の期限（3日前に通知）</span>'
        )

    def _on_export(self, _button: Any) -> None:
        @guard(self.status, "ics export")
        def export() -> None:
            if self.date.value is None:
                self.status.error("日付を入力してから作成してください。")
                return
            data = self.ics_bytes()
            if self.state is not None:
                plans = self.state.get_state(PLANS_KEY, []) or []
                entry = {"event": self.event.value, "date": self.date.value.isoformat()}
                if entry not in plans:
                    plans.append(entry)
                self.state.set_state(PLANS_KEY, plans)
            events = data.count(b"BEGIN:VEVENT")
            self.status.ok(
                f"{events} 件の期限をカレンダーにしました（この予定は保管庫に記録しました）。"
            )

        export()


APPLICATION_STATUS_JA = {
    "submitted": "申請済み",
    "received": "受付済み",
    "in_review": "審査中",
    "reviewing": "審査中",
    "returned": "差戻し",
    "approved": "完了",
    "completed": "完了",
    "rejected": "却下",
    "withdrawn": "取下げ",
}


class ApplicationsStatus(widgets.VBox):
    """申請状況: the applications frame, newest first, with the procedure names."""

    def __init__(self, applications: pd.DataFrame | None, **kwargs: Any) -> None:
        self.table = widgets.HTML()
        self.table.add_class("myna-applications")
        super().__init__([heading("申請状況"), self.table], **kwargs)
        self.show(applications)

    def show(self, applications: pd.DataFrame | None) -> None:
        if applications is None or len(applications) == 0:
            self.table.value = (
                '<p class="myna-muted">保管庫に申請の記録はありません'
                "（マイナポータルから取得すると表示されます）。</p>"
            )
            return
        df = applications.sort_values("submitted", ascending=False, na_position="last")
        rows = []
        for rec in df.to_dict("records"):
            pid = rec.get("procedure_id")
            try:
                name = catalogue.get(str(pid))["name"]
            except KeyError:
                name = str(pid)
            status = str(rec.get("status") or "")
            reason = rec.get("reason")
            shown = esc(APPLICATION_STATUS_JA.get(status, status))
            if isinstance(reason, str) and reason:
                shown += f'<br><span class="myna-muted myna-reason">{esc(reason)}</span>'
            rows.append(
                [
                    esc(rec.get("application_id")),
                    esc(name),
                    esc(_date(rec.get("submitted"))),
                    shown,
                    esc(_date(rec.get("updated"))),
                ]
            )
        self.table.value = table_html(["申請番号", "手続", "申請日", "状況", "更新日"], rows)


def _date(value: Any) -> str:
    if value is None:
        return ""
    try:
        import pandas as pd

        if pd.isna(value):
            return ""
        return pd.Timestamp(value).date().isoformat()
    except (TypeError, ValueError):
        return str(value)
