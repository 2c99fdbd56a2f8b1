"""The fixed cost of a small scan, as a user meets it, and where its seconds go.

    .venv/bin/python benchmarks/small_scan.py          # about 2 minutes on 2 CPU cores

Runs ``lrp-audit scan`` (audit off: the scan alone) in a fresh process, as a user types it, on 20
rows and on ``--large`` rows (``--executor``: auto, as a user meets it, where 20 rows run in the
driver, and the large scan in the driver too for its marginal rate; or ray for both) of the same synthetic texts with the bundled all-MiniLM-L6-v2 (its
weights on disk: "model cached"), each into a fresh output folder. Reported: each command's wall
time, the marginal seconds per row (the extra time over the extra rows), and the 20-row scan's
fixed cost (its time less 20 rows at the marginal rate). The 20-row command also times its phases,
from inside the process: imports, Ray's start, planning, the model pool's start, the probe (on Ray,
waiting for the worker's process, imports and model load), the shards, compaction, and the rest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scan_throughput import synthetic_texts  # noqa: E402

# Run in the child: the CLI's own entry point, with the scan's phases timed from the outside.
TIMED = r"""
import json, sys, time
started = time.perf_counter()
phases = {}
from lrp_audit import cli
from lrp_audit.pipelines import runtime as runtime_module, scan
phases["imports"] = time.perf_counter() - started

def timed(owner, name, label):
    real = getattr(owner, name)
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            phases[label] = phases.get(label, 0) + time.perf_counter() - begin
    setattr(owner, name, wrapper)

timed(runtime_module, "start_ray", "ray start (executor ray only)")
timed(scan, "locate", "planning")
timed(runtime_module.Runtime, "pool", "model pool start (a local one loads the model here)")
timed(scan, "check_model", "probe (on Ray: waits for the worker's process, imports, model load)")
timed(scan, "_execute", "shards")
timed(scan, "_compact", "compaction")
try:
    cli.app(sys.argv[1:])
except SystemExit as done:
    code = done.code
total = time.perf_counter() - started
phases["ray start (executor ray only)"] = phases.get("ray start (executor ray only)", 0)
phases["model pool start (a local one loads the model here)"] -= phases["ray start (executor ray only)"]
phases["rest (config, manifest, summary, shutdown)"] = total - sum(phases.values())
print(json.dumps({"code": code, "phases": phases}), file=sys.stderr)
"""


def scan_seconds(folder: Path, rows: int, timed: bool, executor: str) -> tuple[float, dict]:
    data = folder / f"texts-{rows}.parquet"
    pq.write_table(pa.table({"text": synthetic_texts(rows)}), data)
    from lrp_audit.lrp import bundled_model_path

    config = folder / f"scan-{rows}.yaml"
    config.write_text(yaml.safe_dump({
        "model": {"name": str(bundled_model_path()), "num_labels": 2},
        "dataset": {"name": str(data)},
        "attribution": {"max_length": 128, "batch_size": 32},
        "audit": {"enabled": False},
        "runtime": {"output_dir": str(folder / f"runs-{rows}"), "shard_rows": 1000, "executor": executor},
    }))
    command = [sys.executable, "-c", TIMED, "scan", str(config)] if timed else [str(Path(sys.executable).parent / "lrp-audit"), "scan", str(config)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the {rows}-row scan failed:\n{done.stderr[-3000:]}")
    phases = json.loads(done.stderr.strip().splitlines()[-1])["phases"] if timed else {}
    return seconds, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", type=int, default=1000, help="rows of the large scan (default 1000)")
    parser.add_argument("--executor", choices=("auto", "ray"), default="auto")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        small, _ = scan_seconds(folder, 20, False, args.executor)
        # The marginal rate of the executor the small scan ran on (auto's choice for 20 rows is local).
        large, _ = scan_seconds(folder, args.large, False, "local" if args.executor == "auto" else "ray")
        (folder / "timed").mkdir()
        _, phases = scan_seconds(folder / "timed", 20, True, args.executor)
    per_row = (large - small) / (args.large - 20)
    print(f"lrp-audit scan, all-MiniLM-L6-v2 cp-lrp, max_length 128, audit off, executor {args.executor}, {args.large} rows vs 20:")
    print(f"  20 rows: {small:.1f} s; {args.large} rows: {large:.1f} s; marginal {per_row * 1000:.1f} ms a row")
    print(f"  fixed cost of the 20-row scan: {small - 20 * per_row:.1f} s")
    print("  where the 20-row scan's seconds go (a separate timed run):")
    for phase, seconds in phases.items():
        print(f"    {phase:58s} {seconds:5.1f} s")


if __name__ == "__main__":
    main()
