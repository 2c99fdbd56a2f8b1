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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from lrp_audit.audits.lexicon import english  # noqa: E402
from lrp_audit.audits import connect, load_lexicons, terms_table  # noqa: E402
from lrp_audit.audits.database import materialize, run_named  # noqa: E402
from lrp_audit.run_folder import ERRORS, EXAMPLES, TOKENS, WORDS, write_atomic  # noqa: E402
from lrp_audit.run_folder.records import Counts, Manifest  # noqa: E402

WORDS_PER_EXAMPLE = 40
SHARDS = 10
VOCABULARY = 5000  # words that are no lexicon term
TERM_RATE = 0.05  # 1 word in 20 is a lexicon term
PIECES = (1, 1, 1, 2, 3)  # tokens per word, drawn uniformly from these (capped at the word's length)


@dataclass(frozen=True)
class Drawn:
    """A shard's words: ``choice`` indexes the vocabulary (``VOCABULARY`` plain words ``w<i>x``, then
    the terms), example by example; ``shift`` is added to each word's relevance (spread over its
    tokens); ``examples`` holds further columns of the examples table (such as ``sensitive``)."""

    choice: np.ndarray
    shift: np.ndarray | None = None
    examples: dict = field(default_factory=dict)


# (rng, examples, words per example, number of terms) -> the shard's words
Draw = Callable[[np.random.Generator, int, int, int], Drawn]


def uniform_words(rng: np.random.Generator, examples: int, words_per_example: int, terms: int) -> Drawn:
    """1 word in 20 a term, every word of the vocabulary as likely as any other."""
    n_words = examples * words_per_example
    is_term = rng.random(n_words) < TERM_RATE
    term = VOCABULARY + rng.integers(terms, size=n_words)
    return Drawn(np.where(is_term, term, rng.integers(VOCABULARY, size=n_words)))


def synthetic_run(
    run_dir: Path,
    num_examples: int,
    terms: list[str],
    *,
    words_per_example: int = WORDS_PER_EXAMPLE,
    pieces: tuple[int, ...] = PIECES,
    shards: int = SHARDS,
    seed: int = 0,
    draw: Draw = uniform_words,
) -> Path:
    """A complete run folder of ``num_examples`` examples of ``words_per_example`` words (by default 1
    in 20 a lexicon term: ``draw`` chooses them), with random relevance, written shard by shard so
    that memory holds one shard."""
    if (run_dir / "manifest.json").exists():
        return run_dir
    rng = np.random.default_rng(seed)
    vocabulary = pa.array([f"w{i}x" for i in range(VOCABULARY)] + terms)
    lengths = pc.utf8_length(vocabulary).to_numpy()
    for shard, ids in enumerate(np.array_split(np.arange(num_examples), shards)):
        tables = _shard(ids, vocabulary, lengths, words_per_example, np.asarray(pieces), rng, draw)
        name = f"{shard:05d}.parquet"
        for table in ("tokens", "words", "errors"):
            write_atomic(tables[table], run_dir / table / name)
        counts = {"input_rows": len(ids), "examples": len(ids), "errors": 0, "tokens": tables["tokens"].num_rows,
                  "padded_tokens": tables["tokens"].num_rows}
        write_atomic(tables["examples"], run_dir / "examples" / name, metadata=counts)  # as a scan records a shard
    counts = Counts(input_rows=num_examples, examples=num_examples, errors=0)
    manifest = Manifest(run_id=run_dir.name, status="complete", shards=shards, counts=counts)
    (run_dir / "manifest.json").write_text(json.dumps(manifest.model_dump(mode="json")))
    return run_dir


