"""Compaction of a run of thousands of shards, and what it saves DuckDB and the run's checks.

    .venv/bin/python benchmarks/compaction.py [--shards 2500] [--rows 40] [--part-rows 10000]

A synthetic complete run shaped like a 10M-row scan (2,500 shards; 40 input rows a shard, 20 words
and 25 tokens a row, scaled down so that it writes in a minute) is written once to
``benchmarks/.cache/``, copied, and compacted as the scan does at its end: parts of ``--part-rows``
input rows (250 shards, as 1,000,000 rows of 4,000-row shards would). Reports the time to compact,
the files per table before and after, and, as ratios of before to after, the time for DuckDB to
open the run's views and run ``count(*)`` and a GROUP BY over ``words`` (median of fresh
connections), and the time of ``complete_manifest``, the check every audit starts with.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from lrp_audit.audits.lexicon import english  # noqa: E402
from lrp_audit.audits import connect, load_lexicons, terms_table  # noqa: E402
from lrp_audit.pipelines.compaction import compact, planned_parts  # noqa: E402
from lrp_audit.run_folder import ERRORS, EXAMPLES, TABLES, TOKENS, WORDS, complete_manifest, write_atomic  # noqa: E402

WORDS_PER_ROW, TOKENS_PER_ROW = 20, 25
QUERY = "SELECT norm, count(*) AS n, sum(relevance) AS relevance FROM words GROUP BY norm ORDER BY norm"


def shard_tables(shard: int, rows: int, rng: np.random.Generator) -> dict[str, pa.Table]:
    """One shard's four tables: ``rows`` examples, their words and tokens, no errors."""
    ids = np.array([f"ex{shard:05d}-{i:04d}" for i in range(rows)], dtype=object)
    words = np.array([f"w{i}" for i in range(2000)] + ["she", "he", "her", "his"], dtype=object)
    n_words, n_tokens = rows * WORDS_PER_ROW, rows * TOKENS_PER_ROW
    word_columns = {
        "example_id": np.repeat(ids, WORDS_PER_ROW),
        "segment": np.zeros(n_words, np.int8),
        "word_index": np.tile(np.arange(WORDS_PER_ROW, dtype=np.int32), rows),
        "word": words[rng.integers(len(words), size=n_words)],
        "num_tokens": np.ones(n_words, np.int32),
        "char_start": np.zeros(n_words, np.int32),
        "char_end": np.ones(n_words, np.int32),
        "relevance": rng.normal(0, 1, n_words).astype(np.float32),
    }
    token_columns = {
        "example_id": np.repeat(ids, TOKENS_PER_ROW),
        "position": np.tile(np.arange(TOKENS_PER_ROW, dtype=np.int32), rows),
        "token": np.full(n_tokens, "t", dtype=object),
        "token_id": np.zeros(n_tokens, np.int64),
        "word_index": np.tile(np.arange(TOKENS_PER_ROW, dtype=np.int32), rows),
        "char_start": np.zeros(n_tokens, np.int32),
        "char_end": np.ones(n_tokens, np.int32),
        "relevance": rng.normal(0, 1, n_tokens).astype(np.float32),
        "is_special": np.zeros(n_tokens, bool),
        "is_template": np.zeros(n_tokens, bool),
        "segment": np.zeros(n_tokens, np.int8),
    }
    prediction = rng.integers(2, size=rows)
    example_columns = {
        "example_id": ids,
        "text": np.full(rows, "some text", dtype=object),
        "label": prediction.astype(str),
        "prediction": prediction,
        "prediction_label": prediction.astype(str),
        "probabilities": [[0.5, 0.5]] * rows,
        "target": prediction,
        "target_label": prediction.astype(str),
        "target_logit": np.zeros(rows),
        "relevance_sum": np.zeros(rows),
        "conservation_gap": np.zeros(rows),
        "num_tokens": np.full(rows, TOKENS_PER_ROW, np.int32),
        "truncated": np.zeros(rows, bool),
    }
    return {
        "tokens": _table(token_columns, TOKENS, n_tokens),
        "words": _table(word_columns, WORDS, n_words),
        "examples": _table(example_columns, EXAMPLES, rows),
        "errors": ERRORS.empty_table(),
    }


