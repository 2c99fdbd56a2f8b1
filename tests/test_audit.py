"""The audit end to end: a leaking model is flagged and confirmed, a fair one is not."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import ray
import yaml
from transformers import PreTrainedModel
from typer.testing import CliRunner, Result

import golden
import leak
from lrp_audit.audits.audit import run_audit
from lrp_audit.cli import app
from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines import pool as pool_module
from lrp_audit.pipelines.pool import ModelPool
from lrp_audit.pipelines.rerun import ray_predictor
from lrp_audit.pipelines.scan import locate, run_scan


def scan_config(root, kind: str, model: Path | None = None, executor: str = "auto") -> str:
    """Write the ``kind`` model's (leak or fair: trained here unless given) held-out data and a scan config."""
    if model is None:
        model = leak.train(*leak.sentences(800, kind == "leak", seed=1), root / f"model-{kind}")
    data = leak.write_csv(*leak.sentences(200, kind == "leak", seed=2), root / f"{kind}.csv")
    config = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data), "label_column": "label"},
        "runtime": {"output_dir": str(root / "runs"), "run_id": kind, "executor": executor},
        "evaluation": {"sample": 20},
    }
    path = root / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


@dataclass(frozen=True)
class Leaking:
    result: Result  # of ``lrp-audit scan --fail-on-flag``
    run_dir: Path
    observed: dict  # what the golden file pins
    workers_started: int  # model workers the command started
    driver_model_loads: int


@pytest.fixture(scope="module")
def leaking(runtime, leak_model, tmp_path_factory):
    """The leaking model's scan through the command line, which audits and evaluates at its end."""
    config = scan_config(tmp_path_factory.mktemp("leak"), "leak", leak_model, executor="ray")  # its pool of workers
    runtime.stop_pool()  # the command starts its own, as from a shell
    loads, started = [], []
    load, start = PreTrainedModel.from_pretrained.__func__, pool_module._start
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(PreTrainedModel, "from_pretrained", classmethod(lambda *a, **k: loads.append(1) or load(*a, **k)))
        patch.setattr(pool_module, "_start", lambda plan, config: started.append(plan) or start(plan, config))
        result = CliRunner().invoke(app, ["scan", config, "--fail-on-flag"])
    run_dir = locate(load_config(config)).run_dir
    return Leaking(result, run_dir, golden.observed(run_dir, result.exit_code), len(started), len(loads))


@pytest.fixture(scope="module")
def fair_report(runtime, tmp_path_factory):
    config = load_config(scan_config(tmp_path_factory.mktemp("fair"), "fair"))
    run_dir = run_scan(config, runtime).run_dir
    return run_audit(run_dir, config.audit, ray_predictor(config, runtime)).report


def test_a_model_whose_label_leaks_through_gender_words_is_flagged_and_confirmed(leaking):
    run_dir = leaking.run_dir
    report = json.loads((run_dir / "audit.json").read_text())
    assert report["status"] == "flagged"
    flagged = {(flag["axis"], flag["group"]) for flag in report["flags"]}
    assert flagged == {("gender", "female"), ("gender", "male")}
    for flag in report["flags"]:
        check = flag["counterfactual"]
        assert check["confirmed"] and check["q_value"] <= 0.05
        assert check["swap"]["flip_rate"] > 0.5 > check["control"]["flip_rate"]
        assert flag["statistics"]["lift_control"]["low"] > 1.5


def test_a_job_loads_the_model_once_on_one_pool_shared_by_the_scan_audit_and_evaluation(leaking):
    """The scan, the counterfactual swaps and the faithfulness check ran on the same model worker;
    the driver loaded no model (the probe ran on the worker)."""
    report = json.loads((leaking.run_dir / "audit.json").read_text())
    assert report["flags"] and all(flag["counterfactual"]["examples"] for flag in report["flags"])
    assert (leaking.run_dir / "faithfulness.json").is_file()
    assert leaking.workers_started == 1 and leaking.driver_model_loads == 0


