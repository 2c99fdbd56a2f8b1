"""The shipped audit SQL (``queries/*.sql``) against the plain-pandas reference (``tests/reference.py``),
and the guarantees of ``audits.database``: literal lexicon terms, bound parameters, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import reference
from synthetic import write_run

from lrp_audit.audits import DEFAULT_AXES, QueryError, connect, load_lexicons, named_queries, run_named, run_sql, terms_table
from lrp_audit.audits.database import QUERIES
from lrp_audit.run_folder import ERRORS as ERRORS_SCHEMA
from lrp_audit.run_folder import EXAMPLES as EXAMPLES_SCHEMA
from lrp_audit.run_folder import write_atomic

# Each text (and its pair) exercises something: subword splits, punctuation-only words, case and
# accents, hyphenated multi-word terms, overlapping terms of one axis, a term in two axes, a term
# split across the two segments (no match), a self-overlapping term, an example without terms, and
# an example whose relevance is all zero (null shares).
TEXTS = [
    ('She met her sister-in-law at the Café; SHE said: "hello!!" — an African American priest.', "Her mother agreed."),
    ("The American antidisestablishmentarianism philosopher, an elderly monk, prayed.", "yes"),
    ("Nothing sensitive here at all...", "no\x0bway"),  # a vertical tab inside a word (norm "noway")
    ("He, his father and the priest went to church; the priest is old.", "The senior citizen said so."),
    ("€€ ok ?? african americans and americans", "Brother in law!"),
    ("My sister", "in law we trust"),
    ("A white american indian festival, with crème brûlée at Café Rouge.", "la la la, said Mary."),
    ("Hers! Hers!", "!!"),
    ("Senior, citizen; SENIOR-CITIZENS of the United States (USA) love the Dalai Lama.", "the united kingdom"),
    ("Pneumonoultramicroscopicsilicovolcanoconiosis and Schwarzenegger's grandmother, an asian-american nun.", "Ok."),
    (
        "A gay bar mitzvah in Kenya; the Kenyan rabbi's wife, a wheelchair user, sang in the old church.",
        "Mr. Smith and Ms. Jones",
    ),
    ("Her sisterinlaw met the Brother-In-Law.", "ok"),  # one word, as tokenisers splitting at spaces keep it
]
# Large relevance on some terms and on "?" (a punctuation word, which never counts as an example's top
# word); none on "hers" and "!", so that example 7 has no relevance at all.
BOOST = {"priest": 40.0, "african": 25.0, "café": 30.0, "grandmother": 15.0, "?": 60.0, "hers": 0.0, "!": 0.0}
USER_LEXICON = """\
axis: custom
description: Terms for the query tests.
sources: ["tests/test_queries.py"]
licence: "Apache-2.0"
groups:
  food:
    terms: ["café", "crème brûlée", "la la"]
  place:
    terms: ["Café Rouge", "old church"]
