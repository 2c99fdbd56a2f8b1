"""Many runs under one output folder: their manifests and audits as tables DuckDB can query.

``connect_history(run_folders(output_dir))`` registers ``runs`` (one row per run folder), ``run_groups`` (one
row per run, axis and group the audit tested) and ``run_flags`` (one row per flag or unconfirmed
candidate). A proxy word that was a candidate is a group of the axis ``proxy words`` named
``word (column = group)``, so that comparing two runs shows it appear or go like a flag. The
queries in ``queries/history/`` run over them, with parameters bound like the per-run queries.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from lrp_audit.run_folder import AUDIT_FILE, MANIFEST_FILE, RunFolderError, read_audit, read_manifest, run_problems
from lrp_audit.run_folder.records import AuditReport, CounterfactualCheck, Manifest, Test

from .database import QUERIES, named_queries
from .proxies import PROXY_AXIS

HISTORY_QUERIES = QUERIES / "history"

RUNS = pa.schema(
    [
        ("run_id", pa.string()),
        ("run_dir", pa.string()),
        ("status", pa.string()),
        ("started_at", pa.string()),
        ("ended_at", pa.string()),
        ("identity", pa.string()),
        ("model", pa.string()),
        ("model_revision", pa.string()),
        ("model_content", pa.string()),
        ("dataset", pa.string()),
        ("split", pa.string()),
        ("data_fingerprint", pa.string()),
        ("method", pa.string()),
        ("input_rows", pa.int64()),
        ("examples", pa.int64()),
        ("errors", pa.int64()),
        ("audit_status", pa.string()),
        ("audited_at", pa.string()),
        ("flags", pa.int64()),
    ]
)
GROUPS = pa.schema(
    [
        ("run_id", pa.string()),
        ("axis", pa.string()),
        ("group", pa.string()),
        ("examples", pa.int64()),
        ("tested", pa.bool_()),
        ("share", pa.float64()),
        ("control_share", pa.float64()),
        ("lift", pa.float64()),
        ("lift_low", pa.float64()),
        ("lift_high", pa.float64()),
        ("q_value", pa.float64()),
        ("verdict", pa.string()),  # flag | unconfirmed | clear
    ]
)
FLAGS = pa.schema(
    [
        ("run_id", pa.string()),
        ("axis", pa.string()),
        ("group", pa.string()),
        ("confirmed", pa.bool_()),
        ("lift", pa.float64()),
        ("lift_low", pa.float64()),
        ("q_value", pa.float64()),
        ("swap_change", pa.float64()),
        ("control_change", pa.float64()),
        ("flip_rate", pa.float64()),
    ]
)


def run_folders(output_dir: str | Path) -> list[Path]:
    """The run folders directly under ``output_dir`` (those with a manifest.json), by name."""
    output_dir = Path(output_dir)
    if not output_dir.is_dir():
        raise RunFolderError(f"{output_dir}: no such folder; give the output_dir of your scans (runs by default)")
    return sorted(path.parent for path in output_dir.glob(f"*/{MANIFEST_FILE}"))


def latest_runs(output_dir: str | Path) -> tuple[Path, Path]:
    """The two complete runs started last, older first: what a nightly job compares."""
    manifests = {run: _readable(run) for run in run_folders(output_dir)}
    complete = {run: manifest for run, manifest in manifests.items() if manifest and manifest.status == "complete"}
    if len(complete) < 2:
        raise RunFolderError(f"{output_dir}: fewer than two complete runs to compare")
    older, newer = sorted(complete, key=lambda run: complete[run].started_at or "")[-2:]
    return older, newer


def _readable(run_dir: Path) -> Manifest | None:
    """A run's manifest, or None for one that cannot be read (such a run is not complete)."""
    try:
        return read_manifest(run_dir)
    except RunFolderError:
        return None


def history_tables(folders: list[Path]) -> dict[str, pa.Table]:
    """The three tables over these run folders (see ``run_folders``)."""
    runs, groups, flags = [], [], []
    for run_dir in folders:
        manifest = _readable(run_dir)
        if manifest is None:  # listed, never skipped: a tampered or half-written run is still a run
            runs.append({"run_id": run_dir.name, "run_dir": str(run_dir), "status": "unreadable"})
            continue
        audit = read_audit(run_dir) if (run_dir / AUDIT_FILE).is_file() else None
        runs.append(_run_row(run_dir, manifest, audit))
        if audit is not None:
            groups += _group_rows(manifest.run_id, audit)
            flags += _flag_rows(manifest.run_id, audit)
    return {
        "runs": pa.Table.from_pylist(runs, schema=RUNS),
        "run_groups": pa.Table.from_pylist(groups, schema=GROUPS),
        "run_flags": pa.Table.from_pylist(flags, schema=FLAGS),
    }


