"""The three dashboards, assembled from the components. Notebook cells only call these.

Where the data comes from (the environment of the Voila process, set by ``myna demo``):

``MYNA_VAULT`` / ``MYNA_VAULT_PASSPHRASE``  the vault (see :func:`mynalib.vault.open_vault`)
``MYNA_PORTAL_URL``                          the portal (the local sandbox in the demo)
``MYNA_CARD``                                ``virtual`` (default) or a reader name
``MYNA_CARD_PROFILE``                        the software card's profile file
``MYNA_FETCH_GROUPS``                        what the overview's fetch downloads (comma separated)
``MYNA_TAX_SETTINGS``                        tax settings (TOML/JSON) for the deductions shown
``MYNA_ACTING_FOR``                          people the card holder is 代理人 for (``id=氏名``,
                                             comma separated), besides those the vault remembers
"""

from __future__ import annotations

import os
import sys
from typing import Any

import ipywidgets as widgets

from . import PREHEATED_MARK
from .common import MemoryState, StatusBar, app_box, logger
from .notices import HistoryTable, NoticeInbox
from .overview import FetchPanel, Overview
from .procedures import ApplicationsStatus, LifeEventPlanner, ProcedureSearch

DEFAULT_FETCH_GROUPS = ("pension", "notices", "history", "applications")

_VAULT: Any = None

#: what building each dashboard imports (most of its time in a new kernel): imported ahead in a
#: preheated kernel, before the page is asked for
PRELOAD = {
    "common": ("pandas", "mynalib.vault", "mynalib.frames", "mynalib.sources"),
    "overview": (
        "mynalib.tax",
        "mynalib.tax.defaults",
        "mynalib.tax.portal",
        "mynalib.export.deductions",
        "mynalib.export.iryohi_form",
        "mynalib.card",
        "mynalib.apply",
        "mynalib.samples.vault",
        "mynalib.widgets.applying",
        "mynalib.widgets.files",
        "mynalib.widgets.phone_login",
    ),
    "procedures": ("mynalib.card", "mynalib.export.calendar", "mynalib.widgets.applying"),
    "notices": (),
}


def preheated() -> bool:
    """True in a kernel Voila started ahead of a request (``--preheat_kernel``, as ``myna demo``
    and ``myna dashboards`` run it): the notebook runs before anyone opens the page."""
    return os.environ.get("VOILA_PREHEAT") == "True"


def await_page(app: str, status: StatusBar) -> Any | None:
    """Get ready for dashboard ``app``; return the vault (None if it does not open).

    In a preheated kernel the imports of :data:`PRELOAD` are done and the vault is opened, then
    the kernel waits for the page's request (``voila.utils.wait_for_request``): what the
    dashboard shows is read from the vault when the page is opened, not when the kernel was
    started. Elsewhere (a kernel started for the request, JupyterLab) it only opens the vault.
    """
    if preheated():
        import importlib

        for name in (*PRELOAD["common"], *PRELOAD[app]):
            importlib.import_module(name)
        vault = dashboard_vault(status)
        from voila.utils import wait_for_request

        # to the server's log (the kernel's own stderr): mynalib.demo.wait_for_preheated
        print(f"{PREHEATED_MARK} {app}", file=sys.__stderr__, flush=True)
        wait_for_request()
        return vault
    return dashboard_vault(status)


def dashboard_vault(status: StatusBar) -> Any | None:
    """The vault, opened once per kernel; None (with a Japanese message on ``status``) if not."""
    global _VAULT
    if _VAULT is not None and not getattr(_VAULT, "closed", False):
        return _VAULT
    try:
        from ..vault import open_vault

        _VAULT = open_vault(create=False)
    except Exception as exc:
        status.exception(exc, "open vault")
        return None
    return _VAULT


def _frame(vault: Any, name: str, status: StatusBar, **kwargs: Any) -> Any:
    if vault is None:
        return None
    try:
        return vault.frame(name, **kwargs)
    except Exception as exc:
        status.exception(exc, f"frame {name}")
        return None


