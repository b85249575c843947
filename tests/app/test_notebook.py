"""docs/workbench.ipynb runs from top to bottom and shows what it says it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).parents[2] / "docs" / "workbench.ipynb"


def _outputs(cell: dict) -> list[dict]:
    return list(cell.get("outputs", []))


@pytest.mark.slow
def test_the_workbench_notebook_runs(tmp_path: Path) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(output.get("output_type") != "error" for c in code for output in _outputs(c))
    html = [o["data"]["text/html"] for c in code for o in _outputs(c)
            if "text/html" in o.get("data", {})]
    assert any("yubi-case" in h for h in html) and any("yubi-result" in h for h in html)
    assert any("<progress" in h for h in html)  # the notebook progress bar
    images = [o for c in code for o in _outputs(c) if "image/png" in o.get("data", {})]
    assert len(images) == 2  # the fan chart and the scenario comparison
    printed = "".join(o.get("text", "") for c in code for o in _outputs(c))
    assert 'did you mean "troops_cap"' in printed
    assert "same numbers" in printed
