"""The Parquet schemas of a run's four tables, and the columns that identify a row of each.

``<run>/tokens/``, ``<run>/words/``, ``<run>/examples/`` and ``<run>/errors/`` hold one file per
input shard, named by the shard. The examples file is written last: its presence marks the shard
done, and its metadata (under ``SHARD_METADATA_KEY``) records the shard's counts.
"""

from __future__ import annotations

import pyarrow as pa

SHARD_METADATA_KEY = b"lrp_audit.shard"

TOKENS = pa.schema(
    [
        ("example_id", pa.string()),
        ("position", pa.int32()),
        ("token", pa.string()),
        ("token_id", pa.int64()),
        ("word_index", pa.int32()),
        ("char_start", pa.int32()),
        ("char_end", pa.int32()),
        ("relevance", pa.float32()),
        ("is_special", pa.bool_()),
        ("is_template", pa.bool_()),
        ("segment", pa.int8()),
    ]
)
# The tokeniser's words with their subwords merged: what the audit matches lexicon terms against.
WORDS = pa.schema(
    [
        ("example_id", pa.string()),
        ("segment", pa.int8()),
        ("word_index", pa.int32()),
        ("word", pa.string()),
        ("num_tokens", pa.int32()),
        ("char_start", pa.int32()),
        ("char_end", pa.int32()),
        ("relevance", pa.float32()),
    ]
)
EXAMPLES = pa.schema(
    [
        ("example_id", pa.string()),
        ("text", pa.string()),
        ("text_pair", pa.string()),
        ("label", pa.string()),
        ("prediction", pa.int64()),
        ("prediction_label", pa.string()),
        ("probabilities", pa.list_(pa.float32())),
        ("target", pa.int64()),
        ("target_label", pa.string()),
        ("target_logit", pa.float64()),
        ("relevance_sum", pa.float64()),
        ("conservation_gap", pa.float64()),
        ("num_tokens", pa.int32()),
        ("truncated", pa.bool_()),
    ]
)
ERRORS = pa.schema([("example_id", pa.string()), ("kind", pa.string()), ("message", pa.string())])
SCHEMAS = {"tokens": TOKENS, "words": WORDS, "examples": EXAMPLES, "errors": ERRORS}
# The columns that identify a row of each table.
KEYS = {
    "tokens": ("example_id", "position"),
    "words": ("example_id", "word_index"),
    "examples": ("example_id",),
    "errors": ("example_id",),
}
