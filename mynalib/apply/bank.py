"""公金受取口座: what わたしの情報 shows about the account for public payments.

Two sources, the better first:

* the ``bank_account`` frame, when mynalib has one (わたしの情報's 公金受取口座 item): the account
  the portal has registered;
* else the ``applications`` frame: the newest application of ``koukin_uketori_kouza`` and where
  it stands (受付済 / 審査中 / 完了 / 差戻し with the reason).

The account number is shown masked (last 3 digits, as the portal itself shows it). Registration and change are the online
procedure ``koukin_uketori_kouza`` (``myna apply koukin_uketori_kouza``): its form checks the
account holder (kana) against the applicant's フリガナ, and the portal against the reading it has
registered — the card holds the name in kanji only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PROCEDURE_ID = "koukin_uketori_kouza"
#: the frame of the 公金受取口座 item of わたしの情報, when one exists
BANK_FRAME = "bank_account"


@dataclass(frozen=True)
class BankAccountStatus:
    """What is known of the person's 公金受取口座, and from where."""

    source: str  # "bank_account" (registered, from わたしの情報) or "applications"
    registered: bool
    person: str = ""
    bank: str = ""
    branch: str = ""
    account_type: str = ""
    number_masked: str = ""
    application_id: str = ""
    application_status: str = ""
    reason: str = ""
    updated: str = ""
    registered_on: str = ""

    def text(self) -> str:
        """One Japanese sentence for わたしの情報."""
        if self.source == BANK_FRAME:
            if not self.registered:
                return "公金受取口座は登録されていません。"
            registered = f"、{self.registered_on} 登録" if self.registered_on else ""
            return (
                f"公金受取口座: {self.bank} {self.branch} {self.account_type} {self.number_masked}"
                f"（わたしの情報より{registered}）"
            ).replace("  ", " ")
        status = self.application_status
        text = f"公金受取口座の申請（{self.application_id}）: {status}"
        if self.updated:
            text += f"（{self.updated} 更新）"
        if self.reason:
            text += f" 理由: {self.reason}"
        if status == "完了":
            text += " 登録されました。"
        return text


def mask(number: Any) -> str:
    """The account number with all but its last 3 digits masked (``****567``); a number the
    portal masked already stays as it is."""
    from ..frames import mask_number

    text = "".join(ch for ch in str(number or "") if not ch.isspace())
    return str(mask_number(text, 3)) if text else ""


def _text(row: dict[str, Any], *names: str) -> str:
    for name in names:
        value = row.get(name)
        if value is not None and str(value) not in ("", "nan", "<NA>", "NaT"):
            return str(value)
    return ""


def _flag(row: dict[str, Any], name: str) -> bool | None:
    value = row.get(name)
    if value is None or str(value) in ("", "nan", "<NA>"):
        return None
    return bool(value)


def _from_bank_row(row: dict[str, Any]) -> BankAccountStatus:
    number = _text(row, "account_number", "number")
    registered = _flag(row, "registered")
    day = _text(row, "registered_on")
    return BankAccountStatus(
        BANK_FRAME,
        registered=registered
        if registered is not None
        else bool(number or _text(row, "bank_name", "bank")),
        person=_text(row, "person"),
        bank=_text(row, "bank_name", "bank"),
        branch=_text(row, "branch_name", "branch"),
        account_type=_text(row, "account_type"),
        number_masked=mask(number),
        registered_on=day[:10],
    )


def _from_application(mine: Any) -> BankAccountStatus:
    row = mine.sort_values(["submitted", "application_id"]).iloc[-1].to_dict()
    updated = row.get("updated")
    return BankAccountStatus(
        "applications",
        registered=row.get("status") == "完了",
        person=_text(row, "person"),
        application_id=str(row.get("application_id")),
        application_status=str(row.get("status")),
        reason=_text(row, "reason"),
        updated="" if updated is None or str(updated) == "NaT" else str(updated)[:10],
    )


def _people(*frames: Any) -> list[str]:
    names: list[str] = []
    for df in frames:
        if df is not None and len(df) and "person" in df.columns:
            names += [str(p) for p in df["person"].dropna()]
    return list(dict.fromkeys(names))


def statuses_from_frames(
    bank_account: Any | None, applications: Any | None
) -> list[BankAccountStatus]:
    """Each person's 公金受取口座 from the two frames: the ``bank_account`` frame's row (its
    ``registered`` column says whether one is registered), else the newest application."""
    mine = None
    if applications is not None and len(applications):
        mine = applications[applications["procedure_id"] == PROCEDURE_ID]
    out = []
    for person in _people(bank_account, mine):
        bank = (
            bank_account[bank_account["person"] == person]
            if bank_account is not None and len(bank_account)
            else None
        )
        if bank is not None and len(bank):
            out.append(_from_bank_row(bank.iloc[-1].to_dict()))
        elif mine is not None and len(theirs := mine[mine["person"] == person]):
            out.append(_from_application(theirs))
    return out


def from_frames(bank_account: Any | None, applications: Any | None) -> BankAccountStatus | None:
    """The status from the two frames (either may be None or empty): the first person's when
    the frames hold several (:func:`statuses_from_frames` gives everyone's)."""
    if bank_account is not None and len(bank_account):
        everyone = statuses_from_frames(bank_account, None)
        return everyone[0] if everyone else _from_bank_row(bank_account.iloc[-1].to_dict())
    if applications is None or not len(applications):
        return None
    mine = applications[applications["procedure_id"] == PROCEDURE_ID]
    if not len(mine):
        return None
    return _from_application(mine)


def bank_account_statuses(vault: Any) -> list[BankAccountStatus]:
    """Everyone's 公金受取口座 in the vault, as far as it knows (one entry per person)."""
    from .. import frames

    bank = vault.frame(BANK_FRAME) if BANK_FRAME in frames.SCHEMAS else None
    return statuses_from_frames(bank, vault.frame("applications"))


def bank_account_status(vault: Any, *, person: str | None = None) -> BankAccountStatus | None:
    """The 公金受取口座 of ``person`` (default: everyone in the vault: the first person's) as far
    as it knows."""
    from .. import frames

    bank = vault.frame(BANK_FRAME, person=person) if BANK_FRAME in frames.SCHEMAS else None
    return from_frames(bank, vault.frame("applications", person=person))