"""
# Sensitive columns of the texts above: a missing value, and both columns for the intersections.
SENSITIVE = [
    {"gender": g, "region": r}
    for g, r in zip("fmfmfm-fmfmf", ["north", "south", "south", "north", None, "north", "south", "north", "south",
                                     "north", "south", "north"])
]
SENSITIVE = [{key: (None if value == "-" else value) for key, value in row.items()} for row in SENSITIVE]
# Rows the scan could not explain, beside the synthetic run's own ("invalid_text", "text is empty").
ERRORS = [("e1", "tokenizer", "b: too long"), ("e2", "tokenizer", "a: bad bytes"), ("e3", "model", "out of memory")]
# Columns that identify a row of each query's result: both sides are sorted by them before comparing.
KEYS = {
    "coverage": ["axis", "group", "term"],
    "direction": ["axis", "group", "prediction_label", "target_label"],
    "errors_by_kind": ["kind"],
    "example_shares": ["example_id", "axis", "group", "term"],
    "most_reliant": ["example_id"],
    "top_terms": ["axis", "term"],
    "outcome_cells": ["column", "group", "prediction_label", "label"],
    "word_groups": ["column", "word", "group"],
    "relevance_by_group": ["column", "word"],
}
PARAMETERS = [
    ("top_terms", {"axis": "gender", "limit": 5}),
    ("top_terms", {"axis": "nationality_ethnicity"}),
    ("top_terms", {"limit": 3}),
    ("top_terms", {"limit": 1000}),
    ("top_terms", {"axis": "custom", "limit": 100}),
    ("most_reliant", {"axis": "religion", "group": "christian", "limit": 3}),
    ("most_reliant", {"axis": "nationality_ethnicity"}),
    ("most_reliant", {"group": "female"}),
    ("most_reliant", {"limit": 2}),
    ("example_shares", {"top_k": 1}),
    ("example_shares", {"top_k": 10}),
    ("direction", {"axis": "gender"}),
    ("direction", {"axis": "custom"}),
    ("top_terms", {"axis": "no_such_axis"}),
    ("most_reliant", {"group": "no_such_group"}),
    ("direction", {"axis": "no_such_axis"}),
    ("outcome_cells", {"column": "gender & region"}),
    ("word_groups", {"min_count": 2}),
    ("relevance_by_group", {"min_examples": 2}),
    ("relevance_by_group", {"column": "gender", "min_examples": 3, "limit": 4}),
]
# Parameters that make a query return rows on these dozen texts (its defaults suit real runs).
SMALL_RUN = {"word_groups": {"min_count": 2}, "relevance_by_group": {"min_examples": 2}}


def write_lexicon(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """(run folder, terms, DuckDB connection, reference) for the texts above."""
    folder = tmp_path_factory.mktemp("queries")
    lexicon = write_lexicon(folder / "custom.yaml", USER_LEXICON)
    lexicons = load_lexicons(DEFAULT_AXES + ("gender_names",), files=[str(lexicon)])
    terms = terms_table([lexicon for lexicon in lexicons if lexicon.language == "en"])  # the texts' language
    run_dir = write_run(
        folder / "run", [t for t, _ in TEXTS], [p for _, p in TEXTS], seed=3, boost=BOOST, sensitive=SENSITIVE
    )
    errors = pa.table(dict(zip(ERRORS_SCHEMA.names, map(list, zip(*ERRORS)))), schema=ERRORS_SCHEMA)
    write_atomic(errors, run_dir / "errors" / "extra.parquet")
    return run_dir, terms, connect(run_dir, terms), reference.Run.load(run_dir, terms)


def assert_same(got: pd.DataFrame, want: pd.DataFrame, keys: list[str] | None = None) -> None:
    """Same columns in the same order, same rows after sorting by keys; floats to rtol 1e-5, nulls equal."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want), f"{len(got)} rows from DuckDB, {len(want)} from the reference"
    if keys is None:
        keys = [c for c in got.columns if got[c].dtype.kind != "f"]

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:
        text = {key: frame[key].map(lambda v: "" if pd.isna(v) else f"~{v}") for key in keys}
        return frame.iloc[np.lexsort([text[key].to_numpy(dtype=object) for key in reversed(keys)])].reset_index(
            drop=True
        )

    got, want = ordered(got), ordered(want)
    for column in got.columns:
        a, b = got[column].to_numpy(dtype=object), want[column].to_numpy(dtype=object)
        null = pd.isna(a)
        assert (null == pd.isna(b)).all(), f"{column}: nulls differ\n{got[column]}\n{want[column]}"
        kinds = got[column].dtype.kind, want[column].dtype.kind
        if "f" in kinds:
            close = np.isclose(a[~null].astype(float), b[~null].astype(float), rtol=1e-5, atol=1e-9)
            assert close.all(), f"{column} differs:\n{pd.DataFrame({'duckdb': a, 'reference': b})[~null][~close]}"
        else:
            assert kinds[1] in "iu" or kinds[0] not in "iu", f"{column}: an integer column, but {want[column].dtype}"
            same = [_plain(x) == _plain(y) for x, y in zip(a[~null], b[~null])]
            assert all(same), f"{column} differs:\n{pd.DataFrame({'duckdb': a, 'reference': b})}"


def _plain(value):
    """A list cell (DuckDB gives arrays, the reference lists) as a tuple; any other value as it is."""
    return tuple(value) if isinstance(value, (list, tuple, np.ndarray)) else value


def check_query(run, name: str, params: dict) -> None:
    _, _, connection, ref = run
    method = getattr(reference.Run, name, None)
    assert method is not None, f"tests/reference.py has no method for the shipped query {name!r}"
    got = run_named(connection, name, params).to_pandas()
    assert_same(got, method(ref, **params), KEYS.get(name))


@pytest.mark.parametrize("name", sorted(named_queries()))
def test_query_matches_reference(run, name):
    check_query(run, name, {})


