"""Where everything lives in a run folder: the artifact names, in one place.

    <output_dir>/<run_id>/
        manifest.json          what was scanned, how, and its status (records.Manifest)
        tokens/ words/ examples/ errors/   one Parquet file per shard (schemas)
        audit.json terms.parquet           the current audit (records.AuditReport)
        faithfulness.json                  the current faithfulness check (records.FaithfulnessReport)
        report.html                        the page that shows the current results
        kept/<step>-<key>/                 every audit and evaluation made, under the key of its inputs
        .lock                              held by the driver of the scan in progress
"""

from __future__ import annotations

from pathlib import Path

MANIFEST_FILE = "manifest.json"
AUDIT_FILE = "audit.json"
TERMS_FILE = "terms.parquet"
FAITHFULNESS_FILE = "faithfulness.json"
# The page that shows a run's current results; it must never outlive them.
REPORT_FILE = "report.html"
LOCK_FILE = ".lock"
# Results of the steps after the scan, kept under the key of what made them: kept/<step>-<key>/.
KEPT = "kept"
TABLES = ("tokens", "words", "examples", "errors")


def shard_path(run_dir: Path, table: str, shard_id: str) -> Path:
    return Path(run_dir) / table / f"{shard_id}.parquet"


def kept_dir(run_dir: Path, step: str, key: str) -> Path:
    return Path(run_dir) / KEPT / f"{step}-{key}"


def kept_results(run_dir: Path, step: str) -> list[Path]:
    """Every kept result of ``step`` in the run folder, by name."""
    return sorted(path for path in (Path(run_dir) / KEPT).glob(f"{step}-*") if path.is_dir())
