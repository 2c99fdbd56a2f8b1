"""The ``lrp-audit`` command line, run in-process on a tiny model saved to a folder."""

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lrp_audit.cli import app
from lrp_audit.run_folder import SCHEMAS

runner = CliRunner()


def test_explain_prints_a_heatmap_with_the_conservation_summary(model_dir):
    result = runner.invoke(app, ["explain", "She is an engineer.", "--model", model_dir])
    assert result.exit_code == 0, result.output
    assert "She is an engineer." in result.output
    assert "relevance sum" in result.output and "gap" in result.output


def test_explain_writes_json_records(model_dir):
    result = runner.invoke(app, ["explain", "She is an engineer.", "--model", model_dir, "--format", "json"])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["words"] == ["She", "is", "an", "engineer", "."]
    assert record["conservation_gap"] == pytest.approx(record["target_logit"] - sum(record["relevance"]), abs=1e-5)


def _explain_parquet(model_dir, texts, out):
    return runner.invoke(app, ["explain", *texts, "--model", model_dir, "--format", "parquet", "--output", str(out)])


def test_explain_writes_parquet_as_a_scan_s_four_tables(model_dir, tmp_path):
    out = tmp_path / "explained"
    result = _explain_parquet(model_dir, ["a", "b c"], out)
    assert result.exit_code == 0, result.output
    tables = {name: pq.read_table(out / name / "explain.parquet") for name in SCHEMAS}
    assert {name: table.schema.remove_metadata() for name, table in tables.items()} == SCHEMAS
    assert tables["examples"].num_rows == 2 and tables["errors"].num_rows == 0


def test_explain_s_parquet_folder_is_queried_with_the_run_views(model_dir, tmp_path):
    out = tmp_path / "explained"
    _explain_parquet(model_dir, ["She is an engineer."], out)
    sql = "SELECT (SELECT count(*) FROM tokens) AS tokens, (SELECT count(*) FROM matches) AS matches"
    result = runner.invoke(app, ["query", str(out), sql, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"tokens": 7, "matches": 1}]  # [CLS] She is an engineer . [SEP]; "she"


def test_explain_parquet_refuses_to_write_into_a_scan_s_run_folder(model_dir, tmp_path):
    (tmp_path / "manifest.json").write_text("{}")
    result = _explain_parquet(model_dir, ["a"], tmp_path)
    assert result.exit_code == 2 and "is a scan's run folder" in result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--method", "lime"], "unknown method 'lime'"),
        (["--dtype", "float16"], "float16 is refused"),
        (["--target", "7"], "target 7 is out of range"),
        (["--format", "parquet"], "--format parquet needs --output"),
    ],
)
def test_bad_input_exits_2_with_one_message(model_dir, arguments, message):
    result = runner.invoke(app, ["explain", "hello", "--model", model_dir, *arguments])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_a_missing_model_folder_is_named(tmp_path):
    result = runner.invoke(app, ["explain", "hello", "--model", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "nope does not exist" in " ".join(result.output.split())


@pytest.mark.parametrize("command", [[], ["explain"]])
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_explain_without_arguments_runs_the_embedded_default():
    result = runner.invoke(app, ["explain"])
    assert result.exit_code == 0, result.output
    assert "all-MiniLM-L6-v2" in result.output and "She is a brilliant engineer" in result.output


def test_a_fresh_head_is_initialised_the_same_way_every_time():
    first, second = (runner.invoke(app, ["explain", "She codes.", "--format", "json"]) for _ in range(2))
    assert json.loads(first.stdout) == json.loads(second.stdout)


def test_explain_model_demo_is_the_demo_s_fine_tuned_model(model_dir, monkeypatch):
    import lrp_audit.demo as demo

    monkeypatch.setattr(demo, "demo_model", lambda **_: model_dir)
    result = runner.invoke(app, ["explain", "She is an engineer.", "--model", "demo", "--format", "json"])
    assert result.exit_code == 0, result.output
    (record,) = json.loads(result.stdout)
    assert record["words"] == ["She", "is", "an", "engineer", "."]
