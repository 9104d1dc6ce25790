"""Tables and texts as a person reads them: Japanese column names, yen, marks, household order.

Frames and the analysis keep their stable English column names for code; what a notebook or a
dashboard shows passes through here:

- :func:`ja_table`: a copy of a frame (or an analysis table) with Japanese column labels
  (:data:`COLUMN_LABELS`), yen as ``13,782円``, months as ``2025年1月``, dates as ISO days,
  True/False as a word (推計, 既読/未読, はい/いいえ), missing values blank, and the rows (or a
  person index, or person columns) in household order instead of code-point order;
- :func:`fetch_progress_label` / :func:`fetch_report_text`: the portal fetch's progress and
  result in Japanese (the client speaks in operation names and document kinds);
- :func:`kind_label`: a document kind's Japanese name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .jp.fmt import jp_month, yen

if TYPE_CHECKING:
    import pandas as pd

#: English column name → the label a person reads
COLUMN_LABELS: dict[str, str] = {
    # people, time
    "person": "氏名",
    "year": "年",
    "month": "月",
    "date": "日付",
    "start": "開始",
    "end": "終了",
    "days": "日数",
    "months": "月数",
    # medical_expenses
    "category": "区分",
    "provider": "医療機関・薬局",
    "provider_raw": "医療機関・薬局（通知の表記）",
    "total_cost": "医療費の総額",
    "insurer_paid": "保険者の負担",
    "public_paid": "公費の負担",
    "patient_share": "窓口相当負担額",
    "insurer": "保険者",
    "source_id": "書類番号",
    "claims": "件数",
    "persons": "人数",
    "amount": "金額",
    "cumulative": "累計",
    # dispensings, drugs
    "prescriber": "処方した医療機関",
    "pharmacy": "薬局",
    "drug": "お薬",
    "drug_raw": "お薬（記録の表記）",
    "drug_names": "お薬",
    "key": "お薬（まとめた名前）",
    "quantity": "数量",
    "usage": "用法",
    "route": "剤形",
    "prescriber_a": "処方した医療機関（1）",
    "prescriber_b": "処方した医療機関（2）",
    "overlap_start": "重なりの始まり",
    "overlap_end": "重なりの終わり",
    "overlap_days": "重なる日数",
    "dispensings": "調剤の回数",
    "lines": "明細の行数",
    "medicines": "お薬の種類",
    # checkups
    "institution": "健診機関",
    "code": "項目コード",
    "item": "項目",
    "value": "値",
    "value_text": "値（文字）",
    "unit": "単位",
    "judgement": "判定",
    # pension
    "scheme": "制度",
    "employer": "勤務先",
    "monthly_remuneration": "標準報酬月額",
    "status": "種別",
    "label": "区分",
    "counted": "年金額に反映される月数",
    "kind": "種類",
    "payable": "納付できるか",
    "deadline": "納付期限",
    "note": "備考",
    # deductions
    "form": "様式",
    "issuer": "発行者",
    "paid": "支払額",
    "declared": "証明額",
    "contract_regime": "新旧の区分",
    "signature": "電子署名",
    "detail": "内訳",
    # portal items
    "notice_id": "お知らせ番号",
    "sender": "差出人",
    "title": "件名",
    "body": "本文",
    "read": "既読",
    "requester": "照会した機関",
    "purpose": "事務",
    "procedure_id": "手続番号",
    "name": "名前",
    "application_id": "申請番号",
    "submitted": "申請日",
    "updated": "更新日",
    "reason": "理由",
    # わたしの情報: 税・所得 (income)
    "salary_revenue": "給与収入",
    "salary_income": "給与所得",
    "business_revenue": "事業収入",
    "business_income": "事業所得",
    "pension_revenue": "公的年金等の収入",
    "pension_income": "公的年金等の所得",
    "misc_revenue": "雑（その他）の収入",
    "misc_income": "雑所得（その他）",
    "other_revenue": "その他の収入",
    "other_income": "その他の所得",
    "other_kinds": "その他の所得の種類",
    "total_income": "総所得金額等",
    "taxable_standard": "課税標準額",
    "municipal_levy": "市区町村民税所得割額",
    "prefectural_levy": "道府県民税所得割額",
    "resident_levy": "住民税所得割額",
    "tax_status": "課税区分",
    # 世帯情報 (household_members)
    "relation": "続柄",
    "birth_date": "生年月日",
    "sex": "性別",
    "head": "世帯主",
    "address": "住所",
    # 児童手当 (child_allowance)
    "recipient": "受給者",
    "child": "対象児童",
    "monthly_amount": "支給月額",
    "certified_on": "認定日",
    "first_month": "支給開始月",
    "last_month": "支給終了予定月",
    # 介護保険 (care_insurance)
    "insured_number": "被保険者番号",
    "certification": "認定状況",
    "care_level": "要介護状態区分",
    "copay": "負担割合",
    "annual_premium": "保険料（年額）",
    "premium_stage": "保険料段階",
    "collection": "徴収方法",
    # 雇用保険 (employment_insurance)
    "acquired_on": "資格取得日",
    "left_on": "離職日",
    "insured": "加入中",
    "loss_reason": "喪失原因",
    # 健康保険証 (insurance_cards)
    "insurer_number": "保険者番号",
    "symbol": "記号",
    "number": "番号",
    "branch": "枝番",
    "lost_on": "資格喪失日",
    "valid": "有効",
    # 予防接種 (vaccinations)
    "vaccine": "予防接種",
    "dose": "回数",
    "place": "実施機関",
    # 公金受取口座 (bank_account)
    "registered": "登録",
    "bank_name": "金融機関",
    "branch_name": "支店",
    "account_type": "預金種目",
    "account_number": "口座番号",
    "account_holder": "口座名義",
    "registered_on": "登録日",
    # わたしの情報の回答 (myinfo_answers)
    "as_of": "時点",
    "fetched_at": "取得日時",
    "nothing_on_record": "記録",
    # わたしの情報 (mynalib.analysis.myinfo, .vaccinations)
    "answer": "記録",
    "age": "年齢",
    "resident_levy_total": "住民税所得割額（合計）",
    "window": "標準的な接種期間",
    "given": "接種日",
    "until": "定期接種の期限",
    # vault status
    "documents": "書類の数",
}

#: labels a frame's own columns read as where the shared label would mislead (``status`` is
#: the 納付状況 of a pension period but the 支給状況 of 児童手当)
FRAME_LABELS: dict[str, dict[str, str]] = {
    "child_allowance": {"status": "支給状況"},
    "care_insurance": {"start": "認定有効期間（開始）", "end": "認定有効期間（終了）"},
    "employment_insurance": {"employer": "事業所", "category": "被保険者区分"},
    "insurance_cards": {"insurer": "保険者", "relation": "本人・家族"},
    "vaccinations": {"date": "接種日", "category": "区分"},
    "household_members": {"name": "氏名", "person": "回答した人"},
    "myinfo_answers": {"status": "回答", "item": "項目", "category": "分類"},
    "income": {"year": "年分"},
    "vaccination_schedule": {"status": "状況", "vaccine": "予防接種"},
    "myinfo": {"item": "項目", "category": "分類"},
}

#: columns that hold yen
MONEY_COLUMNS = frozenset(
    {
        "total_cost",
        "insurer_paid",
        "public_paid",
        "patient_share",
        "amount",
        "cumulative",
        "monthly_remuneration",
        "paid",
        "declared",
        "所得税",
        "住民税",
        "salary_revenue",
        "salary_income",
        "business_revenue",
        "business_income",
        "pension_revenue",
        "pension_income",
        "misc_revenue",
        "misc_income",
        "other_revenue",
        "other_income",
        "total_income",
        "taxable_standard",
        "municipal_levy",
        "prefectural_levy",
        "resident_levy",
        "monthly_amount",
        "annual_premium",
        "resident_levy_total",
    }
)

#: True/False columns and the words they read as (True, False)
FLAG_WORDS: dict[str, tuple[str, str]] = {
    "推計": ("推計", ""),
    "estimate": ("推計", ""),
    "read": ("既読", "未読"),
    "head": ("世帯主", ""),
    "insured": ("加入中", "離職"),
    "valid": ("有効", "喪失"),
    "registered": ("登録済", "未登録"),
    "nothing_on_record": ("記録がありません", "あり"),
}
YES_NO = ("はい", "いいえ")

#: document kinds → what a person calls them
KIND_LABELS: dict[str, str] = {
    "iryohi_csv": "医療費通知情報（CSV）",
    "kojo_xml": "控除証明書（XML）",
    "kenshin_cda": "特定健診結果（XML）",
    "nenkin_csv": "年金記録（CSV）",
}


def kind_label(kind: str) -> str:
    """The Japanese name of a document kind (the portal's from its protocol table)."""
    if kind in KIND_LABELS:
        return KIND_LABELS[kind]
    from .portal import protocol as P

    item = P.ITEM_BY_KIND.get(kind)
    if item is not None:
        return item.name
    for op in P.OPERATIONS:
        if op.kind == kind:
            return op.label
    return kind


# ------------------------------------------------------------------------------ tables
def household_key(order: Sequence[str]) -> Any:
    """A sort key putting names in ``order`` first (in that order), then the rest by name."""
    from .jp.names import name_key

    rank = {name_key(n): i for i, n in enumerate(order)}

    def key(name: Any) -> tuple[int, str]:
        text = "" if name is None else str(name)
        return (rank.get(name_key(text), len(rank)), text)

    return key


def _all_people(columns: Iterable[Any], order: Sequence[str]) -> bool:
    """Whether every column (but a 合計) names someone of ``order`` (a pivot by person)."""
    from .jp.names import name_key

    known = {name_key(n) for n in order}
    names = [str(c) for c in columns if str(c) != "合計"]
    return bool(known and names) and all(name_key(n) in known for n in names)


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def cell_text(value: Any, column: str = "", *, money: bool = False) -> Any:
    """One cell as a person reads it (see the module docstring); numbers that are not yen stay
    numbers (pandas aligns them)."""
    import datetime as dt

    import numpy as np
    import pandas as pd

    if isinstance(value, (list, tuple, set, dict)):
        return value
    if _is_missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        words = FLAG_WORDS.get(column, YES_NO)
        return words[0] if value else words[1]
    if money and (isinstance(value, (int, float)) or hasattr(value, "item")):
        return yen(float(value))
    if isinstance(value, pd.Period) and value.freqstr.startswith("M"):
        return jp_month(value.year, value.month)
    if isinstance(value, pd.Timestamp):
        if value == value.normalize():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def ja_table(
    df: pd.DataFrame,
    *,
    order: Sequence[str] = (),
    money: bool | Iterable[str] | None = None,
    labels: Mapping[str, str] | None = None,
    index: bool | None = None,
    rows: int | None = None,
) -> pd.DataFrame:
    """``df`` as a person reads it: Japanese labels, yen, words for True/False, blanks for
    missing values, people in household ``order`` (rows, a person index or person columns).

    ``money``: None → the columns of :data:`MONEY_COLUMNS`; True → every numeric cell (a pivot
    of yen); a list → those columns. ``labels`` add to or override :data:`COLUMN_LABELS`.
    ``index``: keep the index (default: only a named one, e.g. a pivot's ``person``).
    ``rows``: only the first rows (after ordering). A ``kind`` column of document kinds reads
    as their names (:func:`kind_label`).
    """
    import pandas as pd

    names = {**COLUMN_LABELS, **(labels or {})}
    out = df.copy()
    keep_index = index if index is not None else any(n is not None for n in out.index.names)
    key = household_key(order)
    # household order: rows by the person column, a person index, or person columns
    if "person" in out.columns and len(out):
        out = out.iloc[sorted(range(len(out)), key=lambda i: key(out["person"].iloc[i]))]
    elif out.index.name == "person" and len(out):
        total = [i for i in out.index if str(i) == "合計"]
        people = sorted((i for i in out.index if str(i) != "合計"), key=key)
        out = out.loc[people + total]
    if out.columns.name == "person" or _all_people(out.columns, order):
        total = [c for c in out.columns if str(c) == "合計"]
        out = out[sorted((c for c in out.columns if str(c) != "合計"), key=key) + total]
    if rows is not None:
        out = out.head(rows)
    if "kind" in out.columns:
        out["kind"] = [kind_label(v) if isinstance(v, str) else v for v in out["kind"]]
    if money is True:
        yen_columns = {c for c in out.columns if pd.api.types.is_numeric_dtype(out[c])}
    elif money is None or money is False:
        yen_columns = {c for c in out.columns if c in MONEY_COLUMNS} if money is None else set()
    else:
        yen_columns = set(money)
    for col in out.columns:
        series = out[col]
        out[col] = pd.Series(
            [cell_text(v, str(col), money=col in yen_columns) for v in series],
            index=out.index,
            dtype="object",
        )
    out = out.rename(columns=lambda c: names.get(str(c), c))
    out.columns.name = names.get(str(out.columns.name), out.columns.name)
    if keep_index:
        out.index = out.index.map(lambda v: cell_text(v, str(df.index.name or "")))
        out.index.names = [names.get(str(n), n) if n is not None else None for n in df.index.names]
    else:
        out = out.reset_index(drop=True)
    return out


def frame_table(frame: str, df: pd.DataFrame, **kwargs: Any) -> pd.DataFrame:
    """:func:`ja_table` of a frame named ``frame``, with its own labels (:data:`FRAME_LABELS`)."""
    labels = {**FRAME_LABELS.get(frame, {}), **(kwargs.pop("labels", None) or {})}
    return ja_table(df, labels=labels, **kwargs)


# ------------------------------------------------------------------------------ the portal
def fetch_progress_label(label: str) -> str:
    """A label the portal client reports progress with, in Japanese: its operation names
    (``notices``) as the portal calls them (お知らせ), わたしの情報 items as they are."""
    from .portal import protocol as P

    if label == "starting":
        return "開始"
    return P.FETCH_GROUPS.get(label, label)


def fetch_report_text(report: Any) -> str:
    """A fetch's result, one line per kind of document, in Japanese."""
    lines = []
    for kind in sorted(set(report.new) | set(report.duplicates), key=kind_label):
        lines.append(
            f"{kind_label(kind)}: 新しく{report.new.get(kind, 0)}件、"
            f"保管済み{report.duplicates.get(kind, 0)}件"
        )
    if report.no_record:
        lines.append("記録なし: " + "、".join(fetch_progress_label(n) for n in report.no_record))
    for task, err in report.errors:
        message = getattr(err, "ja", "") or str(err)
        lines.append(f"取得できませんでした（{fetch_progress_label(task)}）: {message}")
    return "\n".join(lines) if lines else "取得するものはありませんでした。"


def crossing_text(threshold: int, month: Any) -> str:
    """``足切り額: 100,000円 / 超えた月: 2025年7月`` (or that it was not reached)."""
    reached = "まだ超えていません" if _is_missing(month) else cell_text(month)
    return f"足切り額: {yen(threshold)} / 超えた月: {reached}"


def notes_text(notes: Iterable[str], *, empty: str = "注意事項はありません。") -> str:
    """Warnings or notes one per line with a mark, or ``empty`` when there are none."""
    lines = [f"⚠ {n}" for n in notes]
    return "\n".join(lines) if lines else empty


def donation_note(summary: Any) -> str:
    """What the 住民税 figure of each 寄附金控除 is made of and depends on, one line per person:
    基本分 + 特例分, and whether the 特例分 (most of a ふるさと納税) could be counted — it needs
    the 課税所得金額 (tax settings, or 税・所得 fetched from the portal)."""
    lines = []
    for ps in getattr(summary, "people", []):
        for r in ps.results:
            if r.key != "donation" or not r.details.get("furusato"):
                continue
            basic, special = int(r.details.get("basic") or 0), int(r.details.get("special") or 0)
            head = f"{r.person}: 寄附金控除の住民税 {yen(r.resident_tax)}"
            unknown = any(
                s.label == "特例分" and "未入力" in s.formula for s in getattr(r, "steps", [])
            )
            if unknown:
                lines.append(
                    f"{head} は基本分だけです。特例分（ふるさと納税の控除の大部分）は課税所得金額が"
                    "分かると加わります（税の設定ファイルの taxable_income、またはマイナポータルの"
                    "「税・所得」の取得）。"
                )
                continue
            levy = r.details.get("resident_levy")
            basis = f"住民税所得割額 {yen(levy)}" if levy is not None else "住民税所得割額"
            estimated = "（推計）" if r.estimate else ""
            lines.append(
                f"{head} = 基本分 {yen(basic)} + 特例分 {yen(special)}。特例分は課税所得金額と"
                f"{basis}{estimated}から計算しています（上限は所得割額の20%）。"
            )
    return "\n".join(lines) if lines else "ふるさと納税（都道府県・市区町村への寄附）はありません。"
