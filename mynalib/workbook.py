"""The notebooks' entry point: open the user's vault, or a sample vault built from ``sample_data/``.

``open_workbook(None)`` / ``open_workbook("sample")`` builds (once, then reuses) an encrypted vault
holding the fictional sample household: every file of ``sample_data/`` imported as a user would,
plus the 薬剤情報 fetched from the in-process portal sandbox with each member's software card
(exactly the ``myna login --virtual`` + ``myna fetch drugs`` path). The sample vault uses a fixed,
public passphrase — it only ever holds fictional data.

``open_workbook("/path/to/vault")`` opens the user's own vault (passphrase from
``$MYNA_VAULT_PASSPHRASE`` or the OS keyring, as everywhere else).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import paths
from .errors import MynaError, UnknownDocument
from .samples import HOUSEHOLD, Person

if TYPE_CHECKING:
    import pandas as pd

    from .tax import HouseholdSummary, TaxSettings
    from .vault import Vault

#: the sample vault's passphrase (public on purpose: the sample vault holds fictional data only)
SAMPLE_PASSPHRASE = "mynalib-sample-household"  # noqa: S105
#: bump when the way the sample vault is built changes (forces a rebuild of cached copies)
SAMPLE_BUILD = "2"

Progress = Callable[[int, int, str], None]

#: sample tax inputs (fictional): 見本太郎 files for the household
SAMPLE_TAX_SETTINGS: dict[str, Any] = {
    "filer": "見本　太郎",
    "total_income": 5_100_000,  # 総所得金額等: 給与収入 700万円 の給与所得
    "taxable_income": 3_020_000,  # 課税総所得金額 (所得税)
    "resident_levy": 331_000,  # 住民税所得割額
    "dependants_under_23": 1,
    "health_check": True,
}


def sample_data_dir() -> Path:
    """``$MYNA_SAMPLE_DATA`` or the ``sample_data/`` folder of the source checkout."""
    env = os.environ.get("MYNA_SAMPLE_DATA")
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve().parent.parent / "sample_data"
    if here.is_dir():
        return here
    raise FileNotFoundError(
        "sample_data/ not found: run the notebooks from a source checkout of mynalib, or set "
        "MYNA_SAMPLE_DATA to the folder (regenerate it with `myna samples generate DIR`)"
    )


def sample_vault_dir() -> Path:
    """Where the sample vault is cached: under the per-user state dir (``$MYNA_HOME``)."""
    return paths.default_state_dir() / "sample-vault"


#: file types the sample builder imports (sample_data/README.md and other notes are skipped)
_SAMPLE_SUFFIXES = {".csv", ".xml", ".json"}


def _sample_files(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in _SAMPLE_SUFFIXES
        and "templates" not in p.relative_to(root).parts
        and not p.name.startswith(".")
    )


#: code the sample vault's content depends on besides sample_data/ (the sandbox's 薬剤情報)
_SAMPLE_CODE = ("samples.py", "portal/sandbox/data.py", "portal/sandbox/app.py")


def _fingerprint(root: Path) -> str:
    h = hashlib.sha256(SAMPLE_BUILD.encode())
    package = Path(__file__).resolve().parent
    for name in _SAMPLE_CODE:
        code = package / name
        h.update(hashlib.sha256(code.read_bytes()).digest() if code.exists() else b"-")
    for p in _sample_files(root):
        h.update(str(p.relative_to(root)).encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _person_for_file(path: Path) -> str | None:
    """The household member a sample file belongs to (its folder or file name says so)."""
    words = set(path.parent.name.split("_")) | set(path.stem.replace("-", "_").split("_"))
    for member in HOUSEHOLD:
        if member.id in words:
            return member.name
    return None


def build_sample_vault(
    target: Path, *, source: Path | None = None, progress: Progress | None = None
) -> Path:
    """Build the sample vault in ``target`` (replaced atomically); return ``target``."""
    from .vault import open_vault

    source = source or sample_data_dir()
    files = _sample_files(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".sample-vault-", dir=target.parent))
    try:
        total = len(files) + len(HOUSEHOLD)
        with open_vault(work, passphrase=SAMPLE_PASSPHRASE) as vault:
            skipped: list[str] = []
            for i, f in enumerate(files, start=1):
                try:
                    report = vault.import_file(f, person=_person_for_file(f))
                except UnknownDocument:  # not a document (e.g. a settings or purchases CSV)
                    skipped.append(str(f.relative_to(source)))
                    continue
                error = getattr(report, "error", None)
                if error:
                    raise RuntimeError(f"sample file {f.name} did not import: {error}")
                if progress:
                    progress(i, total, f.name)
            vault.set_state("sample_skipped", skipped)
            _fetch_sample_drugs(vault, progress=progress, done=len(files), total=total)
            vault.set_state("sample_fingerprint", _fingerprint(source))
        if target.exists():
            shutil.rmtree(target)
        work.rename(target)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return target


def _fetch_sample_drugs(vault: Vault, *, progress: Progress | None, done: int, total: int) -> None:
    """Log in to the in-process sandbox with each member's software card and fetch 薬剤情報."""
    from .card import open_card
    from .card.virtual import CardProfile
    from .card.virtual.profile import DEFAULT_PINS
    from .portal.inprocess import sandbox_client
    from .secrets import Pin

    with sandbox_client() as client:
        for k, member in enumerate(HOUSEHOLD, start=1):
            profile = CardProfile.generate(seed=f"sample-{member.id}", holder=member)
            with open_card(reader="virtual", profile=profile) as card:
                client.login(card, Pin(DEFAULT_PINS["auth"]))
            client.fetch(["drugs"], store=vault.put)
            if progress:
                progress(done + k, total, f"薬剤情報 {member.name}")


