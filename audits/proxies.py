"""Proxy discovery: words outside every lexicon whose occurrence goes with a group of a sensitive column.

A lexicon cannot name the hobby, club or college that stands in for a group. With the group in a
column of the dataset (never shown to the model), every word can be tested for association with it:
per column, word and group, the 2 x 2 table of examples (word present or not, in the group or not)
gets Dunning's log-likelihood ratio (G) test (scipy's ``power_divergence``), the standard measure of
word association in corpus linguistics, and an odds ratio with 0.5 added to each cell. Words seen
in fewer than ``proxy_min_count`` examples are not tested; p-values are Benjamini-Hochberg corrected
over every word and group tested. Association is a property of the data: the audit then asks of the
model whether it relies on the word (relevance lift) and whether replacing it changes the decision
(counterfactual), as it does for lexicon groups.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy import stats

from lrp_audit.run_folder.records import Association, WordAssociation

from .database import run_named
from .lexicon import TERMS
from .settings import AuditSettings
from .statistics import benjamini_hochberg

# The lexicon axis under which candidate proxies are matched and tested; lexicon axes are
# [a-z0-9_]+, so no lexicon can use this name.
PROXY_AXIS = "proxy words"
# A word whose association p-value is at least this is neutral: a replacement that says nothing of the group.
NEUTRAL_P = 0.5


@dataclass(frozen=True)
class WordCounts:
    """A word of a column's vocabulary: its association with each group, and its length in tokens."""

    column: str
    word: str
    group: str
    num_tokens: int
    association: Association


def word_associations(connection: duckdb.DuckDBPyConnection, settings: AuditSettings) -> list[WordCounts]:
    """Every (column, word, group) seen in at least ``proxy_min_count`` examples, with its G-test and
    odds ratio, q-values corrected over all of them. The counts come from SQL (``word_groups``)."""
    rows = run_named(connection, "word_groups", {"min_count": settings.proxy_min_count}).to_pandas()
    if rows.empty:
        return []
    a = rows["in_group"].to_numpy(float)  # word, group
    b = rows["examples"].to_numpy(float) - a  # word, other groups
    c = rows["group_size"].to_numpy(float) - a  # no word, group
    d = rows["total"].to_numpy(float) - a - b - c  # no word, other groups
    observed = np.stack([a, b, c, d])
    word, group, total = a + b, a + c, a + b + c + d
    other, elsewhere = total - group, total - word
    expected = np.stack([word * group, word * other, elsewhere * group, elsewhere * other]) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        g, p = stats.power_divergence(observed, expected, ddof=2, axis=0, lambda_="log-likelihood")
    p = np.where(np.isfinite(p), p, 1.0)  # a group that is every example of its column: nothing to test
    g = np.nan_to_num(g)
    odds = (a + 0.5) * (d + 0.5) / ((b + 0.5) * (c + 0.5))
    q = benjamini_hochberg(p.tolist())
    return [
        WordCounts(
            column=row.column,
            word=row.word,
            group=row.group,
            num_tokens=int(row.num_tokens),
            association=Association(
                examples=int(row.examples),
                in_group=int(row.in_group),
                group_rate=float(row.in_group / row.examples),
                base_rate=float(row.group_size / row.total),
                odds_ratio=float(odds[i]),
                g_statistic=float(g[i]),
                p_value=float(p[i]),
                q_value=float(q[i]),
            ),
        )
        for i, row in enumerate(rows.itertuples(index=False))
    ]


def is_associated(counts: WordCounts, settings: AuditSettings) -> bool:
    """Over-represented in the group: significant after correction, and at least ``proxy_min_odds_ratio``."""
    association = counts.association
    return association.q_value <= settings.alpha and association.odds_ratio >= settings.proxy_min_odds_ratio


def associated(counts: list[WordCounts], settings: AuditSettings) -> list[WordAssociation]:
    """The associated words, strongest first (by G)."""
    found = sorted((c for c in counts if is_associated(c, settings)), key=lambda c: -c.association.g_statistic)
    return [WordAssociation(column=c.column, group=c.group, word=c.word, association=c.association) for c in found]


def candidate_words(associations: list[WordAssociation], settings: AuditSettings) -> list[str]:
    """The words whose relevance is tested: the ``proxy_max_words`` most strongly associated."""
    return list(dict.fromkeys(a.word for a in associations))[: settings.proxy_max_words]


def proxy_terms(words: list[str], languages: list[str]) -> pa.Table:
    """Candidate proxies as rows of the ``terms`` view: each word its own group of ``PROXY_AXIS``, so
    that the lexicon's matching, shares and matched controls serve them unchanged; a word is a
    proxy whatever the language of the example it is in."""
    return pa.Table.from_pylist(
        [
            {"language": language, "axis": PROXY_AXIS, "group": word, "term": word, "parts": [word], "num_words": 1,
             "partner_group": None, "replacement": None, "source": "proxy discovery"}
            for word in words
            for language in languages
        ],
        schema=TERMS,
    )


@dataclass(frozen=True)
class Replacements:
    """What replaces a proxy in its counterfactual: ``words`` to draw from, and what they are."""

    words: list[str]
    partner: str


def replacements(proxy: WordAssociation, counts: list[WordCounts], settings: AuditSettings) -> Replacements | None:
    """The other groups' proxies in the same column (of the proxy's length in tokens where there are
    such), else neutral words of its length (association p >= 0.5 with every group); None if neither."""
    length = next(c.num_tokens for c in counts if c.column == proxy.column and c.word == proxy.word)
    column = [c for c in counts if c.column == proxy.column and c.word != proxy.word]
    others = [c for c in column if c.group != proxy.group and is_associated(c, settings)]
    same_length = [c for c in others if c.num_tokens == length] or others
    if same_length:
        groups = ", ".join(sorted({c.group for c in same_length}))
        return Replacements(sorted({c.word for c in same_length}), f"proxies of {proxy.column} {groups}")
    words = {}
    for c in column:
        words[c.word] = words.get(c.word, True) and c.association.p_value >= NEUTRAL_P and c.num_tokens == length
    neutral = sorted(word for word, ok in words.items() if ok)
    return Replacements(neutral, f"neutral words of {length} token(s)") if neutral else None
