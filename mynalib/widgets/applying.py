"""電子申請 in the procedures dashboard: the form, 「カードから入力」, attachments, confirmation,
signing and sending; and the 公金受取口座 line of わたしの情報.

:class:`ApplyPanel` is generated from a :class:`~mynalib.apply.FormDefinition`: one input per
field (its type decides the widget), one file picker per attachment slot. 「カードから入力」 reads
基本4情報 with the 券面事項入力補助 PIN — the tries left are shown first, the last try needs the
checkbox, a wrong PIN spends exactly one try and the box is cleared. 「確認へ進む」 checks every
field and shows each problem beside its field; the confirmation shows exactly what will be sent
(the values, the files with their SHA-256, and the canonical bytes that are signed). Sending asks
the 利用者証明用 PIN (login) and, when the procedure needs it, the signing password; the work is
:mod:`mynalib.apply`'s (``submit`` is given by the app). Nothing typed into a form is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from ..pins import LAST_TRY_CONFIRM_JA, PINS
from ..pins import spec as pin_spec
from .common import StatusBar, esc, heading, japanese_message, logger, table_html
from .overview import SOFTWARE_CARD_BLOCKED_HINT

if TYPE_CHECKING:
    from ..apply import FormDefinition, Preview, Receipt
    from ..apply.forms import FieldSpec

CardOpener = Callable[[], Any]
#: submit(preview, card, auth_pin, sign_pin or None, allow_last_try) -> Receipt
Submitter = Callable[[Any, Any, Any, Any, bool], Any]

PIN_LABELS = {k: p.short_ja for k, p in PINS.items()}
PIN_HINTS = {k: p.format_ja for k, p in PINS.items()}
_STYLE = {"description_width": "14em"}
_WIDE = widgets.Layout(width="46em")


def _field_widget(spec: FieldSpec) -> widgets.Widget:
    label = spec.label + ("（必須）" if spec.required and spec.type != "boolean" else "")
    if spec.type == "boolean":
        return widgets.Checkbox(
            description=spec.label, indent=False, layout=widgets.Layout(width="auto")
        )
    if spec.type == "choice":
        return widgets.Dropdown(
            description=label,
            options=[("選択してください", ""), *[(lab, v) for v, lab in spec.choices]],
            value="",
            style=_STYLE,
            layout=_WIDE,
        )
    placeholder = {
        "date": "例: 2026-04-01 / 令和8年4月1日",
        "kana": "カタカナ（例: ミホン　タロウ）",
        "digits": f"数字{spec.min_length or ''}桁"
        if spec.min_length == spec.max_length
        else "数字",
        "phone": "例: 03-1234-5678",
        "postal_code": "例: 123-4567",
        "email": "例: name@example.jp",
        "number": "整数",
    }.get(spec.type, "")
    cls = widgets.Textarea if spec.multiline else widgets.Text
    return cls(description=label, placeholder=placeholder, style=_STYLE, layout=_WIDE)


class PinBox(widgets.VBox):
    """Tries left (read without spending one) and a password box for one PIN kind."""

    def __init__(self, which: str) -> None:
        self.which = which
        self.tries = widgets.HTML()
        self.tries.add_class("myna-apply-tries")
        self.pin = widgets.Password(
            description=PIN_LABELS[which], placeholder=PIN_HINTS[which], style=_STYLE
        )
        self.pin.add_class(f"myna-apply-pin-{which}")
        self.left: int | None = None
        super().__init__([self.tries, self.pin])

    def show_tries(self, left: int) -> None:
        self.left = left
        css = "myna-overdue" if left <= 1 else ""
        self.tries.value = (
            f'{esc(PIN_LABELS[self.which])}の残り回数: <b class="{css}" '
            f'data-pin="{esc(self.which)}" data-tries="{left}">{left}</b> 回'
        )

    def take(self) -> Any:
        """The typed PIN as a :class:`~mynalib.secrets.Pin` (the box is cleared at once);
        None when empty. A mistyped one raises PinFormatError (no try spent)."""
        from ..secrets import Pin

        value = self.pin.value
        self.pin.value = ""
        if not value:
            return None
        try:
            return Pin(value, self.which)  # type: ignore[arg-type]
        finally:
            del value


class ApplyPanel(widgets.VBox):
    """One online procedure's application, from the empty form to the receipt."""

    def __init__(
        self,
        form: FormDefinition,
        *,
        card_choices: Sequence[tuple[str, CardOpener]],
        submit: Submitter,
        portal: str,
        on_submitted: Callable[[Any], None] | None = None,
        today: dt.date | None = None,
        **kwargs: Any,
    ) -> None:
        from ..apply import Draft

        self.form = form
        self.draft = Draft(form)
        self.portal = portal
        self.today = today
        self._openers = dict(card_choices)
        self._submit = submit
        self._on_submitted = on_submitted
        self.preview: Preview | None = None
        self.receipt: Receipt | None = None
        self.status = StatusBar()
        self.card_choice = widgets.Dropdown(
            description="カード", options=list(self._openers), style=_STYLE
        )
        self.card_choice.add_class("myna-apply-card")
        self.software_cards = {label for label in self._openers if "ソフトウェア" in label}
        self.confirm_last = widgets.Checkbox(
            description=LAST_TRY_CONFIRM_JA,
            indent=False,
            layout=widgets.Layout(width="auto"),
        )
        # --- step 1: the form ---
        self.kenhojo = PinBox("kenhojo")
        self.from_card = widgets.Button(
            description="カードから入力", icon="id-card", button_style="info"
        )
        self.from_card.add_class("myna-apply-from-card")
        self.from_card.on_click(lambda _b: self.fill_from_card())
        self.inputs: dict[str, widgets.Widget] = {}
        self.errors: dict[str, widgets.HTML] = {}
        self.sources: dict[str, widgets.HTML] = {}
        rows: list[widgets.Widget] = []
        for spec in form.fields:
            w = _field_widget(spec)
            w.add_class("myna-apply-field")
            w.add_class(f"myna-field-{spec.name}")
            self.inputs[spec.name] = w
            self.sources[spec.name] = widgets.HTML()
            self.errors[spec.name] = widgets.HTML()
            self.errors[spec.name].add_class("myna-field-error-box")
            help_text = f'<span class="myna-muted">{esc(spec.help)}</span>' if spec.help else ""
            rows.append(
                widgets.VBox(
                    [
                        widgets.HBox([w, self.sources[spec.name]]),
                        widgets.HTML(help_text),
                        self.errors[spec.name],
                    ]
                )
            )
        self.uploads: dict[str, widgets.FileUpload] = {}
        attach_rows: list[widgets.Widget] = []
        for slot in form.attachments:
            from ..apply.forms import CONTENT_TYPES

            accept = ",".join(e for t in slot.types for e in CONTENT_TYPES.get(t, ()))
            up = widgets.FileUpload(accept=accept, multiple=False, description="ファイルを選ぶ")
            up.add_class("myna-apply-upload")
            up.add_class(f"myna-upload-{slot.slot}")
            up.observe(self._on_upload(slot.slot), names="value")
            self.uploads[slot.slot] = up
            self.errors[slot.slot] = widgets.HTML()
            flag = "必須" if slot.required else ("審査で必要" if slot.review else "任意")
            chosen = widgets.HTML()
            chosen.add_class(f"myna-upload-name-{slot.slot}")
            self.sources[slot.slot] = chosen
            attach_rows.append(
                widgets.VBox(
                    [
                        widgets.HTML(
                            f"<b>{esc(slot.label)}</b>（{flag}）"
                            + (
                                f' <span class="myna-muted">{esc(slot.help)}</span>'
                                if slot.help
                                else ""
                            )
                        ),
                        widgets.HBox([up, chosen]),
                        self.errors[slot.slot],
                    ]
                )
            )
        self.to_confirm = widgets.Button(
            description="確認へ進む", button_style="primary", icon="check"
        )
        self.to_confirm.add_class("myna-apply-next")
        self.to_confirm.on_click(lambda _b: self.confirm())
        signature = (
            "この手続は署名用電子証明書による電子署名が必要です（送信の前に署名用パスワードを入力します）。"
            if form.signature_required
            else "この手続は電子署名なしで送信します。"
        )
        note = f'<p class="myna-muted">{esc(form.note)}</p>' if form.note else ""
        self.form_step = widgets.VBox(
            [
                widgets.HTML(f'<p class="myna-apply-signature-note">{esc(signature)}</p>{note}'),
                heading("カードから入力（申請入力支援）", 4),
                widgets.HTML(
                    '<p class="myna-muted">マイナンバーカードの券面事項入力補助から、氏名・住所・生年月日・'
                    "性別を入力します。フリガナはカードにないため、入力してください。</p>"
                ),
                self.card_choice,
                widgets.HBox([self.kenhojo, self.from_card]),
                heading("申請内容", 4),
                *rows,
                heading("添付書類", 4),
                *(
                    attach_rows
                    or [
                        widgets.HTML(
                            '<p class="myna-muted">この手続には添付できる書類はありません。</p>'
                        )
                    ]
                ),
                self.to_confirm,
            ]
        )
        # --- step 2: confirmation ---
        self.summary = widgets.HTML()
        self.summary.add_class("myna-apply-summary")
        self.auth = PinBox("auth")
        self.sign = PinBox("sign")
        self.send = widgets.Button(
            description="署名して送信" if form.signature_required else "送信",
            button_style="danger",
            icon="paper-plane",
        )
        self.send.add_class("myna-apply-send")
        self.send.on_click(lambda _b: self.send_application())
        self.back = widgets.Button(description="戻って修正", icon="arrow-left")
        self.back.add_class("myna-apply-back")
        self.back.on_click(lambda _b: self._show(self.form_step))
        pins: list[widgets.Widget] = [self.auth]
        if form.signature_required:
            pins.append(self.sign)
        self.confirm_step = widgets.VBox(
            [
                heading("送信する内容の確認", 4),
                self.summary,
                widgets.HTML(
                    '<p class="myna-muted">送信の前にログイン（利用者証明用電子証明書）します'
                    + ("。続けて申請内容に電子署名します" if form.signature_required else "")
                    + "。</p>"
                ),
                *pins,
                widgets.HBox([self.back, self.send]),
            ]
        )
        # --- step 3: done ---
        self.done = widgets.HTML()
        self.done.add_class("myna-apply-done")
        self.done_step = widgets.VBox([self.done])
        self.body = widgets.VBox([self.form_step])
        super().__init__(
            [
                heading(f"電子申請: {form.name}", 3),
                self.status,
                self.body,
                self.confirm_last,
            ],
            **kwargs,
        )
        self.add_class("myna-apply-panel")
        self.add_class(f"myna-apply-{form.procedure_id}")
        #: what 「カードから入力」 put in each field (a value changed afterwards is the user's)
        self._prefilled: dict[str, Any] = {}

    # ------------------------------------------------------------------------------ helpers
    def _show(self, step: widgets.Widget) -> None:
        self.body.children = (step,)

    def _open_card(self) -> Any:
        return self._openers[self.card_choice.value]()

    def read_tries(self, *which: str) -> None:
        """Show the tries left of ``which`` (an empty VERIFY each: no try is spent)."""
        boxes = {"kenhojo": self.kenhojo, "auth": self.auth, "sign": self.sign}
        try:
            with self._open_card() as card:
                for kind in which:
                    boxes[kind].show_tries(card.tries_left(kind))
        except Exception as exc:
            self.status.exception(exc, "read tries")

    def _fail(self, exc: BaseException, where: str) -> None:
        from ..errors import PinBlocked

        self.status.exception(exc, where)
        if isinstance(exc, PinBlocked) and self.card_choice.value in self.software_cards:
            self.status.error(japanese_message(exc) + SOFTWARE_CARD_BLOCKED_HINT)

    def values(self) -> dict[str, Any]:
        """The form's inputs as the draft takes them (empty ones left out)."""
        out: dict[str, Any] = {}
        for name, w in self.inputs.items():
            value = w.value
            if isinstance(value, str):
                value = value.strip()
            if value not in ("", None, False):
                out[name] = value
        return out

    def _set_input(self, name: str, value: Any) -> None:
        w = self.inputs[name]
        if isinstance(w, widgets.Checkbox):
            w.value = bool(value)
        else:
            w.value = str(value)

    def _on_upload(self, slot: str) -> Callable[[dict[str, Any]], None]:
        def changed(change: dict[str, Any]) -> None:
            files = change["new"] or ()
            if not files:
                return
            f = files[0]
            try:
                att = self.draft.attach(slot, bytes(f["content"]), name=str(f["name"]))
            except Exception as exc:
                self.status.exception(exc, "attach")
                return
            self.sources[
                slot
            ].value = (
                f'<span class="myna-muted">{esc(att.name)}（{len(att.content):,} バイト）</span>'
            )
            self.errors[slot].value = ""

        return changed

    # --------------------------------------------------------------------------- the steps
    def fill_from_card(self) -> None:
        """申請入力支援: 基本4情報 from the card into the empty fields (one VERIFY)."""
        from ..apply import read_card
        from ..errors import PinError

        self.status.clear()
        try:
            pin = self.kenhojo.take()
        except PinError as exc:  # mistyped: no try was spent
            self.status.error(japanese_message(exc))
            return
        if pin is None:
            self.status.error(pin_spec("kenhojo").missing_ja)
            return
        try:
            with self._open_card() as card:
                self.kenhojo.show_tries(card.tries_left("kenhojo"))
                try:
                    data = read_card(card, pin, allow_last_try=bool(self.confirm_last.value))
                finally:
                    try:
                        self.kenhojo.show_tries(card.tries_left("kenhojo"))
                    except Exception as again:  # the counter itself could not be read
                        logger().warning(
                            "could not re-read the tries left: %s", type(again).__name__
                        )
        except Exception as exc:
            logger().info("kenhojo: refused (%s)", type(exc).__name__)
            self._fail(exc, "read card")
            return
        finally:
            pin.wipe()
            self.confirm_last.value = False
        self.draft.values.update(self.values())
        filled = self.draft.prefill(card=data, overwrite=True)
        for name in filled:
            self._set_input(name, self.draft.values[name])
            self._prefilled[name] = self.inputs[name].value
            self.sources[name].value = '<span class="myna-muted myna-from-card">カードから</span>'
        self.status.ok(f"カードから {len(filled)} 項目を入力しました。内容を確かめてください。")

    def confirm(self) -> Preview | None:
        """Check everything; show the problems by their fields, or the confirmation."""
        from ..apply import FormError

        self.status.clear()
        for box in self.errors.values():
            box.value = ""
        self.draft.values, self.draft.sources = {}, {}
        for name, value in self.values().items():
            self.draft.values[name] = value
            same = name in self._prefilled and self._prefilled[name] == self.inputs[name].value
            self.draft.sources[name] = "card" if same else "you"
        try:
            preview = self.draft.preview(self.portal, today=self.today)
        except FormError as exc:
            for p in exc.problems:
                box = self.errors.get(p.field)
                if box is not None:
                    box.value = (
                        f'<span class="myna-status-error myna-field-error" data-field="{esc(p.field)}">'
                        f"{esc(p.label)}: {esc(p.ja)}</span>"
                    )
            self.status.error(
                f"入力内容を確認してください（{len(exc.problems)} 件）: "
                + "、".join(p.label for p in exc.problems)
            )
            return None
        self.preview = preview
        self.summary.value = confirmation_html(preview)
        self._show(self.confirm_step)
        self.read_tries("auth", *(("sign",) if self.form.signature_required else ()))
        return preview

    def send_application(self) -> Any:
        """Log in, sign when needed, send; show the application number."""
        from ..errors import PinError

        if self.preview is None:
            return None
        self.status.clear()
        auth = sign = None
        try:
            auth = self.auth.take()
            sign = self.sign.take() if self.form.signature_required else None
        except PinError as exc:  # mistyped: nothing was sent, no try spent
            self.auth.pin.value = self.sign.pin.value = ""
            if auth is not None:
                auth.wipe()
            self.status.error(japanese_message(exc))
            return None
        if auth is None or (self.form.signature_required and sign is None):
            for p in (auth, sign):
                if p is not None:
                    p.wipe()
            self.status.error(
                "利用者証明用暗証番号"
                + ("と署名用パスワード" if self.form.signature_required else "")
                + "を入力してください。"
            )
            return None
        self.send.disabled = True
        try:
            with self._open_card() as card:
                receipt = self._submit(
                    self.preview, card, auth, sign, bool(self.confirm_last.value)
                )
        except Exception as exc:
            logger().info("apply: not sent (%s)", type(exc).__name__)
            self._show_refusal(exc)
            self.read_tries("auth", *(("sign",) if self.form.signature_required else ()))
            return None
        finally:
            auth.wipe()
            if sign is not None:
                sign.wipe()
            self.send.disabled = False
            self.confirm_last.value = False
        self.receipt = receipt
        self.done.value = (
            f'<div class="myna-status-ok" data-application="{esc(receipt.application_id)}">'
            f"申請しました。申請番号 <b>{esc(receipt.application_id)}</b>（{esc(receipt.status)}）。"
            "審査の状況は下の「申請状況」とお知らせで確認できます。</div>"
        )
        self._show(self.done_step)
        if self._on_submitted is not None:
            try:
                self._on_submitted(receipt)
            except Exception as exc:
                self.status.exception(exc, "after submission")
        return receipt

    def _show_refusal(self, exc: BaseException) -> None:
        from ..apply import ApplicationRefused

        if isinstance(exc, ApplicationRefused):
            for p in exc.problems:
                box = self.errors.get(p.field)
                if box is not None:
                    box.value = (
                        f'<span class="myna-status-error myna-field-error" data-field="{esc(p.field)}">'
                        f"{esc(p.label)}: {esc(p.ja)}</span>"
                    )
            self.status.error(japanese_message(exc))
            if any(p.field in self.inputs for p in exc.problems):
                self._show(self.form_step)
            return
        self._fail(exc, "apply")


