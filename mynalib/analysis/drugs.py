"""Drug history analysis (pure): coverage periods, counts, and overlapping prescriptions.

The overlap check looks for the same medicine dispensed for the same person on prescriptions from
two different prescribers whose supply periods overlap. That can be intended (a specialist and a
family doctor agreeing) — it is a *question for the pharmacist*, never medical advice.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from ..jp.fmt import jp_date

if TYPE_CHECKING:
    import pandas as pd

DISCLAIMER = (
    "この一覧は、同じお薬が複数の医療機関から重なる期間に処方された記録を機械的に抜き出したものです。"
    "医療上の助言ではありません。意図された処方のこともあります。自己判断でお薬をやめたり量を変えたりせず、"
    "気になる点はお薬手帳を持って薬剤師・医師に相談してください。"
)

_MAKER = re.compile(r"[「（(][^」）)]*[」）)]")
_STRENGTH = re.compile(
    r"\d+(?:\.\d+)?\s*(?:mg|μg|µg|ug|g|mL|ml|%|単位|IU|万単位|mEq)?(?:/\S+)?$", re.IGNORECASE
)


def medicine_key(name: object, *, match: str = "base") -> str:
    """The key two drug names are compared by.

    ``match="name"``: the NFKC-normalised name without spaces. ``match="base"`` (default) also drops
    the maker in 「」 or brackets and the trailing strength, so ``ロキソニン錠６０ｍｇ`` and
    ``ロキソニン錠60mg「第一三共」`` compare equal (different strengths of one product too).
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    s = unicodedata.normalize("NFKC", str(name))
    s = re.sub(r"\s+", "", s)
    if match == "name":
        return s
    if match != "base":
        raise ValueError(f"match must be 'name' or 'base', not {match!r}")
    s = _MAKER.sub("", s)
    prev = None
    while prev != s:
        prev = s
        s = _STRENGTH.sub("", s)
    return s or unicodedata.normalize("NFKC", str(name)).strip()


def coverage(dispensings: pd.DataFrame) -> pd.DataFrame:
    """One row per dispensing line with its supply period.

    Columns: person, drug, key, prescriber, pharmacy, start, end (inclusive: start + days − 1;
    a line without days, e.g. 頓服, covers its date only), days. Sorted by person, drug, start.
    """
    import pandas as pd

    cols = ["person", "drug", "key", "prescriber", "pharmacy", "start", "end", "days"]
    if dispensings.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in cols}).astype(
            {"start": "datetime64[ns]", "end": "datetime64[ns]", "days": "Int64"}
        )
    df = dispensings
    days = pd.to_numeric(df["days"], errors="coerce").fillna(1).clip(lower=1).astype("int64")
    start = pd.to_datetime(df["date"]).dt.normalize()
    out = pd.DataFrame(
        {
            "person": df["person"].astype("string"),
            "drug": df["drug"].astype("string"),
            "key": [medicine_key(d) for d in df["drug"]],
            "prescriber": df["prescriber"].astype("string").fillna("（不明）"),
            "pharmacy": df["pharmacy"].astype("string").fillna("（不明）"),
            "start": start,
            "end": start + pd.to_timedelta(days - 1, unit="D"),
            "days": days.astype("Int64"),
        }
    )
    out = out.drop_duplicates().sort_values(["person", "drug", "start"], kind="stable")
    return out.reset_index(drop=True)


