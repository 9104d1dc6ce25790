"""ファイルの取り込みと書き出し: import downloaded files from the page, download the year's exports.

- Import: files chosen in the browser (ipywidgets ``FileUpload``) go through the vault's import,
  the checks of ``myna import`` (size limit, kind detected by content, parsed, a file already
  stored is not stored twice); each file gets one line saying what happened, in Japanese.
- Export: the 医療費集計フォーム (CSV; a filled copy of the official XLSX once the form is chosen)
  and the deduction summary (CSV, JSON) of the year shown, as the CLI's ``myna export`` writes
  them, offered as links that download at one click. The files are made in a private temporary
  folder, read back and deleted; the links are ``data:`` URIs, so nothing leaves the machine and
  no copy stays on disk.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..display import kind_label
from ..errors import MynaError
from .common import StatusBar, esc, guard, heading, japanese_message

MIME = {
    ".csv": "text/csv;charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ics": "text/calendar;charset=utf-8",
}


@dataclass(frozen=True)
class Download:
    """A file offered for download: what the link says, the file's name, its bytes."""

    label: str
    filename: str
    data: bytes

    def link(self, css: str = "") -> str:
        """An ``<a download>`` with the bytes as a ``data:`` URI: one click saves the file."""
        mime = MIME.get(Path(self.filename).suffix.lower(), "application/octet-stream")
        href = f"data:{mime};base64,{base64.b64encode(self.data).decode()}"
        return (
            f'<a class="myna-download {esc(css)}" download="{esc(self.filename)}" '
            f'href="{href}" title="{esc(self.filename)}">{esc(self.label)}</a>'
        )


# ------------------------------------------------------------------------------ import
def import_uploads(
    vault: Any, uploads: Iterable[Any], *, person: str | None = None
) -> list[tuple[str, str]]:
    """Import uploaded files (``FileUpload`` values: ``name`` and ``content``) into ``vault``;
    returns (css class, Japanese line) per file: ``ok``, ``dup`` or ``error``."""
    lines = []
    for upload in uploads:
        name = str(_get(upload, "name") or "ファイル")
        data = bytes(_get(upload, "content") or b"")
        try:
            report = vault.import_bytes(data, name=name, person=person or None, source="file")
        except MynaError as exc:
            lines.append(("error", f"✗ {name}: 取り込めませんでした — {japanese_message(exc)}"))
            continue
        if report.duplicate:
            lines.append(("dup", f"＝ {name}: 同じファイルは保管済みです（二重には保存しません）"))
            continue
        what = [kind_label(str(report.kind))]
        what += [str(v) for v in (report.person, report.period) if v]
        note = f"（注意 {len(report.warnings)}件）" if report.warnings else ""
        lines.append(("ok", f"✓ {name}: {'、'.join(what)}、{report.rows}件を保存しました{note}"))
    return lines


def _get(upload: Any, key: str) -> Any:
    return upload.get(key) if isinstance(upload, dict) else getattr(upload, key, None)


# ------------------------------------------------------------------------------ export
def medical_form_downloads(
    vault: Any, year: int, settings: Any, *, template: bytes | None = None
) -> list[Download]:
    """The year's 医療費集計フォーム as ``myna export iryohi-form`` writes it (CSV, or the
    official XLSX filled when ``template`` holds it); several files beyond the row limit."""
    from ..export.iryohi_form import export_iryohi_form
    from ..tax.portal import read_vault_inputs
    from ..tax.summary import medical_form_inputs

    medical = vault.frame("medical_expenses")
    extras, household, _notes = medical_form_inputs(
        year,
        medical_expenses=medical,
        settings=settings,
        vault_inputs=read_vault_inputs(vault, year),
    )
    suffix = ".xlsx" if template is not None else ".csv"
    with tempfile.TemporaryDirectory(prefix="myna-export-") as tmp:
        folder = Path(tmp)
        xlsx = None
        if template is not None:
            xlsx = folder / "template.xlsx"
            xlsx.write_bytes(template)
        result = export_iryohi_form(
            medical,
            extras,
            year=year,
            out=folder / f"医療費集計フォーム_{year}{suffix}",
            household=household,
            xlsx_template=xlsx,
        )
        kind = "XLSX" if template is not None else "CSV"
        return [
            Download(
                f"医療費集計フォーム（{kind}）{_part(i, result.files)}", p.name, p.read_bytes()
            )
            for i, p in enumerate(result.files, start=1)
        ]


def deduction_downloads(summary: Any) -> list[Download]:
    """The deduction summary as ``myna export deductions`` writes it (CSV and JSON)."""
    from ..export.deductions import write_deductions

    with tempfile.TemporaryDirectory(prefix="myna-export-") as tmp:
        out = []
        for suffix, kind in ((".csv", "CSV"), (".json", "JSON")):
            path = write_deductions(summary, Path(tmp) / f"控除一覧_{summary.year}{suffix}")
            out.append(Download(f"控除の一覧（{kind}）", path.name, path.read_bytes()))
        return out


def _part(i: int, files: Sequence[Path]) -> str:
    return f" {i}/{len(files)}" if len(files) > 1 else ""