def _shard(ids, vocabulary: pa.Array, lengths, words_per_example: int, pieces, rng, draw: Draw) -> dict[str, pa.Table]:
    """The four tables of one shard: words of 1-3 tokens, spans that tile each word."""
    n_words = len(ids) * words_per_example
    drawn = draw(rng, len(ids), words_per_example, len(vocabulary) - VOCABULARY)
    choice = drawn.choice.ravel()
    word_lengths = lengths[choice].reshape(len(ids), words_per_example)
    starts = (np.cumsum(word_lengths + 1, axis=1) - word_lengths - 1).ravel()
    word_lengths = word_lengths.ravel()
    flat_pieces = np.minimum(rng.choice(pieces, size=n_words), word_lengths)
    token_word = np.repeat(np.arange(n_words), flat_pieces)
    offset_in_word = np.arange(len(token_word)) - np.repeat(np.cumsum(flat_pieces) - flat_pieces, flat_pieces)
    word_len, piece = word_lengths[token_word], flat_pieces[token_word]
    example_of_token = token_word // words_per_example
    tokens_per_example = np.bincount(example_of_token, minlength=len(ids))
    first_token = np.cumsum(tokens_per_example) - tokens_per_example
    position = np.arange(len(token_word)) - np.repeat(first_token, tokens_per_example)
    example_ids = pa.array([f"ex{i:08d}" for i in ids])
    relevance = rng.normal(0, 1, len(token_word)).astype(np.float32)
    if drawn.shift is not None:
        relevance += (drawn.shift.ravel()[token_word] / piece).astype(np.float32)
    tokens = {
        "example_id": example_ids.take(example_of_token),
        "position": position.astype(np.int32),
        "token": pa.repeat(pa.scalar("t"), len(token_word)),
        "token_id": np.zeros(len(token_word), np.int64),
        "word_index": (token_word % words_per_example).astype(np.int32),
        "char_start": (starts[token_word] + (word_len * offset_in_word) // piece).astype(np.int32),
        "char_end": (starts[token_word] + (word_len * (offset_in_word + 1)) // piece).astype(np.int32),
        "relevance": relevance,
        "is_special": np.zeros(len(token_word), bool),
        "is_template": np.zeros(len(token_word), bool),
        "segment": np.zeros(len(token_word), np.int8),
    }
    words = vocabulary.take(choice)
    words_table = {
        "example_id": example_ids.take(np.repeat(np.arange(len(ids)), words_per_example)),
        "segment": np.zeros(n_words, np.int8),
        "word_index": np.tile(np.arange(words_per_example, dtype=np.int32), len(ids)),
        "word": words,
        "num_tokens": flat_pieces.astype(np.int32),
        "char_start": starts.astype(np.int32),
        "char_end": (starts + word_lengths).astype(np.int32),
        "relevance": np.bincount(token_word, weights=relevance, minlength=n_words).astype(np.float32),
    }
    texts = words.to_numpy(zero_copy_only=False).reshape(len(ids), words_per_example)
    prediction = rng.integers(2, size=len(ids))
    examples = {
        "example_id": example_ids,
        "text": [" ".join(row) for row in texts],
        "label": prediction.astype(str),
        "prediction": prediction,
        "prediction_label": prediction.astype(str),
        "probabilities": pa.repeat(pa.scalar([0.5, 0.5], pa.list_(pa.float32())), len(ids)),
        "target": prediction,
        "target_label": prediction.astype(str),
        "target_logit": np.zeros(len(ids)),
        "relevance_sum": np.zeros(len(ids)),
        "conservation_gap": np.zeros(len(ids)),
        "num_tokens": tokens_per_example.astype(np.int32),
        "truncated": np.zeros(len(ids), bool),
    } | drawn.examples
    return {
        "tokens": _table(tokens, TOKENS),
        "words": _table(words_table, WORDS),
        "examples": _table(examples, EXAMPLES),
        "errors": _table({}, ERRORS),
    }


def _table(columns: dict, schema: pa.Schema) -> pa.Table:
    """``columns`` in ``schema``; the columns a synthetic run has no value for are null."""
    rows = len(next(iter(columns.values()))) if columns else 0
    return pa.table({f.name: columns.get(f.name, pa.nulls(rows, f.type)) for f in schema}, schema=schema)


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
    terms = terms_table(english(load_lexicons()))
    single = [t for t, n in zip(terms.column("term").to_pylist(), terms.column("num_words").to_pylist()) if n == 1]
    examples = args.tokens // (WORDS_PER_EXAMPLE * 5 // 4)
    run_dir = synthetic_run(ROOT / "benchmarks" / ".cache" / f"run-{args.tokens}", examples, single)
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
        report = run_audit(run_dir, AuditSettings(language="en")).report
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
