"""Lexicon terms and a text's words are normalised twice, in Python (``audits.lexicon.term_parts``)
and in SQL (``norm`` in ``queries/views.sql``); a term matches only where the two agree."""

import re
import sys
import unicodedata
from pathlib import Path

import duckdb
import pytest

from lrp_audit.audits.lexicon import term_parts

VIEWS = Path(__file__).resolve().parent.parent / "queries" / "views.sql"
TRICKY = [
    "Müller",
    "ẞ",
    "Straße",
    "ÅNGSTRÖM",
    "naïve",
    "nai\u0308ve",  # combining diaeresis: a mark, kept
    "ǅ",
    "ＦＵＬＬ",
    "ﬁne",
    "Ⅻ",
    "O'Brien",
    "O\u2019Brien",
    "co-worker's",
    "sister-in-law",
    "non\u2011binary",
    "1990s",
    "$100",
    "#MeToo",
    "LGBTQ+",
    "emoji\U0001f44d",
    "a\u00a0b",
    "x\u2028y",
    "a\x0bb",
    "a\x1cb",
    "a\x85b",
    "zero\u200bwidth",  # a format character, not a space: kept
    "...",
]
LANGUAGE_SPECIFIC = ["\u0130stanbul", "\u03a3\u039f\u03a6\u0399\u0391\u03a3"]  # str.lower: İ -> i + dot, final sigma


def sql_norms(words: list[str]) -> list[str]:
    """The views' ``norm`` expression, as written in views.sql, applied to ``words`` in DuckDB."""
    expression = re.search(r"(regexp_replace\(lower\(nfc_normalize\(word\)\).*?\)) AS norm", VIEWS.read_text(encoding="utf-8")).group(1)
    rows = duckdb.sql(
        f"SELECT {expression} FROM unnest($words::VARCHAR[]) WITH ORDINALITY AS t(word, i) ORDER BY i",
        params={"words": words},
    ).fetchall()
    return [norm for (norm,) in rows]


def python_norm(word: str) -> str:
    return "".join(term_parts(word))


def test_python_and_sql_normalise_tricky_words_the_same():
    assert sql_norms(TRICKY) == [python_norm(word) for word in TRICKY]


@pytest.mark.parametrize("word", LANGUAGE_SPECIFIC)
def test_python_and_sql_normalise_language_specific_case_the_same(word):
    assert sql_norms([word]) == [python_norm(word)]


def test_python_and_sql_normalise_every_character_the_same():
    """Each character between two letters: lower-cased, kept or dropped as a separator alike. (Code
    points that this Python's Unicode database does not assign yet are left out: the SQL engine's
    tables may be newer.)"""
    characters = (chr(point) for point in range(1, sys.maxunicode + 1))
    words = [f"a{character}b" for character in characters if unicodedata.category(character) not in ("Cn", "Cs")]
    differing = [word[1] for word, sql in zip(words, sql_norms(words)) if sql != python_norm(word)]
    assert differing == []
