"""The tax inputs used when none are given: the same for the notebooks and the dashboards.

A settings file when one is named; for a sample vault (the notebooks' or the demo's), the
fictional household's inputs (:data:`mynalib.samples.household.SAMPLE_TAX_SETTINGS`); else none
(what the vault itself says is added by the summary, :mod:`mynalib.tax.portal`). Both the
overview dashboard and notebook 05 call this, so they show the same figures for one vault.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..samples.household import SAMPLE_TAX_SETTINGS
from ..samples.vault import is_sample_vault
from .settings import TaxSettings, load_settings, settings_from_dict


def default_settings(
    vault: Any, *, path: str | os.PathLike[str] | None = None, sample: bool = False
) -> TaxSettings:
    """The settings file ``path``; else the sample household's inputs for a sample vault
    (``sample``, or a vault built by :func:`mynalib.samples.vault.build_sample_vault`); else
    empty settings."""
    if path is not None:
        return load_settings(Path(path))
    if sample or (vault is not None and is_sample_vault(vault)):
        return settings_from_dict(dict(SAMPLE_TAX_SETTINGS))
    return TaxSettings()
