"""Execute a notebook headless with nbclient and collect what a reader would see as a problem."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@dataclass
class Run:
    name: str
    seconds: float
    notebook: nbformat.NotebookNode
    problems: list[str] = field(default_factory=list)
    images: list[bytes] = field(default_factory=list)


def problems_in(nb: nbformat.NotebookNode) -> list[str]:
    """Errors, anything on stderr, and any text that looks like a warning, cell by cell."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif kind == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i}: stderr: {out.get('text', '')[:500]}")
            else:
                text = out.get("text") or out.get("data", {}).get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else str(text)
                if "Warning" in text or "Traceback" in text:
                    found.append(f"cell {i}: warning text in output: {text[:500]}")
    return found


def execute(path: Path, *, timeout: int = 180, parameters: dict[str, object] | None = None) -> Run:
    """Run ``path`` top to bottom in one fresh kernel; ``parameters`` replace the parameters cell."""
    nb = nbformat.read(path, as_version=4)
    if parameters:
        cell = nb.cells[0]
        cell.source += "\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,  # keep going so the report names every failing cell
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    images = [
        base64.b64decode(out["data"]["image/png"])
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    ]
    return Run(path.stem, seconds, nb, problems_in(nb), images)