def _sample_vault(progress: Progress | None = None) -> Path:
    target = sample_vault_dir()
    source = sample_data_dir()
    if (target / "vault.sqlite3").exists() or any(target.glob("*.sqlite*")):
        from .vault import open_vault

        try:
            with open_vault(target, passphrase=SAMPLE_PASSPHRASE, create=False) as vault:
                if vault.get_state("sample_fingerprint") == _fingerprint(source):
                    return target
        except Exception:  # noqa: S110 - a stale or broken cache is rebuilt below
            pass
    return build_sample_vault(target, source=source, progress=progress)


# ------------------------------------------------------------------------------ workbook
@dataclass
class Workbook:
    """An open vault plus what the notebooks ask of it (persons, birth dates, default year)."""

    vault: Vault
    path: Path
    sample: bool
    _frames: dict[tuple[str, int | None, str | None], pd.DataFrame] = field(default_factory=dict)

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.vault.close()

    def frame(
        self, name: str, *, year: int | None = None, person: str | None = None
    ) -> pd.DataFrame:
        """``vault.frame(name, year=, person=)``, with ``person`` resolved (id or name)."""
        person = self.resolve_person(person) if person else None
        key = (name, year, person)
        if key not in self._frames:
            self._frames[key] = self.vault.frame(name, year=year, person=person)
        return self._frames[key].copy()

    # -------------------------------------------------------------------------- who, when
    def persons(self, frame: str | None = None) -> list[str]:
        """Names (氏名) in the vault, or in ``frame`` when given, in household order."""
        if frame is not None:
            df = self.frame(frame)
            names = [str(p) for p in df["person"].dropna().unique()] if "person" in df else []
        else:
            names = sorted({str(i.person) for i in self.vault.catalogue() if i.person})
        order = {m.name: i for i, m in enumerate(HOUSEHOLD)}
        return sorted(names, key=lambda n: (order.get(n, len(order)), n))

    def resolve_person(self, person: str | None, *, frame: str | None = None) -> str:
        """A sample id (``"taro"``) or a name → the name; None → the first person in ``frame``."""
        if person:
            for m in HOUSEHOLD:
                if person == m.id:
                    return m.name
            return person
        names = self.persons(frame)
        if not names:
            raise MynaError(
                f"No person found{f' in {frame}' if frame else ''}",
                hint="import data first (myna import FILE, or myna fetch), or set PERSON",
                ja="対象のデータがありません。先にファイルを取り込むか（myna import）、"
                "ポータルから取得してください（myna fetch）。",
            )
        return names[0]

    def member(self, person: str) -> Person | None:
        """The sample household member with this name (None in a user's vault)."""
        for m in HOUSEHOLD:
            if person in (m.name, m.id):
                return m
        return None

    def birth_date(self, person: str) -> _dt.date:
        """Date of birth: from the vault's documents (医療費通知 資格情報, card data) or state."""
        name = self.resolve_person(person)
        stored = (self.vault.get_state("persons") or {}).get(name, {})
        if stored.get("birth"):
            return _dt.date.fromisoformat(str(stored["birth"]))
        for info in self.vault.catalogue(person=name):
            birth = info.meta.get("birth")
            if birth:
                return (
                    birth
                    if isinstance(birth, _dt.date)
                    else _dt.date.fromisoformat(str(birth)[:10])
                )
        member = self.member(name)
        if self.sample and member is not None:
            return member.birth
        raise MynaError(
            f"The date of birth of {name} is not in the vault",
            hint=f"import a 医療費通知 CSV (it carries it) or call wb.set_birth_date({name!r}, date(...))",
            ja="生年月日が保管庫にありません。医療費通知情報CSVを取り込むか、"
            "wb.set_birth_date(氏名, date(年, 月, 日)) で登録してください。",
        )

    def set_birth_date(self, person: str, birth: _dt.date) -> None:
        """Remember a date of birth in the vault (encrypted state)."""
        people = dict(self.vault.get_state("persons") or {})
        entry = dict(people.get(person, {}))
        entry["birth"] = birth.isoformat()
        people[person] = entry
        self.vault.set_state("persons", people)

    def sex(self, person: str) -> str | None:
        """ "1" male / "2" female when known (for sex-specific reference values)."""
        name = self.resolve_person(person)
        for info in self.vault.catalogue(person=name):
            sex = info.meta.get("sex")
            if sex in ("1", "2", "男", "女"):
                return {"男": "1", "女": "2"}.get(str(sex), str(sex))
        member = self.member(name)
        return member.sex if member is not None else None

    def sexes(self) -> dict[str, str]:
        return {p: s for p in self.persons() if (s := self.sex(p)) is not None}

    def year(self, year: int | None, *, frame: str = "medical_expenses") -> int:
        """``year``, or the latest calendar year with data in ``frame`` that is over."""
        if year is not None:
            return int(year)
        from . import frames

        df = self.frame(frame)
        col = frames.SCHEMAS[frame].year_column
        if df.empty or col is None:
            return _dt.date.today().year - 1
        values = df[col]
        years = values if col == "year" else values.dt.year
        this_year = _dt.date.today().year
        done = sorted({int(y) for y in years.dropna() if int(y) < this_year})
        return done[-1] if done else int(years.max())

    def status(self) -> pd.DataFrame:
        """Documents stored, by kind and person."""
        import pandas as pd

        infos = self.vault.catalogue()
        df = pd.DataFrame(
            {"kind": [i.kind for i in infos], "person": [i.person or "" for i in infos]}
        )
        if df.empty:
            return pd.DataFrame(columns=["kind", "person", "documents"])
        return df.groupby(["kind", "person"]).size().rename("documents").reset_index()

    # ------------------------------------------------------------------------------- tax
    def tax_settings(self, settings: str | os.PathLike[str] | None = None) -> TaxSettings:
        """Tax inputs: a settings file when given; the fictional inputs for the sample vault;
        else empty (deductions that need income then show as estimates or lower bounds)."""
        from .tax import TaxSettings, load_settings, settings_from_dict

        if settings is not None:
            return load_settings(Path(settings))
        if self.sample:
            return settings_from_dict(SAMPLE_TAX_SETTINGS)
        return TaxSettings()

    def tax_summary(
        self, year: int, *, settings: TaxSettings | None = None, income: int | None = None
    ) -> HouseholdSummary:
        """Every deduction of ``year`` for the household (mynalib.tax.household_summary)."""
        from .tax import household_summary

        return household_summary(
            year,
            medical_expenses=self.frame("medical_expenses", year=year),
            deductions=self.frame("deductions"),
            checkups=self.frame("checkups"),
            settings=settings or self.tax_settings(),
            income=income,
        )

    def deduction_table(
        self, summary: HouseholdSummary, *, person: str | None = None
    ) -> pd.DataFrame:
        """One row per deduction applied (label, person, 所得税, 住民税, 住民税の種類, 推計)."""
        import pandas as pd

        rows = [
            {
                "label": r.label,
                "person": ps.person,
                "所得税": r.income_tax,
                "住民税": r.resident_tax,
                "住民税の種類": r.resident_tax_kind,
                "推計": r.estimate,
            }
            for ps in summary.people
            for r in ps.results
            if person is None or ps.person == self.resolve_person(person)
        ]
        df = pd.DataFrame(
            rows, columns=["label", "person", "所得税", "住民税", "住民税の種類", "推計"]
        )
        return df.astype({"所得税": "Int64", "住民税": "Int64"})

    def deduction_amounts(
        self, summary: HouseholdSummary, *, person: str | None = None
    ) -> pd.DataFrame:
        """The deductions as chart input: label (with the person when several) and amounts."""
        df = self.deduction_table(summary, person=person)
        if df["person"].nunique() > 1:
            df["label"] = df["label"] + "（" + df["person"] + "）"
        credit = df["住民税の種類"] == "税額控除"
        df.loc[credit, "label"] = df.loc[credit, "label"] + "\n※住民税は税額控除"
        return df[["label", "所得税", "住民税"]]

    def medical_choice(self, summary: HouseholdSummary) -> str:
        """医療費控除 or セルフメディケーション税制: which one and by how much, with the arithmetic."""
        if summary.comparison is not None:
            return summary.comparison.explain()
        if summary.self_medication is None:
            return (
                "セルフメディケーション税制の対象となる市販薬の購入記録がないため、医療費控除だけを計算しました。"
                "（購入記録は設定ファイルの otc_purchases にCSVで指定できます）\n\n"
                + summary.medical.explain()
            )
        return summary.medical.explain() + "\n\n" + summary.self_medication.explain()

    def furusato(self, summary: HouseholdSummary) -> tuple[int | None, int]:
        """(estimated ふるさと納税 limit or None, this year's ふるさと納税 donations) of the filer."""
        for ps in summary.people:
            if ps.person != summary.filer:
                continue
            for r in ps.results:
                if r.key == "donation":
                    return r.details.get("furusato_limit"), int(r.details.get("furusato") or 0)
        return None, 0

    def warnings(self, summary: HouseholdSummary) -> str:
        """Every warning of the summary and its results (ワンストップ特例 etc.), one per line."""
        lines = list(summary.warnings)
        for ps in summary.people:
            for r in ps.results:
                lines += [w for w in r.warnings if w not in lines]
        return "\n".join(f"⚠ {w}" for w in lines) if lines else "注意事項はありません。"

    def export_dir(self) -> Path:
        """Where the notebooks write export files (per-user state dir, ``exports/``)."""
        out = paths.default_state_dir() / "exports"
        out.mkdir(parents=True, exist_ok=True)
        return out

    def export_medical_form(self, year: int, *, settings: TaxSettings | None = None) -> Any:
        """Write the 医療費集計フォーム CSV of ``year`` for the household; returns the FormExport."""
        from .export.iryohi_form import export_iryohi_form

        settings = settings or self.tax_settings()
        return export_iryohi_form(
            self.frame("medical_expenses", year=year),
            settings.medical_extra,
            year=year,
            household=settings.household,
            out=self.export_dir() / f"医療費集計フォーム_{year}.csv",
        )

    def export_deductions(self, summary: HouseholdSummary) -> list[Path]:
        """Write the deduction summary as CSV and JSON; returns the two paths."""
        from .export.deductions import write_deductions

        base = self.export_dir() / f"控除一覧_{summary.year}"
        return [
            write_deductions(summary, base.with_suffix(".csv")),
            write_deductions(summary, base.with_suffix(".json")),
        ]

    # -------------------------------------------------------------------------- portal
    def fetch_from_sandbox(
        self, groups: tuple[str, ...] = ("notices",), *, person: str = "taro"
    ) -> Any:
        """Sample vault only: log in to the in-process sandbox with ``person``'s software card
        (PIN of the sample cards) and fetch ``groups`` into the vault; returns the FetchReport."""
        if not self.sample:
            raise MynaError(
                "fetch_from_sandbox only fills the sample vault",
                hint="for your own vault use `myna login` and `myna fetch` (the PIN is asked for, never stored)",
                ja="サンドボックスからの取得はサンプル保管庫専用です。自分の保管庫には myna login と myna fetch を使ってください。",
            )
        from .card import open_card
        from .card.virtual import CardProfile
        from .card.virtual.profile import DEFAULT_PINS
        from .portal.inprocess import sandbox_client
        from .secrets import Pin

        member = self.member(person)
        if member is None:
            raise MynaError(
                f"{person!r} is not a member of the sample household",
                hint="use taro, hanako, sora or ume",
                ja="サンプル世帯にいない人です（taro, hanako, sora, ume のいずれか）。",
            )
        profile = CardProfile.generate(seed=f"sample-{member.id}", holder=member)
        with sandbox_client() as client:
            with open_card(reader="virtual", profile=profile) as card:
                client.login(card, Pin(DEFAULT_PINS["auth"]))
            report = client.fetch(list(groups), store=self.vault.put)
        self._frames.clear()
        return report

    def __repr__(self) -> str:
        kind = "sample vault" if self.sample else "vault"
        return f"<Workbook {kind} at {self.path}>"


