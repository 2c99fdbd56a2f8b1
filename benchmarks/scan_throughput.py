"""Scan throughput against the bare ``lrp`` loop, and the driver's peak memory against dataset size.

    .venv/bin/python benchmarks/scan_throughput.py            # about 8 minutes on 2 CPU cores
    .venv/bin/python benchmarks/scan_throughput.py --memory-only --large 1000000

1. Throughput: the real all-MiniLM-L6-v2 (fresh 2-class head) over synthetic texts, as
   ``Explainer.explain`` in this process and as scans of ``--rows`` and twice as many rows on a local
   Ray with the same CPUs. Reported: tokens per second end to end (including the scan's fixed
   start-up: actor process, imports, model load; not Ray's own start) and marginal (the extra rows
   over the extra time, start-up cancelled out), each as a ratio to the bare loop (target >= 0.8).
2. Driver memory: scans of ``--small`` and ``--large`` rows of short texts (3-8 words, max_length 16)
   with a tiny model (the driver's memory depends on neither), each in a fresh process, compaction
   included; peak RSS of the driver process alone.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

WORDS = ("the candidate she he managed led a team of engineers and designers with care patience "
         "results nurse doctor father mother reviewed praised project deadline budget").split()


def synthetic_texts(rows: int, seed: int = 0, words: tuple[int, int] = (12, 60)) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(*words))) + "." for _ in range(rows)]


def write_dataset(folder: Path, rows: int, words: tuple[int, int] = (12, 60)) -> Path:
    path = folder / f"texts-{rows}-{words[0]}-{words[1]}.parquet"
    pq.write_table(pa.table({"text": synthetic_texts(rows, words=words)}), path, row_group_size=10_000)
    return path


def throughput(rows: int, folder: Path) -> None:
    import ray
    from transformers.utils import logging

    from lrp_audit.lrp import Explainer, bundled_model_path
    from lrp_audit.pipelines.config import ScanConfig
    from lrp_audit.pipelines.scan import run_scan

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    explainer = Explainer.from_pretrained(bundled_model_path(), num_labels=2, max_length=128, batch_size=32)
    start = time.perf_counter()
    tokens = sum(len(e.tokens) for e in explainer.explain(synthetic_texts(rows)))
    bare_rate = tokens / (time.perf_counter() - start)

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    scans = {}
    for size in (rows, 2 * rows):
        config = ScanConfig.model_validate(
            {
                "model": {"name": str(bundled_model_path()), "num_labels": 2},
                "dataset": {"name": str(write_dataset(folder, size))},
                "attribution": {"max_length": 128, "batch_size": 32},
                "runtime": {"output_dir": str(folder / "runs"), "shard_rows": 1000},
            }
        )
        start = time.perf_counter()
        result = run_scan(config)
        seconds = time.perf_counter() - start
        manifest = json.loads((result.run_dir / "manifest.json").read_text())
        scans[size] = (manifest["counts"]["tokens"], seconds, manifest["padding_fraction"])
    ray.shutdown()
    (small_tokens, small_s, _), (large_tokens, large_s, padding) = scans[rows], scans[2 * rows]
    marginal = (large_tokens - small_tokens) / (large_s - small_s)
    startup = small_s - small_tokens / marginal
    print(f"throughput, all-MiniLM-L6-v2 cp-lrp, max_length 128, batch 32, 2 CPUs (padding {padding:.3f}):")
    print(f"  bare lrp loop ({rows} rows)          {bare_rate:8.0f} tokens/s")
    print(f"  scan end to end ({2 * rows} rows)      {large_tokens / large_s:8.0f} tokens/s  "
          f"ratio {large_tokens / large_s / bare_rate:.2f}")
    print(f"  scan marginal ({rows} -> {2 * rows} rows)  {marginal:8.0f} tokens/s  ratio {marginal / bare_rate:.2f}"
          f"  (target >= 0.8)")
    print(f"  fixed start-up of a scan (actor start, model load, planning): {startup:.1f} s")


DRIVER = """
import resource, sys, ray
from lrp_audit.pipelines.config import ScanConfig
from lrp_audit.pipelines.scan import run_scan
ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
config = ScanConfig.model_validate({
    "model": {"name": sys.argv[1]}, "dataset": {"name": sys.argv[2]},
    "attribution": {"batch_size": 256, "max_length": 16},
    "runtime": {"output_dir": sys.argv[3], "shard_rows": 5000}})
run_scan(config)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def driver_memory(small: int, large: int, folder: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import tiny

    model = folder / "tiny-bert"
    tiny.model("bert").save_pretrained(model)
    tiny.tokenizer().save_pretrained(model)
    peaks = {}
    for rows in (small, large):
        data = write_dataset(folder, rows, words=(3, 8))  # short texts: the driver's work is per shard, not per token
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, str(model), str(data), str(folder / f"mem-{rows}")],
            capture_output=True, text=True, check=True,
        )
        peaks[rows] = int(done.stdout.strip().splitlines()[-1]) / 1024
        print(f"driver peak RSS, {rows:>7} rows: {peaks[rows]:7.1f} MiB  ({time.perf_counter() - start:.0f} s)")
    print(f"  ratio {large} / {small} rows: {peaks[large] / peaks[small]:.2f}  (flat is about 1)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000, help="rows of the smaller throughput scan")
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--memory-only", action="store_true", help="only the driver's memory (part 2)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.memory_only:
            throughput(args.rows, Path(folder))
        driver_memory(args.small, args.large, Path(folder))


if __name__ == "__main__":
    main()
