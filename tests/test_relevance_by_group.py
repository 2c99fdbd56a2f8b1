"""``queries/relevance_by_group.sql``: per sensitive column, the words whose share of relevance differs
most between groups, against the plain-pandas reference (``tests/reference.py``) on a small hand-built run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import reference

from lrp_audit.audits.database import connect, named_queries, run_named
from lrp_audit.audits.lexicon import terms_table
from lrp_audit.run_folder import SCHEMAS, write_atomic

COMMON = ["the", "team", "said", "good", "bad", "today", "again", "work", "plan", ",", "."]
COLUMNS = [
    "column", "word", "examples", "groups", "high_group", "high_share", "high_examples",
    "low_group", "low_share", "low_examples", "gap",
]


def write_tables(run_dir: Path, examples: list[dict]) -> Path:
    """The four tables of a run from ``examples``: each ``{"words": [(word, relevance)], "sensitive": {...}}``."""
    word_rows, token_rows, example_rows = [], [], []
    for number, example in enumerate(examples):
        example_id = f"ex{number:04d}"
        start, text = 0, []
        for index, (word, relevance) in enumerate(example["words"]):
            row = {"example_id": example_id, "segment": 0, "word_index": index, "word": word, "num_tokens": 1,
                   "char_start": start, "char_end": start + len(word), "relevance": relevance}
            word_rows.append(row)
            token_rows.append({"example_id": example_id, "position": index, "token": word.lower(), "token_id": index,
                               "word_index": index, "char_start": start, "char_end": start + len(word),
                               "relevance": relevance, "is_special": False, "is_template": False, "segment": 0})
            text.append(word)
            start += len(word) + 1
        total = float(sum(relevance for _, relevance in example["words"]))
        sensitive = example.get("sensitive")
        example_rows.append({"example_id": example_id, "text": " ".join(text), "label": "yes", "prediction": 1,
                             "prediction_label": "yes", "probabilities": [0.5, 0.5], "target": 1,
                             "target_label": "yes", "target_logit": total, "relevance_sum": total,
                             "conservation_gap": 0.0, "num_tokens": len(text), "truncated": False,
                             "explained": total, "target_relevance_sum": total,
                             "sensitive": None if sensitive is None else list(sensitive.items())})
    counts = {"input_rows": len(example_rows), "examples": len(example_rows), "errors": 0,
              "tokens": len(token_rows), "padded_tokens": len(token_rows)}
    tables = {"words": word_rows, "tokens": token_rows, "errors": [], "examples": example_rows}  # examples last
    for name, rows in tables.items():
        metadata = counts if name == "examples" else None  # what the scan records of a shard, for the report
        write_atomic(pa.Table.from_pylist(rows, schema=SCHEMAS[name]), run_dir / name / "s.parquet", metadata=metadata)
    config = {"model": {"name": "hand-built"}, "dataset": {"name": "hand-built"}}
    manifest = {"run_id": run_dir.name, "status": "complete", "config": config,
                "counts": {key: counts[key] for key in ("input_rows", "examples", "errors")}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def planted_examples(seed: int = 0) -> list[dict]:
    """Gender f, m and a group x of 3 (too small); race a, b. 'lacrosse' is in most examples of both
    genders but carries most of the relevance of the women's; 'chess' is in a few, evenly."""
    rng = np.random.default_rng(seed)
    examples = []
    genders = ["f"] * 40 + ["m"] * 36 + ["x"] * 3
    for number, gender in enumerate(genders):
        words = [(word, float(rng.normal(0, 1))) for word in rng.choice(COMMON, 7)]
        if number % 5 != 4:
            words.insert(2, ("Lacrosse", float(rng.normal(0, 1)) * (12.0 if gender == "f" else 0.5)))
        if gender == "f" and number % 7 == 0:
            words.append(("lacrosse!", 9.0))  # the same norm twice in one example: summed
        if number % 6 == 0:
            words.append(("chess", float(rng.normal(0, 1))))
        race = "a" if number % 3 else "b"
        examples.append({"words": words, "sensitive": {"gender": gender, "race": race}})
    examples.append({"words": [("Lacrosse", 0.0), ("the", 0.0)], "sensitive": {"gender": "f", "race": "a"}})  # all zero
    examples.append({"words": [("lacrosse", 1.0), ("team", 2.0)], "sensitive": None})  # no sensitive columns
    examples.append({"words": [("lacrosse", 1.0), ("team", 2.0)], "sensitive": {"race": "b", "gender": None}})
    return examples


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[reference.Run, duckdb.DuckDBPyConnection]:
    """The plain-pandas reference of the run (``tests/reference.py``), and DuckDB over it."""
    run_dir = write_tables(tmp_path_factory.mktemp("by_group") / "run", planted_examples())
    return reference.Run.load(run_dir, terms_table([])), connect(run_dir, terms_table([]))


