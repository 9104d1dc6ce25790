"""電子署名付委任状: a power of attorney signed with the card, for the 法人設立 procedures.

When a representative lets someone else (a 司法書士, a 税理士, an employee) file the 法人設立
procedures, the agent attaches a 委任状 the representative signed electronically. Here the
委任状 is a plain UTF-8 text (the words below) and its signature a detached CMS (CAdES-BES, made by
:func:`mynalib.signing.sign_cms` with the card's 署名用電子証明書): ``委任状.txt`` and
``委任状.txt.p7s``, attached to the application in the ``mandate`` and ``mandate_signature`` slots.
The portal checks the signature like an application's, and that the signer is the representative
named in the application. The 委任者 (the representative) is written from the signing
certificate's own 氏名・住所 — the certificate vouches for them, the signer types nothing.

A text document rather than a PDF: a PDF with Japanese text needs an embedded CJK font, which
mynalib does not ship. ``myna verify 委任状.txt.p7s --content 委任状.txt`` (or ``openssl cms
-verify``) checks the pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..jp.fmt import jp_date

if TYPE_CHECKING:
    from ..card.jpki import JpkiCard
    from ..secrets import Pin
    from ..signing import VerificationReport


def mandate_text(
    *,
    company: str,
    agent_name: str,
    agent_address: str,
    procedures: Sequence[str],
    principal_name: str,
    principal_address: str,
    day: dt.date | None,
) -> str:
    """The words of the 委任状 (``procedures``: names of the procedures entrusted)."""
    lines = [
        "委任状",
        "",
        "私は、次の者を代理人と定め、下記の手続を行う権限を委任します。",
        "",
        "代理人",
        f"  氏名: {agent_name}",
        f"  住所: {agent_address}",
        "",
        f"委任する手続（法人: {company}）",
        *(f"  {i}. {name}" for i, name in enumerate(procedures, start=1)),
        "",
        f"委任の日: {jp_date(day) if day else '　　　　年　　月　　日'}",
        "",
        "委任者（代表者）",
        f"  氏名: {principal_name}",
        f"  住所: {principal_address}",
        "",
        "この委任状は、委任者のマイナンバーカードの署名用電子証明書で電子署名します"
        "（分離署名 CMS: 委任状.txt.p7s）。",
        "",
    ]
    return "\n".join(lines)


@dataclass
class Mandate:
    """A signed 委任状: the text's bytes and the detached CMS signature over them."""

    text: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    file_name: str = "委任状.txt"

    @property
    def signature_name(self) -> str:
        return self.file_name + ".p7s"

    def attachments(self) -> list[tuple[str, str, bytes, str]]:
        """(slot, file name, bytes, content type) of both files, ready to attach."""
        return [
            ("mandate", self.file_name, self.text, "text/plain"),
            (
                "mandate_signature",
                self.signature_name,
                self.signature,
                "application/pkcs7-signature",
            ),
        ]


def sign_mandate(
    card: JpkiCard,
    pin: Pin,
    *,
    company: str,
    agent_name: str,
    agent_address: str,
    procedure_ids: Sequence[str],
    day: dt.date | None = None,
    allow_last_try: bool = False,
) -> Mandate:
    """Write the 委任状 for ``procedure_ids`` and sign it with the card.

    The signing password is verified once to read the certificate (the 委任者's 氏名・住所 come
    from it) and once to sign — a wrong password spends exactly one try and stops here."""
    from .. import procedures as catalogue
    from ..errors import SigningError
    from ..signing import CardSigner, personal_data, sign_cms

    names = [f"{catalogue.get(pid)['name']}（{pid}）" for pid in procedure_ids]
    if not names:
        raise ValueError("name at least one procedure to entrust")
    signer = CardSigner(card, pin, allow_last_try=allow_last_try)
    holder = personal_data(signer.certificate)
    if holder is None or not holder.name:
        raise SigningError(
            "The signing certificate carries no name: it cannot sign a 委任状",
            ja="署名用電子証明書に氏名がないため、委任状に署名できません。",
        )
    text = mandate_text(
        company=company,
        agent_name=agent_name,
        agent_address=agent_address,
        procedures=names,
        principal_name=holder.name,
        principal_address=holder.address or "",
        day=day or dt.date.today(),
    ).encode("utf-8")
    return Mandate(text, sign_cms(text, signer))


def verify_mandate(
    mandate: Mandate | bytes,
    signature: bytes | None = None,
    *,
    trust_test_roots: bool = False,
    crl: bytes | None = None,
) -> VerificationReport:
    """Verify a 委任状 and its detached signature (the report says what was checked)."""
    from ..signing import verify_cms

    if isinstance(mandate, Mandate):
        text, signature = mandate.text, mandate.signature
    else:
        text = mandate
    if signature is None:
        raise ValueError("the 委任状's signature (.p7s) is needed")
    return verify_cms(signature, text, trust_test_roots=trust_test_roots, crl=crl)
