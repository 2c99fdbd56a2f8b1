"""The scan on a local Ray (2 CPUs): output contract, no lost rows, reruns and resume."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
import yaml

from typer.testing import CliRunner

from conftest import assert_same_tables
from http_files import served
from lrp_audit.cli import app
from lrp_audit.pipelines.config import ConfigError, load_config
from lrp_audit.pipelines.scan import locate, run_scan
from lrp_audit.run_folder import KEYS, SCHEMAS

GOOD = ["She is a brilliant engineer.", "He said yes to the offer.", "ok", "The nurse checked it twice.", "42"]
BAD = [None, "", "   "]


@pytest.fixture(scope="module")
def rows():
    texts = (GOOD + BAD) * 6  # 48 rows, 18 of them bad
    return {"text": texts, "label": [str(i % 2) for i in range(len(texts))], "uid": [f"u{i}" for i in range(len(texts))]}


@pytest.fixture
def data_file(tmp_path, rows):
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table(rows), path, row_group_size=20)
    return path


def write_config(tmp_path: Path, model_dir: Path, data: Path, **sections) -> Path:
    tree = {
        "model": {"name": str(model_dir)},
        "dataset": {"name": str(data), "label_column": "label", "id_column": "uid"},
        # In this process unless a test asks for Ray: the run folder's contract is the same either way
        # (tests/test_scan_cluster.py holds Ray's tables equal to the in-process scan's).
        "runtime": {"output_dir": str(tmp_path / "runs"), "shard_rows": 8, "executor": "local"},
    }
    for section, values in sections.items():
        tree.setdefault(section, {}).update(values)
    path = tmp_path / "scan.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


def read(run_dir: Path, table: str) -> pa.Table:
    return pq.read_table(run_dir / table, schema=SCHEMAS[table]).sort_by("example_id")


def test_tables_follow_the_output_contract(runtime, tmp_path, model_dir, data_file):
    # In this process: tests/test_scan_cluster.py holds Ray's scans to the same tables.
    config = write_config(tmp_path, model_dir, data_file, runtime={"part_rows": None, "executor": "local"})
    result = run_scan(load_config(config), runtime)
    for name, schema in SCHEMAS.items():
        files = sorted((result.run_dir / name).glob("*.parquet"))
        assert len(files) == 7  # row groups of 20, 20 and 8 rows, cut into shards of at most 8, not compacted
        assert all(pq.read_schema(f).remove_metadata() == schema for f in files)
        assert not list((result.run_dir / name).glob(".*"))  # no temporary files left behind


def test_every_input_row_is_an_example_or_an_error(runtime, tmp_path, model_dir, data_file, rows):
    result = run_scan(load_config(write_config(tmp_path, model_dir, data_file)), runtime)
    examples, errors = read(result.run_dir, "examples"), read(result.run_dir, "errors")
    assert examples.num_rows + errors.num_rows == len(rows["text"])
    assert sorted(examples["example_id"].to_pylist() + errors["example_id"].to_pylist()) == sorted(rows["uid"])
    assert set(errors["kind"].to_pylist()) == {"invalid_text"}
    assert errors.num_rows == 18
    assert (result.examples, result.errors, result.input_rows) == (30, 18, 48)


def test_conservation_columns_agree_with_the_tokens_table(runtime, tmp_path, model_dir, data_file):
    result = run_scan(load_config(write_config(tmp_path, model_dir, data_file)), runtime)
    tokens, examples = read(result.run_dir, "tokens"), read(result.run_dir, "examples")
    summed = tokens.group_by("example_id").aggregate([("relevance", "sum"), ("position", "count")])
    summed = summed.sort_by("example_id")
    assert summed["example_id"].equals(examples["example_id"])
    np.testing.assert_allclose(summed["relevance_sum"].to_numpy(), examples["relevance_sum"].to_numpy(), rtol=1e-5)
    gap = pc.subtract(examples["target_logit"], examples["relevance_sum"]).to_numpy()
    np.testing.assert_allclose(gap, examples["conservation_gap"].to_numpy(), atol=1e-9)
    assert summed["position_count"].to_pylist() == examples["num_tokens"].to_pylist()


def test_scan_matches_the_python_api(runtime, tmp_path, model_dir, data_file):
    from lrp_audit.lrp import Explainer

    result = run_scan(load_config(write_config(tmp_path, model_dir, data_file)), runtime)
    tokens = read(result.run_dir, "tokens").filter(pc.equal(pc.field("example_id"), "u0"))
    expected = Explainer.from_pretrained(model_dir).explain([GOOD[0]])[0]
    assert tokens.sort_by("position")["token"].to_pylist() == expected.tokens
    np.testing.assert_allclose(tokens.sort_by("position")["relevance"].to_numpy(), expected.relevance, rtol=1e-5)


# The families of 2026 (Gemma 4's per-layer embeddings, GPT-OSS's mixture of experts, Qwen3.5's gated
# delta rule, Granite 4's Mamba-2 hybrid) and an encoder-decoder: the scan path is the same for every
# family, whose rules tests/test_architectures.py checks one by one through the Python API.
@pytest.mark.parametrize("family", ["gemma4_text", "gpt_oss", "qwen3_5_text", "granitemoehybrid", "bart"])
def test_a_bias_free_model_of_a_newer_family_scans_exactly_as_the_python_api_explains(
    runtime, tmp_path, data_file, family
):
    import architectures
    import tiny

    from lrp_audit.lrp import Explainer

    folder = tmp_path / family
    model = tiny.model(family, biases=False, norms=True) if family == "bart" else architectures.build(family, "causal-lm")
    model.save_pretrained(folder)
    tiny.tokenizer().save_pretrained(folder)
    config = write_config(tmp_path, folder, data_file, dataset={"limit": 8}, attribution={"max_length": 32})
    result = run_scan(load_config(config), runtime)
    examples, tokens = read(result.run_dir, "examples"), read(result.run_dir, "tokens")
    gaps, logits = examples["conservation_gap"].to_numpy(), examples["target_logit"].to_numpy()
    assert result.examples > 0 and (np.abs(gaps) <= 1e-4 * np.abs(logits)).all()
    expected = Explainer.from_pretrained(folder, max_length=32).explain([GOOD[0]])[0]
    first = tokens.filter(pc.equal(pc.field("example_id"), "u0")).sort_by("position")
    assert first["token"].to_pylist() == expected.tokens
    # Float error of batching (experts grouped, scans chunked differently beside other texts): 1e-5 of the largest
    np.testing.assert_allclose(first["relevance"].to_numpy(), expected.relevance, rtol=0, atol=1e-5 * np.abs(expected.relevance).max())


def test_a_complete_run_is_not_redone(runtime, tmp_path, model_dir, data_file):
    config = load_config(write_config(tmp_path, model_dir, data_file))
    first = run_scan(config, runtime)
    stamps = {p: p.stat().st_mtime_ns for p in first.run_dir.rglob("*.parquet")}
    again = run_scan(config, runtime)
    assert again.status == "unchanged" and again.shards_done_now == 0
    assert {p: p.stat().st_mtime_ns for p in first.run_dir.rglob("*.parquet")} == stamps


def test_a_complete_run_with_missing_or_damaged_files_is_redone_to_the_same_result(
    runtime, tmp_path, model_dir, data_file
):
    # Shards of 8, 8, 4 | 8, 8, 4 | 8 rows in parts of at most 16: three parts of two, and one shard alone.
    config = load_config(write_config(tmp_path, model_dir, data_file, runtime={"part_rows": 16}))
    run_dir = run_scan(config, runtime).run_dir
    before = {table: read(run_dir, table) for table in ("tokens", "words", "examples", "errors")}
    sorted((run_dir / "tokens").glob("*.parquet"))[0].unlink()  # the shard alone
    truncated = sorted((run_dir / "examples").glob("*.parquet"))[1]  # the first part
    truncated.write_bytes(truncated.read_bytes()[:100])
    listed = CliRunner().invoke(app, ["runs", str(run_dir.parent), "--format", "json"])
    assert [row["status"] for row in json.loads(listed.stdout)] == ["damaged"]
    audit = CliRunner().invoke(app, ["audit", str(run_dir)])
    assert audit.exit_code == 2 and "the run is damaged: shard" in " ".join(audit.output.split())
    again = run_scan(config, runtime)
    assert again.status == "complete" and again.shards_done_now == 3
    assert len(list((run_dir / "tokens").glob("*.parquet"))) == 4
    for table, rows in before.items():
        assert read(run_dir, table).equals(rows), table


def test_a_bad_byte_in_a_csv_makes_only_its_row_an_error(runtime, tmp_path, model_dir):
    data = tmp_path / "bytes.csv"
    data.write_bytes(b"text,label\nShe is kind.,a\nHe is \xff here.,b\nThey agree.,a\n")
    config = write_config(tmp_path, model_dir, data, dataset={"id_column": None})
    result = run_scan(load_config(config), runtime)
    assert (result.examples, result.errors) == (2, 1)
    [error] = read(result.run_dir, "errors").to_pylist()
    assert error == {"example_id": "1", "kind": "invalid_text", "message": "text is not valid UTF-8 (byte 0xff at offset 6)"}
    assert read(result.run_dir, "examples")["text"].to_pylist() == ["She is kind.", "They agree."]


def test_csv_jsonl_and_save_to_disk_sources_give_the_same_rows(runtime, tmp_path, model_dir, rows):
    import datasets

    frame = pa.table(rows)
    pa_csv.write_csv(frame, tmp_path / "data.csv")
    frame.to_pandas().to_json(tmp_path / "data.jsonl", orient="records", lines=True)
    datasets.Dataset(frame).save_to_disk(str(tmp_path / "saved"))
    counts = {}
    for name in ("data.csv", "data.jsonl", "saved"):
        run = {"run_id": name.replace(".", "-")}
        counts[name] = run_scan(load_config(write_config(tmp_path, model_dir, tmp_path / name, runtime=run)), runtime).examples
    assert counts == {"data.csv": 30, "data.jsonl": 30, "saved": 30}


def test_a_changed_config_cannot_reuse_a_run_folder(runtime, tmp_path, model_dir, data_file):
    run_scan(load_config(write_config(tmp_path, model_dir, data_file, runtime={"run_id": "fixed"})), runtime)
    changed = write_config(tmp_path, model_dir, data_file, runtime={"run_id": "fixed"}, attribution={"method": "gxi"})
    with pytest.raises(ConfigError, match="runtime.run_id: .* holds a run with a different config"):
        run_scan(load_config(changed), runtime)


def _scan_command(config: Path) -> list[str]:
    return [sys.executable, "-m", "lrp_audit", "scan", str(config)]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("dataset.text_column=body", "dataset.text_column: column 'body' is not in the dataset"),
        ("dataset.sensitive_columns=[gendr]", "dataset.sensitive_columns: column 'gendr' is not in the dataset"),
        ("dataset.sensitive_columns=[text]", "dataset.sensitive_columns: column 'text' is the dataset.text_column"),
        ("attribution.method=lime", "attribution.method: unknown method 'lime'"),
        ("attribution.batch_size=many", "attribution.batch_size: Input should be a valid integer"),
        ("runtime.run_id=../escape", "runtime.run_id: must be a plain name"),
        ("model.colour=red", "model.colour: unknown key (from --set model.colour=red)"),
        ("model.name=/no/such/model", "model.name: /no/such/model cannot be loaded"),
        ("attribution.target=7", "attribution.target: target 7 is out of range"),
        ("attribution.contrast=1", "attribution.contrast: needs a target to be subtracted from"),
        ("attribution.chat_template=true", "attribution.chat_template: the tokenizer has no chat template"),
        ("audit.axes=[gendr]", "audit.axes: no bundled lexicon 'gendr'"),
        ('runtime.run_id="ok\\n"', "runtime.run_id: must be a plain name"),
        ("dataset.name=/no/such/*.parquet", "dataset.name: no file matches"),
    ],
)
def test_a_bad_config_exits_2_naming_the_key_and_writes_nothing(tmp_path, model_dir, data_file, override, message):
    config = write_config(tmp_path, model_dir, data_file)
    result = CliRunner().invoke(app, ["scan", str(config), "--set", override])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def _kill_mid_scan(config: Path, examples_dir: Path) -> int:
    """Start the scan of ``config`` in a driver of its own, SIGKILL it once two shards are done, and
    return how many shards were finished when its actors were gone."""
    import ray

    # The driver joins this test's Ray, so that killing it leaves no orphaned cluster behind.
    environment = {**os.environ, "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    session_workers = set(_model_worker_pids())  # the session runtime's, which stay
    process = subprocess.Popen(
        _scan_command(config), start_new_session=True, stderr=subprocess.DEVNULL, env=environment
    )
    deadline = time.monotonic() + 180
    while len(list(examples_dir.glob("*.parquet"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    # The killed driver's workers live in this test's Ray until Ray reaps them, and may still finish
    # a shard: they are killed too (as Ray would), and the shards counted once they are gone.
    for pid in set(_model_worker_pids()) - session_workers:
        with contextlib.suppress(ProcessLookupError):  # gone already
            os.kill(pid, signal.SIGKILL)
    while set(_model_worker_pids()) - session_workers and time.monotonic() < deadline:
        time.sleep(0.1)
    return len(list(examples_dir.glob("*.parquet")))


@pytest.mark.slow
def test_a_killed_scan_of_a_served_dataset_resumes_to_the_result_of_a_local_scan(
    runtime, tmp_path, model_dir, data_file
):
    """The driver is SIGKILLed mid-scan of a dataset read in place over HTTP (range requests, as from
    the hub); the rerun finishes only the missing shards, and the run equals a fresh scan of the
    same file on local disk (whose resume after a kill is the same code: only the reader differs)."""
    (tmp_path / "remote").mkdir()
    shutil.copy(data_file, tmp_path / "remote" / "data.parquet")
    with served(tmp_path / "remote") as (url, _):  # a stand-in for the hub: read in place by range requests
        killed = write_config(tmp_path, model_dir, f"{url}/data.parquet", runtime={"run_id": "resumed", "shard_rows": 4, "executor": "ray"})
        runtime.pool(load_config(killed)).describe()  # the session's Ray, which the killed driver joins, and the rerun's pool, up
        finished_before = _kill_mid_scan(killed, tmp_path / "runs" / "resumed" / "examples")
        assert 2 <= finished_before < 12, "the driver should have been killed mid-scan (12 shards)"
        resumed = run_scan(load_config(killed), runtime)
    assert resumed.shards_done_now == 12 - finished_before
    fresh = run_scan(load_config(write_config(tmp_path, model_dir, data_file, runtime={"run_id": "fresh", "shard_rows": 4})), runtime)
    assert_same_tables(resumed.run_dir, fresh.run_dir)


@pytest.mark.slow
def test_sigterm_closes_the_scan_cleanly_and_a_rerun_finishes_it(runtime, tmp_path, model_dir, data_file):
    import ray

    config = write_config(tmp_path, model_dir, data_file, runtime={"run_id": "stopped", "shard_rows": 4, "executor": "ray"})
    runtime.pool(load_config(config)).describe()  # the session's Ray, which the stopped driver joins, and the rerun's pool, up
    environment = {**os.environ, "RAY_ADDRESS": ray.get_runtime_context().gcs_address}
    session_workers = set(_model_worker_pids())  # the session runtime's, which stay
    process = subprocess.Popen(
        _scan_command(config), start_new_session=True, stderr=subprocess.PIPE, text=True, env=environment
    )
    run_dir = tmp_path / "runs" / "stopped"
    deadline = time.monotonic() + 180
    while not list((run_dir / "examples").glob("*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert "scan interrupted by SIGTERM: the shards it finished are kept" in stderr
    assert "SIGABRT" not in stderr and "Traceback" not in stderr and "*** " not in stderr
    assert json.loads((run_dir / "manifest.json").read_text())["status"] == "interrupted"
    while set(_model_worker_pids()) - session_workers and time.monotonic() < deadline:  # the stopped driver's are reaped
        time.sleep(0.1)
    resumed = run_scan(load_config(config), runtime)
    assert resumed.status == "complete" and resumed.input_rows == 48 and resumed.shards_done_now < 12


def test_a_second_scan_of_a_run_in_progress_is_refused(tmp_path, model_dir, data_file):
    import fcntl

    run_dir = tmp_path / "runs" / "busy"
    run_dir.mkdir(parents=True)
    with open(run_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("pid 4242 on another host, since earlier\n")
        lock.flush()
        config = write_config(tmp_path, model_dir, data_file, runtime={"run_id": "busy"})
        result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 2, result.output
    assert "is being scanned now (pid 4242 on another host, since earlier)" in " ".join(result.output.split())
    assert not (run_dir / "manifest.json").exists()


def test_a_cluster_address_that_does_not_answer_fails_at_once(tmp_path, model_dir, data_file):
    import socket

    with socket.socket() as probe:  # a free port on this machine, with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_config(tmp_path, model_dir, data_file, runtime={"ray_address": f"127.0.0.1:{port}"})
    started = time.monotonic()
    result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 2, result.output
    assert f"runtime.ray_address: nothing answers at 127.0.0.1:{port} (connection refused)" in result.output
    assert time.monotonic() - started < 60 and not (tmp_path / "runs").exists()


def _model_worker_pids() -> list[int]:
    """The model workers' processes on this machine, whichever driver started them."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline.read_bytes().startswith(b"ray::ModelWorker"):
                pids.append(int(cmdline.parent.name))
        except OSError:
            continue
    return pids


