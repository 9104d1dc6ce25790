"""Form definitions and their validation: every field type, required, choices, the rules across
fields and attachments; the canonical bytes; katakana."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mynalib import procedures as catalogue
from mynalib.apply import canonical
from mynalib.apply import forms as F
from mynalib.apply.kana import bank_kana, normalize_kana

TODAY = dt.date(2026, 12, 5)


def spec(kind: str, **kw: object) -> F.FieldSpec:
    return F.FieldSpec("x", "項目", kind, **kw)  # type: ignore[arg-type]


def ok(s: F.FieldSpec, value: object) -> object:
    return F.check_field(s, value, today=TODAY)


def bad(s: F.FieldSpec, value: object) -> F.Problem:
    with pytest.raises(F.FormError) as err:
        F.check_field(s, value, today=TODAY)
    (problem,) = err.value.problems
    assert problem.field == "x" and problem.ja and problem.en
    return problem


# ------------------------------------------------------------------------- every field type
def test_text() -> None:
    s = spec("text", max_length=5)
    assert ok(s, "  見本  ") == "見本"
    assert "5文字以内" in bad(s, "あいうえおか").ja
    assert "改行" in bad(s, "一行\n二行").ja
    assert "制御文字" in bad(s, "a\x07b").ja
    multi = spec("text", multiline=True)
    assert ok(multi, "一行\n二行") == "一行\n二行"


def test_kana() -> None:
    s = spec("kana")
    assert ok(s, "みほん　たろう") == "ミホン　タロウ"  # hiragana → katakana
    assert ok(s, "ﾐﾎﾝ ﾀﾛｳ") == "ミホン　タロウ"  # half-width → full-width, one ideographic space
    assert ok(s, "ミホン    タロウ") == "ミホン　タロウ"
    assert "カタカナ" in bad(s, "見本太郎").ja
    assert "カタカナ" in bad(s, "MIHON").ja


def test_digits() -> None:
    s = spec("digits", min_length=7, max_length=7)
    assert ok(s, "１２３４５６７") == "1234567"  # full-width digits are read
    assert "7桁" in bad(s, "123456").ja
    assert "数字だけ" in bad(s, "123-4567").ja
    assert "数字だけ" in bad(s, "١٢٣٤٥٦٧").ja  # other scripts' digits are not accepted


def test_number() -> None:
    s = spec("number", minimum=1, maximum=12)
    assert ok(s, "１２") == 12 and ok(s, 3) == 3
    assert "1以上" in bad(s, "0").ja
    assert "12以下" in bad(s, 13).ja
    assert "整数" in bad(s, "3.5").ja
    assert "整数" in bad(s, True).ja
    assert ok(spec("number", minimum=1), "1,000,000") == 1_000_000


def test_date() -> None:
    s = spec("date", max_date="today")
    assert ok(s, "2026-04-01") == "2026-04-01"
    assert ok(s, "令和8年4月1日") == "2026-04-01"
    assert ok(s, dt.date(2000, 1, 2)) == "2000-01-02"
    assert "以前" in bad(s, "2027-01-01").ja  # after today
    assert "日付" in bad(s, "来週").ja
    assert "日付" in bad(s, "平成31年5月1日").ja  # outside its era
    assert "以降" in bad(spec("date", min_date="2026-01-01"), "2025-12-31").ja


def test_choice() -> None:
    s = spec("choice", choices=(("1", "普通"), ("2", "当座")))
    assert ok(s, "1") == "1"
    assert ok(s, "当座") == "2"  # the label is read as its value
    problem = bad(s, "貯蓄")
    assert "普通" in problem.ja and "当座" in problem.ja


def test_boolean() -> None:
    s = spec("boolean")
    assert ok(s, True) is True and ok(s, "はい") is True and ok(s, "yes") is True
    assert ok(s, "いいえ") is False and ok(s, "0") is False
    assert "はい・いいえ" in bad(s, "maybe").ja


def test_email_phone_postal_code() -> None:
    assert ok(spec("email"), "ｔａｒｏ@example.jp") == "taro@example.jp"
    assert "メール" in bad(spec("email"), "taro@").ja
    assert ok(spec("phone"), "03-1234-5678") == "03-1234-5678"
    assert ok(spec("phone"), "０９０１２３４５６７８") == "09012345678"
    assert "10桁か11桁" in bad(spec("phone"), "03-123-456").ja
    assert "0から始まる" in bad(spec("phone"), "1234567890").ja
    assert ok(spec("postal_code"), "1234567") == "123-4567"
    assert ok(spec("postal_code"), "〒１２３－４５６７") == "123-4567"
    assert "7桁" in bad(spec("postal_code"), "12-345").ja


def test_every_field_type_is_covered_by_this_file() -> None:
    tested = {"text", "kana", "digits", "number", "date", "choice", "boolean", "email", "phone"}
    assert tested | {"postal_code"} == set(F.FIELD_TYPES)


# ------------------------------------------------------------------------- whole forms
KOUKIN = {
    "action": "register",
    "name": "見本　太郎",
    "name_kana": "ミホン　タロウ",
    "birth_date": "1970-04-12",
    "address": "東京都架空区見本町一丁目２番３号",
    "phone": "03-1234-5678",
    "bank_code": "0001",
    "bank_name": "見本銀行",
    "branch_code": "123",
    "branch_name": "本店",
    "account_type": "1",
    "account_number": "1234567",
    "account_holder_kana": "ミホン　タロウ",
    "declaration": True,
}


def test_a_complete_form_passes_and_comes_back_normalised() -> None:
    form = F.form("koukin_uketori_kouza")
    values = dict(KOUKIN, account_holder_kana="ﾐﾎﾝﾀﾛｳ", account_type="普通")
    clean, problems = F.validate(form, values, today=TODAY)
    assert problems == []
    assert clean["account_holder_kana"] == "ミホンタロウ" and clean["account_type"] == "1"
    assert "email" not in clean  # empty optional fields are not sent


def test_required_fields_are_all_reported_at_once() -> None:
    form = F.form("koukin_uketori_kouza")
    values = {k: v for k, v in KOUKIN.items() if k not in ("bank_code", "account_number")}
    values["declaration"] = False
    _, problems = F.validate(form, values, today=TODAY)
    assert {p.field for p in problems} == {"bank_code", "account_number", "declaration"}
    assert all(p.ja for p in problems)
    assert next(p for p in problems if p.field == "declaration").ja.startswith("確認のうえ")


def test_unknown_fields_are_refused_by_name() -> None:
    _, problems = F.validate(F.form("koukin_uketori_kouza"), {**KOUKIN, "pin": "1234"})
    assert [p.field for p in problems] == ["pin"]


def test_the_account_holder_must_read_as_the_applicant() -> None:
    form = F.form("koukin_uketori_kouza")
    _, problems = F.validate(form, {**KOUKIN, "account_holder_kana": "ミホン　ハナコ"}, today=TODAY)
    assert [p.field for p in problems] == ["account_holder_kana"]
    assert "一致しません" in problems[0].ja
    # banks' spelling: spaces and small kana do not make a difference
    kyoko = {**KOUKIN, "name_kana": "ミホン　キョウコ", "account_holder_kana": "ﾐﾎﾝ ｷﾖｳｺ"}
    assert F.validate(form, kyoko, today=TODAY)[1] == []


def test_attachments_slot_type_size_and_the_mandate_rule() -> None:
    nursery = F.form("hoikusho_moushikomi")
    good = {
        "slot": "employment_certificate",
        "name": "就労証明書.xlsx",
        "contentType": F.XLSX,
        "size": 10,
    }
    assert F.check_attachments(nursery, [good]) == []
    wrong_type = dict(good, contentType="text/plain", name="a.txt")
    assert [p.field for p in F.check_attachments(nursery, [wrong_type])] == [
        "employment_certificate"
    ]
    too_big = dict(good, size=F.MAX_ATTACHMENT + 1)
    assert "MB" in F.check_attachments(nursery, [too_big])[0].ja
    assert F.check_attachments(nursery, [dict(good, slot="photo")])[0].field == "photo"
    koukin = F.form("koukin_uketori_kouza")
    assert "添付できるもの" in F.check_attachments(koukin, [dict(good, slot="other")])[0].ja
    company = F.form("setsuritsu_touki")
    mandate = {"slot": "mandate", "name": "委任状.txt", "contentType": "text/plain", "size": 5}
    assert [p.field for p in F.check_attachments(company, [mandate])] == ["mandate_signature"]
    assert [p.field for p in F.check_attachments(company, [], {"filer": "agent"})] == ["mandate"]
    assert F.check_attachments(company, [], {"filer": "representative"}) == []


def test_every_online_procedure_has_a_form_and_only_those() -> None:
    online = {p["procedure_id"] for p in catalogue.CATALOGUE if p["online"]}
    assert set(F.FORMS) == online
    with pytest.raises(KeyError, match="窓口"):
        F.form("shussei_todoke")  # offline
    for pid, form in F.FORMS.items():
        proc = catalogue.get(pid)
        assert form.signature_required == proc["signature_required"], pid
        assert F.FormDefinition.from_json(json.loads(json.dumps(form.to_json()))) == form
        names = [f.name for f in form.fields]
        assert len(names) == len(set(names)), pid
        assert all(f.type in F.FIELD_TYPES for f in form.fields)
        assert all(set(r) <= set(F.RULES) | set(F.ATTACHMENT_RULES) for r in [form.rules])
        assert all(
            f.prefill is None or f.prefill.split(".")[0] in ("card", "portal", "settings")
            for f in form.fields
        )
        assert "application" in {t.template_id for t in form.templates}
        assert form.field("declaration").required  # every form ends with the declaration


def test_the_company_procedures_are_for_companies_with_a_mandate() -> None:
    company = [p for p in catalogue.CATALOGUE if p["audience"] == "法人"]
    assert len(company) >= 8
    for p in company:
        assert p["category"] == "法人" and p["life_event"] == "法人設立"
        assert p["legal_basis"] and "company_setup" in p["events"]
        assert any("委任状" in a for a in p["attachments"])
        assert {"mandate", "mandate_signature"} <= {
            a.slot for a in F.form(p["procedure_id"]).attachments
        }
    plan = catalogue.plan("company_setup", dt.date(2026, 4, 1), today=dt.date(2026, 4, 1))
    by_id = {r.procedure["procedure_id"]: r.deadline for r in plan}
    assert by_id["houjin_setsuritsu_todoke"] == dt.date(2026, 6, 1)  # 2か月以内 (法人税法 148条)
    assert by_id["shinki_tekiyou"] == dt.date(2026, 4, 6)  # 5日以内
    assert by_id["koyou_tekiyou_secchi"] == dt.date(2026, 4, 11)  # 翌日から10日以内
    assert by_id["aoiro_shinsei_houjin"] is None  # whichever comes first: said in words


# ------------------------------------------------------------------------- canonical bytes
def test_canonical_json_is_rfc8785_for_our_values() -> None:
    value = {"b": [1, True, None, 'é\n"\\\x1f'], "a": {"z": "見本", "y": -5}, "c": ""}
    assert canonical.canonical_json(value) == (
        '{"a":{"y":-5,"z":"見本"},"b":[1,true,null,"é\\n\\"\\\\\\u001f"],"c":""}'.encode()
    )
    # RFC 8785 §3.2.2.2: U+2028 and DEL are not escaped; U+001F is \u001f (lower case)
    assert canonical.canonical_json(["\u2028\x7f"]) == '["\u2028\x7f"]'.encode()
    for bad_value in (1.5, {"ключ": 1}, {"a b": 1}, 2**60, "\ud800", {1: 2}, b"x"):
        with pytest.raises(ValueError):
            canonical.canonical_json(bad_value)


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True), inner, max_size=4
            )
        ),
        max_leaves=12,
    )
)
def test_canonical_json_round_trips_and_is_key_order_free(value: object) -> None:
    try:
        data = canonical.canonical_json(value)
    except ValueError:  # lone surrogates in generated text
        return
    assert json.loads(data) == value
    if isinstance(value, dict):
        assert canonical.canonical_json(dict(reversed(list(value.items())))) == data


def test_the_signed_object_names_files_by_hash() -> None:
    entry = canonical.attachment_entry("other", "a.txt", b"hello", "text/plain")
    content = canonical.signed_content(
        portal="http://127.0.0.1:8765",
        procedure_id="koukin_uketori_kouza",
        submission_id="s" * 22,
        fields={"name": "見本　太郎"},
        attachments=[entry],
    )
    obj = json.loads(content)
    assert obj["format"] == "mynalib-application-1"
    assert obj["attachments"] == [
        {
            "contentType": "text/plain",
            "name": "a.txt",
            "sha256": entry["sha256"],
            "size": 5,
            "slot": "other",
        }
    ]
    assert b"hello" not in content


# ---------------------------------------------------------------------------------- kana
def test_kana_helpers() -> None:
    assert normalize_kana("ゔぁ") == "ヴァ"
    assert bank_kana("ミホン　キョウコー") == "ミホンキヨウコ"
    with pytest.raises(ValueError):
        normalize_kana("")


def test_a_workbook_that_unpacks_too_far_is_refused() -> None:
    import io
    import zipfile

    from mynalib.apply import templates

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/bomb.xml", b"0" * (templates.MAX_UNPACKED + 1))
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(ValueError, match="too much"):
        templates.employment_certificate_gaps(buf.getvalue())
    with pytest.raises(ValueError, match="not an Excel"):
        templates.read_employment_certificate(b"PK not really")
