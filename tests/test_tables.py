"""The Arrow contract of explanations: the Python API gives the tables a scan writes."""

import numpy as np
import pyarrow.compute as pc
import pytest
import tiny

from lrp_audit.lrp import Explainer, to_tables
from lrp_audit.run_folder import SCHEMAS


@pytest.fixture(scope="module")
def explanations(tokenizer):
    return Explainer(tiny.model("bert"), tokenizer).explain(["She is an engineer.", "Unbelievably, it worked."])


def test_the_python_api_gives_a_scan_s_four_tables_with_its_schemas(explanations):
    tables = to_tables(explanations)
    assert {name: table.schema for name, table in tables.items()} == SCHEMAS


def test_examples_are_numbered_by_position_unless_ids_are_given(explanations):
    assert to_tables(explanations)["examples"].column("example_id").to_pylist() == ["0", "1"]
    named = to_tables(explanations, ids=["a", "b"], labels=["x", None])["examples"]
    assert named.column("example_id").to_pylist() == ["a", "b"] and named.column("label").to_pylist() == ["x", None]


def test_token_relevance_is_kept_as_float32_bit_for_bit(explanations):
    tokens = to_tables(explanations)["tokens"]
    assert np.array_equal(tokens.column("relevance").to_numpy(), np.concatenate([e.relevance for e in explanations]))


def test_word_rows_are_the_explanation_s_words_with_their_summed_relevance(explanations):
    words = to_tables(explanations)["words"].filter(pc.field("example_id") == "0")
    assert words.column("word").to_pylist() == explanations[0].words
    assert np.array_equal(words.column("relevance").to_numpy(), explanations[0].word_relevance)


def test_error_rows_are_written_with_the_errors_schema(explanations):
    errors = to_tables(explanations, errors=[("7", "invalid_text", "text is empty")])["errors"]
    assert errors.to_pylist() == [{"example_id": "7", "kind": "invalid_text", "message": "text is empty"}]