def procedures_app() -> widgets.VBox:
    """手続の検索・ライフイベント・申請状況."""
    status = StatusBar()
    vault = await_page("procedures", status)
    state = vault if vault is not None else MemoryState()
    applications = ApplicationsStatus(_frame(vault, "applications", status))
    # 電子申請 (widgets/applying.py): 「電子申請する」 opens the form under the search
    from .applying import ApplyArea, dashboard_submitter

    portal = os.environ.get("MYNA_PORTAL_URL") or "http://127.0.0.1:8765"
    area = ApplyArea(
        card_choices=_card_choices(),
        submit=dashboard_submitter(portal, vault.put if vault is not None else None),
        portal=portal,
        on_submitted=lambda _r: applications.show(_frame(vault, "applications", status)),
    )
    search = ProcedureSearch(on_apply=area.open_form)
    planner = LifeEventPlanner(state)
    return app_box(
        "手続の検索・電子申請",
        [status, search, area, planner, applications],
        css="myna-procedures-app",
    )


def notices_app() -> widgets.VBox:
    """お知らせ and やりとり履歴."""
    from .. import frames

    status = StatusBar()
    vault = await_page("notices", status)
    notices = _frame(vault, "notices", status)
    if notices is None:
        notices = frames.empty("notices")
    state = vault if vault is not None else MemoryState()
    inbox = NoticeInbox(notices, state)
    history = HistoryTable(_frame(vault, "history", status))
    return app_box("お知らせ", [status, inbox, history], css="myna-notices-app")


def principals(vault: Any) -> list[tuple[str, str]]:
    """(氏名, person id) of the people the card holder may act for as 代理人: those a 代理人 login
    (`myna login --as`, or this dashboard) succeeded for, remembered in the vault, and those
    ``$MYNA_ACTING_FOR`` names (``ume=見本　うめ,...``)."""
    from ..portal.auth import PRINCIPALS_STATE

    known: dict[str, str] = {}
    if vault is not None:
        try:
            known.update(
                {str(k): str(v) for k, v in (vault.get_state(PRINCIPALS_STATE) or {}).items()}
            )
        except Exception as exc:  # the selector then offers only 本人
            logger().warning("principals: %s", exc)
    for entry in os.environ.get("MYNA_ACTING_FOR", "").split(","):
        pid, _, name = entry.strip().partition("=")
        if pid:
            known.setdefault(pid, name.strip() or pid)
    return [(name, pid) for pid, name in sorted(known.items())]


def _overview_data(vault: Any, status: StatusBar, year: int | None) -> dict[str, Any]:
    import datetime as dt

    expenses = _frame(vault, "medical_expenses", status)
    years: list[int] = []
    if expenses is not None and len(expenses):
        years = sorted({int(y) for y in expenses["month"].dt.year.dropna()}, reverse=True)
    if year is None:
        year = years[0] if years else dt.date.today().year
    summary = None
    deductions = _frame(vault, "deductions", status)
    if vault is not None:
        try:
            from ..tax import household_summary
            from ..tax.portal import read_vault_inputs

            summary = household_summary(
                year,
                medical_expenses=expenses,
                deductions=deductions,
                checkups=_frame(vault, "checkups", status),
                settings=dashboard_tax_settings(vault),
                vault_inputs=read_vault_inputs(vault, year),
            )
        except Exception as exc:  # show the rest; say why the summary is missing
            status.exception(exc, "tax summary")
    year_expenses = None
    if expenses is not None and len(expenses):
        year_expenses = expenses[expenses["month"].dt.year == year]
    pension_periods = _frame(vault, "pension_periods", status)
    myinfo = _myinfo_frames(vault, status, pension_periods)
    return {
        "year": year,
        "years": years,
        "pension_periods": pension_periods,
        "births": _births(vault, status),
        "medical_expenses": year_expenses,
        "summary": summary,
        "myinfo": myinfo,
        "household": _household_order(myinfo.get("household_members")),
        "pending": _pending(vault, status),
    }


def _pending(vault: Any, status: StatusBar) -> list[tuple[str, str | None]]:
    """回答一覧: the わたしの情報 items kept as pending (mynalib.portal.pending), with whom each
    was asked for (the household member's name where it is known)."""
    if vault is None:
        return []
    from ..portal import pending

    try:
        items = pending.load(vault)
    except Exception as exc:  # the rest of the overview still shows
        status.exception(exc, "pending items")
        return []
    names = _person_names(vault)
    return [(p.name, names.get(p.person_id or "", p.person_id)) for p in items]


def _person_names(vault: Any) -> dict[str, str]:
    """Person id → 氏名 as the portal gave them: the logged-in person and the people the card
    holder acts for (:func:`principals`)."""
    from ..portal.protocol import SESSION_STATE

    names = {pid: name for name, pid in principals(vault)}
    session = vault.get_state(SESSION_STATE) or {}
    if isinstance(session, dict) and session.get("person_id") and session.get("name"):
        names[str(session["person_id"])] = str(session["name"])
    return names