def confirmation_html(preview: Preview) -> str:
    """Exactly what will be sent: the values (and where each came from), the files by their
    SHA-256, the signature, and the canonical bytes that are signed."""
    import hashlib

    rows = [[esc(label), esc(shown), esc(source)] for label, shown, source in preview.rows()]
    files = [
        [
            esc(preview.form.slot(a.slot).label),
            esc(a.name),
            f"{len(a.content):,} バイト",
            f"<code>{esc(hashlib.sha256(a.content).hexdigest())}</code>",
        ]
        for a in preview.attachments
    ]
    signature = (
        "署名用電子証明書で電子署名します（下の正規形の SHA-256: "
        f"<code>{esc(preview.content_sha256)}</code>）"
        if preview.signature_required
        else "電子署名なし"
    )
    return (
        f'<div class="myna-apply-confirm" data-sha256="{esc(preview.content_sha256)}">'
        f"<p>送信先: <b>{esc(preview.portal)}</b>　手続: <b>{esc(preview.form.name)}</b></p>"
        + table_html(["項目", "内容", "入力元"], rows)
        + "<p><b>添付書類</b></p>"
        + table_html(["書類", "ファイル", "大きさ", "SHA-256"], files, empty="なし")
        + f"<p><b>電子署名</b>: {signature}</p>"
        + "<details open><summary>署名・送信する内容（正規形 JSON）</summary>"
        f'<pre class="myna-apply-canonical" style="white-space:pre-wrap">'
        f"{esc(preview.content.decode('utf-8'))}</pre></details></div>"
    )


