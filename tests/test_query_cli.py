"""`lrp-audit query`: SQL or a shipped query over a run, printed as a table, CSV, JSON or Parquet."""

from __future__ import annotations

import csv
import io
import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from lrp_audit.cli import app
from synthetic import write_run


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    texts = ["She said he was late.", "My mother and father agreed.", "Nothing to see."] * 4
    return write_run(tmp_path_factory.mktemp("query") / "run", texts)


def query(*args):
    result = CliRunner().invoke(app, ["query", *map(str, args)])
    return result.exit_code, result.output


def test_sql_text_prints_a_table(run):
    code, output = query(run, "SELECT count(*) AS examples FROM examples")
    assert code == 0 and "examples" in output and "12" in output


def test_a_shipped_query_takes_parameters_and_writes_json(run):
    code, output = query(run, "--name", "top_terms", "--param", "limit=2", "--param", "axis=gender", "--format", "json")
    rows = json.loads(output)
    assert code == 0 and len(rows) == 2 and {row["axis"] for row in rows} == {"gender"}


def test_csv_goes_to_stdout(run):
    code, output = query(run, "SELECT kind, count(*) AS n FROM errors GROUP BY kind", "--format", "csv")
    assert code == 0 and list(csv.DictReader(io.StringIO(output))) == [{"kind": "invalid_text", "n": "2"}]


def test_parquet_needs_an_output_file(run, tmp_path):
    assert query(run, "SELECT 1", "--format", "parquet")[0] == 2
    code, _ = query(run, "SELECT * FROM words", "--format", "parquet", "--output", tmp_path / "words.parquet")
    assert code == 0 and pq.read_table(tmp_path / "words.parquet").num_rows > 0


def test_a_sql_error_is_one_message_and_exit_2(run):
    code, output = query(run, "SELECT nope FROM tokens")
    assert code == 2 and "query failed" in output and "nope" in output and "Traceback" not in output


def test_a_bad_parameter_value_names_the_parameter(run):
    code, output = query(run, "--name", "top_terms", "--param", "limit=many")
    assert code == 2 and "--param limit='many'" in output


def test_a_parameter_is_bound_not_pasted(run):
    code, output = query(
        run,
        "SELECT count(*) AS n FROM words WHERE norm = getvariable('w')",
        "--param",
        "w=' OR 1=1 --",
        "--format",
        "json",
    )
    assert code == 0 and json.loads(output) == [{"n": 0}]


def test_list_names_every_shipped_query_and_its_parameters(run):
    code, output = query(run, "--list")
    for name in ("example_shares", "top_terms", "most_reliant", "direction", "coverage", "errors_by_kind"):
        assert name in output
    assert "--param top_k=<INTEGER>" in output
    assert "coverage: How much of the data the lexicons see" in output
    assert "low coverage means the audit saw little, not that the model is clean." in output  # whole, on one line


def test_sql_and_name_together_are_refused(run):
    assert query(run, "SELECT 1", "--name", "coverage")[0] == 2
    assert query(run)[0] == 2
