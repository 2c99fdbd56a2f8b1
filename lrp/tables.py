"""The Arrow contract of explanations: four tables, the same from the Python API, ``lrp-audit
explain --format parquet`` and a scan, so that one set of DuckDB views and audits reads them all.

``tokens``: one row per token; ``words``: the tokeniser's words, subwords merged and their
relevance summed (what the audit matches lexicon terms against); ``examples``: one row per
explained text; ``errors``: rows that could not be explained.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from .explanation import Explanation

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
        ("answer", pa.string()),  # "target" / "contrast": a continuation's token fed under teacher forcing
    ]
)
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
        ("contrast", pa.int64()),
        ("contrast_label", pa.string()),
        ("contrast_logit", pa.float64()),
        ("explained", pa.float64()),  # target_logit - contrast_logit (target_logit without a contrast)
        ("target_relevance_sum", pa.float64()),  # the relevance of target_logit alone
        ("sensitive", pa.map_(pa.string(), pa.string())),  # dataset.sensitive_columns: column -> value
    ]
)
ERRORS = pa.schema([("example_id", pa.string()), ("kind", pa.string()), ("message", pa.string())])


def to_tables(
    explanations: Sequence[Explanation],
    ids: Sequence[str] | None = None,
    labels: Sequence[str | None] | None = None,
    errors: Sequence[tuple[str, str, str]] = (),
    sensitive: Sequence[dict[str, str | None]] | None = None,
) -> dict[str, pa.Table]:
    """The tables ``tokens``, ``words``, ``examples`` and ``errors`` (float32 relevance kept exact).

    ``ids`` name the examples (default: their position, ``"0"``, ``"1"``, ...), ``labels`` are
    their dataset labels (default: none), ``errors`` are ``(example_id, kind, message)`` rows,
    ``sensitive`` each example's sensitive columns and values, never seen by the model (default: none).
    """
    explanations = list(explanations)
    ids = [str(row) for row in range(len(explanations))] if ids is None else list(ids)
    labels = [None] * len(explanations) if labels is None else list(labels)
    sensitive = [None] * len(explanations) if sensitive is None else list(sensitive)
    return {
        "tokens": _tokens(ids, explanations),
        "words": _words(ids, explanations),
        "examples": _examples(ids, labels, sensitive, explanations),
        "errors": pa.Table.from_pylist(
            [{"example_id": i, "kind": k, "message": m} for i, k, m in errors], schema=ERRORS
        ),
    }


def _tokens(ids: list[str], explanations: list[Explanation]) -> pa.Table:
    columns = {name: [] for name in TOKENS.names}
    for example_id, e in zip(ids, explanations):
        n = len(e.tokens)
        columns["example_id"] += [example_id] * n
        columns["position"] += range(n)
        columns["token"] += e.tokens
        columns["token_id"] += e.token_ids
        columns["word_index"] += e.word_index
        columns["char_start"] += e.char_start
        columns["char_end"] += e.char_end
        columns["is_special"] += e.is_special
        columns["is_template"] += e.is_template
        columns["segment"] += e.segment
        columns["answer"] += e.answer
    relevance = [e.relevance for e in explanations]
    columns["relevance"] = np.concatenate(relevance) if relevance else np.zeros(0, np.float32)
    return pa.table(columns, schema=TOKENS)


def _words(ids: list[str], explanations: list[Explanation]) -> pa.Table:
    columns = {name: [] for name in WORDS.names}
    for example_id, e in zip(ids, explanations):
        n = len(e.words)
        columns["example_id"] += [example_id] * n
        columns["segment"] += e.word_segment
        columns["word_index"] += range(n)
        columns["word"] += e.words
        columns["num_tokens"] += np.bincount([w for w in e.word_index if w is not None], minlength=n).tolist()
        columns["char_start"] += e.word_char_start
        columns["char_end"] += e.word_char_end
    relevance = [e.word_relevance for e in explanations]
    columns["relevance"] = np.concatenate(relevance) if relevance else np.zeros(0, np.float32)
    return pa.table(columns, schema=WORDS)


def _examples(
    ids: list[str], labels: list[str | None], sensitive: list[dict | None], explanations: list[Explanation]
) -> pa.Table:
    rows = [
        {
            "example_id": example_id,
            "text": e.text,
            "text_pair": e.text_pair,
            "label": label,
            "prediction": e.prediction,
            "prediction_label": e.prediction_label,
            "probabilities": e.probabilities,
            "target": e.target,
            "target_label": e.target_label,
            "target_logit": e.target_logit,
            "relevance_sum": e.relevance_sum,
            "conservation_gap": e.conservation_gap,
            "num_tokens": len(e.tokens),
            "truncated": e.truncated,
            "contrast": e.contrast,
            "contrast_label": e.contrast_label,
            "contrast_logit": e.contrast_logit,
            "explained": e.explained,
            "target_relevance_sum": e.target_relevance_sum,
            "sensitive": None if values is None else list(values.items()),
        }
        for example_id, label, values, e in zip(ids, labels, sensitive, explanations)
    ]
    return pa.Table.from_pylist(rows, schema=EXAMPLES)