def test_a_killed_model_worker_is_replaced_and_its_shard_redone(runtime, tmp_path, model_dir, data_file, rows):
    config = load_config(write_config(tmp_path, model_dir, data_file, runtime={"shard_rows": 4, "executor": "ray"}))
    examples_dir = locate(config).run_dir / "examples"
    killed = []

    def kill_first_worker():
        deadline = time.monotonic() + 120
        while not list(examples_dir.glob("*.parquet")) and time.monotonic() < deadline:
            time.sleep(0.05)
        for worker in runtime.pool(config).describe():  # this scan's, not other drivers'
            assert worker["pid"] != os.getpid(), "the scan's model ran in this process, not on a Ray worker"
            os.kill(worker["pid"], signal.SIGKILL)
            killed.append(worker["pid"])

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    result = run_scan(config, runtime)
    killer.join()
    assert killed, "no model worker was found to kill"
    examples, errors = read(result.run_dir, "examples"), read(result.run_dir, "errors")
    assert sorted(examples["example_id"].to_pylist() + errors["example_id"].to_pylist()) == sorted(rows["uid"])
    workers = json.loads((result.run_dir / "manifest.json").read_text())["ray"]["workers"]
    assert {worker["pid"] for worker in workers} - set(killed)  # a replacement worker finished the scan


