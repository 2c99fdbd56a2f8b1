"""What the report shows from a run's Parquet, through DuckDB: aggregates and a handful of examples.

Nothing here reads per-token data of the whole run into Python: histograms and quantiles are
computed in SQL, shares come one number per example and group, and words only for the few
examples that are drawn. Every value reaches SQL as a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow.compute as pc

from lrp_audit.audits import QueryError, run_named
from lrp_audit.audits.database import connect_audited

from .inputs import ReportError

# |gap| / (|explained| + EPSILON): the relative gap of an example whose quantity is zero stays finite.
EPSILON = 1e-6
BINS = 40
# Histograms span these quantiles; what lies beyond is counted in the outer bars.
TAILS = (0.005, 0.995)
# The explained quantity; runs scanned before contrasts existed explained their target's logit alone.
QUANTITY = {True: "explained", False: "target_logit"}


def _gap_values(quantity: str) -> str:
    return f"""
        SELECT conservation_gap AS gap, abs(conservation_gap) / (abs({quantity}) + ?) AS relative
        FROM examples WHERE isfinite(conservation_gap) AND isfinite({quantity})
    """


def _gap_statistics(quantity: str) -> str:
    return f"""
        SELECT count(*)::INTEGER, quantile_cont(abs(gap), 0.5), quantile_cont(abs(gap), 0.95), max(abs(gap)),
               quantile_cont(relative, 0.5), quantile_cont(relative, 0.95), max(relative),
               quantile_cont(gap, ?), quantile_cont(gap, ?), quantile_cont(relative, ?)
        FROM ({_gap_values(quantity)})
    """


def _histogram_sql(quantity: str, column: str) -> str:
    """One query per plotted column (the column names are fixed here; only values are bound)."""
    return f"""
        SELECT least(greatest(floor((value - ?) / ?), 0), ? - 1)::INTEGER AS bin, count(*)::INTEGER AS count
        FROM (SELECT {column} AS value FROM ({_gap_values(quantity)}))
        GROUP BY bin ORDER BY bin
    """


# The share of each side's quantity that relevance accounts for: the median over examples of
# relevance / quantity (1 when relevance accounts for all of it), for what was explained and for the
# target's logit alone (the same quantity when no contrast was set).
SHARES = """
    SELECT count(*)::INTEGER,
           quantile_cont(relevance_sum / explained, 0.5),
           quantile_cont(target_relevance_sum / target_logit, 0.5)
    FROM examples
    WHERE isfinite(explained) AND isfinite(target_logit) AND explained <> 0 AND target_logit <> 0
"""
ERROR_SAMPLES = "SELECT example_id, kind, message FROM errors ORDER BY kind, example_id LIMIT ?"
EXAMPLES = """
    SELECT example_id, text, text_pair, label, target_label, prediction_label
    FROM examples WHERE list_contains(?, example_id)
"""
WORDS = """
    SELECT example_id, segment, word_index, char_start, char_end, relevance
    FROM words WHERE list_contains(?, example_id)
    ORDER BY example_id, segment, char_start
"""
SENSITIVE = """
    SELECT DISTINCT example_id, segment, word_index, axis, "group"
    FROM term_words WHERE list_contains(?, example_id)
    ORDER BY ALL
"""


@dataclass(frozen=True)
class Histogram:
    """Counts per bin between ``edges``; the outer bins also hold the values beyond them."""

    edges: list[float]
    counts: list[int]


@dataclass(frozen=True)
class Gaps:
    """The conservation gap over all examples: quantiles of |gap| and of the relative gap, histograms."""

    examples: int
    abs_quantiles: dict[str, float | None]
    relative_quantiles: dict[str, float | None]
    gap: Histogram | None
    relative: Histogram | None


@dataclass
class Example:
    """One drawn example: its row, and its words with relevance and the lexicon groups they belong to."""

    row: dict
    share: float | None
    words: list[dict] = field(default_factory=list)
    sensitive: dict[tuple[int, int], list[str]] = field(default_factory=dict)


def open_run(run_dir: Path) -> duckdb.DuckDBPyConnection:
    """The run's views, with the lexicon the audit matched (none before the audit has run)."""
    try:
        return connect_audited(run_dir)
    except QueryError as error:
        raise ReportError(str(error)) from None


def _has_quantity(connection: duckdb.DuckDBPyConnection) -> bool:
    return "explained" in connection.sql("SELECT * FROM examples LIMIT 0").columns


