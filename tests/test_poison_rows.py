"""A row that kills the model worker's process (SIGKILL, as the out-of-memory killer does) is tried a
bounded number of times, found among its shard's rows, and written as an error; the scan completes."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import troubled
import yaml

from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import run_scan
from lrp_audit.run_folder import SCHEMAS

pytestmark = pytest.mark.slow

TEXTS = [f"Applicant {number} has five years of experience." for number in range(12)]
POISONED = 6  # in the fourth shard of two rows, the first of them
TEXTS[POISONED] = f"Applicant six wrote the word {troubled.POISON} in the letter."


def scan(runtime, tmp_path, **runtime_section):
    troubled.save(tmp_path / "model")
    pq.write_table(pa.table({"text": TEXTS}), tmp_path / "data.parquet")
    tree = {
        "model": {"name": str(tmp_path / "model"), "trust_remote_code": True},
        "dataset": {"name": str(tmp_path / "data.parquet")},
        "runtime": {"output_dir": str(tmp_path / "runs"), "shard_rows": 2, "executor": "ray", **runtime_section},
    }
    (tmp_path / "scan.yaml").write_text(yaml.safe_dump(tree))
    return run_scan(load_config(tmp_path / "scan.yaml"), runtime)


def test_a_row_that_kills_its_worker_is_an_error_after_the_bounded_attempts_and_the_rest_is_explained(runtime, tmp_path):
    result = scan(runtime, tmp_path, max_attempts=2)
    errors = pq.read_table(result.run_dir / "errors", schema=SCHEMAS["errors"]).to_pylist()
    examples = pq.read_table(result.run_dir / "examples", schema=SCHEMAS["examples"])
    assert [(error["example_id"], error["kind"]) for error in errors] == [(str(POISONED), "killed")]
    assert "died at each of 2 attempts" in errors[0]["message"] and "ActorDiedError" in errors[0]["message"]
    assert sorted(examples["example_id"].to_pylist(), key=int) == [str(row) for row in range(12) if row != POISONED]
    assert (result.status, result.examples, result.errors) == ("complete", 11, 1)
    pool = json.loads((result.run_dir / "manifest.json").read_text())["ray"]
    # The shard twice, then the row alone twice: at least four deaths and two retries (a shard waiting
    # behind the poisoned one is counted too if Ray happened to start it first).
    assert pool["deaths"] >= 4 and pool["retries"] >= 2
