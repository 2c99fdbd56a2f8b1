"""The report in a real browser: a leaking model's report renders cleanly, and hostile text stays text."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import hostile
import leak
from lrp_audit.cli import app
from lrp_audit.reports import write_report

ARTIFACTS = Path(__file__).parent / ".artifacts"


@pytest.fixture(scope="module")
def leak_report(runtime, leak_model, tmp_path_factory) -> Path:
    """The leaking model through ``lrp-audit scan``: scanned, audited, evaluated, reported."""
    root = tmp_path_factory.mktemp("leak")
    model = leak_model
    data = leak.write_csv(*leak.sentences(200, leak=True, seed=2), root / "leak.csv")
    config = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data), "label_column": "label"},
        "runtime": {"output_dir": str(root / "runs"), "run_id": "leak"},
        "evaluation": {"sample": 40, "resamples": 200},
    }
    (root / "leak.yaml").write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["scan", str(root / "leak.yaml")])
    assert result.exit_code == 0, result.output
    return root / "runs" / "leak" / "report.html"


@pytest.fixture
def hostile_report(tmp_path) -> Path:
    return write_report(hostile.write_hostile_run(tmp_path / "run"))


def test_the_leak_report_renders_without_errors_with_heatmaps_and_plots(leak_report, page, problems, tmp_path):
    page.goto(leak_report.as_uri())
    page.wait_for_load_state("load")
    assert problems.messages == []
    titles = page.locator(".heatmap .word").evaluate_all("words => words.map(word => word.title)")
    assert len(titles) > 20
    assert all(re.match(r"[+-]\d+\.\d{4}( |$)", title) for title in titles), titles
    sensitive = page.locator(".heatmap .word.sensitive")
    assert sensitive.count() >= 10
    assert all("gender/" in title for title in sensitive.evaluate_all("words => words.map(word => word.title)"))
    assert sensitive.first.evaluate("word => getComputedStyle(word).outlineStyle") == "solid"
    widths = page.locator("img.plot").evaluate_all(
        "images => images.map(image => image.complete && image.naturalWidth)"
    )
    assert len(widths) >= 7 and all(width > 0 for width in widths)  # gaps, 4 per axis, 2 faithfulness curves
    assert page.locator("text=Flagged: the model relies on sensitive words.").count() == 1
    assert page.locator("text=cp-lrp ranks tokens better than a random order on this model").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    shutil.copy(tmp_path / "report.png", ARTIFACTS / "report.png")
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_markup_in_the_data_stays_text_in_the_browser(hostile_report, page, problems):
    page.goto(hostile_report.as_uri())
    page.wait_for_load_state("load")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0
    assert page.locator("img[onerror]").count() == 0 and page.locator("b").count() == 0
    shown = page.locator(".heatmap")
    assert shown.count() == 2  # both hostile texts are among the examples shown
    text = page.inner_text("body")
    assert hostile.SCRIPT in text and hostile.IMAGE in text and hostile.LABELS[1] in text
    assert problems.messages == []
