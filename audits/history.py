"""Many runs under one output folder: their manifests and audits as tables DuckDB can query.

``connect_history(run_folders(output_dir))`` registers ``runs`` (one row per run folder), ``run_groups`` (one
row per run, axis and group the audit tested) and ``run_flags`` (one row per flag or unconfirmed
candidate). The queries in ``queries/history/`` run over them, with parameters bound like the
per-run queries.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from lrp_audit.run_folder import AUDIT_FILE, MANIFEST_FILE, RunFolderError, read_json, run_problems

from .database import QUERIES, named_queries

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
    manifests = {run: _readable(run / MANIFEST_FILE) for run in run_folders(output_dir)}
    complete = [run for run, manifest in manifests.items() if manifest.get("status") == "complete"]
    if len(complete) < 2:
        raise RunFolderError(f"{output_dir}: fewer than two complete runs to compare")
    older, newer = sorted(complete, key=lambda run: manifests[run].get("started_at") or "")[-2:]
    return older, newer


def _readable(path: Path) -> dict:
    """A manifest, or nothing for one that cannot be read (such a run is not complete)."""
    try:
        return read_json(path)
    except RunFolderError:
        return {}


def history_tables(folders: list[Path]) -> dict[str, pa.Table]:
    """The three tables over these run folders (see ``run_folders``)."""
    runs, groups, flags = [], [], []
    for run_dir in folders:
        manifest = _readable(run_dir / MANIFEST_FILE)
        if not manifest:  # listed, never skipped: a tampered or half-written run is still a run
            runs.append({"run_id": run_dir.name, "run_dir": str(run_dir), "status": "unreadable"})
            continue
        audit = read_json(run_dir / AUDIT_FILE) if (run_dir / AUDIT_FILE).is_file() else None
        run_id = manifest.get("run_id", run_dir.name)
        runs.append(_run_row(run_dir, manifest, audit))
        if audit is not None:
            groups += _group_rows(run_id, audit)
            flags += _flag_rows(run_id, audit)
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


def _run_row(run_dir: Path, manifest: dict, audit: dict | None) -> dict:
    model, dataset, counts = manifest.get("model") or {}, manifest.get("dataset") or {}, manifest.get("counts") or {}
    fingerprint = dataset.get("fingerprint")
    return {
        "run_id": manifest.get("run_id", run_dir.name),
        "run_dir": str(run_dir),
        "status": _status(run_dir, manifest),
        "started_at": manifest.get("started_at"),
        "ended_at": manifest.get("ended_at"),
        "identity": manifest.get("identity"),
        "model": model.get("name"),
        "model_revision": model.get("revision"),
        "model_content": model.get("content_sha256"),
        "dataset": dataset.get("name"),
        "split": dataset.get("split"),
        "data_fingerprint": _digest(fingerprint) if fingerprint else None,
        "method": (manifest.get("attribution") or {}).get("method"),
        "input_rows": counts.get("input_rows"),
        "examples": counts.get("examples"),
        "errors": counts.get("errors"),
        "audit_status": audit.get("status") if audit else None,
        "audited_at": audit.get("created_at") if audit else None,
        "flags": len(audit.get("flags", [])) if audit else None,
    }


def _status(run_dir: Path, manifest: dict) -> str | None:
    """The manifest's status, except that a complete run whose files are missing or damaged is ``damaged``."""
    status = manifest.get("status")
    return "damaged" if status == "complete" and run_problems(run_dir, manifest) else status


def _group_rows(run_id: str, audit: dict) -> list[dict]:
    verdicts = {(f["axis"], f["group"]): "flag" for f in audit.get("flags", [])}
    verdicts |= {(f["axis"], f["group"]): "unconfirmed" for f in audit.get("unconfirmed", [])}
    rows = []
    for test in audit.get("tests", []):
        if test.get("level") != "group":
            continue
        lift = test.get("lift_control") or {}
        rows.append(
            {
                "run_id": run_id,
                "axis": test["axis"],
                "group": test["group"],
                "examples": test.get("examples"),
                "tested": test.get("tested"),
                "share": test.get("share"),
                "control_share": test.get("control_share"),
                "lift": lift.get("estimate"),
                "lift_low": lift.get("low"),
                "lift_high": lift.get("high"),
                "q_value": test.get("q_value"),
                "verdict": verdicts.get((test["axis"], test["group"]), "clear"),
            }
        )
    return rows


def _flag_rows(run_id: str, audit: dict) -> list[dict]:
    rows = []
    for entry in audit.get("flags", []) + audit.get("unconfirmed", []):
        statistics, check = entry.get("statistics") or {}, entry.get("counterfactual") or {}
        rows.append(
            {
                "run_id": run_id,
                "axis": entry["axis"],
                "group": entry["group"],
                "confirmed": bool(check.get("confirmed")),
                "lift": (statistics.get("lift_control") or {}).get("estimate"),
                "lift_low": (statistics.get("lift_control") or {}).get("low"),
                "q_value": statistics.get("q_value"),
                "swap_change": (check.get("swap") or {}).get("mean_probability_change"),
                "control_change": (check.get("control") or {}).get("mean_probability_change"),
                "flip_rate": (check.get("swap") or {}).get("flip_rate"),
            }
        )
    return rows


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:12]
