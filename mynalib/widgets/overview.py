"""わたしの情報 at a glance: pension months, medical spending, deductions, every category of
わたしの情報 (:mod:`.myinfo`), the card, and fetch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..analysis.pension import QUALIFYING_MONTHS as PENSION_QUALIFYING_MONTHS
from ..display import donation_note, fetch_progress_label
from ..pins import LAST_TRY_CONFIRM_JA, PINS, spec
from .common import StatusBar, esc, guard, heading, japanese_message, logger, table_html, yen
from .myinfo import myinfo_html

if TYPE_CHECKING:
    import pandas as pd

    from ..card import JpkiCard

PIN_NAMES_JA = {k: p.placeholder_ja for k, p in PINS.items()}

#: the card status notes (English, from mynalib.card) as the dashboard shows them
CARD_NOTES_JA = {
    "no 券面事項入力補助 applet": "券面事項入力補助のアプリがありません。",
    "no signing certificate on this card (holders under 15)": (
        "このカードには署名用電子証明書がありません（15歳未満の方など）。"
    ),
    "TEST-ONLY certificates (O=JPKI-TEST): a software card, not a real one": (
        "テスト用の証明書（O=JPKI-TEST）です。本物のマイナンバーカードではありません。"
    ),
}


def _figure(label: str, value: str, note: str = "", css: str = "") -> str:
    return (
        f'<div class="myna-card {css}"><div class="myna-muted">{esc(label)}</div>'
        f'<div class="myna-figure">{value}</div>'
        + (f'<div class="myna-muted">{esc(note)}</div>' if note else "")
        + "</div>"
    )


def pension_html(
    periods: pd.DataFrame | None,
    births: Mapping[str, dt.date | None] | None = None,
    *,
    as_of: dt.date | None = None,
) -> str:
    """Each person's months toward the 受給資格期間 (120) and toward the 480 of a full
    老齢基礎年金, computed by :func:`mynalib.analysis.pension.summary` exactly as the pension
    notebook shows them (one person at a time; 未納・未加入 months do not count; the current
    enrolment counts up to this month). ``births`` gives the dates of birth the 20–60 span needs.
    """
    if periods is None or len(periods) == 0:
        return (
            '<div class="myna-pension" data-months="0">'
            '<p class="myna-muted">年金記録はまだありません。下の「マイナポータルから取得」で'
            "取得するか、年金記録のCSVを取り込んでください。</p></div>"
        )
    from ..analysis import pension

    births = births or {}
    people = sorted({str(p) for p in periods["person"].dropna()})
    blocks = []
    total = 0
    for person in people:
        mine = periods[periods["person"].astype("string") == person]
        s = pension.summary(mine, person=person, birth=births.get(person), as_of=as_of)
        total += s.qualifying_months
        note = (
            f"受給資格期間（{PENSION_QUALIFYING_MONTHS}か月）を満たしています"
            if s.eligible
            else f"受給資格期間（{PENSION_QUALIFYING_MONTHS}か月）まであと{s.qualifying_short}か月"
        )
        if s.counted_months is None:
            full = "満額（480か月）に反映される月数は、生年月日が分からないため計算できません"
        else:
            full = f"満額（{pension.FULL_MONTHS}か月）に反映される月数: {s.counted_months:g}か月"
        rows = [
            [esc(str(r.scheme)), esc(str(r.status)), f"{int(r.months)}か月"]
            for r in s.by_scheme.itertuples(index=False)
        ]
        counted = "" if s.counted_months is None else f"{s.counted_months:g}"
        blocks.append(
            f'<div class="myna-pension-person" data-person="{esc(person)}" '
            f'data-qualifying="{s.qualifying_months}" data-counted="{counted}">'
            + _figure(
                f"{person} — 受給資格期間に数える月数",
                f'<span class="myna-pension-months">{s.qualifying_months}</span>か月',
                note,
            )
            + f'<p class="myna-pension-full">{esc(full)}</p>'
            + table_html(["制度", "種別", "月数"], rows)
            + "</div>"
        )
    return (
        f'<div class="myna-pension" data-months="{total}">'
        + "".join(blocks)
        + '<p class="myna-muted">納付済・免除・猶予の月を数えています（未納・未加入の月は数えません）。'
        "詳しくは年金のノートブック（01）を開いてください。</p></div>"
    )


def medical_html(expenses: pd.DataFrame | None, year: int, summary: Any | None) -> str:
    """This year's medical spending (窓口負担) against the 医療費控除 threshold."""
    spent = 0
    if expenses is not None and len(expenses):
        spent = int(expenses["patient_share"].fillna(0).astype(int).sum())
    threshold = 100_000
    deduction = None
    if summary is not None:
        deduction = int(summary.medical.income_tax)
        threshold = int(summary.medical.details.get("threshold", threshold) or threshold)
    pct = min(100, round(spent * 100 / threshold)) if threshold else 100
    bar = (
        f'<div style="background:#eee;border-radius:4px;height:12px;width:100%;max-width:420px">'
        f'<div style="background:{"#2e7d32" if spent >= threshold else "#1565c0"};height:12px;'
        f'width:{pct}%;border-radius:4px"></div></div>'
    )
    note = (
        f"控除の基準額（{yen(threshold)}）を{yen(spent - threshold)}超えています"
        if spent >= threshold
        else f"控除の基準額（{yen(threshold)}）まであと{yen(threshold - spent)}"
    )
    html = (
        f'<div class="myna-medical" data-spent="{spent}" data-year="{year}">'
        + _figure(
            f"{year}年の医療費（窓口負担の合計・世帯）",
            f'<span class="myna-medical-spent">{spent:,}</span>円',
            note,
        )
        + bar
    )
    if deduction is not None:
        html += f'<p>医療費控除（所得税）の見込み: <b class="myna-medical-deduction">{yen(deduction)}</b></p>'
    html += (
        '<p class="myna-muted">総所得金額等が200万円未満の人は、10万円ではなく所得の5%が基準です。'
        "補填（高額療養費など）を差し引いた実際の支払額で申告してください。</p></div>"
    )
    return html


