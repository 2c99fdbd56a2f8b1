"""What the audit refuses (exit 2, one message) and what it will not call a flag. No model, no Ray."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.cli import app
from synthetic import write_run

PLANTED = {
    "axis": "planted",
    "description": "a made-up word the synthetic relevance leans on",
    "sources": ["test"],
    "licence": "CC0",
    "groups": {"zorb": {"terms": ["zorblax"]}, "plain": {"terms": ["quib"]}},
}


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory):
    """Random relevance, except that the made-up word 'zorblax' gets twenty times more."""
    root = tmp_path_factory.mktemp("planted")
    texts = [f"the zorblax met a friend number {i} today" for i in range(30)] + ["a quib went home"] * 3
    run = write_run(root / "run", texts, boost={"zorblax": 20.0})
    lexicon = root / "planted.yaml"
    lexicon.write_text(yaml.safe_dump(PLANTED))
    return run, str(lexicon)


def audit(*args):
    result = CliRunner().invoke(app, ["audit", *map(str, args)])
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


def test_a_group_without_a_swap_partner_is_reported_unconfirmed_not_flagged(planted_run):
    run, lexicon = planted_run
    report = run_audit(run, AuditSettings(axes=[], lexicons=[lexicon], resamples=500)).report
    assert report.status == "clear" and report.flags == []
    [entry] = report.unconfirmed
    assert (entry.axis, entry.group) == ("planted", "zorb")
    assert entry.statistics.lift_control.low > 1.5
    assert "no swap_with partner" in entry.counterfactual.reason


def test_a_group_seen_in_too_few_examples_is_counted_but_not_tested(planted_run):
    run, lexicon = planted_run
    report = run_audit(run, AuditSettings(axes=[], lexicons=[lexicon], resamples=500)).report
    [plain] = [t for t in report.tests if t.level == "group" and t.group == "plain"]
    assert plain.examples == 3 and not plain.tested and "fewer than 10 examples" in plain.reason
    assert report.coverage.axes["planted"]["plain"].examples == 3


def test_an_unfinished_scan_is_refused(tmp_path):
    run = write_run(tmp_path / "run", ["she is here"] * 3)
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps(manifest | {"status": "running"}))
    code, output = audit(run)
    assert code == 2 and "the scan is running, not complete" in output


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    code, output = audit(tmp_path)
    assert code == 2 and "no manifest.json" in output


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("audit.min_lift=-1", "audit.min_lift: Input should be greater than 0"),
        ("audit.axes=[caste]", "audit.axes: no bundled lexicon 'caste'"),
        ("audit.lexicons=[missing.yaml]", "lexicon missing.yaml"),
        ("audit.bootstrap=10", "audit.bootstrap: unknown key (from --set audit.bootstrap=10)"),
        ("model.name=other", "only audit.* and evaluation.* keys can change after the scan"),
    ],
)
def test_bad_audit_settings_exit_2_naming_the_key(planted_run, override, message):
    run, _ = planted_run
    code, output = audit(run, "--set", override)
    assert code == 2, output
    assert message in output
    assert "Traceback" not in output


def test_an_unconfirmed_swap_is_explained_with_the_signs_the_table_shows():
    from lrp_audit.audits.audit import unconfirmed_reason
    from lrp_audit.run_folder.records import CounterfactualCheck

    check = CounterfactualCheck(
        partner="male",
        confirmed=False,
        reason=None,
        swap={"flip_rate": 0.5, "mean_probability_change": -0.40, "mean_absolute_change": 0.40},
        control={"flip_rate": 0.25, "mean_probability_change": -0.26, "mean_absolute_change": 0.26},
        excess_change={"estimate": 0.142, "low": 0.05, "high": 0.2},
        q_value=0.2,
    )
    reason = unconfirmed_reason(check, AuditSettings(min_probability_change=0.2))
    assert reason.startswith("the swap changed the target probability by -0.400 on average against -0.260")
    assert "beyond the control's is +0.142 (needs >= 0.2 at q <= 0.05; q = 0.2)" in reason
