"""The scan on other Ray layouts: GPUs (declared, none real) and two nodes on one machine."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
import tiny
import yaml
from ray.cluster_utils import Cluster

from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import run_scan
from lrp_audit.pipelines.pool import ModelPool
from lrp_audit.run_folder import KEYS, SCHEMAS

TEXTS = ["She is a brilliant engineer.", "He said yes to the offer.", "ok", "The nurse checked it twice."] * 4


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    tiny.model("bert").save_pretrained(folder / "model")
    tiny.tokenizer().save_pretrained(folder / "model")
    pq.write_table(pa.table({"text": TEXTS}), folder / "data.parquet")
    return folder


def config(tmp_path, inputs, run_id: str, **runtime):
    tree = {
        "model": {"name": str(inputs / "model")},
        "dataset": {"name": str(inputs / "data.parquet")},
        "runtime": {"output_dir": str(tmp_path), "run_id": run_id, "shard_rows": 4, **runtime},
    }
    (tmp_path / f"{run_id}.yaml").write_text(yaml.safe_dump(tree))
    return load_config(tmp_path / f"{run_id}.yaml")


def scan(tmp_path, inputs, run_id: str, **runtime):
    return run_scan(config(tmp_path, inputs, run_id, **runtime))


def table(result, name):
    keys = [(key, "ascending") for key in KEYS[name]]
    return pq.read_table(result.run_dir / name, schema=SCHEMAS[name]).sort_by(keys)


def test_with_gpus_the_pool_has_one_actor_per_gpu_each_holding_one(tmp_path, inputs):
    """Which actor takes which shard depends on which is free first (a fast one may take most), so
    this checks the pool's shape and that every actor that worked held a GPU of its own."""
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        result = scan(tmp_path, inputs, "gpus", shard_rows=1)
    finally:
        ray.shutdown()
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["ray"]["concurrency"] == 2 and manifest["ray"]["num_gpus"] == 1
    held = [worker["gpu_ids"] for worker in manifest["ray"]["workers"]]
    assert held and len(set(held)) == len(held) and set(held) <= {"0", "1"}
    assert {worker["device"] for worker in manifest["ray"]["workers"]} == {"cpu"}  # no real device here
    assert result.examples == len(TEXTS)


def test_two_model_actors_each_see_only_their_own_gpu(tmp_path, inputs):
    """The pool's actors as the pool builds them, whatever work each is then given."""
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        held = [worker["gpu_ids"] for worker in ModelPool(config(tmp_path, inputs, "actors")).workers()]
    finally:
        ray.shutdown()
    assert sorted(held) == ["0", "1"]


def test_two_nodes_give_the_same_rows_as_one(tmp_path, inputs):
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        one_node = scan(tmp_path, inputs, "one-node")
    finally:
        ray.shutdown()
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        two_nodes = scan(tmp_path, inputs, "two-nodes", num_workers=2)
        nodes = {node["NodeID"] for node in ray.nodes() if node["Alive"]}
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert len(nodes) == 2
    for name in SCHEMAS:
        assert_same_rows(table(two_nodes, name), table(one_node, name))


def assert_same_rows(actual: pa.Table, expected: pa.Table) -> None:
    """Equal rows; float columns within float tolerance (thread counts change summation order)."""
    floats = [f.name for f in expected.schema if pa.types.is_floating(f.type) or pa.types.is_list(f.type)]
    assert actual.drop_columns(floats).equals(expected.drop_columns(floats))
    for column in floats:
        a, b = actual[column].to_pylist(), expected[column].to_pylist()
        assert np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-5, atol=1e-7, equal_nan=True), column