def _myinfo_frames(vault: Any, status: StatusBar, pension_periods: Any) -> dict[str, Any]:
    """The frames of the わたしの情報 section (mynalib.analysis.myinfo.OVERVIEW_FRAMES)."""
    from ..analysis.myinfo import OVERVIEW_FRAMES

    out: dict[str, Any] = {"pension_periods": pension_periods}
    for name in OVERVIEW_FRAMES:
        if name not in out:
            out[name] = _frame(vault, name, status)
    return out


def _household_order(members: Any) -> list[str]:
    """The 世帯情報's names in its order (the sample household's when there is none)."""
    if members is not None and len(members):
        return [str(n) for n in members["name"].dropna()]
    from ..samples.household import HOUSEHOLD

    return [m.name for m in HOUSEHOLD]


def dashboard_tax_settings(vault: Any) -> Any:
    """The tax inputs of the dashboards: ``$MYNA_TAX_SETTINGS`` (``myna dashboards
    --tax-settings``), else as the notebooks choose them (:func:`mynalib.tax.defaults
    .default_settings`: the fictional household's for a sample vault), so the overview and
    notebook 05 show the same figures."""
    from ..tax.defaults import default_settings

    return default_settings(vault, path=os.environ.get("MYNA_TAX_SETTINGS") or None)


def _births(vault: Any, status: StatusBar) -> dict[str, Any]:
    """Dates of birth by name: remembered in the vault's state, else from the documents' own
    records (the 医療費通知 carries the 生年月日)."""
    import datetime as dt

    if vault is None:
        return {}
    out: dict[str, Any] = {}
    try:
        for name, entry in (vault.get_state("persons") or {}).items():
            if isinstance(entry, dict) and entry.get("birth"):
                out[str(name)] = dt.date.fromisoformat(str(entry["birth"])[:10])
        for info in vault.catalogue():
            birth = info.meta.get("birth")
            if info.person and birth and info.person not in out:
                out[info.person] = (
                    birth if isinstance(birth, dt.date) else dt.date.fromisoformat(str(birth)[:10])
                )
    except Exception as exc:  # the figure is then shown without the 20–60 span
        status.exception(exc, "dates of birth")
    return out


def _card_choices() -> list[tuple[str, Any]]:
    """(label, opener) for the software card and a PC/SC reader; ``MYNA_CARD`` picks the first
    (``virtual``, ``reader`` for the first reader with a card, or a reader's name)."""
    from ..card import open_card

    profile = os.environ.get("MYNA_CARD_PROFILE") or None
    virtual = ("ソフトウェアカード（テスト用）", lambda: open_card("virtual", profile=profile))
    any_reader = ("カードリーダー（PC/SC）", lambda: open_card(None))
    wanted = os.environ.get("MYNA_CARD", "virtual") or "virtual"
    if wanted == "virtual":
        return [virtual, any_reader]
    if wanted == "reader":
        return [any_reader, virtual]
    reader = (f"カードリーダー {wanted}", lambda: open_card(wanted))
    return [reader, virtual]