def same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == COLUMNS
    assert len(got) == len(want) > 0
    for column in COLUMNS:
        if want[column].dtype.kind == "f":
            assert np.allclose(got[column].to_numpy(float), want[column].to_numpy(float), rtol=1e-5), column
        else:
            assert got[column].tolist() == want[column].tolist(), column


def test_the_query_is_shipped_with_its_parameters():
    query = named_queries()["relevance_by_group"]
    assert query.description.startswith("For each sensitive column")
    assert {name: kind for name, (kind, _) in query.params.items()} == {
        "column": "VARCHAR", "min_examples": "INTEGER", "limit": "INTEGER",
    }


def test_the_word_planted_for_one_gender_ranks_first_with_the_gap_computed_directly(planted):
    ref, connection = planted
    got = run_named(connection, "relevance_by_group", {"column": "gender"}).to_pandas()
    want = ref.relevance_by_group("gender")
    same(got, want)
    first = got.iloc[0]
    assert (first["word"], first["high_group"], first["low_group"]) == ("lacrosse", "f", "m")
    assert first["groups"] == 2  # x has 3 examples, fewer than min_examples
    assert first["gap"] == pytest.approx(first["high_share"] - first["low_share"])
    assert first["gap"] > 0.3 and first["gap"] == got["gap"].max()
    # the gap by hand: the mean share over every example of the group, 0 where the word is missing
    assert first["gap"] == pytest.approx(want.iloc[0]["gap"], rel=1e-5)


def test_every_column_and_intersection_with_the_defaults(planted):
    ref, connection = planted
    got = run_named(connection, "relevance_by_group").to_pandas()
    same(got, ref.relevance_by_group())
    assert set(got["column"]) == {"gender", "race", "gender & race"}
    assert not {"x", "x & a", "x & b"} & (set(got["high_group"]) | set(got["low_group"]))
    assert (got["examples"] >= 10).all() and "" not in set(got["word"])


@pytest.mark.parametrize("params", [{"min_examples": 3, "limit": 4}, {"column": "gender & race", "min_examples": 5}])
def test_parameters_match_the_direct_computation(planted, params):
    ref, connection = planted
    got = run_named(connection, "relevance_by_group", params).to_pandas()
    same(got, ref.relevance_by_group(**params))
    if params.get("min_examples") == 3:
        assert "x" in set(got.loc[got["column"] == "gender", "low_group"])  # with a smaller minimum, x is compared
        assert got.groupby("column").size().max() == 4


def test_a_run_without_sensitive_columns_has_no_rows(tmp_path):
    examples = [{"words": [("lacrosse", 3.0), ("team", 1.0)], "sensitive": None}] * 30
    connection = connect(write_tables(tmp_path / "run", examples), terms_table([]))
    assert run_named(connection, "relevance_by_group", {"min_examples": 1}).num_rows == 0


def test_a_run_scanned_before_sensitive_columns_has_no_rows(tmp_path):
    run_dir = write_tables(tmp_path / "run", [{"words": [("lacrosse", 3.0)], "sensitive": None}] * 12)
    path = run_dir / "examples" / "s.parquet"
    old = pq.read_table(path).drop_columns(["sensitive"])
    write_atomic(old, path)
    result = run_named(connect(run_dir, terms_table([])), "relevance_by_group", {"min_examples": 1})
    assert result.num_rows == 0 and result.column_names == COLUMNS
