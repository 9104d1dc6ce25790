"""The fictional sample household (deterministic) and the documents it is written as.

Nothing here is a real person. The household is the same everywhere: the sample documents in
``sample_data/``, the portal sandbox and the software cards of its members.

- :mod:`~mynalib.samples.household`: the members (:data:`HOUSEHOLD`, :func:`person`), their
  health insurance and the generator's seed; the only part other layers need to load;
- :mod:`~mynalib.samples.medical`: visits, dispensings (薬剤情報) and claims, 2021–2025;
- one module per written format: :mod:`~mynalib.samples.iryohi` (医療費通知 CSV),
  :mod:`~mynalib.samples.kenshin` (特定健診 CDA), :mod:`~mynalib.samples.kojo` (控除証明書 XML,
  signed by the SAMPLE issuer), :mod:`~mynalib.samples.nenkin` (pension CSV) and
  :mod:`~mynalib.samples.readme` (the folder's README);
- :mod:`~mynalib.samples.files`: :func:`sample_files` and :func:`generate` (``myna samples
  generate``);
- :mod:`~mynalib.samples.card`: a member's software card (seed ``sample-<id>``);
- :mod:`~mynalib.samples.vault`: the sample vault (every sample file, plus what the sandbox
  serves), used by the notebooks' workbook and ``myna demo``.

Importing the package loads the household only; the generator's names below are loaded on
first use. The card and vault modules load the card, portal and vault layers: import them by
their own names.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ..jp.age import age_on  # ages as the law counts them (one function everywhere)
from .household import (
    CERT_YEARS,
    COVERAGES,
    DEFAULT_SEED,
    HOUSEHOLD,
    YEARS,
    Coverage,
    Person,
    person,
)

if TYPE_CHECKING:
    from .files import GENERATED_DIRS, generate, sample_files
    from .iryohi import IryohiBlock, iryohi_csv, render_iryohi_csv
    from .kenshin import household_checkups, kenshin_cda
    from .kojo import (
        IDECO_MONTHLY,
        SAMPLE_ISSUER_CERT,
        SAMPLE_ISSUER_KEY,
        SAMPLE_KEYS_DIR,
        SAMPLE_ROOT_CERT,
        household_certificates,
        load_sample_signer,
        sample_root_certificate,
    )
    from .medical import household_claims, household_dispensings, household_visits, patient_rate
    from .nenkin import nenkin_csv, pension_history
    from .readme import sample_readme

#: the generator's names, loaded on first use: who is who (the household) costs no generator
_LAZY = {
    **dict.fromkeys(("GENERATED_DIRS", "generate", "sample_files"), "files"),
    **dict.fromkeys(("IryohiBlock", "iryohi_csv", "render_iryohi_csv"), "iryohi"),
    **dict.fromkeys(("household_checkups", "kenshin_cda"), "kenshin"),
    **dict.fromkeys(
        (
            "IDECO_MONTHLY",
            "SAMPLE_ISSUER_CERT",
            "SAMPLE_ISSUER_KEY",
            "SAMPLE_KEYS_DIR",
            "SAMPLE_ROOT_CERT",
            "household_certificates",
            "load_sample_signer",
            "sample_root_certificate",
        ),
        "kojo",
    ),
    **dict.fromkeys(
        ("household_claims", "household_dispensings", "household_visits", "patient_rate"),
        "medical",
    ),
    **dict.fromkeys(("nenkin_csv", "pension_history"), "nenkin"),
    "sample_readme": "readme",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})


__all__ = [
    "CERT_YEARS",
    "COVERAGES",
    "DEFAULT_SEED",
    "GENERATED_DIRS",
    "HOUSEHOLD",
    "IDECO_MONTHLY",
    "SAMPLE_ISSUER_CERT",
    "SAMPLE_ISSUER_KEY",
    "SAMPLE_KEYS_DIR",
    "SAMPLE_ROOT_CERT",
    "YEARS",
    "Coverage",
    "IryohiBlock",
    "Person",
    "age_on",
    "generate",
    "household_certificates",
    "household_checkups",
    "household_claims",
    "household_dispensings",
    "household_visits",
    "iryohi_csv",
    "kenshin_cda",
    "load_sample_signer",
    "nenkin_csv",
    "patient_rate",
    "pension_history",
    "person",
    "render_iryohi_csv",
    "sample_files",
    "sample_readme",
    "sample_root_certificate",
]
