"""The scan on other Ray layouts: GPUs (declared, none real), several nodes on one machine, and nodes
that join and leave while it runs."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import ray
import tiny
import troubled
import yaml
from ray.cluster_utils import Cluster

from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import run_scan
from lrp_audit.pipelines.runtime import Runtime
from lrp_audit.run_folder import KEYS, SCHEMAS

pytestmark = pytest.mark.slow

# Every text has the word that holds tests/troubled.py's model at its gate; the plain model ignores it.
TEXTS = ["She is a brilliant engineer, wait.", "He said yes to the offer, wait.", "wait", "The nurse checked it twice, wait."] * 4


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inputs")
    tiny.model("bert").save_pretrained(folder / "model")
    tiny.tokenizer().save_pretrained(folder / "model")
    pq.write_table(pa.table({"text": TEXTS}), folder / "data.parquet")
    return folder


def config(tmp_path, inputs, run_id: str, model: str = "model", **runtime):
    tree = {
        "model": {"name": str(inputs / model), "trust_remote_code": model == "troubled"},
        "dataset": {"name": str(inputs / "data.parquet")},
        "runtime": {"output_dir": str(tmp_path), "run_id": run_id, "shard_rows": 4, "executor": "ray"} | runtime,
    }
    (tmp_path / f"{run_id}.yaml").write_text(yaml.safe_dump(tree))
    return load_config(tmp_path / f"{run_id}.yaml")


def scan(tmp_path, inputs, run_id: str, model: str = "model", runtime=None, **section):
    """A scan on ``runtime``, or on a runtime of its own on the Ray in force."""
    return run_scan(config(tmp_path, inputs, run_id, model, **section), runtime)


def table(result, name):
    keys = [(key, "ascending") for key in KEYS[name]]
    return pq.read_table(result.run_dir / name, schema=SCHEMAS[name]).sort_by(keys)


def test_with_gpus_the_pool_has_one_worker_per_gpu_each_seeing_only_its_own(own_ray, tmp_path, inputs):
    """Which worker takes which shard depends on which is free first (a fast one may take most), so
    this checks the pool's shape, that its two workers see one GPU each, and that every worker that
    worked held a GPU of its own."""
    ray.init(num_cpus=2, num_gpus=2, include_dashboard=False, log_to_driver=False)
    try:
        with Runtime(signals=False) as runtime:
            settings = config(tmp_path, inputs, "gpus", shard_rows=1)
            result = run_scan(settings, runtime)
            seen = sorted(worker["gpu_ids"] for worker in runtime.pool(settings).describe())
    finally:
        ray.shutdown()
    assert seen == ["0", "1"]
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["ray"]["concurrency"] == 2 and manifest["ray"]["num_gpus"] == 1
    held = [worker["gpu_ids"] for worker in manifest["ray"]["workers"]]
    assert held and len(set(held)) == len(held) and set(held) <= {"0", "1"}
    assert {worker["device"] for worker in manifest["ray"]["workers"]} == {"cpu"}  # no real device here
    assert result.examples == len(TEXTS)


@pytest.fixture(scope="module")
def one_node(tmp_path_factory, inputs):
    """The reference: the same data scanned in this process (``executor: local``), so that every
    layout below is also held to the in-process scan's tables. tests/troubled.py's model has the
    same weights: the same rows."""
    return scan(tmp_path_factory.mktemp("one-node"), inputs, "one-node", executor="local")


def test_a_cpu_scan_puts_workers_on_every_node_each_with_its_nodes_threads(one_node, own_ray, tmp_path, inputs):
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    second = cluster.add_node(num_cpus=2)
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        with Runtime(signals=False) as runtime:
            settings = config(tmp_path, inputs, "two-nodes")
            two_nodes = run_scan(settings, runtime)
            workers = {(worker["node"], worker["threads"]) for worker in runtime.pool(settings).describe()}
        head = ray.get_runtime_context().get_node_id()
    finally:
        ray.shutdown()
        cluster.shutdown()
    assert workers == {(head, 1), (second.node_id, 2)}
    for name in SCHEMAS:
        assert_same_rows(table(two_nodes, name), table(one_node, name))


def test_a_node_that_joins_during_a_scan_takes_shards_and_one_that_leaves_loses_no_row(one_node, own_ray, tmp_path, inputs):
    """Every text holds the model at its gate (tests/troubled.py) until the test has added a node,
    seen its worker take a shard, and removed a node whose worker holds shards; then the scan goes
    on, on the nodes left."""
    gate = tmp_path / "gate"
    troubled.save(inputs / "troubled", gate)
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    leaving = cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, log_to_driver=False)
    gate.touch()
    try:
        with ThreadPoolExecutor(1) as background:
            running = background.submit(scan, tmp_path, inputs, "elastic", model="troubled", shard_rows=1)
            try:
                held_on({ray.get_runtime_context().get_node_id(), leaving.node_id}, gate, running)
                joining = cluster.add_node(num_cpus=2)
                held_on({joining.node_id}, gate, running)
                cluster.remove_node(leaving)
            finally:
                gate.unlink(missing_ok=True)  # the scan goes on (and ends) whatever happened
            elastic = running.result(timeout=300)
    finally:
        ray.shutdown()
        cluster.shutdown()
    pool = json.loads((elastic.run_dir / "manifest.json").read_text())["ray"]
    assert joining.node_id in {worker["node"] for worker in pool["workers"]}
    assert leaving.node_id not in {worker["node"] for worker in pool["workers"]}
    assert pool["deaths"] == 0  # a node that leaves is not a row's doing
    for name in SCHEMAS:
        assert_same_rows(table(elastic, name), table(one_node, name))


def held_on(nodes: set[str], gate, running, timeout_s: float = 120) -> None:
    """Waits until a model worker on each of ``nodes`` is explaining a shard held at ``gate``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not running.done():
        if nodes <= {held.name for held in gate.parent.glob(f"{gate.name}.held/*")}:
            return
        time.sleep(0.2)
    running.result(timeout=0)  # the scan's own error, if it failed
    raise AssertionError(f"no shard held on every one of {nodes} within {timeout_s} s")


def assert_same_rows(actual: pa.Table, expected: pa.Table) -> None:
    """Equal rows; float columns within float tolerance (thread counts change summation order)."""
    floats = [f.name for f in expected.schema if pa.types.is_floating(f.type) or pa.types.is_list(f.type)]
    assert actual.drop_columns(floats).equals(expected.drop_columns(floats))
    for column in floats:
        a, b = actual[column].to_pylist(), expected[column].to_pylist()
        assert np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), rtol=1e-5, atol=1e-7, equal_nan=True), column