def open_workbook(
    vault: str | os.PathLike[str] | None = None,
    *,
    passphrase: str | None = None,
    progress: Progress | None = None,
) -> Workbook:
    """Open the workbook: ``None``/``"sample"`` → the sample vault; a path → that vault.

    ``passphrase``: None → ``$MYNA_VAULT_PASSPHRASE`` or the OS keyring; ``"ask"`` → a hidden
    prompt (getpass: a password box in Jupyter; the passphrase is never echoed or stored).
    """
    from .vault import open_vault

    if passphrase == "ask":  # noqa: S105 - the keyword that asks, not a passphrase
        import getpass

        passphrase = getpass.getpass("保管庫のパスフレーズ（vault passphrase）: ")

    if vault is None or str(vault) == "sample":
        path = _sample_vault(progress=progress or _notebook_progress())
        return Workbook(open_vault(path, passphrase=SAMPLE_PASSPHRASE, create=False), path, True)
    path = Path(vault).expanduser()
    return Workbook(open_vault(path, passphrase=passphrase), path, False)


def _notebook_progress() -> Progress | None:
    """In a Jupyter kernel: a progress bar (ipywidgets) shown on the first call; else None."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
        if shell is None or "IPKernelApp" not in shell.config:
            return None
        import ipywidgets as widgets
        from IPython.display import display
    except ImportError:
        return None
    bar: list[Any] = []

    def update(done: int, total: int, label: str) -> None:
        if not bar:
            bar.append(widgets.IntProgress(min=0, max=total, description="準備中"))
            bar.append(widgets.Label())
            display(widgets.HBox(bar))
        bar[0].max, bar[0].value = total, done
        bar[1].value = f"サンプル保管庫を作成しています: {label}"

    return update


@contextlib.contextmanager
def workbook(vault: str | os.PathLike[str] | None = None, **kwargs: Any) -> Iterator[Workbook]:
    """``with workbook(VAULT) as wb: ...`` — closes the vault at the end."""
    wb = open_workbook(vault, **kwargs)
    try:
        yield wb
    finally:
        wb.close()
