"""The audit's SQL over 10 million token rows, against the same computation in pandas.

    .venv/bin/python benchmarks/audit_sql.py [--tokens 10000000]

A synthetic run (words of 1-3 tokens, gender terms at a realistic rate, random relevance) is
written once to ``benchmarks/.cache/``; then, in the same process, DuckDB runs what the audit runs
(the shipped ``example_shares`` and ``coverage`` queries) and pandas does the same computation.
Reports seconds for each and their ratio. Target: DuckDB under 5 s on 2 cores. ``--statistics``
also times the whole audit (SQL, bootstrap, permutation tests) on the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from lrp_audit.audits import connect, load_lexicons, terms_table  # noqa: E402
from lrp_audit.audits.database import materialize, run_named  # noqa: E402
from lrp_audit.run_folder import ERRORS, EXAMPLES, TOKENS, WORDS, write_atomic  # noqa: E402

WORDS_PER_EXAMPLE = 40
SHARDS = 10


def synthetic_run(run_dir: Path, num_tokens: int, terms: list[str], seed: int = 0) -> Path:
    """Examples of 40 words; 1 word in 20 is a lexicon term; words are 1-3 tokens."""
    if (run_dir / "manifest.json").exists():
        return run_dir
    rng = np.random.default_rng(seed)
    vocabulary = np.array([f"w{i}x" for i in range(5000)] + terms, dtype=object)
    num_examples = num_tokens // (WORDS_PER_EXAMPLE * 5 // 4)
    for shard, ids in enumerate(np.array_split(np.arange(num_examples), SHARDS)):
        n_words = len(ids) * WORDS_PER_EXAMPLE
        is_term = rng.random(n_words) < 0.05
        choice = np.where(is_term, 5000 + rng.integers(len(terms), size=n_words), rng.integers(5000, size=n_words))
        words = vocabulary[choice].reshape(len(ids), WORDS_PER_EXAMPLE)
        lengths = np.char.str_len(words.astype(str))
        starts = np.cumsum(lengths + 1, axis=1) - lengths - 1
        pieces = np.minimum(rng.choice([1, 1, 1, 2, 3], size=words.shape), lengths)
        texts = [" ".join(row) for row in words]
        flat_pieces = pieces.ravel()
        token_word = np.repeat(np.arange(n_words), flat_pieces)
        offset_in_word = np.arange(len(token_word)) - np.repeat(np.cumsum(flat_pieces) - flat_pieces, flat_pieces)
        word_len = lengths.ravel()[token_word]
        piece = flat_pieces[token_word]
        char_start = starts.ravel()[token_word] + (word_len * offset_in_word) // piece
        char_end = starts.ravel()[token_word] + (word_len * (offset_in_word + 1)) // piece
        example_of_token = token_word // WORDS_PER_EXAMPLE
        tokens_per_example = np.bincount(example_of_token, minlength=len(ids))
        position = np.arange(len(token_word)) - np.repeat(
            np.cumsum(tokens_per_example) - tokens_per_example, tokens_per_example
        )
        example_ids = np.array([f"ex{i:08d}" for i in ids], dtype=object)
        tokens = pa.table(
            {
                "example_id": example_ids[example_of_token],
                "position": position.astype(np.int32),
                "token": np.full(len(token_word), "t", dtype=object),
                "token_id": np.zeros(len(token_word), np.int64),
                "word_index": (token_word % WORDS_PER_EXAMPLE).astype(np.int32),
                "char_start": char_start.astype(np.int32),
                "char_end": char_end.astype(np.int32),
                "relevance": rng.normal(0, 1, len(token_word)).astype(np.float32),
                "is_special": np.zeros(len(token_word), bool),
                "is_template": np.zeros(len(token_word), bool),
                "segment": np.zeros(len(token_word), np.int8),
            },
            schema=TOKENS,
        )
        relevance = tokens.column("relevance").to_numpy()
        words_table = pa.table(
            {
                "example_id": np.repeat(example_ids, WORDS_PER_EXAMPLE),
                "segment": np.zeros(n_words, np.int8),
                "word_index": np.tile(np.arange(WORDS_PER_EXAMPLE, dtype=np.int32), len(ids)),
                "word": words.ravel(),
                "num_tokens": flat_pieces.astype(np.int32),
                "char_start": starts.ravel().astype(np.int32),
                "char_end": (starts + lengths).ravel().astype(np.int32),
                "relevance": np.bincount(token_word, weights=relevance, minlength=n_words).astype(np.float32),
            },
            schema=WORDS,
        )
        prediction = rng.integers(2, size=len(ids))
        examples = pa.table(
            {
                "example_id": example_ids,
                "text": texts,
                "text_pair": pa.nulls(len(ids), pa.string()),
                "label": prediction.astype(str),
                "prediction": prediction,
                "prediction_label": prediction.astype(str),
                "probabilities": [[0.5, 0.5]] * len(ids),
                "target": prediction,
                "target_label": prediction.astype(str),
                "target_logit": np.zeros(len(ids)),
                "relevance_sum": np.zeros(len(ids)),
                "conservation_gap": np.zeros(len(ids)),
                "num_tokens": tokens_per_example.astype(np.int32),
                "truncated": np.zeros(len(ids), bool),
            },
            schema=EXAMPLES,
        )
        name = f"{shard:05d}.parquet"
        write_atomic(tokens, run_dir / "tokens" / name)
        write_atomic(words_table, run_dir / "words" / name)
        write_atomic(pa.table({"example_id": [], "kind": [], "message": []}, schema=ERRORS), run_dir / "errors" / name)
        counts = {"input_rows": len(ids), "examples": len(ids), "errors": 0, "tokens": tokens.num_rows,
                  "padded_tokens": tokens.num_rows}
        write_atomic(examples, run_dir / "examples" / name, metadata=counts)  # the shard's record, as a scan writes it
    manifest = {"status": "complete", "synthetic": True, "shards": SHARDS, "counts": {"input_rows": num_examples}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def audit_sql(run_dir: Path, terms: pa.Table) -> dict[str, pa.Table]:
    connection = connect(run_dir, terms)
    materialize(connection)
    return {name: run_named(connection, name) for name in ("example_shares", "coverage")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=10_000_000)
    parser.add_argument("--skip-pandas", action="store_true")
    parser.add_argument("--statistics", action="store_true", help="also time the whole audit (no counterfactual)")
    args = parser.parse_args()
    terms = terms_table(load_lexicons())
    single = [t for t, n in zip(terms.column("term").to_pylist(), terms.column("num_words").to_pylist()) if n == 1]
    run_dir = synthetic_run(ROOT / "benchmarks" / ".cache" / f"run-{args.tokens}", args.tokens, single)
    start = time.perf_counter()
    duck = audit_sql(run_dir, terms)
    duck_s = time.perf_counter() - start
    print(
        f"DuckDB: {duck_s:.2f} s for the audit SQL over {args.tokens:,} token rows "
        f"({duck['example_shares'].num_rows:,} example-group rows)"
    )
    if args.statistics:
        from lrp_audit.audits.audit import run_audit
        from lrp_audit.audits.settings import AuditSettings

        start = time.perf_counter()
        report = run_audit(run_dir, AuditSettings()).report
        print(f"whole audit without counterfactual: {time.perf_counter() - start:.1f} s ({len(report.tests)} tests)")
    if args.skip_pandas:
        return
    import reference

    start = time.perf_counter()
    frames = reference.Run.load(run_dir, terms)
    shares, coverage = frames.example_shares(), frames.coverage()
    pandas_s = time.perf_counter() - start
    assert (len(shares), len(coverage)) == (duck["example_shares"].num_rows, duck["coverage"].num_rows)
    print(f"pandas: {pandas_s:.2f} s for the same ({len(shares):,} rows)")
    print(f"ratio pandas / DuckDB: {pandas_s / duck_s:.1f}")


if __name__ == "__main__":
    main()
