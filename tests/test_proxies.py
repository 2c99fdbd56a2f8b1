"""Proxy words end to end: a model whose label follows a gender no word names has its proxies found,
relied on and confirmed by replacing them; a model trained on the same profiles with labels
independent of gender has none confirmed, although the same words still go with gender in the data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

import proxy_leak
from lrp_audit.cli import app
from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import locate
from lrp_audit.run_folder.records import AuditReport

FEMALE, MALE = set(proxy_leak.ACTIVITIES["f"]), set(proxy_leak.ACTIVITIES["m"])


@dataclass(frozen=True)
class Scanned:
    result: Result  # of ``lrp-audit scan --fail-on-flag``
    run_dir: Path
    report: AuditReport


def scan(root: Path, kind: str) -> Scanned:
    """Train the ``kind`` model, scan its held-out profiles with ``gender`` as a sensitive column
    (``lrp-audit scan --fail-on-flag``: scan, audit, report) and read its audit."""
    config = {
        "model": {"name": str(proxy_leak.train(kind, root / f"model-{kind}"))},
        "dataset": {
            "name": str(proxy_leak.write_csv(kind, root / f"{kind}.csv")),
            "label_column": "label",
            "sensitive_columns": ["gender"],
        },
        "runtime": {"output_dir": str(root / "runs"), "run_id": kind},
        "audit": {"counterfactual_examples": 30},
    }
    path = root / f"{kind}.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["scan", str(path), "--fail-on-flag"])
    run_dir = locate(load_config(path)).run_dir
    assert (run_dir / "audit.json").is_file(), result.output
    return Scanned(result, run_dir, AuditReport.model_validate_json((run_dir / "audit.json").read_text()))


@pytest.fixture(scope="module")
def leaking(runtime, tmp_path_factory) -> Scanned:
    return scan(tmp_path_factory.mktemp("proxy-leak"), "leak")


@pytest.fixture(scope="module")
def fair(runtime, tmp_path_factory) -> Scanned:
    return scan(tmp_path_factory.mktemp("proxy-fair"), "fair")


def test_the_planted_proxies_of_a_leaking_model_are_confirmed_and_named(leaking):
    result, report = leaking.result, leaking.report
    assert report.status == "flagged" and report.flags == []  # no lexicon word occurs in the data
    named = {(proxy.column, proxy.group, proxy.word) for proxy in report.proxies}
    assert named and all(column == "gender" for column, _, _ in named)
    assert {word for _, group, word in named if group == "f"} <= FEMALE
    assert {word for _, group, word in named if group == "m"} <= MALE
    for proxy in report.proxies:
        assert proxy.association.q_value <= 0.05 and proxy.association.odds_ratio >= 2
        assert proxy.statistics.lift_control.low > 1.5
        assert proxy.counterfactual.confirmed and proxy.counterfactual.partner.startswith("proxies of gender")


def test_a_confirmed_proxy_exits_3_with_fail_on_flag_and_is_in_the_summary(leaking):
    result, report = leaking.result, leaking.report
    assert result.exit_code == 3, result.output
    assert report.proxies[0].word in result.output


def test_the_leaking_model_s_selection_rate_gap_is_reported(leaking):
    report = leaking.report
    (gender,) = [gaps for gaps in report.outcomes if gaps.column == "gender"]
    hire = next(m for m in gender.metrics if m.metric == "selection_rate" and m.of_class == proxy_leak.HIRE)
    assert hire.by_group["f"].estimate > hire.by_group["m"].estimate
    assert hire.difference.low > 0


def test_a_model_with_labels_independent_of_gender_has_no_confirmed_proxy(fair):
    result, report = fair.result, fair.report
    assert report.proxies == [] and report.status == "clear"
    assert result.exit_code == 0, result.output


def test_the_proxies_are_still_associated_with_gender_in_the_data_of_the_fair_model(fair):
    report = fair.report
    associated = {(a.group, a.word) for a in report.associations if a.column == "gender"}
    assert {("f", word) for word in FEMALE} | {("m", word) for word in MALE} <= associated


def test_audit_json_names_each_proxy_under_proxies_with_its_evidence(leaking):
    report = leaking.report
    written = json.loads((leaking.run_dir / "audit.json").read_text())
    assert {proxy["word"] for proxy in written["proxies"]} == {proxy.word for proxy in report.proxies}
    assert set(written["proxies"][0]) == {"column", "group", "word", "association", "statistics", "counterfactual"}