def test_a_data_folder_is_resolved_like_a_hub_dataset(runtime, tmp_path, model_dir, rows):
    folder = tmp_path / "hub-like"
    folder.mkdir()
    pq.write_table(pa.table(rows), folder / "train.parquet")
    pq.write_table(pa.table(rows).slice(0, 5), folder / "test.parquet")
    config = load_config(write_config(tmp_path, model_dir, folder, dataset={"split": "test"}))
    assert run_scan(config, runtime).input_rows == 5


def test_text_pairs_are_scanned_and_a_missing_second_text_is_an_error(runtime, tmp_path, model_dir):
    data = tmp_path / "pairs.parquet"
    pq.write_table(pa.table({"premise": ["A man sleeps.", "It rains.", "Dogs bark."],
                             "hypothesis": ["Nobody sleeps.", None, "Animals make noise."]}), data)
    config = write_config(tmp_path, model_dir, data, dataset={
        "text_column": "premise", "text_pair_column": "hypothesis", "label_column": None, "id_column": None})
    result = run_scan(load_config(config), runtime)
    examples, errors, tokens = (read(result.run_dir, name) for name in ("examples", "errors", "tokens"))
    assert examples["text_pair"].to_pylist() == ["Nobody sleeps.", "Animals make noise."]
    assert errors.to_pylist() == [{"example_id": "1", "kind": "invalid_text", "message": "text pair is null"}]
    assert set(tokens["segment"].drop_null().to_pylist()) == {0, 1}


