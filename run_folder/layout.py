"""Where everything lives in a run folder: the artifact names, in one place.

    <output_dir>/<run_id>/
        manifest.json          what was scanned, how, and its status (records.Manifest)
        tokens/ words/ examples/ errors/   one Parquet file per shard (schemas), or per part of
                                           consecutive shards once the run is compacted
        parts.json                         which shards each part holds, and their counts (parts.Parts)
        .compacting/<table>/               parts being written; never read as the run's tables
        audit.json terms.parquet languages.parquet   the current audit (records.AuditReport), the
                                           lexicon it matched and each example's language
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
LANGUAGES_FILE = "languages.parquet"
FAITHFULNESS_FILE = "faithfulness.json"
# The page that shows a run's current results; it must never outlive them.
REPORT_FILE = "report.html"
LOCK_FILE = ".lock"
# The record of a compacted run's parts: its presence with a part listed commits that part.
PARTS_FILE = "parts.json"
# Where compaction writes parts before they are committed: outside every table's folder.
STAGING = ".compacting"
# A part is named after its first shard: part-<shard_id>, in the tables' folders like a shard's files.
PART_PREFIX = "part-"
# Results of the steps after the scan, kept under the key of what made them: kept/<step>-<key>/.
KEPT = "kept"
TABLES = ("tokens", "words", "examples", "errors")


def shard_path(run_dir: Path, table: str, shard_id: str) -> Path:
    """A shard's file of ``table``; a part's too, by its name (``part-<first shard_id>``)."""
    return Path(run_dir) / table / f"{shard_id}.parquet"


def staged_path(run_dir: Path, table: str, name: str) -> Path:
    """Where a part's file of ``table`` is written before the parts record commits it."""
    return Path(run_dir) / STAGING / table / f"{name}.parquet"


def kept_dir(run_dir: Path, step: str, key: str) -> Path:
    return Path(run_dir) / KEPT / f"{step}-{key}"


def kept_results(run_dir: Path, step: str) -> list[Path]:
    """Every kept result of ``step`` in the run folder, by name."""
    return sorted(path for path in (Path(run_dir) / KEPT).glob(f"{step}-*") if path.is_dir())
