"""The ``lrp-audit`` command line, run in-process on a tiny model saved to a folder."""

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lrp_audit.cli import app

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


def test_explain_writes_parquet(model_dir, tmp_path):
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["explain", "a", "b c", "--model", model_dir, "--format", "parquet", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).num_rows == 2


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
