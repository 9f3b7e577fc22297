"""The quick-start notebook runs top to bottom and is stored without outputs."""

import json

import pytest

from conftest import ROOT, SAMPLE_XLSX

NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.skipif(not SAMPLE_XLSX.exists(), reason="sample survey not built")
def test_notebook_runs_top_to_bottom() -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert "retrained" in str(outputs[-1])