@pytest.mark.parametrize(
    ("name", "params"), PARAMETERS, ids=[f"{n}-{'-'.join(map(str, p.values()))}" for n, p in PARAMETERS]
)
def test_query_with_parameters_matches_reference(run, name, params):
    assert set(params) <= set(named_queries()[name].params)
    check_query(run, name, params)


def test_queries_return_rows_on_the_test_run(run):
    """Guards the comparisons above against vacuous agreement on empty results."""
    _, _, connection, _ = run
    for name in named_queries():
        assert run_named(connection, name, SMALL_RUN.get(name)).num_rows > 0, name


@pytest.mark.parametrize("view", ["words", "term_words", "matches", "example_totals"])
def test_view_matches_reference(run, view):
    _, _, connection, ref = run
    want = getattr(ref, view)()
    columns = ", ".join(f'"{column}"' for column in want.columns)
    got = connection.sql(f"SELECT {columns} FROM {view}").df()
    keys = [k for k in ("example_id", "segment", "word_index", "axis", "term", "char_start") if k in want.columns]
    assert_same(got, want, keys)


def test_longest_match_wins_within_an_axis(run):
    _, _, connection, _ = run
    found = connection.sql("SELECT axis, term, count(*) AS n FROM matches GROUP BY ALL").df()
    found = {(a, t): n for a, t, n in found.itertuples(index=False)}
    assert found[("nationality_ethnicity", "african american")] == 1
    assert found[("nationality_ethnicity", "asian american")] == 1
    assert found[("nationality_ethnicity", "americans")] == 1  # the second one, not inside "african americans"
    assert found[("gender", "sister in law")] == 2  # "sister-in-law" and "sisterinlaw"; not across a pair
    assert found[("age", "senior citizen")] == 2 and found[("age", "senior citizens")] == 1
    assert found[("custom", "la la")] == 2 and found[("custom", "Café Rouge")] == 1 and found[("custom", "café")] == 1
    assert found[("gender", "priest")] == found[("religion", "priest")] == 3  # a term of two axes counts in both
    assert ("nationality_ethnicity", "african") not in found and ("age", "senior") not in found
    # other axes keep their own matches inside a longer term of another axis
    assert found[("custom", "old church")] == 1 and found[("religion", "church")] == 2 and found[("age", "old")] == 2


def test_coverage_rates_are_null_for_a_run_without_examples(run, tmp_path):
    run_dir, terms, _, _ = run
    empty = tmp_path / "run"
    shutil.copytree(run_dir, empty)
    for path in (empty / "examples").glob("*.parquet"):
        path.unlink()
    write_atomic(EXAMPLES_SCHEMA.empty_table(), empty / "examples" / "00000.parquet")
    rates = run_named(connect(empty, terms), "coverage").column("example_rate")
    assert len(rates) > 0 and rates.null_count == len(rates)  # NULL, not NaN (0 / 0)


def test_literal_lexicon_term_with_sql_syntax_is_matched_and_harmless(tmp_path):
    term = """o'brien"; drop table examples; --"""
    lexicon = write_lexicon(
        tmp_path / "odd.yaml",
        "axis: odd\ndescription: SQL in a term.\nsources: [tests]\nlicence: none\n"
        f"groups:\n  quoted:\n    terms: ['{term.replace(chr(39), chr(39) * 2)}']\n",
    )
    terms = terms_table(load_lexicons(("gender",), files=[str(lexicon)]))
    assert term in terms.column("term").to_pylist()
    run_dir = write_run(tmp_path / "run", [f"Mr {term.upper()} said she would come.", "nothing here"], shards=1)
    connection = connect(run_dir, terms)
    matches = connection.sql("SELECT term, char_start, char_end FROM matches WHERE axis = 'odd'").fetchall()
    start = len("Mr ")
    assert matches == [(term, start, start + term.index("; --"))]  # the trailing "; --" is punctuation
    for name in named_queries():
        run_named(connection, name)
    for table in ("tokens", "examples", "words"):
        rows = sum(pq.read_metadata(path).num_rows for path in (run_dir / table).glob("*.parquet"))
        assert connection.sql(f"SELECT count(*) FROM {table}").fetchall() == [(rows,)] and rows > 0


@pytest.mark.parametrize(
    ("name", "param"),
    [("top_terms", "axis"), ("most_reliant", "axis"), ("most_reliant", "group"), ("direction", "axis")],
)
def test_parameter_values_are_bound_not_pasted(run, name, param):
    _, _, connection, _ = run
    assert run_named(connection, name, {param: "female" if param == "group" else "gender"}).num_rows > 0
    assert run_named(connection, name, {param: "gender' OR 1=1 --"}).num_rows == 0


