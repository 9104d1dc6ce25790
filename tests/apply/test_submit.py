"""電子申請 end to end against the sandbox in-process: prefill from the software card, the
signature the sandbox verifies (and refuses when the content changes after signing, when the
certificate is revoked or expired, or when someone else signed), the status cycle to the
お知らせ, PIN safety, 公金受取口座, 就労証明書 and the 電子署名付委任状."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from mynalib import apply
from mynalib.apply import templates
from mynalib.apply.forms import XLSX
from mynalib.apply.mandate import sign_mandate, verify_mandate
from mynalib.card import JpkiCard, open_card
from mynalib.card.virtual import CardProfile
from mynalib.errors import LastTryRefused, PinError, PinReuseError, RequestRefused
from mynalib.portal import protocol as P
from mynalib.portal.client import PortalClient
from mynalib.samples.card import sample_card_profile
from mynalib.samples.household import person
from mynalib.secrets import Pin

from .conftest import PIN, SIGN_PIN, Portal

TARO = person("taro")

NURSERY = {
    "phone": "03-1234-5678",
    "child_name": "見本　そら",
    "child_kana": "みほん　そら",
    "child_birth_date": "2024-04-01",
    "reason": "就労",
    "desired_start": "2027-04-01",
    "facility_1": "見本保育園",
    "declaration": True,
}
KOUKIN = {
    "action": "register",
    "phone": "03-1234-5678",
    "bank_code": "0001",
    "bank_name": "見本銀行",
    "branch_code": "123",
    "branch_name": "本店",
    "account_type": "普通",
    "account_number": "1234567",
    "account_holder_kana": "ﾐﾎﾝ ﾀﾛｳ",
    "declaration": True,
}


def nursery_draft(client: PortalClient, card: JpkiCard) -> apply.Draft:
    draft = apply.Draft(apply.fetch_form(client, "hoikusho_moushikomi"))
    draft.prefill(card=apply.read_card(card, Pin(PIN, "kenhojo")), kana=apply.portal_kana(client))
    draft.update(NURSERY)
    return draft


def send_signed(client: PortalClient, card: JpkiCard, draft: apply.Draft) -> apply.Receipt:
    preview = draft.preview(client.base_url)
    return apply.submit(client, preview, apply.sign(card, Pin(SIGN_PIN, "sign"), preview.content))


def refused(exc: pytest.ExceptionInfo[apply.ApplicationRefused]) -> dict[str, str]:
    return {p.field: p.code for p in exc.value.problems}


# ------------------------------------------------------------------------------- prefill
def test_prefill_from_the_software_card(client: PortalClient, card: JpkiCard) -> None:
    draft = apply.Draft(apply.fetch_form(client, "hoikusho_moushikomi"))
    assert card.tries_left("kenhojo") == 3
    data = apply.read_card(card, Pin(PIN, "kenhojo"))
    assert card.tries_left("kenhojo") == 3  # a right PIN resets nothing it should not
    assert "見本" not in repr(data) and "1970" not in repr(data)
    filled = draft.prefill(
        card=data, kana=apply.portal_kana(client), settings={"phone": "0312345678"}
    )
    assert filled == ["name", "name_kana", "birth_date", "sex", "address", "phone"]
    assert draft.values["name"] == TARO.name
    assert draft.values["address"] == TARO.address
    assert draft.values["birth_date"] == TARO.birth.isoformat()
    assert draft.values["sex"] == TARO.sex
    assert draft.values["name_kana"] == TARO.kana  # from the portal: the card has no reading
    assert draft.sources["name"] == "card" and draft.sources["name_kana"] == "portal"
    # the user's own value is kept unless asked
    draft.set("address", "別の住所")
    draft.prefill(card=data)
    assert draft.values["address"] == "別の住所" and draft.sources["address"] == "you"


def test_nothing_is_sent_before_the_preview_passes(client: PortalClient, card: JpkiCard) -> None:
    draft = nursery_draft(client, card)
    draft.set("child_kana", "そら太郎")
    draft.set("facility_1", "")
    with pytest.raises(apply.FormError) as err:
        draft.preview(client.base_url)
    assert {p.field for p in err.value.problems} == {"child_kana", "facility_1"}
    assert not any(path.endswith("applications/submit") for _m, path in _log(client))


def _log(client: PortalClient) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _s in client.stats.log]


# ------------------------------------------------------------------------------- signatures
def test_a_signed_application_is_verified_and_accepted(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    draft = nursery_draft(client, card)
    draft.attach("employment_certificate", _certified_form(), name="就労証明書.xlsx")
    preview = draft.preview(client.base_url)
    text = "\n".join(preview.lines())
    assert "就労証明書.xlsx" in text and "署名用電子証明書で署名します" in text
    signature = apply.sign(card, Pin(SIGN_PIN, "sign"), preview.content)
    receipt = apply.submit(client, preview, signature)
    assert receipt.application_id.startswith("ETA") and receipt.status == "受付済"
    assert receipt.signed and receipt.content_sha256 == preview.content_sha256
    stored = portal.state.applying.by_id[receipt.application_id]
    assert stored.signer == TARO.name and stored.fields["child_kana"] == "ミホン　ソラ"
    # sent twice (a retry after a lost answer): the same application, not a second one
    again = apply.submit(client, preview, signature)
    assert again.application_id == receipt.application_id and again.duplicate
    assert len(portal.state.applying.by_id) == 1


def test_a_signature_is_refused_when_the_content_changed_after_signing(
    client: PortalClient, card: JpkiCard
) -> None:
    draft = nursery_draft(client, card)
    draft.attach("other", b"original", name="memo.txt")
    preview = draft.preview(client.base_url)
    signature = apply.sign(card, Pin(SIGN_PIN, "sign"), preview.content)
    # a field changed after signing
    changed = draft.preview(client.base_url, submission_id=preview.submission_id)
    changed.fields["facility_1"] = "別の保育園"
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, changed, signature)
    assert refused(err) == {"signature": "signature_invalid"}
    assert "署名の後に内容が変わりました" in err.value.ja
    # an attachment changed after signing (its hash is what was signed)
    draft.attach("other", b"tampered", name="memo.txt")
    swapped = draft.preview(client.base_url, submission_id=preview.submission_id)
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, swapped, signature)
    assert refused(err) == {"signature": "signature_invalid"}
    # the signature made for this portal does not verify for another
    elsewhere = draft.preview("http://other.example", submission_id=preview.submission_id)
    with pytest.raises(apply.ApplicationRefused):
        apply.submit(client, elsewhere, signature)
    # a missing signature where the procedure needs one
    body = preview.request_body(None)
    with pytest.raises(RequestRefused) as raw:
        client.call("applications/submit", body)
    assert raw.value.errors[0]["field"] == "signature"
    assert raw.value.errors[0]["signatureError"] == "signature_required"
    # the unchanged application still goes through
    assert apply.submit(client, preview, signature).status == "受付済"


def test_a_revoked_signing_certificate_is_refused(make_portal: Any, taro: CardProfile) -> None:
    assert taro.sign_certificate is not None
    portal = make_portal(revoked_serials={taro.sign_certificate.serial_number})
    with open_card("virtual", taro) as card, portal.client() as client:
        # the authentication certificate is another one: the login works
        client.login(card, Pin(PIN))
        with pytest.raises(apply.ApplicationRefused) as err:
            send_signed(client, card, nursery_draft(client, card))
    assert refused(err) == {"signature": "cert_revoked"}
    assert "失効" in err.value.ja


def test_an_expired_certificate_and_another_signer_are_refused(
    client: PortalClient, card: JpkiCard
) -> None:
    preview = nursery_draft(client, card).preview(client.base_url)
    # hanako signs taro's application: the signer is not the applicant
    with open_card("virtual", sample_card_profile("hanako")) as other:
        foreign = apply.sign(other, Pin(SIGN_PIN, "sign"), preview.content)
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, preview, foreign)
    assert refused(err) == {"signature": "signer_mismatch"}
    # taro's card of an earlier issue: its signing certificate expired in 2013, before signing
    old = CardProfile.generate("sample-taro", holder=TARO, issued=dt.date(2009, 1, 1))
    assert old.sign_certificate is not None
    assert old.sign_certificate.not_valid_after_utc.year == 2013
    with open_card("virtual", old) as expired:
        signature = apply.sign(expired, Pin(SIGN_PIN, "sign"), preview.content)
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, preview, signature)
    assert refused(err) == {"signature": "cert_expired"}
    assert apply.submit(client, preview, apply.sign(card, Pin(SIGN_PIN, "sign"), preview.content))


def test_a_malformed_signature_is_refused(client: PortalClient, card: JpkiCard) -> None:
    preview = nursery_draft(client, card).preview(client.base_url)
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, preview, b"not a cms signature")
    assert refused(err) == {"signature": "signature_malformed"}


# ------------------------------------------------------------------------------- status cycle
def test_the_status_cycle_through_to_the_notices(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    draft = apply.Draft(apply.fetch_form(client, "koukin_uketori_kouza"))
    draft.prefill(card=apply.read_card(card, Pin(PIN, "kenhojo")), kana=apply.portal_kana(client))
    draft.update(KOUKIN)
    receipt = apply.submit(client, draft.preview(client.base_url))  # no signature needed
    assert not receipt.signed

    def state() -> tuple[str, list[str]]:
        app = next(a for a in client.applications() if a["applicationId"] == receipt.application_id)
        titles = [n["title"] for n in client.notices() if receipt.application_id in n["body"]]
        return app["status"], titles

    assert state() == ("受付済", ["【受付】公金受取口座の登録・変更"])
    portal.clock.advance(21)
    assert state() == (
        "審査中",
        ["【審査中】公金受取口座の登録・変更", "【受付】公金受取口座の登録・変更"],
    )
    portal.clock.advance(40)
    status, titles = state()
    assert status == "完了" and titles[0] == "【完了】公金受取口座の登録・変更" and len(titles) == 3
    history = apply.status(client, receipt.application_id)
    assert [h[0] for h in history.history] == ["受付済", "審査中", "完了"]
    # the お知らせ can be marked read like any other
    ids = [n["noticeId"] for n in client.notices() if receipt.application_id in n["body"]]
    assert client.mark_read(ids) == 3
    assert all(n["read"] for n in client.notices() if n["noticeId"] in ids)


def test_a_returned_application_says_why(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    # a 保育所 application without the 就労証明書: accepted, then returned by the examiner
    receipt = send_signed(client, card, nursery_draft(client, card))
    portal.clock.advance(61)
    status = apply.status(client, receipt.application_id)
    assert status.status == "差戻し" and "就労証明書が添付されていません" in status.reason
    listed = next(a for a in client.applications() if a["applicationId"] == receipt.application_id)
    assert listed["reason"] == status.reason
    notice = next(n for n in client.notices() if n["title"].startswith("【差戻し】"))
    assert status.reason in notice["body"] and receipt.application_id in notice["body"]
    # the examiner's decision can also be scheduled (tests)
    portal.state.applying.schedule_return("koukin_uketori_kouza", "口座を確認できませんでした。")
    draft = apply.Draft(apply.form("koukin_uketori_kouza"))
    draft.prefill(card=apply.read_card(card, Pin(PIN, "kenhojo")), kana=apply.portal_kana(client))
    draft.update(KOUKIN)
    second = apply.submit(client, draft.preview(client.base_url))
    portal.clock.advance(61)
    assert apply.status(client, second.application_id).reason == "口座を確認できませんでした。"


def test_the_applications_frame_shows_the_progress(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    from mynalib import frames
    from mynalib.document import Document

    receipt = send_signed(client, card, nursery_draft(client, card))
    portal.clock.advance(61)
    docs: list[Document] = []
    client.fetch(["applications"], store=lambda d: docs.append(d) or True)
    df = frames.build("applications", docs)
    row = df[df["application_id"] == receipt.application_id].iloc[0]
    assert row["status"] == "差戻し" and "就労証明書" in row["reason"]
    assert row["procedure_id"] == "hoikusho_moushikomi"


# ------------------------------------------------------------------------------- refusals
def test_refusals_name_the_field(client: PortalClient, card: JpkiCard) -> None:
    draft = apply.Draft(apply.fetch_form(client, "koukin_uketori_kouza"))
    draft.prefill(card=apply.read_card(card, Pin(PIN, "kenhojo")))
    draft.update(KOUKIN)
    # a client that skips the checks: the portal refuses field by field, all at once
    draft.set("name_kana", "ミホン　ジロウ")  # not the reading the portal has
    draft.set("account_holder_kana", "ミホン　ジロウ")
    preview = draft.preview(client.base_url)
    with pytest.raises(apply.ApplicationRefused) as err:
        apply.submit(client, preview)
    assert set(refused(err)) == {"account_holder_kana"}
    assert "登録されている氏名（フリガナ）と一致しません" in err.value.ja
    body = preview.request_body()
    body["fields"] = {
        **body["fields"],
        "account_number": "12345",
        "bank_code": "１２３４",
        "x": "1",
    }
    with pytest.raises(RequestRefused) as raw:
        client.call("applications/submit", body)
    by_field = {e["field"]: e for e in raw.value.errors}
    assert {"account_number", "bank_code", "x"} <= set(by_field)
    assert by_field["account_number"]["errorCode"] == P.ERROR_FIELD
    assert "7桁" in by_field["account_number"]["message"]
    assert "正規化" in by_field["bank_code"]["message"]  # signed as sent: send it normalised
    # attachments the form does not take
    body = preview.request_body()
    body["attachments"] = [
        {
            "slot": "other",
            "name": "a.txt",
            "contentType": "text/plain",
            "size": 1,
            "sha256": "0" * 64,
            "content": base64.b64encode(b"a").decode(),
        }
    ]
    with pytest.raises(RequestRefused) as raw:
        client.call("applications/submit", body)
    assert raw.value.errors[0]["errorCode"] == P.ERROR_ATTACHMENT


def test_unknown_procedure_template_and_application(client: PortalClient) -> None:
    for op, body in (
        ("forms/get", {"procedureId": "nope"}),
        ("forms/get", {"procedureId": "shussei_todoke"}),  # offline
        ("forms/template", {"procedureId": "koukin_uketori_kouza", "templateId": "nope"}),
        ("applications/get", {"applicationId": "E000"}),
    ):
        with pytest.raises(Exception, match="8404"):
            client.call(op, body)


def test_a_big_attachment_fits_the_upload_limit(client: PortalClient, card: JpkiCard) -> None:
    draft = nursery_draft(client, card)
    draft.attach("other", b"%PDF-" + bytes(2 * 1024 * 1024), name="scan.pdf")
    receipt = send_signed(client, card, draft)  # > 64 KiB body: the upload limit applies
    assert receipt.attachments[0]["size"] == 2 * 1024 * 1024 + 5


# ------------------------------------------------------------------------------- PIN safety
def test_a_wrong_kenhojo_pin_spends_exactly_one_try(card: JpkiCard) -> None:
    assert card.tries_left("kenhojo") == 3
    pin = Pin("9999", "kenhojo")
    with pytest.raises(PinError) as err:
        apply.read_card(card, pin)
    assert err.value.tries_left == 2 and card.tries_left("kenhojo") == 2
    with pytest.raises(PinReuseError):  # never sent again
        apply.read_card(card, pin)
    assert card.tries_left("kenhojo") == 2
    with pytest.raises(PinError):
        apply.read_card(card, Pin("9998", "kenhojo"))
    assert card.tries_left("kenhojo") == 1
    with pytest.raises(LastTryRefused):  # the last try only with the explicit confirmation
        apply.read_card(card, Pin(PIN, "kenhojo"))
    assert card.tries_left("kenhojo") == 1
    assert apply.read_card(card, Pin(PIN, "kenhojo"), allow_last_try=True).name == TARO.name
    assert card.tries_left("kenhojo") == 3


def test_a_wrong_signing_password_spends_exactly_one_try_and_sends_nothing(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    preview = nursery_draft(client, card).preview(client.base_url)
    assert card.tries_left("sign") == 5
    with pytest.raises(PinError) as err:
        apply.sign(card, Pin("WRONG1", "sign"), preview.content)
    assert err.value.tries_left == 4 and card.tries_left("sign") == 4
    assert portal.state.applying.by_id == {}


# ------------------------------------------------------------------------------- 就労証明書
def _certified_form() -> bytes:
    blank = templates.employment_certificate_xlsx()
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(blank))
    for name, value in {
        "employer_name": "架空商事株式会社",
        "employer_address": "東京都架空区",
        "certified_on": "2026-12-01",
        "employment_type": "正社員",
        "work_hours_per_week": "40時間",
    }.items():
        sheet, ref = next(iter(wb.defined_names[name].destinations))
        wb[sheet][ref.replace("$", "")] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_employment_certificate_from_template_to_a_decided_application(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    name, ctype, data = apply.fetch_template(client, "hoikusho_moushikomi", "shuro_shomeisho")
    assert name == "就労証明書.xlsx" and ctype == XLSX
    values = templates.read_employment_certificate(data)
    assert set(values.values()) == {""}  # blank as handed out
    person_data = apply.read_card(card, Pin(PIN, "kenhojo"))
    filled = templates.fill_employment_certificate(
        data,
        {
            "employee_name": person_data.name,
            "employee_kana": apply.portal_kana(client),
            "employee_birth_date": person_data.birth_date,
            "employee_address": person_data.address,
            "employer_name": "架空商事株式会社",
        },
    )
    values = templates.read_employment_certificate(filled)
    assert values["employee_name"] == TARO.name and values["employee_birth_date"] == "1970-04-12"
    assert templates.employment_certificate_gaps(filled) == [
        "所在地",
        "証明日",
        "雇用の形態（正社員・パート・派遣・自営など）",
        "就労時間（1週あたり・休憩を除く）",
    ]
    # attached before the employer completed it: returned, saying what is blank
    draft = nursery_draft(client, card)
    draft.attach("employment_certificate", filled, name="就労証明書.xlsx")
    first = send_signed(client, card, draft)
    # completed by the employer: decided
    draft.attach("employment_certificate", _certified_form(), name="就労証明書.xlsx")
    second = send_signed(client, card, draft)
    portal.clock.advance(61)
    one, two = (
        apply.status(client, first.application_id),
        apply.status(client, second.application_id),
    )
    assert one.status == "差戻し" and "証明日" in one.reason
    assert two.status == "完了" and two.reason == ""


def test_the_application_csv_template_lists_the_fields(client: PortalClient) -> None:
    name, ctype, data = apply.fetch_template(client, "koukin_uketori_kouza")
    text = data.decode("utf-8-sig")
    assert name.endswith(".csv") and ctype == "text/csv"
    assert "口座名義（カナ）,account_holder_kana,カタカナ,必須" in text


# ------------------------------------------------------------------------------- 委任状
def test_a_signed_mandate_is_attached_and_checked(
    portal: Portal, client: PortalClient, card: JpkiCard
) -> None:
    mandate = sign_mandate(
        card,
        Pin(SIGN_PIN, "sign"),
        company="株式会社見本",
        agent_name="見本　花子",
        agent_address="東京都架空区",
        procedure_ids=["setsuritsu_touki"],
        day=dt.date(2026, 12, 5),
    )
    text = mandate.text.decode("utf-8")
    assert "委任者（代表者）\n  氏名: 見本　太郎" in text  # from the signing certificate
    assert "株式会社の設立登記申請（setsuritsu_touki）" in text
    assert verify_mandate(mandate, trust_test_roots=True).valid
    assert not verify_mandate(mandate.text + b" ", mandate.signature, trust_test_roots=True).valid

    def draft_with(text_bytes: bytes) -> apply.Draft:
        d = apply.Draft(apply.fetch_form(client, "setsuritsu_touki"))
        d.update(
            company_name="株式会社見本",
            company_name_kana="カブシキガイシャミホン",
            head_office="東京都架空区",
            established="2026-12-05",
            capital="1,000,000",
            fiscal_year_end_month=3,
            business_purpose="ソフトウェアの開発",
            filer="agent",
            name=TARO.name,
            address=TARO.address,
            phone="03-1234-5678",
            declaration=True,
        )
        d.attach("mandate", text_bytes, name="委任状.txt")
        d.attach("mandate_signature", mandate.signature, name="委任状.txt.p7s")
        return d

    receipt = send_signed(client, card, draft_with(mandate.text))
    assert receipt.status == "受付済"
    with pytest.raises(apply.ApplicationRefused) as err:  # the 委任状 changed after signing
        send_signed(
            client, card, draft_with(mandate.text.replace("花子".encode(), "次郎".encode()))
        )
    assert refused(err) == {"mandate_signature": "signature_invalid"}


# ------------------------------------------------------------------------------- no leaks
def test_nothing_personal_in_the_logs(portal: Portal, client: PortalClient, card: JpkiCard) -> None:
    import logging

    from mynalib.log import TRAFFIC

    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=1)
    # the mynalib logger may not propagate (the CLI's set-up): listen on it and on the root
    loggers = [logging.getLogger(), logging.getLogger("mynalib")]
    saved = [(lg, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(TRAFFIC)
    try:
        draft = nursery_draft(client, card)
        draft.attach("employment_certificate", _certified_form(), name="就労証明書.xlsx")
        receipt = send_signed(client, card, draft)
        draft.set("child_kana", "ミホン　ソラ")
        with pytest.raises(apply.ApplicationRefused):
            apply.submit(client, draft.preview(client.base_url), b"junk")
    finally:
        for lg, level in saved:
            lg.removeHandler(handler)
            lg.setLevel(level)
    text = "\n".join(r.getMessage() for r in records)
    # the log does say what happened (the redaction may mask the number's long digit run)
    assert "application hoikusho_moushikomi submitted: ETA" in text
    assert receipt.application_id[-4:] in text
    for secret in (
        TARO.name,
        "見本",
        TARO.address,
        "1970-04-12",
        "03-1234-5678",
        "ミホン",
        "見本保育園",
        PIN,
        SIGN_PIN,
        TARO.my_number,
    ):
        assert secret not in text, secret
