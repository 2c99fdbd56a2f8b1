"""Bytes a scan reads from a CSV and a JSON Lines file of 1 GB, against their size on disk.

    .venv/bin/python benchmarks/shard_reads.py [--gigabytes 1] [--shard-rows 4000]

Each file (written once to ``benchmarks/.cache/``; texts of 20-60 words, a fifth of them quoted with
commas, doubled quotes and newlines inside) is planned as a scan plans it, then every shard is read
as the scan's read tasks read it, one after another in this process. Bytes read are the process's
``rchar`` (every byte a read call returned, page cache or disk) from ``/proc/self/io``, so the
numbers do not depend on what the page cache holds. Reported per file: shards, planning time and
planning bytes / size (the planner streams each file once: hash and record ends), and reading
bytes / size (target <= 1.1; before byte ranges each shard parsed the whole file, so about the
number of shards), with the reading time. One JSON line per file.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from lrp_audit.pipelines import sources  # noqa: E402
from lrp_audit.pipelines.config import DatasetSection  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
WORDS = ("the candidate she he managed led a team of engineers and designers with care patience "
         "results nurse doctor father mother reviewed praised project deadline budget").split()


def _texts(rng: random.Random, count: int) -> list[str]:
    texts = []
    for _ in range(count):
        text = " ".join(rng.choices(WORDS, k=rng.randint(20, 60)))
        if rng.random() < 0.2:
            text = f'{text}, "quoted"\nand a second line'
        texts.append(text)
    return texts


def write_files(gigabytes: float) -> dict[str, Path]:
    """A CSV and a JSON Lines file of about ``gigabytes`` each, written once."""
    CACHE.mkdir(parents=True, exist_ok=True)
    paths = {"csv": CACHE / f"texts-{gigabytes}g.csv", "json": CACHE / f"texts-{gigabytes}g.jsonl"}
    target = int(gigabytes * 1e9)
    for kind, path in paths.items():
        if path.exists():
            continue
        rng, written, row = random.Random(0), 0, 0
        with open(path.with_suffix(".partial"), "w", encoding="utf-8") as handle:
            if kind == "csv":
                written += handle.write("id,text,label\n")
            while written < target:
                texts = _texts(rng, 10_000)
                if kind == "csv":
                    lines = [f'{row + i},"{text.replace(chr(34), chr(34) * 2)}",{i % 2}\n' for i, text in enumerate(texts)]
                else:
                    lines = [json.dumps({"id": row + i, "text": text, "label": i % 2}) + "\n" for i, text in enumerate(texts)]
                written += handle.write("".join(lines))
                row += len(texts)
        path.with_suffix(".partial").rename(path)
    return paths


def _rchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise RuntimeError("no rchar in /proc/self/io")


def measure(path: Path, shard_rows: int) -> dict:
    size = path.stat().st_size
    before, start = _rchar(), time.perf_counter()
    plan = sources.plan(DatasetSection(name=str(path), label_column="label"), shard_rows)
    planned, planning = _rchar() - before, time.perf_counter() - start
    before, start, rows = _rchar(), time.perf_counter(), 0
    for shard in plan.shards:
        rows += sources.read_shard(shard, ["text", "label"]).num_rows
    read, reading = _rchar() - before, time.perf_counter() - start
    assert rows == plan.num_rows
    return {
        "file": path.name,
        "gigabytes_on_disk": round(size / 1e9, 3),
        "rows": rows,
        "shards": len(plan.shards),
        "planning_seconds": round(planning, 1),
        "planning_bytes_per_size": round(planned / size, 3),
        "reading_seconds": round(reading, 1),
        "reading_bytes_per_size": round(read / size, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=1.0)
    parser.add_argument("--shard-rows", type=int, default=4000)
    args = parser.parse_args()
    for path in write_files(args.gigabytes).values():
        print(json.dumps(measure(path, args.shard_rows)), flush=True)


if __name__ == "__main__":
    main()
