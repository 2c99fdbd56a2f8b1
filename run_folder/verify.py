"""Is a run folder what its manifest says? From file metadata only: no row is read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from .layout import AUDIT_FILE, FAITHFULNESS_FILE, MANIFEST_FILE, shard_path
from .records import AuditReport, FaithfulnessReport, File, Manifest
from .schemas import SHARD_METADATA_KEY
from .validation import first_problem

R = TypeVar("R", bound=File)


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


def run_problems(run_dir: Path, manifest: Manifest) -> list[str]:
    """What is missing or damaged in a complete run folder, from file metadata: every shard the
    manifest counts is there, readable and consistent, and their rows add up to the input's."""
    run_dir = Path(run_dir)
    ids = sorted(path.stem for path in (run_dir / "examples").glob("*.parquet"))
    problems = [f"shard {shard_id}: {problem}" for shard_id in ids if (problem := shard_problem(run_dir, shard_id))]
    expected = manifest.shards
    if expected is not None and len(ids) < expected:
        problems.append(f"{expected - len(ids)} of its {expected} shards are missing")
    if not problems and manifest.counts is not None:
        rows = sum(shard_metadata(run_dir, shard_id)["input_rows"] for shard_id in ids)
        counted = manifest.counts.input_rows
        if rows != counted:
            problems.append(f"its shards hold {rows} of its {counted} input rows")
    return problems


class RunFolderError(ValueError):
    """A folder that is not a finished scan run; the message names the folder and what to do."""


def complete_manifest(run_dir: Path) -> Manifest:
    """The manifest of a complete run; anything else (no run, a running or failed scan) is refused."""
    path = Path(run_dir) / MANIFEST_FILE
    if not path.is_file():
        raise RunFolderError(f"{run_dir}: no manifest.json; give the folder of a scan run (runs/<run_id>)")
    manifest = read_record(path, Manifest)
    if manifest.status != "complete":
        raise RunFolderError(
            f"{run_dir}: the scan is {manifest.status}, not complete; "
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


def read_record(path: Path, record: type[R]) -> R:
    """A JSON file of the run folder as its record; one that does not validate is one message naming
    the file and the first field that is wrong."""
    payload = read_json(path)
    try:
        return record.model_validate(payload)
    except ValidationError as error:
        field, message = first_problem(error)
        more = f" (and {error.error_count() - 1} more)" if error.error_count() > 1 else ""
        raise RunFolderError(
            f"{path}: unexpected content: {field or 'the file'}: {message}{more}; was it written by lrp-audit?"
        ) from None


def read_manifest(run_dir: Path) -> Manifest:
    """A run's manifest, whatever its status."""
    return read_record(Path(run_dir) / MANIFEST_FILE, Manifest)


def read_audit(run_dir: Path) -> AuditReport:
    """The run's current audit (``audit.json``)."""
    return read_record(Path(run_dir) / AUDIT_FILE, AuditReport)


def read_faithfulness(run_dir: Path) -> FaithfulnessReport:
    """The run's current faithfulness check (``faithfulness.json``)."""
    return read_record(Path(run_dir) / FAITHFULNESS_FILE, FaithfulnessReport)
