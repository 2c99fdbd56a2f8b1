"""What the audit's tests need from the per-example shares, computed where the shares are: DuckDB.

The shares (``queries/example_shares.sql``, a row per example and group or term) are computed once
into a temp table. Every test gets its sufficient statistics from one grouped query (counts, means,
sample variances and covariances), which is all the analytic intervals need, so millions of
examples never reach Python. Only tests small enough to bootstrap fetch their per-example rows,
one group at a time, so memory holds at most one group's small tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pandas as pd

from .database import materialize_named

SHARES = "audit_shares"
LEVELS = ("group", "class", "term", "language")
# The columns of example_shares the tests read, and the example's language; `counted`: the example
# has relevance to share.
SHARE_COLUMNS = """
    example_id, axis, "group", term, prediction_label, share, expected_share, control_share, relevance, top1, topk,
    total_abs > 0 AS counted, language
"""
WITH_LANGUAGE = "JOIN example_languages USING (example_id)"
# One row per test: a group (term NULL), a group in a predicted class, a term, a group in the examples
# of one language (kept where there are several: ``moments_by_test``). Over the counted rows
# (and for the paired share and control, those with a control). Variances are DuckDB's var_samp and
# covar_samp (Welford's updates: no cancellation at millions of rows).
MOMENTS = f"""
SELECT CASE WHEN term IS NOT NULL THEN 'term' WHEN GROUPING(prediction_label) = 0 THEN 'class'
            WHEN GROUPING(language) = 0 THEN 'language' ELSE 'group' END AS level,
       axis, "group", prediction_label AS prediction, term, language,
       count(*) FILTER (counted) AS examples,
       count(control_share) FILTER (counted) AS examples_with_controls,
       avg(share) FILTER (counted) AS share,
       avg(expected_share) FILTER (counted) AS expected_share,
       avg(relevance) FILTER (counted) AS relevance,
       avg(top1::DOUBLE) FILTER (counted) AS top1_rate,
       avg(topk::DOUBLE) FILTER (counted) AS topk_rate,
       var_samp(share) FILTER (counted) AS share_var,
       var_samp(expected_share) FILTER (counted) AS expected_share_var,
       covar_samp(share, expected_share) FILTER (counted) AS share_expected_share_cov,
       var_samp(relevance) FILTER (counted) AS relevance_var,
       avg(share) FILTER (counted AND control_share IS NOT NULL) AS controlled_share,
       avg(control_share) FILTER (counted) AS control_share,
       var_samp(share) FILTER (counted AND control_share IS NOT NULL) AS controlled_share_var,
       var_samp(control_share) FILTER (counted) AS control_share_var,
       covar_samp(share, control_share) FILTER (counted) AS share_control_share_cov,
       sum(share - control_share) FILTER (counted) AS difference_sum,
       sum((share - control_share) ** 2) FILTER (counted) AS difference_squares
FROM {SHARES}
GROUP BY GROUPING SETS ((axis, "group", term), (axis, "group", term, prediction_label), (axis, "group", term, language))
HAVING GROUPING(prediction_label) = 1 AND GROUPING(language) = 1
    OR term IS NULL AND (GROUPING(prediction_label) = 0 AND prediction_label IS NOT NULL OR GROUPING(language) = 0)
"""
# A group's counted rows that small tests resample: its own rows (term NULL) when the group, or one
# of the listed predicted classes or languages, is bootstrapped, and the listed terms' rows; by
# example in each.
GROUP_ROWS = f"""
SELECT term, prediction_label, language, share, expected_share, control_share, relevance
FROM {SHARES}
WHERE axis = ? AND "group" = ? AND counted
  AND (term IS NULL AND (? OR list_contains(CAST(? AS VARCHAR[]), prediction_label))
       OR list_contains(CAST(? AS VARCHAR[]), term))
ORDER BY term NULLS FIRST, example_id
"""


@dataclass(frozen=True)
class SampleMoments:
    """A test's key and the sufficient statistics of its sample (a row of ``MOMENTS``)."""

    level: str
    axis: str
    group: str
    prediction: str | None
    term: str | None
    language: str | None
    examples: int
    examples_with_controls: int
    share: float | None
    expected_share: float | None
    relevance: float | None
    top1_rate: float | None
    topk_rate: float | None
    share_var: float | None
    expected_share_var: float | None
    share_expected_share_cov: float | None
    relevance_var: float | None
    controlled_share: float | None
    control_share: float | None
    controlled_share_var: float | None
    control_share_var: float | None
    share_control_share_cov: float | None
    difference_sum: float | None
    difference_squares: float | None

    @property
    def key(self) -> tuple:
        """(level, axis, group, prediction, term), and the language of a language's test: the name
        its bootstrap's random stream is seeded from."""
        key = (self.level, self.axis, self.group, self.prediction, self.term)
        return key + (self.language,) if self.level == "language" else key


def materialize_shares(connection: duckdb.DuckDBPyConnection, top_k: int) -> None:
    """Compute the per-example shares once, into a temp table that DuckDB may spill to disk."""
    materialize_named(connection, "example_shares", SHARES, SHARE_COLUMNS, {"top_k": top_k}, WITH_LANGUAGE)


def moments_by_test(connection: duckdb.DuckDBPyConnection) -> list[SampleMoments]:
    """Every test's moments: groups, then classes, then terms, then languages (where the examples are
    in more than one), each sorted by name (the report's order)."""
    rows = connection.sql(MOMENTS).to_arrow_table().to_pylist()
    found = [SampleMoments(**row) for row in rows]
    if len({m.language for m in found if m.level == "language"}) < 2:
        found = [m for m in found if m.level != "language"]
    return sorted(
        found, key=lambda m: (LEVELS.index(m.level), m.axis, m.group, m.prediction or "", m.term or "", m.language or "")
    )


def examples_with_any_term(connection: duckdb.DuckDBPyConnection, axes: list[str]) -> int:
    """Examples that contain a term of one of ``axes``."""
    sql = f"SELECT count(DISTINCT example_id) FROM {SHARES} WHERE list_contains(?, axis)"
    return connection.sql(sql, params=[axes]).fetchall()[0][0]


def samples(connection: duckdb.DuckDBPyConnection, keys: list[tuple]) -> Iterator[tuple[tuple, pd.DataFrame]]:
    """The counted rows of each test in ``keys`` (``SampleMoments.key``), in example order, fetched one
    group at a time."""
    by_group: dict[tuple[str, str], list[tuple]] = {}
    for key in keys:
        by_group.setdefault(key[1:3], []).append(key)
    for (axis, group), wanted in by_group.items():
        classes = [key[3] for key in wanted if key[0] == "class"]
        terms = [key[4] for key in wanted if key[0] == "term"]
        whole = any(key[0] in ("group", "language") for key in wanted)
        rows = connection.sql(GROUP_ROWS, params=[axis, group, whole, classes, terms]).to_arrow_table().to_pandas()
        own = rows[rows["term"].isna()]
        for key in wanted:
            level, prediction, term = key[0], key[3], key[4]
            if level == "group":
                yield key, own
            elif level == "class":
                yield key, own[own["prediction_label"] == prediction]
            elif level == "language":
                yield key, own[own["language"] == key[5]]
            else:
                yield key, rows[rows["term"] == term]
