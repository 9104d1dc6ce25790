"""One exception tree for the whole library (ARCHITECTURE.md: `errors` is the bottom layer).

Every message says what happened and what to do next. Errors a person may read in a dashboard also
carry a short Japanese message in ``ja``. No error ever carries a PIN, a token or a full My Number.
"""

from __future__ import annotations

from .pins import LAST_TRY_JA
from .pins import PIN_BLOCKED_GUIDANCE as _PIN_BLOCKED_GUIDANCE


class MynaError(Exception):
    """Root of every error mynalib raises on purpose."""

    #: short Japanese message for dashboards (falls back to the English text)
    ja_default: str = "エラーが発生しました。"

    def __init__(self, message: str = "", *, hint: str | None = None, ja: str | None = None):
        self.message = message or self.__class__.__doc__ or self.__class__.__name__
        self.hint = hint
        self.ja = ja or self.ja_default
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} — {self.hint}"
        return self.message


# ----------------------------------------------------------------------------------------- card
class CardError(MynaError):
    """Something went wrong talking to the card or the reader."""

    ja_default = "カードとの通信でエラーが発生しました。"


class PcscUnavailable(CardError):
    """The PC/SC service is not reachable."""

    ja_default = "スマートカードサービス（pcscd）に接続できません。サービスを起動してください。"

    def __init__(self, message: str = "", *, hint: str | None = None, ja: str | None = None):
        super().__init__(
            message or "The PC/SC service is not reachable",
            hint=hint
            or (
                "on Linux start pcscd (e.g. `sudo systemctl start pcscd`, or `pcscd -f &`); "
                "on Windows start the 'Smart Card' service; on macOS it is built in"
            ),
            ja=ja,
        )


class ReaderNotFound(CardError):
    """No matching card reader is connected."""

    ja_default = "カードリーダーが見つかりません。接続を確認してください。"


class CardRemoved(CardError):
    """The card was removed (or never inserted)."""

    ja_default = "カードが取り出されました。カードをリーダーに置き直してください。"


class AppletNotFound(CardError):
    """The card does not have the expected applet: it is probably not a My Number card."""

    ja_default = "マイナンバーカードではないようです（必要なアプリが見つかりません）。"


class PinError(CardError):
    """A PIN was wrong; ``tries_left`` says how many tries remain."""

    ja_default = "暗証番号が違います。"

    def __init__(
        self,
        message: str = "",
        *,
        tries_left: int | None = None,
        which: str | None = None,
        hint: str | None = None,
        ja: str | None = None,
    ):
        self.tries_left = tries_left
        self.which = which
        if not message:
            message = "Wrong PIN" if which is None else f"Wrong {which} PIN"
            if tries_left is not None:
                message += f": {tries_left} tries left"
        if ja is None and tries_left is not None:
            ja = f"暗証番号が違います。残り{tries_left}回です。"
        super().__init__(message, hint=hint, ja=ja)


class PinFormatError(PinError):
    """The PIN does not have the right format; it was refused locally and no try was spent."""

    ja_default = "暗証番号の形式が正しくありません（試行回数は減っていません）。"


class PinReuseError(PinError):
    """A Pin object that already failed a VERIFY must not be sent again: ask the user anew."""

    ja_default = "間違えた暗証番号は再送しません。もう一度入力してください。"


class LastTryRefused(PinError):
    """Only one try is left and the caller did not confirm spending it."""

    ja_default = LAST_TRY_JA + "確認のうえで再度実行してください。"


#: What to do when a PIN is blocked, per PIN kind: (English, Japanese) — from :mod:`mynalib.pins`.
PIN_BLOCKED_GUIDANCE = _PIN_BLOCKED_GUIDANCE


class PinBlocked(CardError):
    """The PIN is blocked; ``which`` names it and the message says where to reset it."""

    def __init__(self, which: str = "auth", message: str = "", *, hint: str | None = None):
        self.which = which
        self.tries_left = 0
        en, ja = PIN_BLOCKED_GUIDANCE.get(
            which, (f"The {which} PIN is blocked.", "暗証番号がロックされています。")
        )
        super().__init__(message or en, hint=hint, ja=ja)


class SecurityStatusNotSatisfied(CardError):
    """The card refused: the PIN protecting this file or key was not verified (6982)."""

    ja_default = "暗証番号の確認が必要です。"


class CardResponseError(CardError):
    """The card answered with an unexpected status word or malformed data."""

    def __init__(self, message: str = "", *, sw: int | None = None, hint: str | None = None):
        self.sw = sw
        if sw is not None and f"{sw:04X}" not in message:
            message = f"{message or 'Unexpected card response'} (SW {sw:04X})"
        super().__init__(message, hint=hint)