def overview_app() -> widgets.VBox:
    """わたしの情報: pension, medical spending, deductions, the card, fetch."""
    status = StatusBar()
    vault = await_page("overview", status)
    groups = tuple(
        g.strip()
        for g in os.environ.get("MYNA_FETCH_GROUPS", ",".join(DEFAULT_FETCH_GROUPS)).split(",")
        if g.strip()
    )

    def fetch(card: Any, pin: Any, allow_last_try: bool, progress: Any) -> str:
        from ..errors import PortalUnavailable

        url = os.environ.get("MYNA_PORTAL_URL")
        if not url:
            raise PortalUnavailable(
                "MYNA_PORTAL_URL is not set",
                ja="接続先のマイナポータル（サンドボックス）が設定されていません。"
                "`myna dashboards --portal URL` で起動してください（サンプルは `myna demo`）。",
            )
        if vault is None:
            raise RuntimeError("no vault")
        from ..portal import PortalClient, pending, readmarks
        from ..portal.auth import remember_principal

        acting_for = holder["panel"].principal
        with PortalClient(url) as client:
            session = client.login(card, pin, allow_last_try=allow_last_try, acting_for=acting_for)
            remember_principal(vault, session)
            readmarks.send_marks(client, vault)  # notices marked read in the notices dashboard
            waiting = pending.load(vault, session.person_id)  # 回答一覧: asked before, first
            report = client.fetch(groups, store=vault.put, progress=progress, pending=waiting)
            readmarks.take_portal_state(vault, report.documents)
            pending.update(vault, report, session.person_id)
        new = sum(report.new.values())
        dups = sum(report.duplicates.values())
        logger().info("fetch done: %d new, %d already stored", new, dups)
        who = f"{session.person_name} さんの分を代理人として" if session.actor else ""
        return f"{who}取得しました。新しい書類 {new} 件、保管済み {dups} 件。"

    holder: dict[str, Any] = {}

    def on_done() -> None:
        holder["overview"].refresh()
        if "bank" in holder:  # 公金受取口座 may have changed with the fetch
            holder["bank"].show(_bank_account(vault, status))

    def on_card_status(card_status: Any) -> None:
        holder["overview"].show_card(card_status)

    panel = holder["panel"] = FetchPanel(
        _card_choices(),
        fetch,
        on_done=on_done,
        on_card_status=on_card_status,
        people=principals(vault),
    )
    files = _files_panel(vault, holder)
    overview = Overview(
        lambda year: _overview_data(vault, status, year),
        fetch_panel=panel,
        on_data=lambda data: _show_exports(files, holder, data),
    )
    holder["overview"] = overview
    panel.read_tries()  # tries left first, before any PIN is asked
    phone = _phone_login_panel(vault, groups, on_done, holder)
    from .applying import BankAccountPanel

    bank = holder["bank"] = BankAccountPanel(_bank_account(vault, status))
    return app_box("わたしの情報", [status, overview, files, bank, phone], css="myna-overview-app")


def _files_panel(vault: Any, holder: dict[str, Any]) -> Any:
    """ファイルの取り込みと書き出し under the overview: an import refreshes the figures; the
    downloads are those of the year shown, with the summary the overview computed."""
    from .files import FilesPanel, deduction_downloads, medical_form_downloads

    def exports(year: int, template: bytes | None) -> list[Any]:
        out = medical_form_downloads(vault, year, dashboard_tax_settings(vault), template=template)
        summary = holder.get("summary")
        if summary is not None and summary.year == year:
            out += deduction_downloads(summary)
        return out

    return FilesPanel(vault, exports, on_imported=lambda: holder["overview"].refresh())


def _show_exports(files: Any, holder: dict[str, Any], data: dict[str, Any]) -> None:
    holder["summary"] = data.get("summary")
    files.show_year(data.get("year"))


def _bank_account(vault: Any, status: StatusBar) -> Any:
    """公金受取口座 (mynalib.apply.bank): the account, or where its application stands."""
    if vault is None:
        return None
    try:
        from ..apply.bank import bank_account_status

        return bank_account_status(vault)
    except Exception as exc:  # the rest of the page still shows
        status.exception(exc, "bank account")
        return None


def _phone_login_panel(
    vault: Any, groups: tuple[str, ...], on_done: Any, holder: dict[str, Any]
) -> widgets.VBox:
    """「スマートフォンでログイン」 under the overview: QR code, countdown, then the same fetch
    (for the person chosen in the fetch panel's 対象者: 本人 or as 代理人)."""
    from .phone_login import PhoneLoginPanel

    def start() -> Any:
        from ..errors import PortalUnavailable
        from ..portal import PortalClient

        url = os.environ.get("MYNA_PORTAL_URL")
        if not url:
            raise PortalUnavailable(
                "MYNA_PORTAL_URL is not set",
                ja="接続先のマイナポータル（サンドボックス）が設定されていません。"
                "`myna dashboards --portal URL` で起動してください（サンプルは `myna demo`）。",
            )
        client = PortalClient(url)
        try:
            return client.login_cross_device(acting_for=holder["panel"].principal)
        except Exception:
            client.close()
            raise

    def on_approved(login: Any) -> str:
        with login.client as client:
            if vault is None:
                raise RuntimeError("no vault")
            if client.session is not None:
                from ..portal.auth import remember_principal

                remember_principal(vault, client.session)
            from ..portal import pending, readmarks

            readmarks.send_marks(client, vault)
            person = client.session.person_id if client.session is not None else None
            waiting = pending.load(vault, person)
            report = client.fetch(groups, store=vault.put, pending=waiting)
            readmarks.take_portal_state(vault, report.documents)
            pending.update(vault, report, person)
        on_done()
        new, dups = sum(report.new.values()), sum(report.duplicates.values())
        return f"ログインして取得しました。新しい書類 {new} 件、保管済み {dups} 件。"

    return PhoneLoginPanel(start, on_approved)