class ApplyArea(widgets.VBox):
    """Where the procedures dashboard opens 「電子申請する」: one :class:`ApplyPanel` at a time."""

    def __init__(
        self,
        *,
        card_choices: Sequence[tuple[str, CardOpener]],
        submit: Submitter,
        portal: str,
        on_submitted: Callable[[Any], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self._choices = list(card_choices)
        self._submit = submit
        self.portal = portal
        self._on_submitted = on_submitted
        self.status = StatusBar()
        self.panel: ApplyPanel | None = None
        self.holder = widgets.VBox()
        super().__init__([self.status, self.holder], **kwargs)
        self.add_class("myna-apply-area")

    def open_form(self, procedure_id: str) -> ApplyPanel | None:
        from ..apply import form

        self.status.clear()
        try:
            definition = form(procedure_id)
        except KeyError as exc:
            self.status.error(str(exc).strip("'\""))
            return None
        self.panel = ApplyPanel(
            definition,
            card_choices=self._choices,
            submit=self._submit,
            portal=self.portal,
            on_submitted=self._on_submitted,
        )
        self.holder.children = (self.panel,)
        self.panel.read_tries("kenhojo")  # tries left first, before any PIN is asked
        return self.panel


def dashboard_submitter(
    portal: str,
    store: Callable[[Any], Any] | None,
    *,
    make_client: Callable[[], Any] | None = None,
) -> Submitter:
    """The dashboards' ``submit``: log in with the card, sign when needed, send, then bring
    申請状況 and お知らせ into the vault (``store``: ``vault.put``). ``make_client``: a
    :class:`~mynalib.portal.PortalClient` factory (default: one for ``portal``)."""

    def submit(preview: Any, card: Any, auth: Any, sign: Any, allow_last_try: bool) -> Receipt:
        from ..apply import sign as sign_content
        from ..apply import submit as send
        from ..portal import PortalClient

        with make_client() if make_client else PortalClient(portal) as client:
            client.login(card, auth, allow_last_try=allow_last_try)
            signature = None
            if preview.signature_required:
                signature = sign_content(card, sign, preview.content, allow_last_try=allow_last_try)
            receipt = send(client, preview, signature)
            if store is not None:
                try:
                    client.fetch(["applications", "notices"], store=store)
                except Exception as exc:  # the application is in; the table catches up later
                    logger().warning(
                        "could not fetch 申請状況 after sending: %s", type(exc).__name__
                    )
        return receipt

    return submit


class BankAccountPanel(widgets.VBox):
    """公金受取口座 in わたしの情報: the registered account, or where its application stands."""

    def __init__(self, status: Any | None, **kwargs: Any) -> None:
        self.line = widgets.HTML()
        self.line.add_class("myna-bank-account")
        super().__init__([heading("公金受取口座"), self.line], **kwargs)
        self.show(status)

    def show(self, status: Any | None) -> None:
        if status is None:
            self.line.value = (
                '<p class="myna-muted">公金受取口座の情報はまだありません。手続の検索から'
                "「公金受取口座の登録・変更」を電子申請できます。</p>"
            )
            return
        self.line.value = (
            f'<p data-source="{esc(status.source)}" data-registered="{str(status.registered).lower()}">'
            f"{esc(status.text())}</p>"
        )
