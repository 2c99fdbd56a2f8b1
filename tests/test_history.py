"""Scheduled scans: a new data revision is a new run, an unchanged one costs nothing, and compare
finds the flag the new revision brought."""

from __future__ import annotations

import json

import pytest
import yaml
from typer.testing import CliRunner

import leak
import synthetic
from test_report_sensitive import report as hand_built_audit

from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.compare import compare_runs
from lrp_audit.audits.history import history_tables
from lrp_audit.audits.lexicon import terms_table
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.cli import app
from lrp_audit.run_folder import AUDIT_FILE, TERMS_FILE, read_manifest, write_atomic

NEUTRAL = [
    f"The person {verb} the {thing} {manner}."
    for verb in leak.VERBS
    for thing in leak.OBJECTS[:3]
    for manner in leak.GOOD[:1] + leak.BAD[:1]
]


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


@pytest.fixture(scope="module")
def history(runtime, leak_model, tmp_path_factory):
    """Revision 1 names no gender; revision 2 adds profiles whose gender words the model relies on."""
    root = tmp_path_factory.mktemp("history")
    model = leak_model
    data = root / "data.csv"
    config = root / "nightly.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "model": {"name": str(model)},
                "dataset": {"name": str(data), "label_column": "label"},
                "runtime": {"output_dir": str(root / "runs")},
                "audit": {"resamples": 500},
            }
        )
    )
    leak.write_csv(NEUTRAL, ["hire"] * len(NEUTRAL), data)
    first = cli("scan", str(config))
    again = cli("scan", str(config))
    texts, labels = leak.sentences(120, leak=True, seed=2)
    leak.write_csv(NEUTRAL + texts, ["hire"] * len(NEUTRAL) + labels, data)
    second = cli("scan", str(config))
    runs = sorted(path.parent for path in (root / "runs").glob("*/manifest.json"))
    return root / "runs", first, again, second, runs


def _started(run_dir) -> str:
    return json.loads((run_dir / "manifest.json").read_text())["started_at"]


def test_an_unchanged_rescan_does_no_model_work(history):
    _, first, again, _, _ = history
    assert first[0] == 0 and again[0] == 0, again[1]
    assert "already complete for this config, model and data; no model work done" in again[1]


def test_a_new_data_revision_is_a_new_run(history):
    _, _, _, second, runs = history
    assert second[0] == 0, second[1]
    assert len(runs) == 2


def test_compare_reports_the_flag_the_new_revision_brought(history):
    _, _, _, _, runs = history
    old, new = sorted(runs, key=_started)
    code, output = cli("compare", str(old), str(new), "--fail-on-new-flag")
    assert code == 3, output
    assert "new flags: gender/" in output
    code, _ = cli("compare", str(old), str(new))
    assert code == 0


def test_compare_latest_takes_the_two_runs_started_last(history):
    output_dir, *_ = history
    code, output = cli("compare", "--latest", str(output_dir), "--fail-on-new-flag")
    assert code == 3 and "new flags: gender/" in output


def test_runs_lists_every_run_with_its_flags(history):
    output_dir, *_ = history
    result = CliRunner().invoke(app, ["runs", str(output_dir), "--format", "json"])
    rows = json.loads(result.output)
    assert [row["status"] for row in rows] == ["complete", "complete"]
    assert [row["flags"] for row in rows][0] == 0 and rows[1]["flags"] >= 1
    assert rows[0]["data"] != rows[1]["data"] and rows[0]["model"] == rows[1]["model"]


def test_compare_refuses_a_run_that_was_not_audited(history, tmp_path):
    _, _, _, _, runs = history
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "manifest.json").write_text((runs[0] / "manifest.json").read_text())
    code, output = cli("compare", str(bare), str(runs[1]))
    assert code == 2 and "not audited yet" in output


