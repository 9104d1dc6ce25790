"""The whole portal flow in-process: software card + sandbox over httpx.ASGITransport."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from mynalib.card import open_card
from mynalib.errors import AuthError, PinError, PinReuseError, SessionExpired
from mynalib.log import TRAFFIC, setup_logging
from mynalib.portal import protocol as P
from mynalib.secrets import Pin
from mynalib.vault import open_vault

from .conftest import Sandbox, member_profile


def _login(sb: Sandbox, member: str = "taro", acting_for: str | None = None, **kw):  # type: ignore[no-untyped-def]
    client = sb.client(**kw)
    with open_card("virtual", member_profile(member)) as card:
        session = client.login(card, Pin("1234"), acting_for=acting_for)
    return client, session


def test_login_fetch_all_into_the_vault_and_again_stores_nothing(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    client, session = _login(sandbox)
    assert session.person_id == "taro" and session.person_name == "見本　太郎"
    assert session.claims["amr"] == ["jpki"] and session.actor is None
    seen: list[tuple[int, int, str]] = []
    with open_vault(tmp_path / "v") as vault:
        report = client.fetch(
            store=vault.put, progress=lambda d, t, label: seen.append((d, t, label))
        )
        kinds = set(report.new)
        assert {
            f"portal_{x}"
            for x in (
                "pension",
                "medical",
                "drugs",
                "checkups",
                "notices",
                "history",
                "procedures",
                "applications",
            )
        } <= kinds
        assert report.new.get("kojo_xml", 0) > 0  # 控除証明書 from 民間送達
        assert not report.duplicates and not report.errors
        assert seen[0][0] == 0 and seen[-1][0] == seen[-1][1] == len(client.plan(["all"]))
        # raw documents, provenance portal
        docs = vault.documents("portal_drugs")
        assert len(docs) == 1 and docs[0].source == "portal" and docs[0].person == "見本　太郎"
        assert b'"drugInfo"' in docs[0].data
        # frames gain the portal's data
        for frame in (
            "dispensings",
            "notices",
            "history",
            "procedures",
            "applications",
            "medical_expenses",
            "checkups",
            "pension_periods",
        ):
            assert len(vault.frame(frame)) > 0, frame
        assert len(vault.frame("procedures")) >= 40
        drugs = vault.frame("dispensings")
        assert drugs["drug"].str.contains("錠").any() and (drugs["drug"] != drugs["drug_raw"]).any()
        count = vault.count() if hasattr(vault, "count") else None
        # fetching again stores nothing twice
        again = client.fetch(store=vault.put)
        assert again.stored == 0 and sum(again.duplicates.values()) == sum(report.new.values())
        if count is not None:
            assert vault.count() == count
        assert len(vault.frame("dispensings")) == len(drugs)
    client.close()


def test_proxy_login_acts_for_the_principal(sandbox: Sandbox) -> None:
    client, session = _login(sandbox, "taro", acting_for="ume")
    assert (
        session.person_id == "ume"
        and session.actor
        and session.actor["preferred_username"] == "taro"
    )
    docs = []
    client.fetch(["pension", "drugs"], store=lambda d: docs.append(d) or True)
    assert {d.person for d in docs} == {"見本　うめ"}
    assert all(d.meta.get("agent") == "見本　太郎" for d in docs)
    # hanako is not registered as ume's 代理人
    with pytest.raises(AuthError, match="代理人") as info:
        _login(sandbox, "hanako", acting_for="ume")
    assert "proxy_not_registered" in str(info.value)


def test_every_status_code_of_the_request_poll_cycle(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(pending_polls=2, done_step=True, capacity_over=1)
    client, _ = _login(sb)
    item = "TM00000000000101"
    res = client.call("myinfo/request", {"itemIds": [item]})
    assert res["items"][0]["status"] == P.STATUS_OVER_CAPACITY and res["requestId"] is None
    res = client.call("myinfo/request", {"itemIds": [item]})
    rid = res["requestId"]
    assert res["items"][0]["status"] == P.STATUS_QUEUED
    statuses = [
        client.call("myinfo/get", {"requestId": rid})["items"][0]["status"] for _ in range(4)
    ]
    assert statuses == [P.STATUS_QUEUED, P.STATUS_PENDING, P.STATUS_DONE, P.STATUS_RESULTS]
    # sora (14) has no pension record: 04
    client2, _ = _login(sb, "sora")
    status, body, raw = client2.myinfo(item)
    assert status == P.STATUS_NO_RECORD and "results" not in body and raw.startswith(b"{")


def test_capacity_over_is_retried_with_backoff(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(capacity_over=2)
    waits: list[float] = []
    client, _ = _login(sb, sleep=waits.append)
    status, _, _ = client.myinfo("TM00000000000703")
    assert status == P.STATUS_RESULTS
    assert len([r for r in client.stats.retries if "06" in r]) == 2
    assert waits[:2] == [sb.state.config.retry_after] * 2  # Retry-After honoured (jitter 0)


def test_polling_with_delay_waits_and_completes(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(pending_polls=3, done_step=True)
    waits: list[float] = []
    client, _ = _login(sb, sleep=waits.append, poll_interval=0.01)
    status, body, _ = client.myinfo("TM00000000000701")
    assert status == P.STATUS_RESULTS and body["results"]
    assert waits == [0.01, 0.01, 0.01]  # 09, 01, 01 then 02 (no wait) then 03


def test_session_expiry_mid_fetch_refreshes_and_duplicates_nothing(make_sandbox) -> None:  # type: ignore[no-untyped-def]
    sb = make_sandbox(access_token_calls=5)
    sessions = []
    client, _ = _login(sb, on_session=sessions.append)
    stored: dict[bytes, int] = {}

    def store(doc):  # type: ignore[no-untyped-def]
        stored[doc.data] = stored.get(doc.data, 0) + 1
        return stored[doc.data] == 1

    report = client.fetch(store=store)
    assert client.stats.refreshes >= 3
    assert sum("ED1107" in r for r in client.stats.retries) == client.stats.refreshes
    assert all(n == 1 for n in stored.values()) and report.stored == len(stored)
    # rotated refresh tokens were handed out each time, the old ones stop working
    tokens = [s.refresh_token for s in sessions]
    assert len(set(tokens)) == len(tokens) == client.stats.refreshes + 1
    # compare with a run without expiry: the same documents
    plain = make_sandbox()
    c2, _ = _login(plain)
    docs2: list[bytes] = []
    c2.fetch(store=lambda d: docs2.append(d.data) or True)
    assert len(docs2) == len(stored)


def test_a_token_that_expires_again_before_the_repeat_is_refreshed_again(
    sandbox: Sandbox,
) -> None:
    """Under fetch workers, other calls can use up a just-refreshed access token before this
    call's repeat is sent: the repeat meets ED1107 again and refreshes again (bounded), instead
    of failing the fetch (seen as a flaky SessionExpired in notices/list)."""
    client, _ = _login(sandbox)
    refresh = client.refresh
    expired_again = []

    def refresh_then_expire_once():  # type: ignore[no-untyped-def]
        session = refresh()
        if not expired_again:  # another worker's calls use the new token up meanwhile
            expired_again.append(True)
            sandbox.state.expire_access_tokens()
        return session

    client.refresh = refresh_then_expire_once  # type: ignore[method-assign]
    sandbox.state.expire_access_tokens()
    res, _, _ = client.call_raw("notices/list", {"page": 1})
    assert isinstance(res, dict)
    assert client.stats.refreshes == 2 and expired_again
    assert sum("ED1107" in r for r in client.stats.retries) == 2


def test_an_access_token_that_never_works_stops_after_bounded_repeats(sandbox: Sandbox) -> None:
    from mynalib.portal.client import EXPIRED_REPEATS

    client, _ = _login(sandbox)
    refresh = client.refresh

    def refresh_then_expire():  # type: ignore[no-untyped-def]
        session = refresh()
        sandbox.state.expire_access_tokens()
        return session

    client.refresh = refresh_then_expire  # type: ignore[method-assign]
    sandbox.state.expire_access_tokens()
    with pytest.raises(SessionExpired, match="ED1107"):
        client.call_raw("notices/list", {"page": 1})
    assert client.stats.refreshes == EXPIRED_REPEATS


def test_reused_refresh_token_revokes_the_session(sandbox: Sandbox) -> None:
    client, session = _login(sandbox)
    old = session.refresh_token
    client.refresh()
    thief = sandbox.client()
    with pytest.raises(SessionExpired, match="reused"):
        thief.resume(old)  # type: ignore[arg-type]
    with pytest.raises(SessionExpired):
        client.refresh()  # the whole family was revoked


def test_wrong_pin_reports_tries_left_and_is_not_retried(sandbox: Sandbox) -> None:
    client = sandbox.client()
    profile = member_profile("taro")
    pin = Pin("9999")
    with open_card("virtual", profile) as card:
        assert card.auth_tries_left() == 3
        with pytest.raises(PinError) as info:
            client.login(card, pin)
        assert info.value.tries_left == 2
        assert card.auth_tries_left() == 2  # exactly one try spent
    assert "2" in str(info.value) and "9999" not in str(info.value)
    authorize = [p for (_, p, _) in client.stats.log if p == "/oidc/authorize"]
    assert len(authorize) == 1  # the challenge only: nothing sent again
    assert not sandbox.state.codes
    with pytest.raises(PinReuseError):
        pin.reveal()


def test_logs_carry_no_token_and_no_pin(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    setup_logging(TRAFFIC)
    caplog.set_level(TRAFFIC)
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # even if someone turns it on...
    client = sandbox.client()
    from mynalib.log import quiet_http_loggers

    quiet_http_loggers()  # ...the client keeps it quiet (it also does so in __init__)
    with open_card("virtual", member_profile("taro")) as card:
        session = client.login(card, Pin("1234"))
    client.refresh()
    client.fetch(["notices"], store=lambda d: True)
    text = caplog.text + repr(session) + str(session)
    assert "/oidc/authorize" in caplog.text or "/api/v1/" in caplog.text  # traffic was logged
    for secret in (
        session.access_token,
        session.refresh_token,
        client.session.access_token,
        client.session.refresh_token,
    ):  # type: ignore[union-attr]
        assert secret and secret not in text
    assert "1234" not in caplog.text
    logging.getLogger("mynalib").handlers.clear()


def test_last_try_needs_explicit_consent_and_blocked_pin_stops(sandbox: Sandbox) -> None:
    from mynalib.errors import LastTryRefused, PinBlocked

    client = sandbox.client()
    with open_card("virtual", member_profile("taro")) as card:
        for _ in range(2):
            with pytest.raises(PinError):
                client.login(card, Pin("0000"))  # each attempt a newly typed Pin
        assert card.auth_tries_left() == 1
        with pytest.raises(LastTryRefused):
            client.login(card, Pin("1234"))
        assert card.auth_tries_left() == 1  # nothing spent
        session = client.login(card, Pin("1234"), allow_last_try=True)
        assert session.person_id == "taro" and card.auth_tries_left() == 3
    with open_card("virtual", member_profile("hanako")) as card:
        for _ in range(2):
            with pytest.raises(PinError):
                client.login(card, Pin("0000"))
        with pytest.raises(PinBlocked, match="last try"):
            client.login(card, Pin("0000"), allow_last_try=True)
        assert card.auth_tries_left() == 0
        with pytest.raises(PinBlocked, match="municipal office"):
            client.login(card, Pin("1234"), allow_last_try=True)
