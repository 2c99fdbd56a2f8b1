"""Typed records of a run folder's JSON files: what the steps write reads back as the same record and
the same JSON, files from before records read too, and a damaged file is one message naming it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import synthetic
from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.cli import app
from lrp_audit.run_folder import (
    SCHEMA_VERSION,
    AuditReport,
    FaithfulnessReport,
    Manifest,
    RunFolderError,
    read_audit,
    read_faithfulness,
    read_manifest,
)

# A leaking scan's manifest.json, audit.json and faithfulness.json, written before records existed.
BEFORE = Path(__file__).parent / "golden" / "before-records"
RECORDS = {"manifest.json": Manifest, "audit.json": AuditReport, "faithfulness.json": FaithfulnessReport}
TEXTS = [f"{subject} said the result was {ending} today." for subject in ("She", "He", "They") for ending in "abcd"] * 3


@pytest.fixture(scope="module")
def audited(tmp_path_factory) -> Path:
    run_dir = synthetic.write_run(tmp_path_factory.mktemp("records") / "run", TEXTS, boost={"she": 8.0})
    run_audit(run_dir, AuditSettings(axes=["gender"], resamples=200), predict=None)
    return run_dir


@pytest.fixture
def before(tmp_path) -> Path:
    """A complete run with the audit.json and faithfulness.json written before records."""
    run_dir = synthetic.write_run(tmp_path / "run", TEXTS)
    for name in ("audit.json", "faithfulness.json"):
        shutil.copyfile(BEFORE / name, run_dir / name)
    return run_dir


def _json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("name", sorted(RECORDS))
def test_a_file_from_before_schema_version_reads_as_version_1_and_writes_back_unchanged(name):
    written = _json(BEFORE / name)
    record = RECORDS[name].model_validate(written)
    assert "schema_version" not in written and record.schema_version == 1
    assert record.model_dump(mode="json") == written | {"schema_version": 1}


def test_the_audit_step_writes_its_record_and_reads_it_back_the_same(audited):
    written = _json(audited / "audit.json")
    assert written["schema_version"] == SCHEMA_VERSION
    assert read_audit(audited).model_dump(mode="json") == written


def test_asking_again_for_an_audit_gives_the_same_record_from_the_run_folder(audited):
    again = run_audit(audited, AuditSettings(axes=["gender"], resamples=200), predict=None)
    assert again.origin == "current" and isinstance(again.report, AuditReport)
    assert again.report == read_audit(audited) and again.report.key is not None


def test_a_manifest_without_the_facts_a_scan_writes_still_reads(audited):
    manifest = read_manifest(audited)  # the synthetic run's: no identity, model, dataset, attribution
    assert manifest.status == "complete" and manifest.counts.examples == len(TEXTS)
    assert manifest.identity is None and manifest.model is None and manifest.method is None


def test_the_records_of_a_scan_read_as_typed_attributes():
    manifest, audit, faithfulness = read_manifest(BEFORE), read_audit(BEFORE), read_faithfulness(BEFORE)
    assert manifest.counts.input_rows == 200 and manifest.method == "cp-lrp"
    assert [(flag.axis, flag.group) for flag in audit.flags] == [("gender", "female"), ("gender", "male")]
    assert audit.flags[0].counterfactual.swap.flip_rate == 1.0
    assert faithfulness.verdict.beats_random and faithfulness.results[-1].vs_random is None


def test_what_an_untested_test_lacks_is_left_out_of_the_file_and_an_unset_field_is_null(audited):
    [untested, *_] = [test for test in read_audit(audited).tests if not test.tested]
    written = untested.model_dump(mode="json")
    assert written["term"] is None and written["reason"].startswith("fewer than")
    assert not {"lift_tokens", "lift_control", "relevance", "p_value", "q_value"} & set(written)


def test_a_damaged_audit_is_one_error_naming_the_file_and_the_field(before):
    audit = _json(before / "audit.json")
    del audit["flags"][0]["axis"]
    (before / "audit.json").write_text(json.dumps(audit))
    with pytest.raises(RunFolderError, match=r"audit\.json: unexpected content: flags\[0\]\.axis: Field required"):
        read_audit(before)


def test_the_report_command_refuses_a_damaged_audit_with_exit_2_and_no_traceback(before):
    audit = _json(before / "audit.json")
    del audit["flags"][0]["axis"]
    (before / "audit.json").write_text(json.dumps(audit))
    result = CliRunner().invoke(app, ["report", str(before)])
    output = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 2, output
    assert "audit.json: unexpected content: flags[0].axis: Field required" in output
    assert "Traceback" not in output and not (before / "report.html").exists()


def test_a_file_from_a_newer_lrp_audit_is_refused(before):
    faithfulness = _json(before / "faithfulness.json") | {"schema_version": SCHEMA_VERSION + 1}
    (before / "faithfulness.json").write_text(json.dumps(faithfulness))
    with pytest.raises(RunFolderError, match=r"faithfulness\.json: unexpected content: schema_version: .*newer lrp-audit"):
        read_faithfulness(before)