def _table(columns: dict, schema: pa.Schema, rows: int) -> pa.Table:
    """``columns`` in ``schema``; the schema's other columns are null."""
    return pa.table({field.name: columns.get(field.name, pa.nulls(rows, field.type)) for field in schema}, schema=schema)


def synthetic_run(run_dir: Path, shards: int, rows: int) -> list[str]:
    """A complete run of ``shards`` shard files per table, as a scan writes them; its shard ids."""
    ids = [f"{shard:05d}" for shard in range(shards)]
    if (run_dir / "manifest.json").exists():
        return ids
    rng = np.random.default_rng(0)
    for shard, shard_id in enumerate(ids):
        tables = shard_tables(shard, rows, rng)
        counts = {"input_rows": rows, "examples": rows, "errors": 0, "tokens": tables["tokens"].num_rows,
                  "padded_tokens": tables["tokens"].num_rows}
        for table in ("tokens", "words", "errors"):
            write_atomic(tables[table], run_dir / table / f"{shard_id}.parquet")
        write_atomic(tables["examples"], run_dir / "examples" / f"{shard_id}.parquet", metadata=counts)
    manifest = {"run_id": run_dir.name, "status": "complete", "shards": shards,
                "counts": {"input_rows": shards * rows, "examples": shards * rows, "errors": 0}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return ids


def duckdb_seconds(run_dir: Path, terms: pa.Table) -> tuple[float, tuple]:
    """A fresh connection: open the views, count the words, group them; seconds and the answers."""
    start = time.perf_counter()
    connection = connect(run_dir, terms)
    count = connection.execute("SELECT count(*) FROM words").fetchone()[0]
    grouped = connection.execute(QUERY).fetchall()
    seconds = time.perf_counter() - start
    connection.close()
    return seconds, (count, grouped)


def files(run_dir: Path) -> dict[str, int]:
    return {table: len(list((run_dir / table).glob("*.parquet"))) for table in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shards", type=int, default=2500)
    parser.add_argument("--rows", type=int, default=40, help="input rows per shard")
    parser.add_argument("--part-rows", type=int, default=10_000, help="input rows per part")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    cache = ROOT / "benchmarks" / ".cache"
    start = time.perf_counter()
    shards = synthetic_run(cache / f"compaction-{args.shards}x{args.rows}", args.shards, args.rows)
    print(f"synthetic run: {args.shards} shards of {args.rows} rows ready in {time.perf_counter() - start:.1f} s")
    before = cache / f"compaction-{args.shards}x{args.rows}"
    after = cache / f"compacted-{args.shards}x{args.rows}-{args.part_rows}"
    shutil.rmtree(after, ignore_errors=True)
    shutil.copytree(before, after)

    start = time.perf_counter()
    parts = compact(after, planned_parts(after, shards, args.part_rows))
    compact_s = time.perf_counter() - start
    print(f"compaction: {compact_s:.1f} s for {len(parts)} parts; files per table {files(before)} -> {files(after)}")

    terms = terms_table(english(load_lexicons(["gender"])))
    timings: dict[Path, list[float]] = {before: [], after: []}
    answers = {}
    for _ in range(args.repeats):  # interleaved, so that both see the same machine
        for run_dir in (before, after):
            seconds, answers[run_dir] = duckdb_seconds(run_dir, terms)
            timings[run_dir].append(seconds)
    assert answers[before][0] == answers[after][0] == args.shards * args.rows * WORDS_PER_ROW
    assert [row[:2] for row in answers[before][1]] == [row[:2] for row in answers[after][1]]
    slow, fast = statistics.median(timings[before]), statistics.median(timings[after])
    print(f"DuckDB open + count(*) + GROUP BY over words: {slow:.2f} s before, {fast:.2f} s after: "
          f"ratio {slow / fast:.1f}")

    checks = {}
    for run_dir in (before, after):
        start = time.perf_counter()
        complete_manifest(run_dir)
        checks[run_dir] = time.perf_counter() - start
    print(f"complete_manifest: {checks[before]:.2f} s before, {checks[after]:.2f} s after: "
          f"ratio {checks[before] / checks[after]:.1f}")


if __name__ == "__main__":
    main()
