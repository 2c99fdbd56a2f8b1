"""The audit: lexicons, DuckDB over a run's Parquet, statistics, counterfactual checks, flags."""

from .database import QueryError, connect, named_queries, run_named, run_sql
from .lexicon import DEFAULT_AXES, Lexicon, LexiconError, load_lexicons, terms_table

__all__ = [
    "DEFAULT_AXES",
    "Lexicon",
    "LexiconError",
    "QueryError",
    "connect",
    "load_lexicons",
    "named_queries",
    "run_named",
    "run_sql",
    "terms_table",
]
