"""The output contract: Parquet schemas of a run's tables, and atomic writes.

``<run>/tokens/``, ``<run>/words/``, ``<run>/examples/`` and ``<run>/errors/`` hold one file per
input shard, named by the shard; each is written under a temporary name and renamed, so no reader sees half a file.
The examples file is written last: its presence marks the shard done.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SHARD_METADATA_KEY = b"lrp_audit.shard"

TOKENS = pa.schema(
    [
        ("example_id", pa.string()),
        ("position", pa.int32()),
        ("token", pa.string()),
        ("token_id", pa.int64()),
        ("word_index", pa.int32()),
        ("char_start", pa.int32()),
        ("char_end", pa.int32()),
        ("relevance", pa.float32()),
        ("is_special", pa.bool_()),
        ("is_template", pa.bool_()),
        ("segment", pa.int8()),
    ]
)
# The tokeniser's words with their subwords merged: what the audit matches lexicon terms against.
WORDS = pa.schema(
    [
        ("example_id", pa.string()),
        ("segment", pa.int8()),
        ("word_index", pa.int32()),
        ("word", pa.string()),
        ("num_tokens", pa.int32()),
        ("char_start", pa.int32()),
        ("char_end", pa.int32()),
        ("relevance", pa.float32()),
    ]
)
EXAMPLES = pa.schema(
    [
        ("example_id", pa.string()),
        ("text", pa.string()),
        ("text_pair", pa.string()),
        ("label", pa.string()),
        ("prediction", pa.int64()),
        ("prediction_label", pa.string()),
        ("probabilities", pa.list_(pa.float32())),
        ("target", pa.int64()),
        ("target_label", pa.string()),
        ("target_logit", pa.float64()),
        ("relevance_sum", pa.float64()),
        ("conservation_gap", pa.float64()),
        ("num_tokens", pa.int32()),
        ("truncated", pa.bool_()),
    ]
)
ERRORS = pa.schema([("example_id", pa.string()), ("kind", pa.string()), ("message", pa.string())])
SCHEMAS = {"tokens": TOKENS, "words": WORDS, "examples": EXAMPLES, "errors": ERRORS}
# The columns that identify a row of each table.
KEYS = {
    "tokens": ("example_id", "position"),
    "words": ("example_id", "word_index"),
    "examples": ("example_id",),
    "errors": ("example_id",),
}


def shard_path(run_dir: Path, table: str, shard_id: str) -> Path:
    return run_dir / table / f"{shard_id}.parquet"


def write_atomic(table: pa.Table, path: Path, metadata: dict | None = None) -> None:
    """zstd Parquet in one row group per million rows, renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata is not None:
        table = table.replace_schema_metadata({SHARD_METADATA_KEY: json.dumps(metadata)})
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, temporary, compression="zstd", row_group_size=1 << 20)
    os.replace(temporary, path)