def test_compare_measures_how_much_a_group_s_share_changed(tmp_path):
    """Two runs without a model: the second relies six times more on 'she'; 'he' is unchanged."""
    texts = [
        f"{subject} said the result was {ending} today."
        for subject in ("She", "He", "They")
        for ending in ("good", "bad", "fine", "odd", "late")
    ] * 4
    settings = AuditSettings(axes=["gender"], resamples=500)
    runs = [
        synthetic.write_run(tmp_path / name, texts, boost={"she": boost}, seed=seed)
        for name, boost, seed in (("before", 1.0, 0), ("after", 6.0, 1))
    ]
    for run in runs:
        run_audit(run, settings, predict=None)
    groups = {group.group: group for group in compare_runs(*runs, settings).groups}
    assert groups["female"].share_change.low > 0 and groups["female"].significant
    assert groups["female"].lift_change.low > 0
    assert groups["male"].share_change.low < 0 < groups["male"].share_change.high
    assert not groups["male"].significant


def _two_runs(tmp_path, before: list[str], after: list[str]) -> list:
    settings = AuditSettings(axes=["gender"], resamples=200)
    runs = [synthetic.write_run(tmp_path / name, texts, seed=seed) for name, texts, seed in (("a", before, 0), ("b", after, 1))]
    for run in runs:
        run_audit(run, settings, predict=None)
    return runs


SHE = [f"She said the result was {ending} today." for ending in ("good", "bad", "fine", "odd", "late")]
HE = [f"He said the result was {ending} today." for ending in ("good", "bad", "fine", "odd", "late")]


def test_compare_shows_a_group_too_rare_in_one_run_without_testing_it(tmp_path):
    runs = _two_runs(tmp_path, (SHE + HE) * 4, SHE[:3] + HE * 4)
    groups = {group.group: group for group in compare_runs(*runs, AuditSettings(axes=["gender"])).groups}
    female = groups["female"]
    assert not female.tested and female.reason == "fewer than 10 examples in a run"
    assert female.share_change.low is None and female.share_change.estimate is not None
    assert groups["male"].tested
    code, output = cli("compare", *map(str, runs))
    assert code == 0, output
    assert "gender/female 20->3" in output


def test_compare_shows_a_group_seen_in_only_one_run(tmp_path):
    runs = _two_runs(tmp_path, HE * 4, (SHE + HE) * 4)
    groups = {group.group: group for group in compare_runs(*runs, AuditSettings(axes=["gender"])).groups}
    female = groups["female"]
    assert female.state == "only in run b" and not female.tested and female.share_change is None
    result = CliRunner().invoke(app, ["compare", *map(str, runs), "--format", "json"])
    assert result.exit_code == 0, result.output
    parsed = {group["group"]: group for group in json.loads(result.stdout)["groups"]}
    assert parsed["female"]["reason"] == "the group is only in run b" and parsed["male"]["state"] == "in both runs"


def test_a_proxy_word_confirmed_in_the_later_run_is_a_new_flag(tmp_path):
    """Two runs whose audits are written by hand: both find 'lacrosse' a candidate proxy, the later
    one confirms it."""
    later = hand_built_audit()
    (lacrosse,) = later.proxies
    unconfirmed = lacrosse.updated(counterfactual=lacrosse.counterfactual.updated(confirmed=False))
    earlier = later.updated(status="clear", proxies=[], unconfirmed_proxies=[unconfirmed, *later.unconfirmed_proxies])
    runs = [synthetic.write_run(tmp_path / name, HE * 4, seed=seed) for name, seed in (("a", 0), ("b", 1))]
    for run, audit in zip(runs, (earlier, later)):
        (run / AUDIT_FILE).write_text(audit.updated(run_id=read_manifest(run).run_id).model_dump_json())
        write_atomic(terms_table([]), run / TERMS_FILE)
    flags = history_tables(runs)["run_flags"].to_pylist()
    assert [(row["axis"], row["group"], row["confirmed"]) for row in flags][-2:] == [
        ("proxy words", "lacrosse (gender = f)", True),
        ("proxy words", "chess (race = b)", False),
    ]
    comparison = compare_runs(*runs, AuditSettings())
    assert comparison.flags.new == ["proxy words/lacrosse (gender = f)"]
    changed = next(group for group in comparison.groups if group.group == "lacrosse (gender = f)")
    assert (changed.verdict_a, changed.verdict_b, changed.state) == ("unconfirmed", "flag", "in both runs")
    assert changed.reason == "a proxy word: compared by its verdict, not its shares"