def test_a_fixed_config_gives_the_golden_tables_findings_and_exit_code(leaking):
    """Pinned before the restructuring of issue 14: a refactor changes none of what a scan writes."""
    golden.check("leak-scan", leaking.observed)


def test_the_same_model_family_without_the_leak_is_not_flagged(fair_report):
    assert fair_report.status == "clear"
    assert fair_report.flags == [] and fair_report.unconfirmed == []
    gender = [t for t in fair_report.tests if t.level == "group" and t.axis == "gender"]
    assert {t.group for t in gender} == {"female", "male"}
    assert all(t.tested and t.lift_control.high < 1.5 for t in gender)


def test_scan_audits_at_its_end_and_exits_3_on_a_flag_with_fail_on_flag(leaking):
    result, run_dir = leaking.result, leaking.run_dir
    assert result.exit_code == 3, result.output
    assert "flagged: gender/female, gender/male" in result.output
    assert (run_dir / "audit.json").exists() and (run_dir / "terms.parquet").exists()


def test_audit_exits_0_on_a_flag_without_fail_on_flag(leaking):
    run_dir = leaking.run_dir
    result = CliRunner().invoke(app, ["audit", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "FLAG" in result.output


def test_audit_fail_on_flag_can_come_from_the_config(leaking):
    run_dir = leaking.run_dir
    result = CliRunner().invoke(app, ["audit", str(run_dir), "--set", "audit.fail_on_flag=true"])
    assert result.exit_code == 3, result.output


def test_a_raised_threshold_turns_the_flag_off(leaking):
    run_dir = leaking.run_dir
    result = CliRunner().invoke(app, ["audit", str(run_dir), "--set", "audit.min_lift=1000", "--fail-on-flag"])
    assert result.exit_code == 0, result.output
    assert "no flag raised" in result.output


def _no_model_work(*_, **__):
    raise AssertionError("model work was started")


def test_an_audit_with_other_settings_is_kept_beside_the_earlier_one(leaking, monkeypatch):
    run_dir = leaking.run_dir
    code = CliRunner().invoke(app, ["audit", str(run_dir), "--set", "audit.min_lift=1000"]).exit_code
    assert code == 0
    kept = {json.loads((folder / "audit.json").read_text())["settings"]["min_lift"] for folder in (run_dir / "kept").glob("audit-*")}
    assert kept >= {1.5, 1000}
    monkeypatch.setattr(ModelPool, "__init__", _no_model_work)  # the earlier audit comes back without a model
    result = CliRunner().invoke(app, ["audit", str(run_dir), "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["origin"] == "restored" and summary["flags"] == ["gender/female", "gender/male"]
    html = (run_dir / "report.html").read_text()
    assert f"kept/audit-{summary['key']}" in html and "min_lift = 1000" in html


def test_a_rescan_of_an_unchanged_run_and_audit_does_no_work(leaking, monkeypatch):
    run_dir = leaking.run_dir
    config = run_dir.parent.parent / "leak.yaml"
    assert CliRunner().invoke(app, ["scan", str(config)]).exit_code == 0  # the default audit is current
    monkeypatch.setattr(ModelPool, "__init__", _no_model_work)
    report = (run_dir / "report.html").stat().st_mtime_ns
    result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "no model work done" in output and "the audit of" in output and "stands (no work done)" in output
    assert (run_dir / "report.html").stat().st_mtime_ns == report


def test_the_report_gives_statistics_per_group_class_and_term(leaking):
    run_dir = leaking.run_dir
    report = json.loads((run_dir / "audit.json").read_text())
    levels = {(t["level"], t["group"], t["prediction"], t["term"]) for t in report["tests"]}
    assert ("group", "female", None, None) in levels
    assert ("class", "female", "hire", None) in levels
    assert ("term", "female", None, "she") in levels
    she = next(t for t in report["tests"] if t["term"] == "she")
    assert she["examples"] == report["coverage"]["axes"]["gender"]["female"]["terms"]["she"]["examples"]
    assert {"lift_tokens", "lift_control", "relevance", "p_value", "q_value", "top1_rate", "topk_rate"} <= set(she)
    assert report["coverage"]["examples"] == 200