def deductions_html(summary: Any | None) -> str:
    if summary is None:
        return '<p class="myna-muted">控除を計算できるデータがまだありません。</p>'
    rows = [
        [
            esc(r["label"]),
            esc(r["person"]),
            yen(r["income_tax"]),
            f'<span class="myna-resident-tax" data-deduction="{esc(r["deduction"])}" '
            f'data-amount="{int(r["resident_tax"])}">{yen(r["resident_tax"])}</span>'
            + ("（税額控除）" if r["resident_tax_kind"] == "税額控除" else ""),
            "推計" if r["estimate"] else "",
        ]
        for r in summary.rows()
        if r["applied"]
    ]
    note = ""
    if any(r["deduction"] == "donation" for r in summary.rows()):
        note = "".join(
            f'<p class="myna-muted myna-donation-note">{esc(line)}</p>'
            for line in donation_note(summary).splitlines()
        )
    table = table_html(["控除", "対象者", "所得税", "住民税", ""], rows)
    return f'<div class="myna-deductions">{table}{note}</div>'


def card_html(status: Any | None, *, now: dt.datetime | None = None) -> str:
    """Tries left per PIN and the certificates' expiry dates (never personal data)."""
    if status is None:
        return '<p class="myna-muted">カードの状態はまだ読み取っていません。</p>'
    rows = []
    for which, left in status.tries_left.items():
        maximum = status.max_tries.get(which, "")
        css = "myna-overdue" if left <= 1 else ""
        rows.append(
            [
                esc(PIN_NAMES_JA.get(which, which)),
                f'<span class="myna-tries {css}" data-pin="{esc(which)}">{int(left)}</span>'
                f" / {esc(maximum)}",
            ]
        )
    certs = []
    now = now or dt.datetime.now(dt.timezone.utc)
    for label, info in (
        ("利用者証明用電子証明書", status.auth_certificate),
        ("利用者証明用 認証局", status.auth_ca_certificate),
        ("署名用 認証局", status.sign_ca_certificate),
    ):
        if info is None:
            continue
        days = info.days_left(now)
        css = "myna-overdue" if days < 0 else ("myna-soon" if days < 90 else "")
        tag = "（テスト用）" if info.test_only else ""
        certs.append(
            [
                esc(label + tag),
                f'<span class="{css}">{esc(info.not_after.date().isoformat())}</span>',
                "期限切れ" if days < 0 else f"あと{days}日",
            ]
        )
    notes = "".join(
        f'<p class="myna-muted">{esc(CARD_NOTES_JA.get(n, n))}</p>'
        for n in getattr(status, "notes", [])
    )
    return (
        '<div class="myna-card-status">'
        + table_html(["暗証番号", "残り回数"], rows)
        + table_html(["電子証明書", "有効期限", ""], certs)
        + notes
        + "</div>"
    )


CardOpener = Callable[[], "JpkiCard"]
SOFTWARE_CARD_BLOCKED_HINT = "（デモのソフトウェアカードは `myna demo --rebuild` で元に戻せます。本物のカードではありません。）"


