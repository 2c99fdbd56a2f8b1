"""A run folder without a model: real tokenisation (MiniLM WordPiece), seeded random relevance.

It follows the scan's output contract exactly, so the audit's SQL can be checked against plain
pandas, and benchmarked at millions of token rows, without training or running anything.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

import tiny
from lrp_audit.lrp.encoding import encode
from lrp_audit.run_folder import ERRORS, EXAMPLES, TOKENS, WORDS, write_atomic

LABELS = ("negative", "positive")


def write_run(
    run_dir: Path,
    texts: list[str],
    pairs: list[str] | None = None,
    *,
    seed: int = 0,
    shards: int = 2,
    errors: int = 1,
    boost: dict[str, float] | None = None,
    sensitive: list[dict[str, str | None]] | None = None,
) -> Path:
    """Write ``tokens``, ``examples``, ``errors`` and a complete manifest; ``boost`` scales the
    relevance of tokens whose word (lower-cased) is a key, to plant reliance on chosen words;
    ``sensitive`` holds each text's sensitive columns (dataset.sensitive_columns)."""
    rng = np.random.default_rng(seed)
    records = encode(tiny.tokenizer(), texts, 128, None, pairs)
    tokenizer = tiny.tokenizer()
    bounds = np.linspace(0, len(records), shards + 1).astype(int)
    for shard, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
        token_columns = {name: [] for name in TOKENS.names}
        word_rows = []
        example_rows = []
        for row in range(start, stop):
            record = records[row]
            example_id = f"ex{row:05d}"
            n = len(record)
            relevance = rng.normal(0, 1, n).astype(np.float32)
            sources = (record.text, record.text_pair)
            for position in range(n):
                if boost and record.char_start[position] is not None:
                    word = _word_at(record, position, sources)
                    relevance[position] *= boost.get(word, 1.0)
            relevance[np.asarray(record.is_special)] = 0.0
            token_columns["example_id"] += [example_id] * n
            token_columns["position"] += range(n)
            token_columns["token"] += tokenizer.convert_ids_to_tokens(record.input_ids)
            token_columns["token_id"] += record.input_ids
            token_columns["word_index"] += record.word_ids
            token_columns["char_start"] += record.char_start
            token_columns["char_end"] += record.char_end
            token_columns["relevance"] += relevance.tolist()
            token_columns["is_special"] += record.is_special
            token_columns["is_template"] += record.is_template
            token_columns["segment"] += record.segment
            token_columns["answer"] += [None] * n
            word_rows += _words(example_id, record, relevance, sources)
            prediction = int(rng.integers(2))
            logit = float(relevance.sum() + rng.normal(0, 0.1))
            example_rows.append(
                {
                    "example_id": example_id,
                    "text": record.text,
                    "text_pair": record.text_pair,
                    "label": LABELS[int(rng.integers(2))],
                    "prediction": prediction,
                    "prediction_label": LABELS[prediction],
                    "probabilities": [0.5, 0.5],
                    "target": prediction,
                    "target_label": LABELS[prediction],
                    "target_logit": logit,
                    "relevance_sum": float(relevance.sum()),
                    "conservation_gap": logit - float(relevance.sum()),
                    "explained": logit,
                    "target_relevance_sum": float(relevance.sum()),
                    "num_tokens": n,
                    "truncated": record.truncated,
                    "sensitive": list(sensitive[row].items()) if sensitive else None,
                }
            )
        shard_id = f"{shard:05d}"
        error_rows = [
            {"example_id": f"bad{shard}-{i}", "kind": "invalid_text", "message": "text is empty"} for i in range(errors)
        ]
        write_atomic(pa.table(token_columns, schema=TOKENS), run_dir / "tokens" / f"{shard_id}.parquet")
        write_atomic(pa.Table.from_pylist(word_rows, schema=WORDS), run_dir / "words" / f"{shard_id}.parquet")
        write_atomic(pa.Table.from_pylist(error_rows, schema=ERRORS), run_dir / "errors" / f"{shard_id}.parquet")
        counts = {
            "input_rows": len(example_rows) + errors,
            "examples": len(example_rows),
            "errors": errors,
            "tokens": len(token_columns["example_id"]),
            "padded_tokens": len(token_columns["example_id"]),
        }
        write_atomic(
            pa.Table.from_pylist(example_rows, schema=EXAMPLES),
            run_dir / "examples" / f"{shard_id}.parquet",
            metadata=counts,
        )
    config = {"model": {"name": "synthetic"}, "dataset": {"name": "synthetic"}}  # nothing to load or rerun
    counts = {"input_rows": len(texts) + shards * errors, "examples": len(texts), "errors": shards * errors}
    manifest = {"run_id": run_dir.name, "status": "complete", "config": config, "shards": shards, "counts": counts}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def _words(example_id: str, record, relevance: np.ndarray, sources) -> list[dict]:
    """The scan's words table for one record: subwords merged, relevance summed in order."""
    rows: list[dict] = []
    for position, word in enumerate(record.word_ids):
        if word is None:
            continue
        if word == len(rows):
            rows.append(
                {
                    "example_id": example_id,
                    "segment": record.segment[position],
                    "word_index": word,
                    "num_tokens": 0,
                    "char_start": record.char_start[position],
                    "relevance": 0.0,
                }
            )
        rows[word]["num_tokens"] += 1
        rows[word]["char_end"] = record.char_end[position]
        rows[word]["relevance"] += float(relevance[position])
    for row in rows:
        row["word"] = sources[row["segment"]][row["char_start"] : row["char_end"]]
    return rows


def _word_at(record, position: int, sources) -> str:
    word = record.word_ids[position]
    spans = [p for p, w in enumerate(record.word_ids) if w == word]
    text = sources[record.segment[position]]
    return text[record.char_start[spans[0]] : record.char_end[spans[-1]]].lower()