def test_unknown_query_name_raises_query_error(run):
    with pytest.raises(QueryError, match="no_such_query"):
        run_named(run[2], "no_such_query")


def test_unknown_parameter_raises_query_error(run):
    with pytest.raises(QueryError, match="colour"):
        run_named(run[2], "top_terms", {"colour": "red"})


def test_non_integer_value_for_integer_parameter_raises_query_error(run):
    with pytest.raises(QueryError, match="limit") as caught:
        run_named(run[2], "top_terms", {"limit": "ten"})
    assert "ten" in str(caught.value) and "INTEGER" in str(caught.value)


def test_sql_syntax_error_raises_query_error_with_duckdb_message(run):
    with pytest.raises(duckdb.Error) as raw:
        duckdb.connect().sql("SELEC axis FROM terms")
    with pytest.raises(QueryError) as caught:
        run_sql(run[2], "SELEC axis FROM terms")
    assert str(raw.value).strip().splitlines()[0] in str(caught.value)


def test_words_agree_with_tokens(run):
    run_dir = run[0]
    tokens = pd.concat(pd.read_parquet(path) for path in sorted((run_dir / "tokens").glob("*.parquet")))
    words = pd.concat(pd.read_parquet(path) for path in sorted((run_dir / "words").glob("*.parquet")))
    examples = pd.concat(pd.read_parquet(path) for path in sorted((run_dir / "examples").glob("*.parquet")))
    tokens = tokens[tokens["word_index"].notna()].astype({"word_index": np.int64})
    assert not tokens["is_special"].any() and not tokens["is_template"].any()
    merged = tokens.groupby(["example_id", "word_index"]).agg(
        segment=("segment", "first"),
        segments=("segment", "nunique"),
        num_tokens=("position", "size"),
        char_start=("char_start", "min"),
        char_end=("char_end", "max"),
        relevance=("relevance", lambda r: r.astype(np.float64).sum()),
    )
    words = words.astype({"word_index": np.int64}).set_index(["example_id", "word_index"]).sort_index()
    assert merged.index.equals(words.index)
    assert (merged["segments"] == 1).all()
    for column in ("segment", "num_tokens", "char_start", "char_end"):
        assert (merged[column].to_numpy() == words[column].to_numpy()).all(), column
    assert np.allclose(merged["relevance"], words["relevance"], rtol=1e-5, atol=1e-5)
    sources = examples.set_index("example_id")[["text", "text_pair"]]
    for (example_id, _), row in words.iterrows():
        source = sources.loc[example_id].iloc[row["segment"]]
        assert row["word"] == source[row["char_start"] : row["char_end"]]
    assert (words["num_tokens"] > 1).any()  # some words were split into subwords


def test_the_duckdb_command_line_recipe_gives_the_same_answers(run):
    """queries/README.md: variables set by hand, terms and languages read from the run's terms.parquet
    and languages.parquet, views.sql read."""
    run_dir, terms, connection, _ = run
    pq.write_table(terms, run_dir / "terms.parquet")
    pq.write_table(connection.sql("FROM example_languages").to_arrow_table(), run_dir / "languages.parquet")
    plain = duckdb.connect()
    plain.execute(f"SET VARIABLE run_dir = '{run_dir}'")  # what a user types; the path is ours
    plain.execute("CREATE VIEW terms AS FROM read_parquet(getvariable('run_dir') || '/terms.parquet')")
    plain.execute("CREATE VIEW example_languages AS FROM read_parquet(getvariable('run_dir') || '/languages.parquet')")
    plain.execute((QUERIES / "views.sql").read_text())
    plain.execute("SET VARIABLE axis = 'gender'")
    by_hand = plain.sql((QUERIES / "top_terms.sql").read_text()).to_df()
    assert_same(by_hand, run_named(connection, "top_terms", {"axis": "gender"}).to_pandas(), KEYS.get("top_terms"))


def test_a_multi_word_term_written_as_one_word_matches(run):
    _, _, connection, _ = run
    found = run_sql(connection, "SELECT DISTINCT term, num_words FROM matches WHERE example_id = 'ex00011'")
    assert sorted(found.to_pylist(), key=str) == [
        {"term": "brother in law", "num_words": 3},
        {"term": "her", "num_words": 1},
        {"term": "sister in law", "num_words": 1},
    ]