def connect_history(folders: list[Path]) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with ``runs``, ``run_groups`` and ``run_flags`` over these run folders."""
    connection = duckdb.connect()
    for name, table in history_tables(folders).items():
        connection.register(name, table)
    return connection


def history_queries() -> dict:
    return named_queries(HISTORY_QUERIES)


def _run_row(run_dir: Path, manifest: Manifest, audit: AuditReport | None) -> dict:
    model, dataset, counts = manifest.model, manifest.dataset, manifest.counts
    fingerprint = dataset.fingerprint if dataset else None
    return {
        "run_id": manifest.run_id,
        "run_dir": str(run_dir),
        "status": _status(run_dir, manifest),
        "started_at": manifest.started_at,
        "ended_at": manifest.ended_at,
        "identity": manifest.identity,
        "model": model.name if model else None,
        "model_revision": model.revision if model else None,
        "model_content": model.content_sha256 if model else None,
        "dataset": dataset.name if dataset else None,
        "split": dataset.split if dataset else None,
        "data_fingerprint": _digest(fingerprint) if fingerprint else None,
        "method": manifest.method,
        "input_rows": counts.input_rows if counts else None,
        "examples": counts.examples if counts else None,
        "errors": counts.errors if counts else None,
        "audit_status": audit.status if audit else None,
        "audited_at": audit.created_at if audit else None,
        "flags": audit.findings if audit else None,
    }


def _status(run_dir: Path, manifest: Manifest) -> str:
    """The manifest's status, except that a complete run whose files are missing or damaged is ``damaged``."""
    return "damaged" if manifest.status == "complete" and run_problems(run_dir, manifest) else manifest.status


def _candidates(audit: AuditReport) -> list[tuple[str, str, Test, CounterfactualCheck]]:
    """Flags, unconfirmed candidates and candidate proxy words alike: (axis, group, statistics, check)."""
    found = [(f.axis, f.label, f.statistics, f.counterfactual) for f in audit.flags + audit.unconfirmed]
    return found + [
        (PROXY_AXIS, f"{p.word} ({p.column} = {p.group})", p.statistics, p.counterfactual)
        for p in audit.proxies + audit.unconfirmed_proxies
    ]


def _group_rows(run_id: str, audit: AuditReport) -> list[dict]:
    candidates = _candidates(audit)
    verdicts = {(axis, group): "flag" if check.confirmed else "unconfirmed" for axis, group, _, check in candidates}
    tested = [(test.axis, test.group, test) for test in audit.tests if test.level == "group"]
    tested += [(axis, group, test) for axis, group, test, _ in candidates if axis == PROXY_AXIS]
    rows = []
    for axis, group, test in tested:
        lift = test.lift_control
        rows.append(
            {
                "run_id": run_id,
                "axis": axis,
                "group": group,
                "examples": test.examples,
                "tested": test.tested,
                "share": test.share,
                "control_share": test.control_share,
                "lift": lift.estimate if lift else None,
                "lift_low": lift.low if lift else None,
                "lift_high": lift.high if lift else None,
                "q_value": test.q_value,
                "verdict": verdicts.get((axis, group), "clear"),
            }
        )
    return rows


def _flag_rows(run_id: str, audit: AuditReport) -> list[dict]:
    rows = []
    for axis, group, statistics, check in _candidates(audit):
        lift = statistics.lift_control
        rows.append(
            {
                "run_id": run_id,
                "axis": axis,
                "group": group,
                "confirmed": check.confirmed,
                "lift": lift.estimate if lift else None,
                "lift_low": lift.low if lift else None,
                "q_value": statistics.q_value,
                "swap_change": check.swap.mean_probability_change if check.swap else None,
                "control_change": check.control.mean_probability_change if check.control else None,
                "flip_rate": check.swap.flip_rate if check.swap else None,
            }
        )
    return rows


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]