def write_json_atomic(payload: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(temporary, path)


def shard_metadata(run_dir: Path, shard_id: str) -> dict:
    """Counts a finished shard recorded in its examples file (rows, errors, tokens, padding)."""
    schema = pq.read_schema(shard_path(run_dir, "examples", shard_id))
    return json.loads(schema.metadata[SHARD_METADATA_KEY])


def shard_problem(run_dir: Path, shard_id: str, rows: int | None = None) -> str | None:
    """What keeps a shard from being done: ``None`` when its four files are there, readable and agree
    with the counts its examples file recorded (and with ``rows``, the shard's input rows, if given).
    Metadata only: no row is read."""
    try:
        recorded = shard_metadata(run_dir, shard_id)
    except FileNotFoundError:
        return "not written"
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
        return "its examples file cannot be read"
    if rows is not None and recorded.get("input_rows") != rows:
        return f"it holds {recorded.get('input_rows')} of its {rows} input rows"
    for table, count in (("tokens", recorded.get("tokens")), ("errors", recorded.get("errors")), ("words", None)):
        path = shard_path(run_dir, table, shard_id)
        if not path.is_file():
            return f"its {table} file is missing"
        try:
            found = pq.read_metadata(path).num_rows
        except (OSError, pa.ArrowException):
            return f"its {table} file cannot be read"
        if count is not None and found != count:
            return f"its {table} file has {found} rows where {count} were written"
    return None


def run_problems(run_dir: Path, manifest: dict) -> list[str]:
    """What is missing or damaged in a complete run folder, from file metadata: every shard the
    manifest counts is there, readable and consistent, and their rows add up to the input's."""
    run_dir = Path(run_dir)
    ids = sorted(path.stem for path in (run_dir / "examples").glob("*.parquet"))
    problems = [f"shard {shard_id}: {problem}" for shard_id in ids if (problem := shard_problem(run_dir, shard_id))]
    expected = manifest.get("shards")
    if isinstance(expected, int) and len(ids) < expected:
        problems.append(f"{expected - len(ids)} of its {expected} shards are missing")
    if not problems:
        rows = sum(shard_metadata(run_dir, shard_id)["input_rows"] for shard_id in ids)
        counted = (manifest.get("counts") or {}).get("input_rows")
        if counted is not None and rows != counted:
            problems.append(f"its shards hold {rows} of its {counted} input rows")
    return problems


class RunFolderError(ValueError):
    """A folder that is not a finished scan run; the message names the folder and what to do."""


def complete_manifest(run_dir: Path) -> dict:
    """The manifest of a complete run; anything else (no run, a running or failed scan) is refused."""
    path = Path(run_dir) / "manifest.json"
    if not path.is_file():
        raise RunFolderError(f"{run_dir}: no manifest.json; give the folder of a scan run (runs/<run_id>)")
    manifest = read_json(path)
    if manifest.get("status") != "complete":
        raise RunFolderError(
            f"{run_dir}: the scan is {manifest.get('status', 'unfinished')}, not complete; "
            "rerun the same scan command to finish it first"
        )
    problems = run_problems(run_dir, manifest)
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise RunFolderError(
            f"{run_dir}: the run is damaged: {problems[0]}{more}; rerun the same scan command to redo what is missing"
        )
    return manifest


def read_json(path: Path) -> dict:
    """A JSON object written by a run's steps; anything else is one message naming the file."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunFolderError(f"{path}: cannot be read as JSON ({error})") from None
    if not isinstance(payload, dict):
        raise RunFolderError(f"{path}: expected a JSON object, found {type(payload).__name__}")
    return payload


# Results of the steps after the scan, kept under the key of what made them: kept/<step>-<key>/.
KEPT = "kept"
# The page that shows a run's current results; it must never outlive them.
REPORT_FILE = "report.html"


def retire_current(run_dir: Path, name: str) -> None:
    """A current result is about to be replaced: remove it, and the report that shows it, so that
    neither is mistaken for the result being made (the report is written again when it is done)."""
    for path in (Path(run_dir) / name, Path(run_dir) / REPORT_FILE):
        path.unlink(missing_ok=True)


def settings_key(*parts) -> str:
    """A short, stable key of what a step's result depends on (its settings and inputs)."""
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def kept_dir(run_dir: Path, step: str, key: str) -> Path:
    return Path(run_dir) / KEPT / f"{step}-{key}"


def kept_results(run_dir: Path, step: str) -> list[Path]:
    """Every kept result of ``step`` in the run folder, by name."""
    return sorted(path for path in (Path(run_dir) / KEPT).glob(f"{step}-*") if path.is_dir())


def publish(source: Path, run_dir: Path, names: tuple[str, ...]) -> None:
    """Make a kept result the current one: copy its files to the run folder's top, each renamed into place."""
    for name in names:
        temporary = Path(run_dir) / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(Path(source) / name, temporary)
        os.replace(temporary, Path(run_dir) / name)


@dataclass(frozen=True)
class Kept:
    """A step's result (its JSON report) and where it came from: ``made`` now, ``restored`` from those
    kept (an earlier result with the same key) or ``current`` already; only ``made`` did any work."""

    report: dict
    origin: str


def current_or_made(
    run_dir: Path, step: str, key: str, names: tuple[str, ...], make: Callable[[Path], dict]
) -> Kept:
    """The result of ``step`` under ``key``: the current one if it has that key, else a kept one made
    current again, else ``make(folder)`` (which may write ``names[1:]`` into ``folder`` and returns the
    report). ``names[0]`` is the report's JSON file, written last, so a kept folder without it is not
    a result. A result with another key is kept, never replaced for good."""
    run_dir, current = Path(run_dir), Path(run_dir) / names[0]
    if all((run_dir / name).is_file() for name in names) and read_json(current).get("key") == key:
        return Kept(read_json(current), "current")
    keep_unkeyed(run_dir, step, names)
    kept = kept_dir(run_dir, step, key)
    retire_current(run_dir, names[0])  # a failed step must not leave another result looking current
    if (kept / names[0]).is_file():
        publish(kept, run_dir, names)
        return Kept(read_json(current), "restored")
    report = make(kept) | {"key": key}
    write_json_atomic(report, kept / names[0])
    publish(kept, run_dir, names)
    return Kept(report, "made")


def keep_unkeyed(run_dir: Path, step: str, names: tuple[str, ...]) -> None:
    """A current result from before results were kept (no ``key``) is kept under a hash of its
    content before anything replaces it, so that no earlier result is ever lost."""
    current = Path(run_dir) / names[0]
    if not current.is_file() or "key" in read_json(current):
        return
    folder = kept_dir(run_dir, step, "unkeyed-" + hashlib.sha256(current.read_bytes()).hexdigest()[:8])
    if not folder.is_dir():
        staging = folder.with_name(f".{folder.name}.{os.getpid()}.tmp")
        staging.mkdir(parents=True, exist_ok=True)
        for name in names:
            if (Path(run_dir) / name).is_file():
                shutil.copyfile(Path(run_dir) / name, staging / name)
        os.replace(staging, folder)
