"""`myna sandbox`, `myna login`, `myna fetch`, `myna logout`: the portal (sandbox) commands.

httpx, starlette and uvicorn are imported inside the commands so `myna --help` stays fast.
The refresh token lives only in the vault, encrypted (``vault.set_secret``); no token is printed.
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..pins import PINS
from ..portal.protocol import FETCH_ALIASES, FETCH_GROUPS, ITEMS, SESSION_STATE
from ._card import card_options, open_from_options
from ._common import (
    PIN_ENV_HELP,
    command_vault_soon,
    echo,
    open_command_vault,
    read_pin,
    report_errors,
    vault_option,
)

if TYPE_CHECKING:
    from ..portal.auth import Session
    from ..vault import Vault

DEFAULT_PORT = 8765
DEFAULT_PORTAL = f"http://127.0.0.1:{DEFAULT_PORT}"
SECRET_REFRESH = "portal.refresh_token"  # noqa: S105 - the name of a vault secret
STATE_SESSION = SESSION_STATE
#: origins the user has trusted for card logins (loopback addresses are trusted without asking)
STATE_TRUSTED = "portal.trusted_origins"
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]"})


def _is_loopback(origin: str) -> bool:
    scheme, _, rest = origin.partition("://")
    host = rest.rsplit(":", 1)[0] if not rest.endswith("]") else rest
    return scheme in {"http", "https"} and host in _LOOPBACK


def _check_trusted(url: str, vault: Vault | Callable[[], Vault], trust: bool) -> str:
    """The portal's origin, once it is trusted for card logins (``trust`` adds it); the vault
    (which keeps the trusted origins; ``vault`` may be a function giving it) is waited for only
    for an origin off this computer."""
    from ..errors import AuthError
    from ..portal.protocol import origin_of

    origin = origin_of(url)
    if _is_loopback(origin):
        return origin
    if callable(vault):
        vault = vault()
    trusted = list(vault.get_state(STATE_TRUSTED) or [])
    if origin in trusted:
        return origin
    if not trust:
        raise AuthError(
            f"{origin} is not a portal you have trusted for card logins. Your card would sign a "
            "login for it; a fake portal could use that to log in as you elsewhere.",
            hint=f"if {origin} is the real portal, run again with --trust-portal",
            ja=f"{origin} はカードでのログインを許可したポータルではありません。"
            "本物のポータルであることを確かめてから --trust-portal を付けて実行してください。",
        )
    vault.set_state(STATE_TRUSTED, sorted({*trusted, origin}))
    vault.audit("portal.trust", origin)
    echo(
        f"{origin} を信頼するポータルに追加しました / trusted {origin} for card logins "
        "(your card will sign logins that name this portal)"
    )
    return origin


def _portal_url(explicit: str | None, vault: Vault | Callable[[], Vault] | None = None) -> str:
    """``--portal``, else ``MYNA_PORTAL``, else the last session's portal (``vault`` may be a
    function giving the vault: it is called only then), else the local sandbox."""
    if explicit:
        return explicit.rstrip("/")
    if os.environ.get("MYNA_PORTAL"):
        return os.environ["MYNA_PORTAL"].rstrip("/")
    if callable(vault):
        vault = vault()
    if vault is not None:
        state = vault.get_state(STATE_SESSION) or {}
        if state.get("portal"):
            return str(state["portal"])
    return DEFAULT_PORTAL


def _saver(vault: Vault | Callable[[], Vault], portal: str) -> Any:
    """What keeps a new session in the vault (``vault`` may be a function giving it)."""

    def save(session: Session) -> None:
        nonlocal vault
        if callable(vault):
            vault = vault()
        if session.refresh_token:
            vault.set_secret(SECRET_REFRESH, session.refresh_token.encode("utf-8"))
        vault.set_state(STATE_SESSION, {"portal": portal, **session.public()})

    return save


# ------------------------------------------------------------------------------- sandbox
@click.command("sandbox")
@click.option(
    "--port", type=int, default=DEFAULT_PORT, show_default=True, help="Port on 127.0.0.1."
)
@click.option(
    "--poll-delay",
    type=float,
    default=1.0,
    show_default=True,
    help="Seconds before a わたしの情報 request is answered (status 01/09 until then).",
)
@click.option(
    "--pending-polls", type=int, default=1, show_default=True, help="Pending answers before done."
)
@click.option(
    "--rate-limit",
    default=None,
    metavar="N/SECONDS",
    help="Answer resultCode 1000 + Retry-After beyond N data calls per SECONDS (e.g. 20/1).",
)
@click.option(
    "--access-ttl", type=float, default=600.0, show_default=True, help="Access-token lifetime (s)."
)
@click.option(
    "--expire-after",
    type=int,
    default=None,
    help="Expire each access token after this many data calls (9000/ED1107; for testing refresh).",
)
@click.option(
    "--capacity-over", type=int, default=0, help="Answer 06 (over capacity) to the next N requests."
)
@click.option(
    "--error-rate", type=float, default=0.0, help="Fraction of data calls answered HTTP 500."
)
@click.option(
    "--truncate-rate", type=float, default=0.0, help="Fraction of data answers cut in half."
)
@click.option(
    "--drop-rate", type=float, default=0.0, help="Fraction of connections dropped mid-body."
)
@click.option("--latency", type=float, default=0.0, help="Seconds added to every request.")
@click.option("--seed", type=int, default=0, help="Seed of the random faults.")
@click.option(
    "--review-delay",
    type=float,
    default=20.0,
    show_default=True,
    help="電子申請: seconds from 受付済 to 審査中.",
)
@click.option(
    "--decision-delay",
    type=float,
    default=60.0,
    show_default=True,
    help="電子申請: seconds from 受付済 to the decision (完了 or 差戻し).",
)
@click.option(
    "--revoke-serial",
    multiple=True,
    metavar="HEX",
    help="Put this certificate serial number (hex) on the revocation list (repeatable).",
)
def sandbox_cmd(
    port: int,
    poll_delay: float,
    pending_polls: int,
    rate_limit: str | None,
    access_ttl: float,
    expire_after: int | None,
    capacity_over: int,
    error_rate: float,
    truncate_rate: float,
    drop_rate: float,
    latency: float,
    seed: int,
    review_delay: float,
    decision_delay: float,
    revoke_serial: tuple[str, ...],
) -> None:
    """Run the local portal sandbox on 127.0.0.1 (synthetic data, test-only trust).

    It serves the protocol of mynalib/portal/PROTOCOL.md for the fictional sample household:
    OpenID Connect login with the JPKI challenge (software cards of the household members and the
    built-in `--virtual` card are registered; taro is 代理人 for ume), わたしの情報, 薬剤情報,
    お知らせ, やりとり履歴, the procedure catalogue, 申請状況, 電子申請 (forms, 様式取得,
    signed submissions followed to 完了 or 差戻し) and 控除証明書 XML; the login from
    a smartphone (`myna login --qr`, the phone's page at /device; the members' software
    スマホ用電子証明書 are registered too). Stop it with Ctrl-C.
    """
    import uvicorn

    from ..portal.sandbox.app import Faults, SandboxConfig, create_app

    limit = None
    if rate_limit:
        try:
            n, _, secs = rate_limit.partition("/")
            limit = (int(n), float(secs or 1))
        except ValueError:
            raise click.BadParameter(
                "use N/SECONDS, e.g. 20/1", param_hint="--rate-limit"
            ) from None
    config = SandboxConfig(
        issuer=f"http://127.0.0.1:{port}",  # never taken from a request's Host header
        access_token_ttl=access_ttl,
        access_token_calls=expire_after,
        poll_delay=poll_delay,
        pending_polls=pending_polls,
        done_step=pending_polls > 0,
        capacity_over=capacity_over,
        rate_limit=limit,
        revoked_serials={int(s, 16) for s in revoke_serial},
        review_delay=review_delay,
        decision_delay=decision_delay,
        faults=Faults(
            error_rate=error_rate,
            truncate_rate=truncate_rate,
            drop_rate=drop_rate,
            latency=latency,
            seed=seed,
        ),
    )
    app = create_app(config)
    from ..portal.sandbox.app import member_fingerprints

    echo("preparing the sandbox accounts (the household's software cards)…", err=True)
    member_fingerprints()  # register the household's software cards before serving
    echo(f"mynalib portal sandbox on http://127.0.0.1:{port}  (synthetic data; Ctrl-C stops)")
    echo(f"  log in with:  myna login --virtual --portal http://127.0.0.1:{port}")
    echo(f"  or from a phone:  myna login --qr --portal http://127.0.0.1:{port}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)


# --------------------------------------------------------------------------------- login
def _member_profile(member: str, *, smartphone: bool = False) -> Path:
    """The software card of a sample-household member (``smartphone``: their software スマホ用
    電子証明書), kept in $MYNA_HOME (PIN counters persist)."""
    from ..paths import default_state_dir
    from ..samples.card import sample_card_profile, sample_smartphone_profile
    from ..samples.household import person

    try:
        person(member)
    except KeyError:
        raise click.BadParameter(f"no sample member {member!r}", param_hint="--member") from None
    name = f"sample-smartphone-{member}.json" if smartphone else f"sample-card-{member}.json"
    path = default_state_dir() / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        issue = sample_smartphone_profile if smartphone else sample_card_profile
        issue(member).save(path)
    return path


@click.command(
    "login",
    help="Log in to the portal with the My Number card (OIDC + PKCE + JPKI challenge).\n\n"
    "Shows the authentication PIN's tries left, asks for the PIN "
    f"({PINS['auth'].format_en}) once, has the card sign the portal's challenge, validates the "
    "ID token, and keeps the refresh token encrypted in the vault (never in a plain file). A "
    "wrong PIN is reported with the tries left and never retried.",
)
@card_options(
    virtual_help="Use the built-in software card (TEST-ONLY; it is taro's).",
    profile_help="A software-card profile file (implies --virtual).",
    member=True,
)
@click.option(
    "--portal",
    "portal",
    default=None,
    help=f"Portal URL (env MYNA_PORTAL; default {DEFAULT_PORTAL}).",
)
@click.option(
    "--as", "acting_for", default=None, metavar="PERSON", help="Act for PERSON as their 代理人."
)
@click.option(
    "--i-understand-last-try",
    "last_try",
    is_flag=True,
    help="Allow spending the last PIN try (a wrong PIN then blocks the card).",
)
@click.option(
    "--trust-portal",
    "trust_portal",
    is_flag=True,
    help="Trust this portal for card logins from now on (needed once for a portal that is not on "
    "this computer): your card signs logins that name it. Only for the real portal.",
)
@click.option(
    "--qr",
    is_flag=True,
    help="Log in from a smartphone instead (no card reader): shows a QR code for the phone to "
    "scan, then waits until the phone approves with the card (NFC) or its スマホ用電子証明書.",
)
@vault_option
@report_errors
def login_cmd(
    virtual: bool,
    reader: str | None,
    profile: Path | None,
    member: str | None,
    portal: str | None,
    acting_for: str | None,
    last_try: bool,
    trust_portal: bool,
    qr: bool,
    vault_dir: Path | None,
) -> None:
    chosen = [
        x for x in (virtual, reader is not None, profile is not None, member is not None) if x
    ]
    if len(chosen) > 1 and not (virtual and (profile or member)):
        raise click.UsageError("choose one of --virtual/--profile/--member or --reader")
    if qr and (chosen or last_try):
        raise click.UsageError("--qr uses the phone: no card options on this computer")
    if member is not None:
        profile = _member_profile(member)
    # the vault is unlocked (scrypt) in a thread meanwhile; waited for before the PIN is asked
    with command_vault_soon(vault_dir) as get_vault:
        url = _portal_url(portal, get_vault)
        if qr:  # nothing is signed on this computer: the phone checks the portal
            _qr_login(get_vault(), url, acting_for)
            return
        origin = _check_trusted(url, get_vault, trust_portal)
        from ..card.session import check_tries
        from ..portal import readmarks
        from ..portal.auth import remember_principal
        from ..portal.client import PortalClient

        card_cm = open_from_options(virtual, reader, profile, create=False)
        with card_cm as card, PortalClient(url, on_session=_saver(get_vault, url)) as client:
            tries = card.auth_tries_left()
            echo(f"利用者証明用電子証明書 暗証番号 / authentication PIN: {tries} tries left")
            check_tries("auth", tries, last_try)
            client.discovery()  # fail early (portal down) before the PIN is asked for
            echo(
                "ログインすると、次の情報の取得に同意したことになります / by logging in you consent "
                "to share: わたしの情報 (年金・税・世帯・子育て・介護・雇用保険), 医療保険情報 "
                "(薬剤・特定健診・医療費), お知らせ, やりとり履歴, 申請状況, 控除証明書; and to "
                "apply online (電子申請: each application is shown and confirmed before it is sent)"
                + (f" — as 代理人 for {acting_for}" if acting_for else "")
            )
            echo(
                f"ログイン先 / portal: {origin}　"
                + (
                    f"代理人として {acting_for} さんのために / as 代理人 for {acting_for}"
                    if acting_for
                    else "本人として / for yourself"
                )
            )
            vault = get_vault()  # a vault that cannot be opened stops here, before the PIN
            pin = read_pin("auth")
            try:
                session = client.login(card, pin, acting_for=acting_for, allow_last_try=last_try)
            finally:
                pin.wipe()
            readmarks.send_marks(client, vault)  # notices marked read here since the last time
        actor = session.actor
        who = session.person_name or session.person_id
        remember_principal(vault, session)
        vault.audit(
            "portal.login",
            f"{url} as {session.person_id}"
            + (f" by 代理人 {actor.get('preferred_username')}" if actor else ""),
        )
        echo(f"Logged in to {url} as {who}" + (f" (代理人: {actor.get('name')})" if actor else ""))
        echo("The session is kept encrypted in the vault. Next: myna fetch all")


login_cmd.help = (login_cmd.help or "") + "\n\n" + PIN_ENV_HELP


def _qr_login(vault: Vault, url: str, acting_for: str | None) -> None:
    """`myna login --qr`: the QR code and URL, a countdown, the session once the phone approves."""
    import sys

    from ..portal.auth import remember_principal
    from ..portal.client import PortalClient
    from ..portal.protocol import origin_of

    with PortalClient(url, on_session=_saver(vault, url)) as client:
        login = client.login_cross_device(acting_for=acting_for)
        echo("スマートフォンでQRコードを読み取ってください / scan this QR code with your phone:")
        click.echo(login.qr_text())
        echo(login.verification_uri_complete)
        echo(
            f"確認コード / code: {login.user_code}　スマートフォンに同じコードが表示されることを確かめて"
            "ください / check that the phone shows the same code"
        )
        echo(
            f"ログイン先 / portal: {origin_of(url)}　"
            + (
                f"代理人として {acting_for} さんのために"
                if acting_for
                else "本人として / for yourself"
            )
        )
        live = sys.stderr.isatty()
        shown = {"interval": login.interval, "last": -1}

        def tick(left: int, next_poll: int) -> None:
            text = f"スマートフォンの承認を待っています / waiting for the phone: {left // 60}:{left % 60:02d}"
            if live:
                click.echo(f"\r{text}（次の確認まで {next_poll} 秒）  ", nl=False, err=True)
            elif shown["last"] < 0 or shown["last"] - left >= 30:
                echo(text, err=True)
                shown["last"] = left
            if login.interval != shown["interval"]:  # slow_down: poll less often
                shown["interval"] = login.interval
                echo(f"\n(the portal asked to poll every {login.interval} s)", err=True)

        try:
            session = login.wait(on_tick=tick)
        finally:
            if live:
                echo("", err=True)
                sys.stderr.flush()
    actor = session.actor
    remember_principal(vault, session)
    vault.audit(
        "portal.login",
        f"{url} as {session.person_id} (from a smartphone)"
        + (f" by 代理人 {actor.get('preferred_username')}" if actor else ""),
    )
    who = session.person_name or session.person_id
    echo(
        f"Logged in to {url} as {who} from the smartphone"
        + (f" (代理人: {actor.get('name')})" if actor else "")
    )
    echo("The session is kept encrypted in the vault. Next: myna fetch all")


# --------------------------------------------------------------------------------- fetch
@click.command("fetch")
@click.argument("what", nargs=-1, type=click.Choice(["all", *FETCH_GROUPS, *FETCH_ALIASES]))
@click.option(
    "--portal", "portal", default=None, help="Portal URL (default: the one you logged in to)."
)
@click.option(
    "--year",
    type=click.IntRange(1989, 9999),
    default=None,
    help="条件を変更して取得: 税・所得 of this 年分 only (e.g. `myna fetch income --year 2023`).",
)
@click.option(
    "--from",
    "start",
    default=None,
    metavar="YYYY-MM",
    help="条件を変更して取得: 医療費 and 薬剤 from this month.",
)
@click.option(
    "--to", "end", default=None, metavar="YYYY-MM", help="条件を変更して取得: … up to this month."
)
@click.option("--keep-going", is_flag=True, help="Continue with the other items when one fails.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option(
    "--pending",
    "only_pending",
    is_flag=True,
    help="準備中の項目だけを取得 / only the わたしの情報 items an earlier fetch left pending.",
)
@click.option(
    "--wait",
    "max_wait",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds to wait for わたしの情報 answers; the rest is kept pending for the next fetch.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 8),
    default=4,
    show_default=True,
    help="Lists fetched at once (1: one after another); the portal's rate limit is kept.",
)
@click.option(
    "--items-per-request",
    type=click.IntRange(1, len(ITEMS)),
    default=1,
    show_default=True,
    help="わたしの情報 items asked in one request (more: fewer requests and polls; each item's "
    "answer is stored narrowed to it).",
)
@click.option(
    "--sequential",
    is_flag=True,
    help="一件ずつ取得 / one request at a time: each わたしの情報 item requested and answered "
    "before the next, then the lists (the same documents, slower).",
)
@vault_option
@report_errors
def fetch_cmd(
    what: tuple[str, ...],
    portal: str | None,
    year: int | None,
    start: str | None,
    end: str | None,
    keep_going: bool,
    no_progress: bool,
    only_pending: bool,
    max_wait: float,
    workers: int,
    items_per_request: int,
    sequential: bool,
    vault_dir: Path | None,
) -> None:
    """Download from the portal into the vault (default: all).

    Everything is stored raw; fetching again stores nothing twice. Needs `myna login` first.
    With --year (税・所得) or --from/--to (医療費, 薬剤) the portal answers only that 年分 or those
    months; the tables then show the newest answer for each year or month. わたしの情報 items the
    portal is still preparing are kept (回答一覧) and fetched first by the next `myna fetch`;
    `myna fetch --pending` fetches only them.
    """
    from ..errors import SessionExpired
    from ..portal import pending as kept_items
    from ..portal import readmarks
    from ..portal.client import PortalClient

    vault = open_command_vault(vault_dir)
    try:
        token = vault.get_secret(SECRET_REFRESH)
        if not token:
            raise SessionExpired("Not logged in to the portal", hint="run `myna login` first")
        url = _portal_url(portal, vault)
        condition: dict[str, Any] = {
            k: v for k, v in (("year", year), ("from", start), ("to", end)) if v is not None
        }
        if condition:
            from ..portal.client import check_fetch_condition

            try:
                check_fetch_condition(list(what) or ["all"], condition)
            except ValueError as exc:
                raise click.UsageError(str(exc)) from None
        with PortalClient(
            url,
            on_session=_saver(vault, url),
            max_wait=max_wait,
            workers=workers,
            sequential=sequential,
            items_per_request=items_per_request,
        ) as client:
            session = client.resume(token.decode("utf-8"))
            waiting = kept_items.load(vault, session.person_id)
            if only_pending and not waiting:
                echo("準備中の項目はありません / nothing is pending")
                return
            echo(f"Fetching for {session.person_name} from {url}", err=True)
            sent = readmarks.send_marks(client, vault)  # read here: now on the portal too
            if sent:
                echo(f"お知らせ {sent} 件の既読をポータルに送りました / sent {sent} read marks")
            if waiting:
                echo(
                    "準備中だった項目を先に取得します / first the items left pending: "
                    + ", ".join(p.name for p in waiting),
                    err=True,
                )
            groups = [] if only_pending else (list(what) or ["all"])
            tasks = client.plan(groups, waiting)
            fetch = functools.partial(
                client.fetch,
                groups,
                store=vault.put,
                keep_going=keep_going,
                condition=condition,
                pending=waiting,
            )
            if no_progress:
                report = fetch()
            else:
                bar_cm: Any = click.progressbar(
                    length=len(tasks),
                    label="fetching",
                    file=click.get_text_stream("stderr"),  # type: ignore[operator]
                )
                with bar_cm as bar:
                    last = [0]

                    def on_progress(done: int, total: int, label: str) -> None:
                        from ..display import fetch_progress_label
                        from ..jp.textwidth import clip, pad

                        bar.label = pad(clip(fetch_progress_label(label), 24), 24)
                        bar.update(done - last[0])
                        last[0] = done

                    report = fetch(on_progress=on_progress)
            readmarks.take_portal_state(vault, report.documents)  # read on the portal: here too
            kept_items.update(vault, report, session.person_id)
            vault.audit(
                "portal.fetch",
                f"{url} {' '.join(groups) or 'pending'}: {report.stored} new documents",
            )
        for line in report.lines():
            echo(line)
        echo(f"{report.stored} new documents stored; {client.stats.summary()}")
        for retry in client.stats.retries:
            echo(f"  {retry}", err=True)
        if report.errors:
            raise SystemExit(1)
    finally:
        vault.close()


#: the choices of WHAT come from the portal's operation table (mynalib/portal/protocol.py)
fetch_cmd.help = (
    inspect.cleandoc(fetch_cmd.help or "")
    + "\n\nWHAT: all, "
    + ", ".join(f"{name} ({label})" for name, label in FETCH_GROUPS.items())
    + "; one item alone: "
    + ", ".join(f"{name} ({item.name})" for name, item in FETCH_ALIASES.items())
)


# -------------------------------------------------------------------------------- logout
@click.command("logout")
@click.option(
    "--portal", "portal", default=None, help="Portal URL (default: the one you logged in to)."
)
@vault_option
@report_errors
def logout_cmd(portal: str | None, vault_dir: Path | None) -> None:
    """End the portal session: revoke it at the portal and delete the stored refresh token."""
    from ..portal.auth import Session
    from ..portal.client import PortalClient

    vault = open_command_vault(vault_dir)
    try:
        token = vault.get_secret(SECRET_REFRESH)
        if token is None:
            echo("Not logged in.")
            return
        url = _portal_url(portal, vault)
        with PortalClient(url) as client:
            client.session = Session(
                access_token="", refresh_token=token.decode("utf-8"), expires_at=0
            )
            try:
                client.logout()
            except Exception as exc:  # the local copy is deleted anyway
                echo(f"warning: could not revoke at the portal ({type(exc).__name__})", err=True)
        vault.delete_secret(SECRET_REFRESH)
        vault.set_state(STATE_SESSION, None)
        vault.audit("portal.logout", url)
        echo("Logged out; the stored session was deleted.")
    finally:
        vault.close()


COMMANDS: list[click.Command] = [sandbox_cmd, login_cmd, fetch_cmd, logout_cmd]
