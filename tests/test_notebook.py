"""The example notebook (demo/notebook.ipynb), run top to bottom by a real Jupyter kernel, and what it shows."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from test_demo import LIMIT

NOTEBOOK = Path(__file__).parent.parent / "demo" / "notebook.ipynb"


@pytest.fixture(scope="module")
def executed(small_demo_model, tmp_path_factory) -> nbformat.NotebookNode:
    """The notebook as a user runs it, its parameters cell set to the reduced demo (a tiny BERT
    fine-tuned on the profiles, the first LIMIT of them), in a fresh kernel in a folder of its own."""
    folder = tmp_path_factory.mktemp("notebook")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    [parameters] = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    parameters.source = f"MODEL = {str(small_demo_model)!r}\nLIMIT = {LIMIT}\nOUTPUT_DIR = 'runs'"
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    with ThreadPoolExecutor(1) as thread:  # its event loop in a thread of its own: none is left in pytest's
        thread.submit(lambda: asyncio.run(client.async_execute())).result()
    return notebook


def _outputs(notebook, source_start: str) -> list:
    [cell] = [cell for cell in notebook.cells if cell.cell_type == "code" and cell.source.startswith(source_start)]
    return cell.outputs


def _html(notebook, source_start: str) -> str:
    [html] = [output.data["text/html"] for output in _outputs(notebook, source_start) if "text/html" in output.get("data", {})]
    return html


def test_the_notebook_runs_top_to_bottom_without_an_error(executed):
    errors = [output for cell in executed.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert errors == []


def test_the_run_cell_shows_the_run_with_its_verdict_and_report(executed):
    html = _html(executed, "run = lrp_audit.scan(")
    assert "flagged" in html and "gender/female" in html and "report.html" in html


def test_the_audit_cell_shows_the_flagged_groups_first(executed):
    html = _html(executed, "run.audit")
    rows = html.split("<tr>")[2:]  # after the header
    assert "gender/female" in rows[0] and ">flag<" in rows[0]
    verdicts = [verdict for row in rows for verdict in ("flag", "unconfirmed", "clear", "untested") if f">{verdict}<" in row]
    assert verdicts == sorted(verdicts, key=("flag", "unconfirmed", "clear", "untested").index)


def test_the_explain_cell_shows_coloured_words_with_their_values(executed):
    html = _html(executed, "run.explain(")
    assert html.count("lrp-audit-explanation") == 2
    assert "background: rgb(" in html and "largest |relevance|" in html and "lady" in html


def test_the_sql_cell_answers_a_dataframe(executed):
    [output] = [output for output in _outputs(executed, "run.sql(") if output.output_type == "execute_result"]
    assert "<table" in output.data["text/html"] and "mean_relevance" in output.data["text/plain"]
