"""Deduction calculators: each returns a :class:`DeductionResult` with its arithmetic.

Every figure comes from the rule table of :mod:`mynalib.tax.rules`, keyed by tax year. Each
deduction is a :class:`Calculator` (:mod:`mynalib.tax.calculator`) that says whether it applies;
:func:`household_summary` loops over :data:`CALCULATORS`.

Typical use::

    from mynalib.tax import household_summary, load_settings
    summary = household_summary(2025, medical_expenses=vault.frame("medical_expenses", year=2025),
                                deductions=vault.frame("deductions"),
                                settings=load_settings("tax2025.toml"),
                                vault_inputs=read_vault_inputs(vault, 2025))
    print(summary.explain())
"""

from __future__ import annotations

from .calculator import Calculator, Deduction, HouseholdYear, PersonYear
from .donation import (
    ONESTOP_WARNING,
    Donation,
    donation_deduction,
    estimate_resident_levy,
    furusato_limit,
)
from .insurance import (
    Earthquake,
    LifeInsurance,
    best_of,
    earthquake_deduction,
    life_insurance_deduction,
)
from .medical import (
    FORM_CATEGORIES,
    SHINRYO_CATEGORY,
    FormRow,
    HighCostPlan,
    MedicalChoice,
    MedicalComparison,
    MedicalExtra,
    OtcPurchase,
    compare_medical,
    high_cost_plan,
    medical_deduction,
    medical_form_rows,
    read_otc_purchases,
    self_medication_deduction,
)
from .portal import VaultInputs, read_vault_inputs
from .result import DeductionResult, Step
from .rules import RULES, TaxYearRules, rules_for
from .saving import TaxSaved, tax_saved
from .settings import PersonInputs, TaxSettings, load_settings, settings_from_dict
from .social import (
    SmallBusinessMutual,
    SocialInsurance,
    small_business_deduction,
    social_insurance_deduction,
)
from .summary import CALCULATORS, HouseholdSummary, PersonSummary, household_summary

__all__ = [
    "CALCULATORS",
    "FORM_CATEGORIES",
    "ONESTOP_WARNING",
    "RULES",
    "SHINRYO_CATEGORY",
    "Calculator",
    "Deduction",
    "DeductionResult",
    "Donation",
    "Earthquake",
    "FormRow",
    "HighCostPlan",
    "HouseholdSummary",
    "HouseholdYear",
    "LifeInsurance",
    "MedicalChoice",
    "MedicalComparison",
    "MedicalExtra",
    "OtcPurchase",
    "PersonInputs",
    "PersonSummary",
    "PersonYear",
    "SmallBusinessMutual",
    "SocialInsurance",
    "Step",
    "TaxSaved",
    "TaxSettings",
    "TaxYearRules",
    "VaultInputs",
    "best_of",
    "compare_medical",
    "donation_deduction",
    "earthquake_deduction",
    "estimate_resident_levy",
    "furusato_limit",
    "high_cost_plan",
    "household_summary",
    "life_insurance_deduction",
    "load_settings",
    "medical_deduction",
    "medical_form_rows",
    "read_otc_purchases",
    "read_vault_inputs",
    "rules_for",
    "self_medication_deduction",
    "settings_from_dict",
    "small_business_deduction",
    "social_insurance_deduction",
    "tax_saved",
]