def test_a_shard_with_only_bad_rows_is_recorded_as_errors(runtime, tmp_path, model_dir):
    data = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"text": [None, "", " ", "fine text"]}), data)
    config = write_config(tmp_path, model_dir, data, dataset={"label_column": None, "id_column": None},
                          runtime={"shard_rows": 3})
    result = run_scan(load_config(config), runtime)
    assert (result.examples, result.errors) == (1, 3)
    assert read(result.run_dir, "errors")["example_id"].to_pylist() == ["0", "1", "2"]


def _unreachable_model(folder: Path, family: str) -> Path:
    """A tiny model of a family the rules do not reach (see tests/test_architectures.py), saved."""
    import architectures
    import tiny

    architectures.build(family, "sequence-classification").save_pretrained(folder)
    tiny.tokenizer().save_pretrained(folder)
    return folder


@pytest.mark.parametrize(
    ("family", "message"),
    [
        ("yoso", "autograd Function YosoCumulation in yoso.encoder.layer.0.attention.self (YosoSelfAttention)"),
        ("reformer", "ReformerForSequenceClassification: explaining it failed in the backward pass"),
    ],
)
def test_a_model_the_rules_cannot_reach_stops_the_scan_before_any_row_is_read(tmp_path, data_file, family, message):
    config = write_config(tmp_path, _unreachable_model(tmp_path / family, family), data_file)
    result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()) and "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()


def test_a_run_where_every_row_failed_is_not_a_success(runtime, tmp_path, model_dir):
    data = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"text": [None, "", " "]}), data)
    config = write_config(tmp_path, model_dir, data, dataset={"label_column": None, "id_column": None})
    result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 2, result.output
    assert "every one of the 3 rows failed (invalid_text)" in " ".join(result.output.split())
    [manifest] = (tmp_path / "runs").glob("*/manifest.json")
    assert json.loads(manifest.read_text())["status"] == "failed"


def test_an_empty_dataset_is_refused_before_any_work(tmp_path, model_dir):
    data = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), data)
    config = write_config(tmp_path, model_dir, data, dataset={"label_column": None, "id_column": None})
    result = CliRunner().invoke(app, ["scan", str(config)])
    assert result.exit_code == 2, result.output
    assert "has no rows to scan" in " ".join(result.output.split())
    assert not (tmp_path / "runs").exists()
