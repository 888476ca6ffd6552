"""The exploration notebook runs top to bottom on the shipped data (so it cannot rot)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "1.0-analisis-konsolidasi.ipynb"


def test_notebook_executes() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(
        str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs
    )
    assert "Pemerintah Kota Binjai 2018" in text
    assert "IK07.15" in text  # the weakest indicator (dropout rate 0,018 % against 0,0005 %)
    assert any("image/png" in o.get("data", {}) for o in outputs)