def gaps(connection: duckdb.DuckDBPyConnection) -> Gaps:
    quantity = QUANTITY[_has_quantity(connection)]
    sql = _gap_statistics(quantity)
    row = connection.sql(sql, params=[TAILS[0], TAILS[1], TAILS[1], EPSILON]).fetchall()[0]
    count, abs_median, abs_p95, abs_max, rel_median, rel_p95, rel_max, low, high, rel_high = row
    gap = relative = None
    if count:
        gap = _histogram(connection, quantity, "gap", low, high)
        relative = _histogram(connection, quantity, "relative", 0.0, rel_high)
    return Gaps(
        examples=count,
        abs_quantiles={"median": abs_median, "p95": abs_p95, "max": abs_max},
        relative_quantiles={"median": rel_median, "p95": rel_p95, "max": rel_max},
        gap=gap,
        relative=relative,
    )


@dataclass(frozen=True)
class Shares:
    """Median share of the explained quantity that relevance accounts for, and of the target's
    logit alone; ``None`` for a run scanned before these columns existed."""

    examples: int
    explained: float | None
    target_alone: float | None


def shares(connection: duckdb.DuckDBPyConnection) -> Shares | None:
    if not _has_quantity(connection):
        return None
    return Shares(*connection.sql(SHARES).fetchall()[0])


def _histogram(
    connection: duckdb.DuckDBPyConnection, quantity: str, column: str, low: float, high: float
) -> Histogram:
    if not high > low:
        low, high = low - 0.5, high + 0.5
    width = (high - low) / BINS
    counts = np.zeros(BINS, dtype=int)
    for index, count in connection.sql(_histogram_sql(quantity, column), params=[low, width, BINS, EPSILON]).fetchall():
        counts[index] = count
    return Histogram(np.linspace(low, high, BINS + 1).tolist(), counts.tolist())


def errors_by_kind(connection: duckdb.DuckDBPyConnection) -> list[dict]:
    return run_named(connection, "errors_by_kind").to_pylist()


def error_samples(connection: duckdb.DuckDBPyConnection, limit: int) -> list[dict]:
    return _rows(connection, ERROR_SAMPLES, [limit])


def group_shares(connection: duckdb.DuckDBPyConnection, top_k: int) -> dict[str, dict[str, np.ndarray]]:
    """Per axis and group, the share of |relevance| on the group's words in each example that has them."""
    table = run_named(connection, "example_shares", {"top_k": top_k})
    table = table.filter(pc.is_null(table["term"])).select(["axis", "group", "share"])
    shares: dict[str, dict[str, np.ndarray]] = {}
    frame = table.to_pandas()
    for (axis, group), rows in frame.groupby(["axis", "group"], sort=True):
        values = rows["share"].dropna().to_numpy(dtype=float)
        shares.setdefault(axis, {})[group] = values
    return shares


def most_reliant(
    connection: duckdb.DuckDBPyConnection, axis: str, group: str | None, limit: int, exclude: frozenset = frozenset()
) -> list[Example]:
    """The examples whose relevance rests most on the group's words (any group of the axis if None),
    leaving out those in ``exclude`` (already shown)."""
    params = {"axis": axis, "group": group, "limit": limit + len(exclude)}
    ranked = [
        row for row in run_named(connection, "most_reliant", params).to_pylist() if row["example_id"] not in exclude
    ]
    ranked = ranked[:limit]
    ids = [row["example_id"] for row in ranked]
    if not ids:
        return []
    rows = {row["example_id"]: row for row in _rows(connection, EXAMPLES, [ids])}
    examples = {row["example_id"]: Example(rows[row["example_id"]], row["share"]) for row in ranked}
    for word in _rows(connection, WORDS, [ids]):
        examples[word["example_id"]].words.append(word)
    for word in _rows(connection, SENSITIVE, [ids]):
        key = (word["segment"], word["word_index"])
        examples[word["example_id"]].sensitive.setdefault(key, []).append(f"{word['axis']}/{word['group']}")
    return [examples[example_id] for example_id in ids]


def relevance_by_group(connection: duckdb.DuckDBPyConnection, min_examples: int, limit: int) -> dict[str, list[dict]]:
    """Per sensitive column, the words whose share of relevance differs most between its groups
    (``queries/relevance_by_group.sql``); empty for a run without sensitive columns."""
    params = {"min_examples": min_examples, "limit": limit}
    by_column: dict[str, list[dict]] = {}
    for row in run_named(connection, "relevance_by_group", params).to_pylist():
        by_column.setdefault(row["column"], []).append(row)
    return by_column


def _rows(connection: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    return connection.sql(sql, params=params).to_arrow_table().to_pylist()