class FetchPanel(widgets.VBox):
    """Log in to the portal with the card and fetch into the vault.

    The tries left are read (without spending one) and shown before the PIN is asked. A wrong PIN
    spends exactly one try; the Pin is never retried and the password box is cleared after every
    attempt. ``fetch(card, pin, allow_last_try, progress)`` does the work and returns a short
    Japanese summary; ``on_done`` runs after a successful fetch (to refresh figures).
    """

    def __init__(
        self,
        open_card: CardOpener | Sequence[tuple[str, CardOpener]],
        fetch: Callable[[Any, Any, bool, Callable[[int, int, str], None]], str],
        *,
        on_done: Callable[[], None] | None = None,
        on_card_status: Callable[[Any], None] | None = None,
        card_label: str = "ソフトウェアカード（テスト用）",
        people: Sequence[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        # one opener, or several (label, opener) choices: the software card and a reader
        choices = list(open_card) if isinstance(open_card, Sequence) else [(card_label, open_card)]
        self._openers = dict(choices)
        self._fetch = fetch
        self._on_done = on_done
        self._on_card_status = on_card_status
        self.status = StatusBar()
        self.card_choice = widgets.Dropdown(
            description="カード",
            options=[label for label, _ in choices],
            value=choices[0][0],
            style={"description_width": "6em"},
        )
        self.card_choice.add_class("myna-card-choice")
        self.card_choice.observe(lambda _c: self.read_tries(), names="value")
        self.card_label = self.card_choice
        #: labels of software cards (a blocked one can be reset: say how)
        self.software_cards = {label for label, _ in choices if "ソフトウェア" in label}
        self.tries = widgets.HTML()
        self.tries.add_class("myna-fetch-tries")
        self.check = widgets.Button(description="残り回数を確認", icon="refresh")
        self.check.add_class("myna-check-tries")
        self.pin = widgets.Password(
            description="暗証番号",
            placeholder=PINS["auth"].placeholder_ja,
            style={"description_width": "6em"},
        )
        self.pin.add_class("myna-pin")
        self.confirm_last = widgets.Checkbox(
            description=LAST_TRY_CONFIRM_JA,
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        self.go = widgets.Button(
            description="マイナポータルから取得", button_style="primary", icon="download"
        )
        self.go.add_class("myna-fetch")
        self.progress = widgets.IntProgress(value=0, min=0, max=1, description="進み具合")
        self.progress.add_class("myna-progress")
        self.progress.layout.visibility = "hidden"
        self.progress_label = widgets.HTML()
        #: whom the login acts for: 本人 ("") or a person the card holder is 代理人 for (their
        #: person id, as `myna login --as` takes it); shown when there is such a person
        self.acting_for = widgets.Dropdown(
            description="対象者",
            options=[("本人", ""), *[(f"{label}（代理人として）", pid) for label, pid in people]],
            value="",
            style={"description_width": "6em"},
        )
        self.acting_for.add_class("myna-acting-for")
        if not people:
            self.acting_for.layout.display = "none"
        self.check.on_click(lambda _b: self.read_tries())
        self.go.on_click(self._on_go)
        super().__init__(
            [
                heading("マイナポータルから取得"),
                self.card_label,
                self.acting_for,
                widgets.HBox([self.tries, self.check]),
                widgets.HBox([self.pin, self.go]),
                self.confirm_last,
                widgets.HBox([self.progress, self.progress_label]),
                self.status,
            ],
            **kwargs,
        )
        self.add_class("myna-fetch-panel")
        self.last_tries: int | None = None

    def _open_card(self) -> Any:
        return self._openers[self.card_choice.value]()

    @property
    def principal(self) -> str | None:
        """The person id the next login acts for as 代理人 (None: the card holder)."""
        return self.acting_for.value or None

    def _show_tries(self, left: int) -> None:
        self.last_tries = left
        css = "myna-overdue" if left <= 1 else ""
        self.tries.value = (
            f'利用者証明用暗証番号の残り回数: <b class="myna-tries-left {css}" '
            f'data-tries="{left}">{left}</b> 回'
        )

    def read_tries(self) -> int | None:
        """Read (and show) the auth PIN's tries left — an empty VERIFY, no try spent."""

        @guard(self.status, "read tries")
        def read() -> int:
            self.tries.value = ""
            with self._open_card() as card:
                left = card.auth_tries_left()
                if self._on_card_status is not None:
                    self._on_card_status(card.status())
            self._show_tries(left)
            return left

        return read()

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress_label.value = (
            f'<span class="myna-muted">{esc(fetch_progress_label(label))}（{done}/{total}）</span>'
        )

    def _on_go(self, _button: Any) -> None:
        from ..errors import PinBlocked, PinError
        from ..secrets import Pin

        value = self.pin.value
        self.pin.value = ""  # never keep the PIN in the page
        self.status.clear()
        if not value:
            self.status.error(spec("auth").missing_ja)
            return
        try:
            pin = Pin(value, "auth")
        except PinError as exc:  # mistyped (PinFormatError): say so; no try was spent
            self.status.error(japanese_message(exc))
            return
        finally:
            del value
        self.go.disabled = True
        self.progress.value = 0
        self.progress.layout.visibility = "visible"
        try:
            with self._open_card() as card:
                left = card.auth_tries_left()
                self._show_tries(left)
                try:
                    summary = self._fetch(card, pin, bool(self.confirm_last.value), self._progress)
                except (PinError, PinBlocked) as exc:
                    logger().info("fetch: PIN refused (%s)", type(exc).__name__)
                    try:
                        self._show_tries(card.auth_tries_left())
                    except Exception as again:  # the counter itself could not be read
                        logger().warning("could not re-read the tries left: %s", again)
                    if self._on_card_status is not None:
                        self._on_card_status(card.status())
                    raise
                if self._on_card_status is not None:
                    self._on_card_status(card.status())
                self._show_tries(card.auth_tries_left())
            self.status.ok(summary)
            if self._on_done is not None:
                self._on_done()
        except Exception as exc:
            self.status.exception(exc, "fetch")
            if isinstance(exc, PinBlocked) and self.card_choice.value in self.software_cards:
                self.status.error(japanese_message(exc) + SOFTWARE_CARD_BLOCKED_HINT)
        finally:
            pin.wipe()
            self.go.disabled = False
            self.confirm_last.value = False


class Overview(widgets.VBox):
    """The overview dashboard body; ``load()`` returns fresh data, called again after a fetch.

    ``load(year)`` returns a dict with ``pension_periods`` (and ``births``: person → date of
    birth, for the pension figure), ``medical_expenses``, ``summary``
    (a :class:`mynalib.tax.HouseholdSummary` or None), ``years`` (years with data), ``myinfo``
    (frame name → frame, for the わたしの情報 section: :mod:`.myinfo`), ``household`` (names
    in the household's order) and ``pending`` ((item name, person) pairs the portal is still
    preparing: 回答一覧);
    ``on_data(data)`` runs after each refresh (the exports follow the year shown).
    """

    def __init__(
        self,
        load: Callable[[int | None], dict[str, Any]],
        *,
        fetch_panel: FetchPanel | None = None,
        on_data: Callable[[dict[str, Any]], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self._load = load
        self._on_data = on_data
        self.status = StatusBar()
        self.year = widgets.Dropdown(
            description="対象年", options=[], style={"description_width": "5em"}
        )
        self.pension = widgets.HTML()
        self.medical = widgets.HTML()
        self.deductions = widgets.HTML()
        self.myinfo = widgets.HTML()
        self.card = widgets.HTML(card_html(None))
        self.card.add_class("myna-card-panel")
        self.fetch_panel = fetch_panel
        self._updating = False
        self.year.observe(self._on_year, names="value")
        children: list[widgets.Widget] = [
            self.status,
            heading("年金"),
            self.pension,
            heading("医療費"),
            widgets.HBox([self.year]),
            self.medical,
            heading("控除の一覧"),
            self.deductions,
            heading("わたしの情報（分類ごと）"),
            self.myinfo,
            heading("マイナンバーカード"),
            self.card,
        ]
        if fetch_panel is not None:
            children.append(fetch_panel)
        super().__init__(children, **kwargs)
        self.add_class("myna-overview")
        self.refresh()

    def show_card(self, status: Any) -> None:
        self.card.value = card_html(status)

    def refresh(self, year: int | None = None) -> None:
        @guard(self.status, "overview refresh")
        def run() -> None:
            data = self._load(year if year is not None else (self.year.value or None))
            years: Sequence[int] = data.get("years") or []
            self._updating = True
            try:
                self.year.options = [(f"{y}年", y) for y in years]
                if data.get("year") in years:
                    self.year.value = data["year"]
            finally:
                self._updating = False
            self.pension.value = pension_html(data.get("pension_periods"), data.get("births"))
            self.medical.value = medical_html(
                data.get("medical_expenses"),
                int(data.get("year") or dt.date.today().year),
                data.get("summary"),
            )
            self.deductions.value = deductions_html(data.get("summary"))
            self.myinfo.value = myinfo_html(
                data.get("myinfo"), data.get("household") or (), data.get("pending") or ()
            )
            if self._on_data is not None:
                self._on_data(data)

        run()

    def _on_year(self, change: dict[str, Any]) -> None:
        if not self._updating and change["new"]:
            self.refresh(change["new"])
