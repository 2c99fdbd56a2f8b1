"""Hostile and careless inputs: bad data files, broken model folders, odd paths and tampered run
folders each get one message naming the file, key or path, exit code 2, no traceback, and nothing
written that could be taken for a result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import yaml
from safetensors.torch import load_file
from typer.testing import CliRunner

import synthetic
from lrp_audit.cli import app

TEXTS = ["She said yes.", "He said no.", "They waited."] * 4


def invoke(*args) -> tuple[int, str]:
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert "Traceback" not in result.output
    return result.exit_code, " ".join(result.output.split())


def scan_config(tmp_path: Path, model: str | Path, data: Path, **runtime) -> Path:
    tree = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data)},
        "runtime": {"output_dir": str(tmp_path / "runs"), **runtime},
    }
    path = tmp_path / "scan.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


@pytest.fixture
def good_data(tmp_path) -> Path:
    path = tmp_path / "good.parquet"
    pq.write_table(pa.table({"text": TEXTS}), path)
    return path


def _truncated_parquet(path: Path) -> Path:
    pq.write_table(pa.table({"text": TEXTS}), path)
    path.write_bytes(path.read_bytes()[:-40])
    return path


def _broken_first_json_line(path: Path) -> Path:
    path.write_text('{"text": "cut off\n{"text": "fine"}\n')
    return path


@pytest.mark.parametrize(
    ("name", "write", "message"),
    [
        ("empty.csv", lambda path: path.write_text(""), "empty.csv cannot be read as csv"),
        ("cut.parquet", _truncated_parquet, "cut.parquet cannot be read as parquet"),
        ("broken.jsonl", _broken_first_json_line, "broken.jsonl cannot be read as json: its first line is not JSON"),
        ("open.csv", lambda path: path.write_text('text\n"never closed\n'), "the quoted field that opens at byte 5"),
    ],
)
def test_a_data_file_that_cannot_be_read_is_named_before_any_work(tmp_path, model_dir, name, write, message):
    data = tmp_path / name
    write(data)
    code, output = invoke("scan", scan_config(tmp_path, model_dir, data))
    assert code == 2 and f"dataset.name: {tmp_path}" in output and message in output, output
    assert not (tmp_path / "runs").exists()


def _truncated_weights(folder: Path) -> None:
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:2000])


def _pickle_that_runs_code(folder: Path) -> None:
    class RunsCode:
        def __reduce__(self):
            return (exec, ("import pathlib; pathlib.Path('PWNED').touch()",))

    state = load_file(folder / "model.safetensors")
    (folder / "model.safetensors").unlink()
    torch.save({"payload": RunsCode(), **state}, folder / "pytorch_model.bin")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncated_weights, "its weights cannot be loaded: SafetensorError"),
        (_pickle_that_runs_code, "its pickle file needs code to run to load, which is refused"),
    ],
)
def test_model_weights_that_cannot_be_loaded_stop_the_scan_before_anything_is_written(
    tmp_path, model_dir, good_data, monkeypatch, damage, message
):
    monkeypatch.chdir(tmp_path)
    model = shutil.copytree(model_dir, tmp_path / "model")
    damage(model)
    code, output = invoke("scan", scan_config(tmp_path, model, good_data))
    assert code == 2 and f"model.name: {model}" in output and message in output, output
    assert not (tmp_path / "runs").exists() and not (tmp_path / "PWNED").exists()


def test_an_output_dir_that_is_a_file_is_refused(tmp_path, model_dir, good_data):
    (tmp_path / "runs").write_text("not a folder")
    code, output = invoke("scan", scan_config(tmp_path, model_dir, good_data))
    assert code == 2 and f"runtime.output_dir: {tmp_path / 'runs'} is a file, not a folder" in output


@pytest.mark.parametrize("content", ["", '{"status": "comp', "[1, 2]"])
def test_a_half_written_or_foreign_manifest_is_refused_on_rerun(tmp_path, model_dir, good_data, content):
    run_dir = tmp_path / "runs" / "fixed"
    run_dir.mkdir(parents=True)
    (run_dir / "manifest.json").write_text(content)
    code, output = invoke("scan", scan_config(tmp_path, model_dir, good_data, run_id="fixed"))
    assert code == 2 and f"runtime.run_id: {run_dir / 'manifest.json'}" in output, output
    assert f"remove {run_dir} to scan it anew" in output


@pytest.fixture(scope="module")
def odd_runs(tmp_path_factory) -> tuple[Path, Path]:
    """A run whose folder name is full of glob characters, and a decoy that the name, read as a
    pattern, would match."""
    root = tmp_path_factory.mktemp("odd")
    odd = synthetic.write_run(root / "runs [1] *? 'q\" x" / "run", TEXTS)
    decoy = synthetic.write_run(root / "runs 1 ab 'q\" x" / "run", ["Nothing here."] * 5)
    return odd, decoy


def test_a_run_folder_with_glob_characters_reads_that_run_only(odd_runs):
    odd, _ = odd_runs
    result = CliRunner().invoke(app, ["query", str(odd), "SELECT count(*) AS n FROM examples", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"n": len(TEXTS)}]


@pytest.mark.parametrize("command", [["query", "{run}", "SELECT 1 AS one"], ["runs", "{runs}"]])
def test_output_into_a_missing_folder_is_refused_before_any_work(odd_runs, tmp_path, command):
    odd, _ = odd_runs
    target = tmp_path / "missing" / "out.csv"
    arguments = [part.format(run=odd, runs=odd.parent) for part in command]
    code, output = invoke(*arguments, "--format", "csv", "--output", target)
    assert code == 2 and f"--output {target}: the folder {target.parent} does not exist" in output
    assert not target.parent.exists()


def test_explain_output_into_a_missing_folder_is_refused(model_dir, tmp_path):
    target = tmp_path / "missing" / "out.json"
    code, output = invoke("explain", "hello", "--model", model_dir, "--format", "json", "--output", target)
    assert code == 2 and f"the folder {target.parent} does not exist" in output


def test_duplicate_ids_are_refused_before_any_work_naming_the_first(tmp_path, model_dir):
    data = tmp_path / "dup.parquet"
    pq.write_table(pa.table({"text": TEXTS[:6], "uid": ["a", "b", "a", "c", "b", "a"]}), data)
    config = scan_config(tmp_path, model_dir, data)
    code, output = invoke("scan", config, "--set", "dataset.id_column=uid")
    assert code == 2, output
    assert "dataset.id_column: 'uid' repeats 2 value(s), such as 'a' (3 rows), 'b' (2 rows)" in output
    assert not (tmp_path / "runs").exists()


def test_runs_lists_a_run_whose_manifest_cannot_be_read_as_unreadable(tmp_path):
    synthetic.write_run(tmp_path / "runs" / "good", TEXTS)
    (tmp_path / "runs" / "bad").mkdir()
    (tmp_path / "runs" / "bad" / "manifest.json").write_text('{"status": ')
    result = CliRunner().invoke(app, ["runs", str(tmp_path / "runs"), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert {row["run_id"]: row["status"] for row in json.loads(result.stdout)} == {"good": "complete", "bad": "unreadable"}


@pytest.mark.parametrize("command", ["audit", "report", "evaluate"])
def test_a_complete_run_with_a_missing_shard_file_is_refused_as_damaged(tmp_path, command):
    run = synthetic.write_run(tmp_path / "runs" / "run", TEXTS)
    next((run / "words").glob("*.parquet")).unlink()
    code, output = invoke(command, run)
    assert code == 2 and f"{run}: the run is damaged: shard 00000: its words file is missing" in output, output
