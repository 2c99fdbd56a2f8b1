"""A run folder opened in Python: its typed records, SQL over its tables, its model on new texts.

``open_run(path)`` (and ``lrp_audit.scan``, which returns one) gives a ``Run``: what a notebook asks
of an audit after it ran. It reads what the command line reads (the manifest, ``audit.json``,
``faithfulness.json``; SQL through the same views and bound parameters as ``lrp-audit query``), and
a notebook shows it: the run's headline, its audit and its explanations render as HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from lrp_audit.audits import connect, load_lexicons, run_named, run_sql, terms_table
from lrp_audit.audits.compare import Comparison, compare_runs
from lrp_audit.audits.database import set_params
from lrp_audit.audits.languages.detection import languages_seen, run_languages
from lrp_audit.audits.lexicon import in_languages
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.lrp import Explainer
from lrp_audit.lrp.display import Explanations
from lrp_audit.reports.display import register_displays, run_html, run_text
from lrp_audit.run_folder import (
    AUDIT_FILE,
    FAITHFULNESS_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    AuditReport,
    FaithfulnessReport,
    Manifest,
    complete_manifest,
    read_record,
)

from .config import ScanConfig, load_run_config
from .worker import load_explainer


def connect_run(run_dir: str | Path) -> duckdb.DuckDBPyConnection:
    """DuckDB with a run's views, the lexicon its config names and each example's language under its
    config's ``audit.language`` (``lrp-audit query``'s); a folder written by ``lrp-audit explain
    --format parquet`` (tables, no manifest) gets the default lexicons and languages detected."""
    run_dir = Path(run_dir)
    if (run_dir / MANIFEST_FILE).exists() or not (run_dir / "tokens").is_dir():
        audit = load_run_config(run_dir).audit
    else:
        audit = AuditSettings()
    languages = run_languages(run_dir, audit.language)
    lexicons = in_languages(load_lexicons(audit.axes, audit.lexicons), languages_seen(languages))
    return connect(run_dir, terms_table(lexicons), languages=languages)


def query_run(run_dir: str | Path, sql: str | None = None, name: str | None = None, params: dict[str, Any] | None = None) -> pa.Table:
    """``sql`` (or the shipped query ``name``) over a run's views, each parameter bound as a DuckDB
    variable (``getvariable('limit')``), never pasted into the SQL."""
    connection = connect_run(run_dir)
    try:
        if name is not None:
            return run_named(connection, name, params or {})
        set_params(connection, params or {})
        return run_sql(connection, sql or "")
    finally:
        connection.close()


class Run:
    """A complete scan's run folder: its manifest, audit and faithfulness check as typed records,
    SQL over its tables, and its model and method on new texts."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.manifest: Manifest = complete_manifest(self.path)  # a partial run is refused, never read as done
        register_displays()

    @cached_property
    def config(self) -> ScanConfig:
        """The config the run was scanned with."""
        return load_run_config(self.path)

    @property
    def audit(self) -> AuditReport | None:
        """The run's current audit (``audit.json``), or None before one ran."""
        return _optional(self.path / AUDIT_FILE, AuditReport)

    @property
    def faithfulness(self) -> FaithfulnessReport | None:
        """The run's current faithfulness check (``faithfulness.json``), or None before one ran."""
        return _optional(self.path / FAITHFULNESS_FILE, FaithfulnessReport)

    @property
    def report(self) -> Path | None:
        """``report.html`` of the run, where one was written."""
        path = self.path / REPORT_FILE
        return path if path.is_file() else None

    def sql(self, query: str, **params: Any):
        """``query`` over the run's views (tokens, words, examples, errors, terms, matches, ...) as a
        pandas DataFrame; ``params`` are bound as DuckDB variables: ``getvariable('group')``."""
        return query_run(self.path, sql=query, params=params).to_pandas()

    def query(self, name: str, **params: Any):
        """A shipped query (``lrp-audit query --list``) by name, with its parameters, as a DataFrame."""
        return query_run(self.path, name=name, params=params).to_pandas()

    def explain(self, texts: str | Sequence[str], pairs: Sequence[str] | None = None) -> Explanations:
        """New texts explained by the run's model, method and target, as the scan explained its rows."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        attribution = self.config.attribution
        return self._explainer.explain(texts, attribution.target, contrast=attribution.contrast, pairs=pairs)

    def compare(self, baseline: "Run | str | Path") -> Comparison:
        """How this run's audit moved from ``baseline``'s (an earlier run): ``lrp-audit compare
        BASELINE THIS``, with this run's audit settings."""
        before = baseline.path if isinstance(baseline, Run) else Path(baseline)
        return compare_runs(before, self.path, self.config.audit)

    @cached_property
    def _explainer(self) -> Explainer:
        return load_explainer(self.config)

    def __repr__(self) -> str:
        return run_text(self.path, self.manifest, self.audit, self.report)

    def _repr_html_(self) -> str:
        return run_html(self.path, self.manifest, self.audit, self.report)


def open_run(path: str | Path) -> Run:
    """The complete run in folder ``path`` (``runs/scan-...``); any other folder is refused with why."""
    return Run(path)


def _optional(path: Path, record: type):
    return read_record(path, record) if path.is_file() else None
