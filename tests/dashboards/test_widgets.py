"""Dashboard components in-process (no browser): filters, planner, read marks, errors, fetch."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import pytest

pytest.importorskip("ipywidgets")

from mynalib import frames
from mynalib import procedures as P
from mynalib.errors import PinError
from mynalib.widgets.common import MemoryState, StatusBar, guard, japanese_message, log_path
from mynalib.widgets.notices import READ_KEY, HistoryTable, NoticeInbox
from mynalib.widgets.overview import FetchPanel, card_html, medical_html, pension_html
from mynalib.widgets.procedures import (
    PLANS_KEY,
    ApplicationsStatus,
    LifeEventPlanner,
    ProcedureSearch,
)


def notices_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "notice_id": ["N1", "N2", "N3"],
            "date": pd.to_datetime(["2026-01-10", "2026-02-15", "2026-03-01"]),
            "sender": ["デジタル庁", "架空区", "架空区"],
            "category": ["お知らせ", "子育て", "税"],
            "title": ["メンテナンス", "児童手当のご案内", "住民税の決定"],
            "body": ["<b>停止</b>します", "申請してください", "通知書を送りました"],
            "read": pd.array([True, False, pd.NA], dtype="boolean"),
            "person": ["見本　太郎"] * 3,
        }
    )


def test_search_filters_match_the_catalogue() -> None:
    w = ProcedureSearch()
    assert len(w.result_ids()) == len(P.CATALOGUE)
    w.category.value = "介護"
    expected = [p["procedure_id"] for p in P.CATALOGUE if p["category"] == "介護"]
    assert w.result_ids() == expected
    w.online.value = True
    assert w.result_ids() == [
        p["procedure_id"] for p in P.CATALOGUE if p["category"] == "介護" and p["online"]
    ]
    assert f"<b>{len(w.result_ids())}</b>" in w.count.value
    w.category.value = ""
    w.online.value = False
    w.keyword.value = "児童手当"
    assert "jidou_teate_nintei" in w.result_ids()
    w.results.value = "jidou_teate_nintei"
    assert "児童手当法 第7条" in w.detail.value
    assert "請求者名義の口座情報" in w.detail.value
    w.keyword.value = "該当するものはない語"
    assert w.result_ids() == []
    assert "一覧から手続を選ぶと" in w.detail.value


def test_planner_and_ics(tmp_path) -> None:
    from icalendar import Calendar

    state = MemoryState()
    w = LifeEventPlanner(
        state, today=dt.date(2026, 5, 3), event="birth", event_date=dt.date(2026, 5, 1)
    )
    assert "2026-05-16" in w.table.value  # 児童手当: 15 days after the birth
    assert "myna-overdue" not in w.table.value
    w.date.value = dt.date(2026, 4, 1)
    assert "期限切れ" in w.table.value
    w.export_button.click()
    assert "myna-ics-download" in w.download.value
    cal = Calendar.from_ical(w.ics_bytes())
    events = {str(e["uid"]): e for e in cal.walk("VEVENT")}
    assert "jidou_teate_nintei-2026-04-16@mynalib" in events
    assert events["jidou_teate_nintei-2026-04-16@mynalib"].decoded("dtstart") == dt.date(
        2026, 4, 16
    )
    assert state.get_state(PLANS_KEY) == [{"event": "birth", "date": "2026-04-01"}]


def test_inbox_filters_and_read_marks_persist() -> None:
    state = MemoryState()
    inbox = NoticeInbox(notices_frame(), state)
    assert [v for _l, v in inbox.list.options] == ["N3", "N2", "N1"]  # newest first
    assert "未読 <b>2</b> 件" in inbox.summary.value
    inbox.unread_only.value = True
    assert [v for _l, v in inbox.list.options] == ["N3", "N2"]
    inbox.list.value = "N2"
    assert "申請してください" in inbox.detail.value
    inbox.toggle.click()
    assert state.get_state(READ_KEY) == {"N2": True}
    assert [v for _l, v in inbox.list.options] == ["N3"]
    # a new inbox on the same state (= a page reload) sees the mark
    again = NoticeInbox(notices_frame(), state)
    assert again.is_read("N2") and not again.is_read("N3") and again.is_read("N1")
    again.sender.value = "架空区"
    assert [v for _l, v in again.list.options] == ["N3", "N2"]
    again.date_from.value = dt.date(2026, 2, 20)
    assert [v for _l, v in again.list.options] == ["N3"]
    again.date_from.value = None
    again.search.value = "児童手当"
    assert [v for _l, v in again.list.options] == ["N2"]
    # the body is escaped
    again.search.value = ""
    again.sender.value = ""
    again.list.value = "N1"
    assert "<b>停止</b>" not in again.detail.value and "&lt;b&gt;" in again.detail.value


def test_history_and_applications_empty_and_full() -> None:
    assert "まだありません" in HistoryTable(None).table.value
    hist = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-01-01", "2026-02-01"]),
            "requester": ["架空区", "日本年金機構"],
            "provider": ["国税庁", "架空区"],
            "item": ["所得情報", "住民票関係情報"],
            "purpose": ["児童手当", "年金給付"],
        }
    )
    h = HistoryTable(hist)
    assert h.table.value.index("2026-02-01") < h.table.value.index("2026-01-01")
    h.provider.value = "国税庁"
    assert "住民票関係情報" not in h.table.value
    apps = pd.DataFrame(
        {
            "application_id": ["A1"],
            "procedure_id": ["jidou_teate_nintei"],
            "submitted": pd.to_datetime(["2026-02-01"]),
            "status": ["in_review"],
            "updated": pd.to_datetime(["2026-02-03"]),
        }
    )
    a = ApplicationsStatus(apps)
    assert "児童手当 認定請求" in a.table.value and "審査中" in a.table.value
    assert "申請の記録はありません" in ApplicationsStatus(None).table.value


def test_errors_reach_the_page_in_japanese_and_the_log_gets_the_traceback() -> None:
    status = StatusBar()

    @guard(status, "test")
    def boom() -> None:
        raise ValueError("secret internals")

    boom()
    assert "予期しないエラー" in status.value
    assert "secret internals" not in status.value and "Traceback" not in status.value
    assert "secret internals" in log_path().read_text(encoding="utf-8")
    assert log_path().stat().st_mode & 0o077 == 0  # tracebacks may quote personal data
    assert "残り2回" in japanese_message(PinError(tries_left=2))


def test_the_dashboard_log_redacts_tokens() -> None:
    status = StatusBar()

    @guard(status, "test")
    def boom() -> None:
        raise ValueError("failed with access_token=tok-very-secret-1")

    boom()
    text = log_path().read_text(encoding="utf-8")
    assert "failed with access_token=" in text and "tok-very-secret-1" not in text


def test_figures() -> None:
    assert 'data-months="0"' in pension_html(None)
    periods = frames.conform(
        "pension_periods",
        pd.DataFrame(
            {
                "person": ["見本　太郎", "見本　太郎", "見本　太郎", "見本　花子"],
                "scheme": ["国民年金", "国民年金", "厚生年金", "国民年金（第3号）"],
                "start": ["1990-04-01", "1992-04-01", "2000-04-01", "2020-04-01"],
                "end": ["1992-04-01", "1993-04-01", None, "2023-04-01"],
                "months": [24, 12, None, 36],
                "status": ["納付済", "未納", "加入中", "納付済"],
            }
        ),
    )
    births = {"見本　太郎": dt.date(1970, 4, 12)}
    html = pension_html(periods, births, as_of=dt.date(2026, 11, 1))
    # 見本　太郎 by hand: 24 paid + the ongoing 厚生年金 2000-04 .. 2026-11 (320 months, this month
    # included); the 12 未納 months do not count. 見本　花子 apart: 36 months, no date of birth.
    assert 'data-person="見本　太郎" data-qualifying="344" data-counted="344"' in html
    assert 'data-person="見本　花子" data-qualifying="36" data-counted=""' in html
    assert "満たしています" in html and "あと84か月" in html and "生年月日が分からない" in html
    assert 'data-months="380"' in html  # the people's months added only for the page's scripts
    exp = pd.DataFrame({"patient_share": pd.array([60000, 50000], dtype="Int64")})
    assert 'data-spent="110000"' in medical_html(exp, 2025, None)
    assert "読み取っていません" in card_html(None)


class FakeCard:
    def __init__(self) -> None:
        self.tries = 3
        self.verifies = 0

    def __enter__(self) -> FakeCard:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def auth_tries_left(self) -> int:
        return self.tries

    def status(self) -> None:
        return None


def test_fetch_panel_wrong_then_right_pin() -> None:
    card = FakeCard()
    done: list[bool] = []

    def fetch(c, pin, allow_last, progress):
        card.verifies += 1
        if pin.reveal() != b"1234":
            card.tries -= 1
            raise PinError(tries_left=card.tries)
        card.tries = 3
        progress(1, 1, "notices")
        return "取得しました"

    panel = FetchPanel(lambda: card, fetch, on_done=lambda: done.append(True))
    panel.read_tries()
    assert 'data-tries="3"' in panel.tries.value
    panel.pin.value = "9999"
    panel.go.click()
    assert panel.pin.value == ""  # cleared at once
    assert card.verifies == 1 and card.tries == 2
    assert 'data-tries="2"' in panel.tries.value and "残り2回" in panel.status.value
    assert "9999" not in panel.status.value + panel.tries.value
    panel.go.click()  # empty PIN: nothing sent
    assert card.verifies == 1 and "入力してください" in panel.status.value
    panel.pin.value = "1234"
    panel.go.click()
    assert card.verifies == 2 and done == [True]
    assert "取得しました" in panel.status.value and panel.progress.value == 1


def test_fetch_panel_with_the_software_card_follows_the_pin_rules() -> None:
    """Real software card in-process: one try per wrong PIN, last try needs the checkbox."""
    from mynalib.card import open_card
    from mynalib.card.virtual import CardProfile

    profile = CardProfile.generate(seed="dashboards-widget-test")

    def opener():
        return open_card("virtual", profile=profile)

    def fetch(card, pin, allow_last, progress):
        card.sign_auth(b"challenge", pin, allow_last_try=allow_last)
        progress(1, 1, "login")
        return "取得しました"

    panel = FetchPanel(opener, fetch)
    assert panel.read_tries() == 3
    for left in (2, 1):
        panel.pin.value = "0000"
        panel.go.click()
        assert panel.last_tries == left and f"残り{left}回" in panel.status.value
    # one try left: refused without the explicit confirmation, and no try is spent
    panel.pin.value = "1234"
    panel.go.click()
    assert panel.last_tries == 1 and "残り1回" in panel.status.value
    with opener() as card:
        assert card.auth_tries_left() == 1
    panel.pin.value = "1234"
    panel.confirm_last.value = True
    panel.go.click()
    assert "取得しました" in panel.status.value and panel.last_tries == 3
    assert panel.confirm_last.value is False  # the confirmation is for one attempt only


def test_fetch_panel_card_choice_reader_errors_in_japanese() -> None:
    from mynalib.errors import PcscUnavailable

    card = FakeCard()

    def no_reader():
        raise PcscUnavailable()

    panel = FetchPanel(
        [("ソフトウェアカード（テスト用）", lambda: card), ("カードリーダー（PC/SC）", no_reader)],
        lambda *a: "取得しました",
    )
    assert panel.read_tries() == 3
    panel.card_choice.value = "カードリーダー（PC/SC）"  # re-reads the tries on the reader
    assert "pcscd" in panel.status.value and "接続できません" in panel.status.value
    assert panel.tries.value == ""
    panel.card_choice.value = "ソフトウェアカード（テスト用）"
    assert 'data-tries="3"' in panel.tries.value


def test_blocked_software_card_says_how_to_reset_it() -> None:
    from mynalib.card import open_card
    from mynalib.card.virtual import CardProfile

    profile = CardProfile.generate(seed="dashboards-widget-blocked")

    def fetch(card, pin, allow_last, progress):
        card.sign_auth(b"challenge", pin, allow_last_try=allow_last)
        return "取得しました"

    panel = FetchPanel(
        [("ソフトウェアカード（テスト用）", lambda: open_card("virtual", profile=profile))], fetch
    )
    for _ in range(3):
        panel.pin.value = "0000"
        panel.confirm_last.value = True
        panel.go.click()
    assert panel.last_tries == 0
    panel.pin.value = "1234"
    panel.go.click()  # refused outright at zero
    assert "ロック" in panel.status.value and "myna demo --rebuild" in panel.status.value
    with open_card("virtual", profile=profile) as card:
        assert card.auth_tries_left() == 0


def test_the_myinfo_section_shows_every_category_and_says_nothing_on_record() -> None:
    from mynalib.widgets.myinfo import myinfo_html

    answers = frames.conform(
        "myinfo_answers",
        pd.DataFrame(
            [
                {
                    "kind": "portal_care",
                    "person": "見本　太郎",
                    "status": "04",
                    "nothing_on_record": True,
                },
                {
                    "kind": "portal_employment",
                    "person": "見本　太郎",
                    "status": "04",
                    "nothing_on_record": True,
                },
                {
                    "kind": "portal_bank_account",
                    "person": "見本　太郎",
                    "status": "03",
                    "nothing_on_record": False,
                },
            ]
        ),
    )
    bank = frames.conform(
        "bank_account",
        pd.DataFrame(
            [
                {
                    "person": "見本　太郎",
                    "registered": True,
                    "bank_name": "見本銀行",
                    "branch_name": "<b>本店</b>",
                    "account_type": "普通",
                    "account_number": "****567",
                }
            ]
        ),
    )
    html = myinfo_html({"myinfo_answers": answers, "bank_account": bank}, ["見本　太郎"])
    categories = re.findall(r'data-category="([^"]+)" data-state="([^"]+)"', html)
    assert [c for c, _ in categories] == [
        "健康・医療",
        "税・所得・口座",
        "年金",
        "子ども・子育て",
        "世帯情報",
        "福祉・介護",
        "雇用保険",
    ]
    states = dict(categories)
    assert states["福祉・介護"] == "no-record" and states["雇用保険"] == "no-record"
    assert states["税・所得・口座"] == "records" and states["年金"] == "not-fetched"
    assert '<li class="myna-no-record">見本　太郎: 記録がありません' in html
    assert "****567" in html and "&lt;b&gt;本店&lt;/b&gt;" in html and "<b>本店" not in html
    empty = myinfo_html(None)
    assert empty.count('data-state="not-fetched"') == 7


def test_the_myinfo_section_lists_what_the_portal_is_still_preparing() -> None:
    """回答一覧: items kept as pending in the vault are listed above the categories, with the
    person each was asked for; nothing is listed when none wait."""
    from mynalib.portal import pending
    from mynalib.portal import protocol as PP
    from mynalib.portal.auth import PRINCIPALS_STATE
    from mynalib.portal.client import PendingItem
    from mynalib.portal.protocol import SESSION_STATE
    from mynalib.widgets import apps
    from mynalib.widgets.myinfo import myinfo_html

    class State:
        def __init__(self) -> None:
            self.state: dict[str, Any] = {}

        def get_state(self, key: str, default: Any = None) -> Any:
            return self.state.get(key, default)

        def set_state(self, key: str, value: Any) -> None:
            self.state[key] = value

    vault = State()
    status = StatusBar()
    assert apps._pending(vault, status) == []
    assert "myna-myinfo-pending" not in myinfo_html(None, (), [])
    item = next(iter(PP.ITEMS_BY_ID.values()))
    pending.save(vault, [PendingItem(item.item_id, "req-1", 1.0, "hanako")])
    assert apps._pending(vault, status) == [(item.name, "hanako")]  # no name known: the id
    # the names the portal gave: the logged-in person's (the session) and 代理人 principals'
    vault.set_state(SESSION_STATE, {"person_id": "hanako", "name": "見本　花子"})
    vault.set_state(PRINCIPALS_STATE, {"ume": "見本　うめ"})
    pending.save(
        vault,
        [
            PendingItem(item.item_id, "req-1", 1.0, "hanako"),
            PendingItem(item.item_id, "req-2", 2.0, "ume"),
        ],
    )
    rows = apps._pending(vault, status)
    assert rows[0] == (item.name, "見本　花子")
    assert rows[1] == (item.name, "見本　うめ")
    html = myinfo_html(None, (), rows)
    assert "myna-myinfo-pending" in html and "準備中" in html
    assert f"{item.name}（見本　花子）" in html
    assert html.index("myna-myinfo-pending") < html.index("myna-myinfo-category")


def test_inbox_read_marks_wait_for_the_portal() -> None:
    """A notice marked read in the inbox waits in the outbox for the next login or fetch
    (mynalib.portal.readmarks); 未読に戻す takes it off again and says it stays here."""
    from mynalib.portal import readmarks

    state = MemoryState()
    inbox = NoticeInbox(notices_frame(), state)
    inbox.list.value = "N2"
    inbox.toggle.click()
    assert readmarks.outbox(state) == [{"id": "N2", "person": "見本　太郎"}]
    assert "ポータルにも既読を送ります" in inbox.status.value
    inbox.toggle.click()
    assert readmarks.outbox(state) == [] and state.get_state(READ_KEY) == {"N2": False}
    assert "この端末の表示だけ" in inbox.status.value
