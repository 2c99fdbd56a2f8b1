"""DuckDB over a run's Parquet, read in place, and the named queries of ``queries/``.

``connect(run_dir)`` registers the views ``tokens``, ``words``, ``examples``, ``errors``,
``terms`` and ``example_languages`` (plus ``term_words``, ``matches``, ``example_totals``,
``sensitive_groups``) from ``queries/views.sql``. Query parameters are DuckDB variables, always set through bound values
(``SET VARIABLE x = ?``): the same ``.sql`` files run unchanged in the DuckDB command line after
``SET VARIABLE x = ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lrp_audit import queries
from lrp_audit.run_folder import LANGUAGES_FILE, TERMS_FILE

from .lexicon import ENGLISH, terms_table

QUERIES = queries.FOLDER
VIEWS = "views"
PARAM = re.compile(r"^-- param (\w+) (INTEGER|DOUBLE|VARCHAR|BOOLEAN): (.+)$")
TABLES = ("tokens", "words", "examples", "errors")
GLOB_CHARACTER = re.compile(r"[\[\]*?{}]")
# Each example's language where none was given: English, as every example was before other languages.
ALL_ENGLISH = f"""
    CREATE VIEW example_languages AS
    SELECT example_id, '{ENGLISH}' AS language, false AS detected
    FROM read_parquet(getvariable('run_dir') || '/examples/*.parquet')
"""


class QueryError(ValueError):
    """A query that cannot run: unknown name or parameter, bad value, or DuckDB's own message."""


@dataclass(frozen=True)
class NamedQuery:
    """A ``queries/<name>.sql`` file: its SQL, what its header says it does, and its parameters."""

    name: str
    sql: str
    description: str
    params: dict[str, tuple[str, str]]  # name -> (DuckDB type, description)

    @classmethod
    def read(cls, path: Path) -> "NamedQuery":
        sql = path.read_text(encoding="utf-8")
        header = [line for line in sql.splitlines() if line.startswith("--")]
        params = {m[1]: (m[2], m[3]) for m in map(PARAM.match, header) if m}
        return cls(path.stem, sql, _description(header), params)


def _description(header: list[str]) -> str:
    """The header's opening sentences: its lines up to the first column note, parameter or blank."""
    lines = []
    for line in header:
        text = line.removeprefix("--")
        if not text.strip() or text.startswith("   ") or PARAM.match(line):
            break
        lines.append(text.strip())
    return " ".join(lines)


def named_queries(folder: Path = QUERIES) -> dict[str, NamedQuery]:
    """Every shipped query of ``folder`` by name (``views.sql`` is the set-up, not a query)."""
    return {path.stem: NamedQuery.read(path) for path in sorted(folder.glob("*.sql")) if path.stem != VIEWS}


