"""What a whole job costs in Ray starts and model loads: a scan with its audit and faithfulness check.

    .venv/bin/python benchmarks/one_pool.py leak    # tiny leaking BERT, 400 rows (about 2 minutes on 2 cores)
    .venv/bin/python benchmarks/one_pool.py demo    # lrp-audit demo's job, its model cached (fine-tuned once)

Each case runs ``run_job`` in this process, as ``lrp-audit scan`` does, into a fresh output folder and
reports: the wall time, how often Ray was started, how often the model was loaded in this (the
driver's) process, and how many model workers the job's runtime started (each loads the model once).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def leak_config(folder: Path) -> Path:
    """The test suite's leaking tiny BERT, scanned over 400 rows in two shards, evaluated on 50."""
    sys.path.insert(0, str(ROOT / "tests"))
    import leak

    texts, labels = leak.sentences(800, True, seed=1)
    model = leak.train(texts, labels, folder / "model")
    data = leak.write_csv(*leak.sentences(400, True, seed=2), folder / "leak.csv")
    tree = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data), "label_column": "label"},
        "attribution": {"batch_size": 32},
        "runtime": {"output_dir": str(folder / "runs"), "shard_rows": 200},
        "audit": {"min_examples": 5, "resamples": 500, "counterfactual_examples": 100},
        "evaluation": {"sample": 50, "resamples": 200},
    }
    path = folder / "leak.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


def demo_config(folder: Path) -> tuple[Path, list[str]]:
    from lrp_audit import configs
    from lrp_audit.demo import DATA_DIR, demo_model

    return configs.FOLDER / "demo.yaml", [
        f"model.name={demo_model()}",
        f"dataset.name={DATA_DIR}",
        f"runtime.output_dir={folder / 'runs'}",
    ]


def measure(config_path: Path, overrides: list[str]) -> dict:
    import ray
    from transformers import PreTrainedModel

    from lrp_audit.pipelines import pool
    from lrp_audit.pipelines.config import load_config
    from lrp_audit.pipelines.job import run_job
    from lrp_audit.pipelines.runtime import Runtime

    counts: Counter = Counter()
    real_init, real_start, real_load = ray.init, pool._start, PreTrainedModel.from_pretrained.__func__

    def init(*args, **kwargs):
        counts["ray.init"] += 1
        return real_init(*args, **kwargs)

    def start(*args, **kwargs):
        counts["model workers"] += 1
        return real_start(*args, **kwargs)

    def from_pretrained(cls, *args, **kwargs):
        counts["driver model loads"] += 1
        return real_load(cls, *args, **kwargs)

    ray.init, pool._start = init, start
    PreTrainedModel.from_pretrained = classmethod(from_pretrained)
    config = load_config(config_path, overrides)
    started = time.perf_counter()
    with Runtime() as runtime:
        result = run_job(config, runtime)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 1),
        "ray_starts": counts["ray.init"],
        "driver_model_loads": counts["driver model loads"],
        "model_workers_started": counts["model workers"],
        "examples": result.scan.examples,
        "flags": len(result.flags),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("leak", "demo"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.case == "leak":
            path, overrides = leak_config(folder), []
        else:
            path, overrides = demo_config(folder)
        print(json.dumps({"case": args.case, **measure(path, overrides)}, indent=2))


if __name__ == "__main__":
    main()