def overlaps(dispensings: pd.DataFrame, *, match: str = "base") -> pd.DataFrame:
    """Same medicine, same person, two prescribers, overlapping supply periods.

    One row per (person, medicine, pair of prescribers): the first and last day of the overlap,
    the number of overlapping days (union over all overlapping dispensing pairs), the number of
    dispensing pairs, and ``question`` — a Japanese question to take to the pharmacist.
    """
    import pandas as pd

    cov = coverage(dispensings)
    if match != "base":
        cov["key"] = [medicine_key(d, match=match) for d in cov["drug"]]
    found: dict[tuple[str, str, str, str], dict[str, object]] = {}
    for (person, key), grp in cov.groupby(["person", "key"], sort=True):
        recs = grp.to_dict("records")
        for i, a in enumerate(recs):
            for b in recs[i + 1 :]:
                if a["prescriber"] == b["prescriber"]:
                    continue
                lo = max(a["start"], b["start"])
                hi = min(a["end"], b["end"])
                if lo > hi:
                    continue
                pa, pb = sorted([str(a["prescriber"]), str(b["prescriber"])])
                slot = found.setdefault(
                    (str(person), str(key), pa, pb),
                    {"days": set(), "pairs": 0, "drugs": set(), "pharmacies": set()},
                )
                slot["days"].update(pd.date_range(lo, hi, freq="D"))  # type: ignore[attr-defined]
                slot["pairs"] = int(slot["pairs"]) + 1  # type: ignore[call-overload]
                slot["drugs"].update({a["drug"], b["drug"]})  # type: ignore[attr-defined]
                slot["pharmacies"].update({a["pharmacy"], b["pharmacy"]})  # type: ignore[attr-defined]
    rows = []
    for (person, key, pa, pb), slot in found.items():
        days = sorted(slot["days"])  # type: ignore[call-overload]
        names = "・".join(sorted(str(d) for d in slot["drugs"]))  # type: ignore[attr-defined]
        rows.append(
            {
                "person": person,
                "drug": key,
                "drug_names": names,
                "prescriber_a": pa,
                "prescriber_b": pb,
                "pharmacies": "・".join(sorted(str(p) for p in slot["pharmacies"])),  # type: ignore[attr-defined]
                "overlap_start": days[0],
                "overlap_end": days[-1],
                "overlap_days": len(days),
                "pairs": slot["pairs"],
                "question": (
                    f"「{names}」が{pa}と{pb}の両方から、{_jp(days[0])}〜{_jp(days[-1])}の"
                    f"重なる期間（{len(days)}日分）に処方されています。両方の処方を続けてよいか、"
                    "薬剤師に確認してみてください。"
                ),
            }
        )
    cols = [
        "person",
        "drug",
        "drug_names",
        "prescriber_a",
        "prescriber_b",
        "pharmacies",
        "overlap_start",
        "overlap_end",
        "overlap_days",
        "pairs",
        "question",
    ]
    df = pd.DataFrame(rows, columns=cols)
    df["overlap_start"] = pd.to_datetime(df["overlap_start"]).astype("datetime64[ns]")
    df["overlap_end"] = pd.to_datetime(df["overlap_end"]).astype("datetime64[ns]")
    df["overlap_days"] = df["overlap_days"].astype("Int64")
    df["pairs"] = df["pairs"].astype("Int64")
    return df.sort_values(["person", "overlap_start"], kind="stable").reset_index(drop=True)


def _jp(day: object) -> str:
    import pandas as pd

    return jp_date(pd.Timestamp(day).date())


def counts(dispensings: pd.DataFrame, *, by: str = "prescriber") -> pd.DataFrame:
    """Dispensings (distinct person × date × prescriber × pharmacy), drug lines and medicines per ``by``."""
    import pandas as pd

    if by not in {"prescriber", "pharmacy", "person", "drug"}:
        raise ValueError(f"by must be prescriber, pharmacy, person or drug, not {by!r}")
    if dispensings.empty:
        return pd.DataFrame(
            {
                by: pd.Series(dtype="string"),
                "dispensings": pd.Series(dtype="Int64"),
                "lines": pd.Series(dtype="Int64"),
                "medicines": pd.Series(dtype="Int64"),
            }
        )
    df = dispensings.assign(
        _visit=[
            f"{p}|{d}|{r}|{ph}"
            for p, d, r, ph in zip(
                dispensings["person"],
                dispensings["date"],
                dispensings["prescriber"],
                dispensings["pharmacy"],
                strict=True,
            )
        ],
        _key=[medicine_key(d) for d in dispensings["drug"]],
    )
    g = df.groupby(df[by].astype("string").fillna("（不明）"), sort=False)
    out = pd.DataFrame(
        {
            "dispensings": g["_visit"].nunique(),
            "lines": g.size(),
            "medicines": g["_key"].nunique(),
        }
    ).astype("Int64")
    out.index.name = by
    return (
        out.reset_index()
        .sort_values(["dispensings", by], ascending=[False, True])
        .reset_index(drop=True)
    )


def questions_text(overlaps_frame: pd.DataFrame) -> str:
    """The questions for the pharmacist as numbered lines, followed by the disclaimer."""
    if overlaps_frame.empty:
        return (
            "重なる期間に複数の医療機関から処方されたお薬は見つかりませんでした。\n\n" + DISCLAIMER
        )
    lines = [
        f"{i}. {person}：{q}"
        for i, (person, q) in enumerate(
            zip(overlaps_frame["person"], overlaps_frame["question"], strict=True), start=1
        )
    ]
    return "薬剤師に確認したいこと:\n" + "\n".join(lines) + "\n\n" + DISCLAIMER


def focus_person(
    dispensings: pd.DataFrame, overlaps_frame: pd.DataFrame | None = None
) -> str | None:
    """Whose timeline to draw first: the first person with an overlap, else the person with the
    most dispensing lines (None when there are none)."""
    if overlaps_frame is not None and not overlaps_frame.empty:
        return str(overlaps_frame["person"].iloc[0])
    if dispensings.empty:
        return None
    return str(dispensings["person"].value_counts().index[0])
