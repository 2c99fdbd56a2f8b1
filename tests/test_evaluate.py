"""``lrp-audit evaluate`` and ``evaluation.sample`` in scans: faithfulness.json from the Ray pool."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import leak
from lrp_audit.audits.evaluation import EvaluationError, Perturbed, run_evaluation
from lrp_audit.audits.settings import EvaluationSettings
from lrp_audit.lrp import Explainer
from lrp_audit.cli import app
from lrp_audit.pipelines.config import load_run_config
from lrp_audit.pipelines.rerun import ray_predictor

SAMPLE = 30


@pytest.fixture(scope="module")
def evaluated(runtime, tmp_path_factory):
    """The planted-word model scanned with ``evaluation.sample`` set (audit off, to stay quick)."""
    root = tmp_path_factory.mktemp("evaluate")
    model = leak.train(*leak.sentences(800, leak=True, seed=1), root / "model")
    data = leak.write_csv(*leak.sentences(80, leak=True, seed=2), root / "data.csv")
    config = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data)},
        "runtime": {"output_dir": str(root / "runs"), "run_id": "leak"},
        "audit": {"enabled": False},
        "evaluation": {"sample": SAMPLE, "resamples": 200},
    }
    path = root / "scan.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["scan", str(path)])
    return result, root / "runs" / "leak"


def test_scan_with_a_sample_writes_the_faithfulness_table(evaluated):
    result, run_dir = evaluated
    assert result.exit_code == 0, result.output
    report = json.loads((run_dir / "faithfulness.json").read_text())
    assert [r["method"] for r in report["results"]] == ["cp-lrp", "gxi", "attnlrp", "random"]
    assert report["examples"] == SAMPLE and report["replacement"]["token"] == "[UNK]"
    assert all(len(r["accuracy"]) == len(report["fractions"]) == 11 for r in report["results"])
    assert report["verdict"]["beats_random"], report["verdict"]["message"]
    assert "AUAC" in result.output and "ranks tokens better than a random order" in result.output


def test_scan_ends_with_a_report_showing_the_verdict(evaluated):
    _, run_dir = evaluated
    html = (run_dir / "report.html").read_text()
    assert "cp-lrp ranks tokens better than a random order on this model" in html


def test_evaluate_reproduces_the_scan_s_numbers(evaluated):
    _, run_dir = evaluated
    before = json.loads((run_dir / "faithfulness.json").read_text())
    for kept in (run_dir / "kept").glob("evaluation-*"):  # nothing kept to reuse: the curves are drawn again
        shutil.rmtree(kept)
    (run_dir / "faithfulness.json").unlink()
    code, output = evaluate(str(run_dir), "--sample", str(SAMPLE))
    assert code == 0, output
    after = json.loads((run_dir / "faithfulness.json").read_text())
    assert after["results"] == before["results"]


def evaluate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["evaluate", *args])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_the_pool_scores_texts_exactly_as_the_explainer_does(evaluated, runtime):
    """Rows without a second text are scored as single texts, as the explainer scores them."""
    _, run_dir = evaluated
    config = load_run_config(run_dir)
    texts, _ = leak.sentences(8, leak=True, seed=3)
    explainer = Explainer.from_pretrained(config.model.name)
    records = explainer.encode(texts)
    unlikely = (1 - explainer.predict(records, [0] * len(texts)).prediction).tolist()  # unsaturated probabilities
    expected = explainer.predict(records, unlikely).probability
    rows = [{"text": text, "text_pair": None, "target": target} for text, target in zip(texts, unlikely)]
    scored = [row["probability"] for row in ray_predictor(config, runtime)(rows)]
    np.testing.assert_allclose(scored, expected, rtol=1e-5)


def test_evaluate_refuses_a_folder_that_is_not_a_run(tmp_path):
    code, output = evaluate(str(tmp_path))
    assert code == 2
    assert "no manifest.json" in output and "Traceback" not in output


def test_evaluate_refuses_an_unknown_method_naming_the_key(evaluated):
    _, run_dir = evaluated
    code, output = evaluate(str(run_dir), "--set", "evaluation.methods=[lime]")
    assert code == 2
    assert "evaluation.methods" in output and "unknown method 'lime'" in output


def test_an_evaluation_where_no_sampled_example_can_be_perturbed_is_refused(evaluated):
    """The evaluation takes its curves from a function, as the audit takes its predictions: no model here."""
    _, run_dir = evaluated

    def nothing_to_replace(rows: list[dict], methods: list[str]) -> Perturbed:
        return Perturbed(("[UNK]", 1), [False] * len(rows), {})

    with pytest.raises(EvaluationError, match="no sampled example has a token of its own text to replace"):
        run_evaluation(run_dir, EvaluationSettings(sample=5), nothing_to_replace)
