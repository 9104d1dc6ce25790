"""電子申請: fill an online procedure's form from the card, check it, sign it, send it, follow it.

from mynalib import apply
from mynalib.secrets import Pin

form = apply.fetch_form(client, "koukin_uketori_kouza")   # or apply.form(...) (shipped copy)
draft = apply.Draft(form)
draft.prefill(card=apply.read_card(card, Pin(pin, "kenhojo")), kana=apply.portal_kana(client))
draft.update(action="register", bank_code="0001", …, declaration=True)
preview = draft.preview(client.base_url)        # FormError lists every problem, field by field
print("\\n".join(preview.lines()))              # what will be sent: values, files, signature
receipt = apply.submit(client, preview)          # or with apply.sign(card, Pin(pw, "sign"), preview.content)
apply.status(client, receipt.application_id)     # 受付済 → 審査中 → 完了 / 差戻し (with a reason)

The modules: :mod:`.forms` (definitions, validation), :mod:`.canonical` (the bytes signed),
:mod:`.application` (card, draft, preview, signing, submission, status), :mod:`.templates`
(様式取得: the application CSV, the 就労証明書 workbook), :mod:`.mandate` (電子署名付委任状),
:mod:`.bank` (公金受取口座 in わたしの情報), :mod:`.kana`. The protocol is
``mynalib/portal/PROTOCOL.md`` §9; the sandbox's side is ``mynalib/portal/sandbox/applying.py``.
"""

from __future__ import annotations

from .application import (
    ApplicationRefused,
    ApplicationStatus,
    CardData,
    Draft,
    Preview,
    Receipt,
    fetch_form,
    fetch_template,
    portal_kana,
    read_card,
    sign,
    status,
    submit,
)
from .forms import FORMS, Attachment, FormDefinition, FormError, Problem, form, validate

__all__ = [
    "FORMS",
    "ApplicationRefused",
    "ApplicationStatus",
    "Attachment",
    "CardData",
    "Draft",
    "FormDefinition",
    "FormError",
    "Preview",
    "Problem",
    "Receipt",
    "fetch_form",
    "fetch_template",
    "form",
    "portal_kana",
    "read_card",
    "sign",
    "status",
    "submit",
    "validate",
]