def connect(
    run_dir: str | Path, terms: pa.Table, config: dict[str, Any] | None = None, languages: pa.Table | None = None
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the run's views; ``terms`` is the lexicon (``audits.terms_table``),
    ``config`` DuckDB's settings (``scale_config``), ``languages`` each example's language
    (``languages.example_languages``; every example English when None, as before other languages)."""
    run_dir = Path(run_dir)
    for table in TABLES:
        if not any((run_dir / table).glob("*.parquet")):
            hint = " (scans older than the words table: scan again)" if table == "words" else ""
            raise QueryError(f"{run_dir}: no {table}/*.parquet files; is this a scan's run folder?{hint}")
    connection = duckdb.connect(config=config or {})
    connection.execute("SET VARIABLE run_dir = ?", [glob_literal(run_dir)])
    if "language" not in terms.column_names:  # terms.parquet of an audit from before other languages
        terms = terms.add_column(0, "language", pa.array([ENGLISH] * len(terms), pa.string()))
    connection.register("terms", terms)
    if languages is None:
        connection.execute(ALL_ENGLISH)
    else:
        connection.register("example_languages", languages)
    connection.execute((QUERIES / f"{VIEWS}.sql").read_text(encoding="utf-8"))
    return connection


def scale_config(spill_dir: str | Path, memory_limit: str | None = None) -> dict[str, Any]:
    """DuckDB's settings for a session over millions of rows whose every ordered result says ORDER BY:
    no insertion order kept (less memory, no sort of a table made from an ordered query), and what
    exceeds ``memory_limit`` (DuckDB's default: 80% of RAM) spilled to ``spill_dir``, not to ``.tmp``
    in the working directory. Results are the same; only the order of unordered rows may differ."""
    config: dict[str, Any] = {"preserve_insertion_order": False, "temp_directory": str(spill_dir)}
    return config | ({"memory_limit": memory_limit} if memory_limit else {})


def glob_literal(path: str | Path) -> str:
    """``path`` as a DuckDB glob that matches only itself: the views append ``/tokens/*.parquet`` to
    the run folder, and DuckDB would read ``[``, ``]``, ``*``, ``?``, ``{`` and ``}`` in a folder's name
    as a pattern (``runs/glob[1]`` would read ``runs/glob1``). Each becomes a one-character class."""
    text = str(path)
    if "\\" in text:
        raise QueryError(f"{text}: DuckDB cannot read a path with a backslash in it; move or rename the run folder")
    return GLOB_CHARACTER.sub(lambda match: f"[{match.group(0)}]", text)


def connect_audited(run_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """A run's views with the lexicon its audit matched (``terms.parquet``; none before the audit)
    and the languages it found (``languages.parquet``), matched once (``materialize``): for readers
    of an audited run, such as the report and compare."""
    path, languages = Path(run_dir) / TERMS_FILE, Path(run_dir) / LANGUAGES_FILE
    connection = connect(
        run_dir,
        pq.read_table(path) if path.is_file() else terms_table([]),
        languages=pq.read_table(languages) if languages.is_file() else None,
    )
    materialize(connection)
    return connection


def materialize(connection: duckdb.DuckDBPyConnection) -> None:
    """Match the lexicon once (``term_words``), for a session that runs several queries over it."""
    connection.execute("CREATE TEMP TABLE term_words_cached AS FROM term_words")
    connection.execute("CREATE OR REPLACE VIEW term_words AS FROM term_words_cached")


def set_params(connection: duckdb.DuckDBPyConnection, params: dict[str, Any], declared: dict | None = None) -> None:
    """Bind each parameter as a DuckDB variable, cast to its declared type."""
    for name, value in params.items():
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise QueryError(f"--param {name}: parameter names are letters, digits and _")
        kind = declared[name][0] if declared and name in declared else None
        try:
            if kind is None:
                connection.execute(f'SET VARIABLE "{name}" = ?', [value])
            else:
                connection.execute(f'SET VARIABLE "{name}" = CAST(? AS {kind})', [value])
        except duckdb.Error as error:
            raise QueryError(
                f"--param {name}={value!r}: not a valid {kind or 'value'} ({_first_line(error)})"
            ) from None


def run_named(
    connection: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None = None, folder: Path = QUERIES
) -> pa.Table:
    """Run a shipped query with its parameters (unset ones take the defaults written in its SQL)."""
    return run_sql(connection, _prepared(connection, name, params, folder).sql)


def materialize_named(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    table: str,
    columns: str,
    params: dict[str, Any] | None = None,
    join: str = "",
) -> None:
    """Run a shipped query into the temp table ``table`` (``columns``: its select list over the
    query's columns, and those of ``join``, a join clause), for a session that reads the result
    several times without holding it in Python. ``table``, ``columns`` and ``join`` are SQL written
    in the code, never values."""
    sql = _prepared(connection, name, params, QUERIES).sql.strip().removesuffix(";")
    run_sql(connection, f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {columns} FROM ({sql}) {join}")


def _prepared(
    connection: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any] | None, folder: Path
) -> NamedQuery:
    """The shipped query ``name``, its parameters checked and bound (unset ones: None)."""
    queries = named_queries(folder)
    if name not in queries:
        raise QueryError(f"--name {name}: no such query; shipped: {', '.join(queries)}")
    query = queries[name]
    params = dict(params or {})
    unknown = sorted(set(params) - set(query.params))
    if unknown:
        takes = ", ".join(query.params) or "no parameters"
        raise QueryError(f"--param {unknown[0]}: query {name} does not take it (it takes: {takes})")
    set_params(connection, {key: params.get(key) for key in query.params}, query.params)
    return query


def run_sql(connection: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """Run SQL text and return its result; DuckDB's error becomes one ``QueryError`` line."""
    try:
        relation = connection.sql(sql)
        return relation.to_arrow_table() if relation is not None else pa.table({})
    except duckdb.Error as error:
        raise QueryError(f"query failed: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]
