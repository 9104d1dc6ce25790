"""`myna samples`: the fictional sample household's documents (mynalib.samples)."""

from __future__ import annotations

from pathlib import Path

import click

from ._common import report_errors


@click.group("samples")
def samples_group() -> None:
    """The fictional sample household (見本家): generate its documents.

    Four fictional persons, five years of 医療費通知情報 CSV, signed 控除証明書 XML (SAMPLE
    issuer, TEST ONLY), 特定健診 CDA XML and pension CSVs, all deterministic from a seed.
    """


@samples_group.command("generate")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("sample_data"),
    show_default=True,
    help="Folder to write into (its iryohi/, kojo/, kenshin/ and nenkin/ sub-folders).",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    help="Random seed (default: the one the committed sample_data/ was made with).",
)
@click.option(
    "--unsigned",
    is_flag=True,
    help="Do not sign the 控除証明書 XML (by default they carry a SAMPLE issuer signature).",
)
@report_errors
def generate_command(out_dir: Path, seed: int | None, unsigned: bool) -> None:
    """Write the sample household's documents (deterministic: same seed, same bytes).

    The 控除証明書 are signed with the SAMPLE issuer key shipped in mynalib/data/sample_keys
    (TEST ONLY): they verify as "untrusted" unless the sample root is trusted explicitly.
    Import them with `myna import` (e.g. `myna import sample_data/**/*.*`).
    """
    from ..samples.files import generate
    from ..samples.household import DEFAULT_SEED

    chosen = DEFAULT_SEED if seed is None else seed
    paths = generate(out_dir, chosen, sign=not unsigned)
    kinds: dict[str, int] = {}
    documents = [p for p in paths if p.name != "README.md"]
    for path in documents:
        sub = path.relative_to(out_dir).parts[0]
        kinds[sub] = kinds.get(sub, 0) + 1
    labels = {
        "iryohi": "医療費通知情報 CSV",
        "kojo": "控除証明書 XML",
        "kenshin": "特定健診 CDA XML",
        "nenkin": "pension CSV",
    }
    click.echo(f"Wrote {len(documents)} documents and README.md to {out_dir} (seed {chosen}):")
    for sub, count in kinds.items():
        click.echo(f"  {sub + '/':9} {count:3} {labels.get(sub, '')}")


COMMANDS: list[click.Command] = [samples_group]