# --------------------------------------------------------------------------------------- portal
class PortalError(MynaError):
    """The portal (or the sandbox) answered with an error."""

    ja_default = "マイナポータルとの通信でエラーが発生しました。"


class AuthError(PortalError):
    """Login failed or was refused."""

    ja_default = "ログインできませんでした。"


class SessionExpired(PortalError):
    """The portal session expired; log in again."""

    ja_default = "ログインの有効期限が切れました。もう一度ログインしてください。"


class RateLimited(PortalError):
    """Too many requests; try again after ``retry_after`` seconds."""

    ja_default = "アクセスが集中しています。しばらくしてから再度お試しください。"

    def __init__(
        self, message: str = "", *, retry_after: float | None = None, hint: str | None = None
    ):
        self.retry_after = retry_after
        super().__init__(message or f"Rate limited (retry after {retry_after} s)", hint=hint)


class PortalUnavailable(PortalError):
    """The portal cannot be reached or is failing."""

    ja_default = "マイナポータルに接続できません。時間をおいて再度お試しください。"


class ProtocolError(PortalError):
    """The portal answered something that does not follow the protocol."""


class NotFound(PortalError):
    """The portal does not know the id asked for (resultCode 8404: a requestId it no longer
    keeps, a notice or document id)."""


class RequestRefused(PortalError):
    """The portal refused the request as malformed or wrong (resultCode 8000); ``errors`` are
    its error entries as sent (``errorCode``, ``message`` and, for 電子申請, ``field``)."""

    ja_default = "マイナポータルが要求を受け付けませんでした。"

    def __init__(
        self,
        message: str = "",
        *,
        errors: list[dict[str, object]] | None = None,
        hint: str | None = None,
        ja: str | None = None,
    ):
        self.errors = list(errors or [])
        super().__init__(message, hint=hint, ja=ja)


# -------------------------------------------------------------------------------------- sources
class SourceError(MynaError):
    """A document could not be read."""

    ja_default = "ファイルを読み込めませんでした。"


class UnknownDocument(SourceError):
    """The file is not a kind mynalib knows; the message lists the supported kinds."""

    ja_default = "対応していない種類のファイルです。"


class MalformedDocument(SourceError):
    """The document is of a known kind but broken; ``line``/``element`` say where."""

    ja_default = "ファイルの内容に誤りがあります。"

    def __init__(
        self,
        message: str = "",
        *,
        line: int | None = None,
        element: str | None = None,
        hint: str | None = None,
    ):
        self.line = line
        self.element = element
        where = []
        if line is not None:
            where.append(f"line {line}")
        if element is not None:
            where.append(f"element {element}")
        if where:
            message = f"{message} ({', '.join(where)})"
        super().__init__(message, hint=hint)


class DocumentTooLarge(SourceError):
    """The file is larger than the configured limit and was refused before parsing."""

    ja_default = "ファイルが大きすぎるため読み込みませんでした。"


class NotAFile(SourceError):
    """The path is not a regular file (a FIFO, a device, a socket): refused without reading it."""

    ja_default = "通常のファイルではないため取り込みませんでした（名前付きパイプ・デバイス等）。"


class SignatureInvalid(SourceError):
    """An XML signature does not verify: the document was changed after signing."""

    ja_default = "電子署名の検証に失敗しました（改ざんの可能性があります）。"


# ---------------------------------------------------------------------------------------- vault
class VaultError(MynaError):
    """The local vault could not be used."""

    ja_default = "保管庫（vault）でエラーが発生しました。"


class VaultLocked(VaultError):
    """The vault could not be unlocked (wrong passphrase or missing key)."""

    ja_default = "保管庫を開けません。パスフレーズを確認してください。"


class VaultCorrupt(VaultError):
    """The vault file is damaged or was modified outside mynalib."""

    ja_default = (
        "保管庫のファイルが壊れているか、mynalib 以外で書き換えられています。"
        "バックアップから戻してください。"
    )


# ------------------------------------------------------------------------------------------ tax
class TaxError(MynaError):
    """A tax computation cannot be done with the given inputs."""

    ja_default = "税額の計算ができません。入力を確認してください。"


class UnsupportedTaxYear(TaxError):
    """The rule table has no figures for the requested year."""

    ja_default = "この年分の税制には対応していません。"


class ExportError(MynaError):
    """An export file could not be written."""

    ja_default = "ファイルを書き出せませんでした。"


# -------------------------------------------------------------------------------------- signing
class SigningError(MynaError):
    """A file could not be signed (the card's own errors are CardError and PinError)."""

    ja_default = "署名できませんでした。"


class SignatureFormatError(MynaError):
    """A file is not a signature (CMS) or a PDF this tool can read."""

    ja_default = "署名ファイルを読み取れません。"