class FilesPanel(widgets.VBox):
    """ファイルの取り込みと書き出し (see the module docstring).

    ``vault``: where files are imported (None: the panel says the vault is not open).
    ``exports(year, template)`` returns the downloads of ``year``; ``on_imported`` runs after an
    import stored something (the overview refreshes its figures).
    """

    def __init__(
        self,
        vault: Any,
        exports: Callable[[int, bytes | None], list[Download]],
        *,
        on_imported: Callable[[], None] | None = None,
        **kwargs: Any,
    ) -> None:
        self.vault = vault
        self._exports = exports
        self._on_imported = on_imported
        self.year: int | None = None
        self.template: bytes | None = None
        self.status = StatusBar()
        self.upload = widgets.FileUpload(
            accept=".csv,.xml,.json,.txt",
            multiple=True,
            description="ファイルを選んで取り込む",
            icon="upload",
            layout=widgets.Layout(width="auto"),
        )
        self.upload.add_class("myna-upload")
        self.person = widgets.Text(
            description="氏名",
            placeholder="ファイルに氏名がないときだけ（例: 見本　太郎）",
            style={"description_width": "4em"},
            layout=widgets.Layout(width="32em"),
        )
        self.report = widgets.HTML()
        self.report.add_class("myna-import-report")
        self.downloads = widgets.HTML()
        self.downloads.add_class("myna-downloads")
        self.form_template = widgets.FileUpload(
            accept=".xlsx",
            multiple=False,
            description="公式の医療費集計フォーム（.xlsx）を選ぶ",
            icon="file-excel-o",
            layout=widgets.Layout(width="auto"),
        )
        self.form_template.add_class("myna-form-template")
        self.upload.observe(self._on_upload, names="value")
        self.form_template.observe(self._on_template, names="value")
        super().__init__(
            [
                heading("ファイルの取り込みと書き出し"),
                widgets.HTML(
                    '<p class="myna-muted">マイナポータルからダウンロードした医療費通知情報（CSV）、'
                    "控除証明書（XML）、特定健診（XML）、年金記録（CSV）を取り込めます。"
                    "種類は中身から判定し、同じファイルは二度保存しません（myna import と同じ確認）。"
                    "</p>"
                ),
                widgets.HBox([self.upload, self.person]),
                self.report,
                heading("確定申告用の書き出し", 3),
                self.downloads,
                widgets.HTML(
                    '<p class="myna-muted">XLSX は、国税庁の「医療費集計フォーム」（.xlsx）を選ぶと、'
                    "その写しに書き込んだものをダウンロードできます。ファイルはこのパソコンの中で作られ、"
                    "どこにも送られません。</p>"
                ),
                self.form_template,
                self.status,
            ],
            **kwargs,
        )
        self.add_class("myna-files-panel")

    def show_year(self, year: int | None) -> None:
        """Offer the downloads of ``year`` (called when the overview shows another year)."""
        self.year = year

        @guard(self.status, "exports")
        def show() -> None:
            if year is None or self.vault is None:
                self.downloads.value = (
                    '<p class="myna-muted">書き出すデータがまだありません。'
                    "先にファイルを取り込んでください。</p>"
                )
                return
            try:
                found = self._exports(year, self.template)
            except MynaError as exc:  # a form that is not the official one: say so, go on
                if self.template is None:
                    raise
                self.template = None
                self.status.error(japanese_message(exc))
                found = self._exports(year, None)
            links = "".join(d.link("myna-export-" + _slug(d.filename)) for d in found)
            self.downloads.value = (
                f'<div class="myna-download-list" data-year="{year}">'
                f"<p>{year}年分（クリックするとダウンロードします）:</p>{links}</div>"
            )

        show()

    def _on_upload(self, change: dict[str, Any]) -> None:
        uploads = change["new"]
        if not uploads:
            return

        @guard(self.status, "upload import")
        def run() -> None:
            if self.vault is None:
                self.status.error(
                    "保管庫を開けないため取り込めません。上のメッセージを確認してください。"
                )
                return
            lines = import_uploads(self.vault, uploads, person=self.person.value.strip() or None)
            self.report.value = "".join(
                f'<div class="myna-import-{css}">{esc(text)}</div>' for css, text in lines
            )
            if any(css == "ok" for css, _ in lines) and self._on_imported is not None:
                self._on_imported()
            self.show_year(self.year)

        try:
            run()
        finally:
            self.upload.value = ()  # the bytes are not kept in the page

    def _on_template(self, change: dict[str, Any]) -> None:
        uploads = change["new"]
        if not uploads:
            return
        self.template = bytes(_get(uploads[0], "content") or b"")
        self.form_template.value = ()
        self.show_year(self.year)
        self.status.ok("医療費集計フォーム（XLSX）を書き出せるようになりました。")


def _slug(filename: str) -> str:
    stem = Path(filename).stem.split("_")[0]
    return {"医療費集計フォーム": "iryohi", "控除一覧": "deductions"}.get(stem, "file") + (
        Path(filename).suffix.replace(".", "-")
    )
