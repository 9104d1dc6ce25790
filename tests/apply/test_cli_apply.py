"""`myna apply`, `myna form`, `myna mandate` against the sandbox on a loopback port (in-process
CLI runs: the card's PIN prompts read stdin; the portal session is `myna login`'s)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mynalib.card.virtual import CardProfile
from mynalib.cli import main
from mynalib.paths import default_state_dir

from .conftest import PIN, SIGN_PIN

pytestmark = pytest.mark.slow

KOUKIN_FIELDS = [
    "action=新規登録",
    "bank_code=0001",
    "bank_name=見本銀行",
    "branch_code=123",
    "branch_name=本店",
    "account_type=普通",
    "account_number=7654321",
    "account_holder_kana=ﾐﾎﾝ ﾀﾛｳ",
    "phone=03-5555-6666",
    "declaration=はい",
]


def myna(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def fields(*items: str) -> list[str]:
    return [x for item in items for x in ("--field", item)]


@pytest.fixture
def logged_in(
    live_sandbox: Callable[..., object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MYNA_VAULT", str(tmp_path / "vault"))
    sandbox = live_sandbox()
    url = sandbox.url  # type: ignore[attr-defined]
    monkeypatch.setenv("MYNA_PORTAL", url)
    result = myna("login", "--member", "taro", input=PIN + "\n")
    assert result.exit_code == 0, result.output
    return url


def tries(which: str) -> int:
    return CardProfile.load(default_state_dir() / "sample-card-taro.json").tries_left[which]


def test_dry_run_shows_what_would_be_sent_without_logging_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYNA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MYNA_VAULT", str(tmp_path / "vault"))
    args = ["apply", "koukin_uketori_kouza", "--dry-run", "--no-input"]
    result = myna(
        *args,
        *fields(
            *KOUKIN_FIELDS,
            "name=見本　太郎",
            "name_kana=ミホン　タロウ",
            "birth_date=1970-04-12",
            "address=東京都架空区",
        ),
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "the form shipped with mynalib (not logged in)" in out
    assert "口座名義（カナ）: ミホン　タロウ（入力）" in out  # normalised, as it would be sent
    assert '"account_holder_kana":"ミホン　タロウ"' in out  # the canonical bytes
    assert "nothing was signed or sent" in out
    missing = myna(*args, *fields("action=register"))
    assert missing.exit_code != 0 and "missing required fields" in missing.output


def test_apply_with_prefill_then_follow_it(logged_in: str) -> None:
    result = myna(
        "apply",
        "koukin_uketori_kouza",
        "--member",
        "taro",
        "--prefill",
        "--yes",
        *fields(*KOUKIN_FIELDS),
        input=PIN + "\n",
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert "券面事項入力補助 (kenhojo PIN): 3/3 tries left" in out  # shown before the PIN
    assert "filled from the card: name, name_kana, birth_date, address" in out
    assert "氏名: 見本　太郎（マイナンバーカード）" in out
    assert "氏名（フリガナ）: ミホン　タロウ（マイナポータルの登録情報）" in out
    assert "申請しました / submitted: 申請番号 ETA" in out
    assert "myna fetch applications notices && myna table applications" in out
    assert PIN not in out  # the PIN is never echoed
    table = myna("table", "applications")
    assert (
        table.exit_code == 0 and "koukin_uketori_kouza" in table.output and "受付済" in table.output
    )


def test_the_form_is_asked_for_and_confirmed(logged_in: str) -> None:
    answers = (
        "\n".join(
            [
                "register",
                "見本　太郎",
                "みほん　たろう",
                "1970-04-12",
                "東京都架空区",
                "03-5555-6666",
                "0001",
                "見本銀行",
                "123",
                "本店",
                "1",
                "1234567",
                "ミホン　タロウ",
                "y",
                "n",
            ]
        )
        + "\n"
    )
    result = myna("apply", "koukin_uketori_kouza", input=answers)
    assert result.exit_code == 0, result.output
    assert "送信しませんでした / not sent." in result.output  # the confirmation said no


def test_a_signed_application_and_a_wrong_password(logged_in: str, tmp_path: Path) -> None:
    base = [
        "apply",
        "hoikusho_moushikomi",
        "--member",
        "taro",
        "--yes",
        *fields(
            "name=見本　太郎",
            "name_kana=ミホン　タロウ",
            "birth_date=1970-04-12",
            "address=東京都架空区",
            "phone=0312345678",
            "child_name=見本　そら",
            "child_kana=ミホン　ソラ",
            "child_birth_date=2024-04-01",
            "reason=work",
            "desired_start=2027-04-01",
            "facility_1=見本保育園",
            "declaration=yes",
        ),
    ]
    wrong = myna(*base, input="WRONG1\n")
    assert wrong.exit_code == 1
    assert "5/5 tries left" in wrong.output and tries("sign") == 4
    assert "WRONG1" not in wrong.output
    right = myna(*base, input=SIGN_PIN + "\n")
    assert right.exit_code == 0, right.output
    assert "4/5 tries left" in right.output and tries("sign") == 5
    assert "申請番号 ETA" in right.output


def test_a_refusal_names_the_field(logged_in: str) -> None:
    result = myna(
        "apply",
        "koukin_uketori_kouza",
        "--yes",
        "--no-input",
        *fields(
            *KOUKIN_FIELDS,
            "name=見本　太郎",
            "name_kana=ミホン　ジロウ",
            "account_holder_kana=ミホン　ジロウ",
            "birth_date=1970-04-12",
            "address=東京都",
        ),
    )
    assert result.exit_code == 1
    assert "口座名義（カナ）（account_holder_kana）" in result.output
    assert "登録されている氏名（フリガナ）と一致しません" in result.output
    local = myna(
        "apply",
        "koukin_uketori_kouza",
        "--yes",
        "--no-input",
        *fields(
            *KOUKIN_FIELDS,
            "name=見本　太郎",
            "name_kana=ミホン　タロウ",
            "birth_date=1970-04-12",
            "address=東京都",
            "account_number=12",
        ),
    )
    assert local.exit_code == 1 and "口座番号（account_number）: 7桁" in local.output


def test_form_prefill_then_attach_and_mandate(logged_in: str, tmp_path: Path) -> None:
    from mynalib.apply.templates import read_employment_certificate

    settings = tmp_path / "settings.toml"
    settings.write_text('employer = "架空商事株式会社"\n', encoding="utf-8")
    out = tmp_path / "就労証明書.xlsx"
    result = myna(
        "form",
        "hoikusho_moushikomi",
        "--prefill",
        "--member",
        "taro",
        "--settings",
        str(settings),
        "-o",
        str(out),
        input=PIN + "\n",
    )
    assert result.exit_code == 0, result.output
    assert "downloaded from" in result.output and out.stat().st_mode & 0o077 == 0
    values = read_employment_certificate(out.read_bytes())
    assert values["employee_name"] == "見本　太郎" and values["employer_name"] == "架空商事株式会社"
    assert values["employee_kana"] == "ミホン　タロウ" and values["certified_on"] == ""
    assert f"--attach employment_certificate={out}" in result.output
    again = myna("form", "hoikusho_moushikomi", "-o", str(out))
    assert again.exit_code != 0 and "--force" in again.output
    # the 電子署名付委任状
    mandate = tmp_path / "委任状.txt"
    signed = myna(
        "mandate",
        "--member",
        "taro",
        "--company",
        "株式会社見本",
        "--agent-name",
        "見本　花子",
        "--agent-address",
        "東京都架空区",
        "--procedure",
        "setsuritsu_touki",
        "-o",
        str(mandate),
        input=SIGN_PIN + "\n",
    )
    assert signed.exit_code == 0, signed.output
    check = myna("verify", f"{mandate}.p7s", "--content", str(mandate), "--trust-test-roots")
    assert check.exit_code == 0 and "VALID" in check.output
    applied = myna(
        "apply",
        "setsuritsu_touki",
        "--member",
        "taro",
        "--yes",
        "--attach",
        f"mandate={mandate}",
        "--attach",
        f"mandate_signature={mandate}.p7s",
        *fields(
            "filer=agent",
            "company_name=株式会社見本",
            "company_name_kana=カブシキガイシャミホン",
            "head_office=東京都架空区",
            "established=2026-12-05",
            "capital=1000000",
            "fiscal_year_end_month=3",
            "business_purpose=ソフトウェアの開発",
            "name=見本　太郎",
            "address=東京都架空区",
            "phone=0312345678",
            "declaration=yes",
        ),
        input=SIGN_PIN + "\n",
    )
    assert applied.exit_code == 0, applied.output
    assert "電子署名付委任状: 委任状.txt" in applied.output
    not_company = myna(
        "mandate",
        "--company",
        "x",
        "--agent-name",
        "x",
        "--agent-address",
        "x",
        "--procedure",
        "koukin_uketori_kouza",
        "--virtual",
    )
    assert not_company.exit_code != 0 and "法人" in not_company.output
