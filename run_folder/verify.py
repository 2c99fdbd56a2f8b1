"""Is a run folder what its manifest says? From file metadata only: no row is read."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from .layout import AUDIT_FILE, FAITHFULNESS_FILE, MANIFEST_FILE, PART_PREFIX, PARTS_FILE, TABLES, shard_path
from .records import AuditReport, FaithfulnessReport, File, Manifest, Part, Parts
from .schemas import SHARD_METADATA_KEY
from .validation import first_problem

R = TypeVar("R", bound=File)


def read_parts(run_dir: Path) -> Parts:
    """The parts of a compacted run (``parts.json``); none for a run that was never compacted."""
    path = Path(run_dir) / PARTS_FILE
    return read_record(path, Parts) if path.is_file() else Parts()


def shard_metadata(run_dir: Path, shard_id: str, parts: Parts | None = None) -> dict:
    """Counts a finished shard recorded (rows, errors, tokens, padding): in ``parts`` (read if not
    given) for a compacted shard, else in its examples file."""
    part = (read_parts(run_dir) if parts is None else parts).by_shard.get(shard_id)
    if part is not None:
        return next(shard for shard in part.shards if shard.shard_id == shard_id).model_dump(exclude={"shard_id"})
    schema = pq.read_schema(shard_path(run_dir, "examples", shard_id))
    return json.loads(schema.metadata[SHARD_METADATA_KEY])


def shard_problem(run_dir: Path, shard_id: str, rows: int | None = None) -> str | None:
    """What keeps a shard from being done (see ``shard_problems``); ``None`` when it is done."""
    return shard_problems(run_dir, {shard_id: rows})[shard_id]


def shard_problems(run_dir: Path, rows: Mapping[str, int | None]) -> dict[str, str | None]:
    """What keeps each shard from being done: ``None`` when its four files are there, readable and
    agree with the counts its examples file recorded, or, for a compacted shard, when its part's
    four files do so with ``parts.json`` and no file of the shard's own is left beside them (its rows
    would be read twice). ``rows`` maps each shard to its input rows (checked where not None).
    A part's problem is each of its shards' problem: they are redone together. Metadata only."""
    parts = read_parts(run_dir)
    listed = {table: _names(Path(run_dir) / table) for table in TABLES} if parts.parts else {}
    of_part: dict[str, str | None] = {}
    problems = {}
    for shard_id, count in rows.items():
        part = parts.by_shard.get(shard_id)
        if part is None:
            problems[shard_id] = _shard_file_problem(run_dir, shard_id, count)
            continue
        if part.name not in of_part:
            of_part[part.name] = _part_problem(run_dir, part, rows, listed)
        problems[shard_id] = of_part[part.name]
    return problems


def _names(folder: Path) -> set[str]:
    """The names in ``folder`` (none if it is missing): one listing instead of a look-up per shard."""
    try:
        return set(os.listdir(folder))
    except FileNotFoundError:
        return set()


def _shard_file_problem(run_dir: Path, shard_id: str, rows: int | None) -> str | None:
    try:
        recorded = shard_metadata(run_dir, shard_id, Parts())
    except FileNotFoundError:
        return "not written"
    except (OSError, pa.ArrowException, KeyError, TypeError, ValueError):
        return "its examples file cannot be read"
    if rows is not None and recorded.get("input_rows") != rows:
        return f"it holds {recorded.get('input_rows')} of its {rows} input rows"
    expected = {"tokens": recorded.get("tokens"), "errors": recorded.get("errors"), "words": None}
    return _files_problem(run_dir, shard_id, expected)


def _part_problem(
    run_dir: Path, part: Part, rows: Mapping[str, int | None], listed: Mapping[str, set[str]]
) -> str | None:
    for shard in part.shards:
        planned = rows.get(shard.shard_id)
        if planned is not None and shard.input_rows != planned:
            return f"its part {part.name} holds {shard.input_rows} of shard {shard.shard_id}'s {planned} input rows"
        left = [table for table in TABLES if shard_path(run_dir, table, shard.shard_id).name in listed[table]]
        if left:
            return (
                f"its part {part.name} holds shard {shard.shard_id}, whose own {left[0]} file is there too "
                "(its rows would be read twice)"
            )
    problem = _files_problem(run_dir, part.name, {table: part.rows.get(table) for table in TABLES})
    return f"its part {part.name}: {problem}" if problem else None


def _files_problem(run_dir: Path, name: str, expected: dict[str, int | None]) -> str | None:
    """The first of ``name``'s files (a shard's or a part's) that is missing, unreadable or holds
    other than its ``expected`` rows (None: any)."""
    for table, count in expected.items():
        path = shard_path(run_dir, table, name)
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
    manifest counts is there once (in its own files or in a part that ``parts.json`` lists),
    readable and consistent, no part file is left that the record does not list, and their rows
    add up to the input's."""
    run_dir = Path(run_dir)
    try:
        parts = read_parts(run_dir)
    except RunFolderError as error:
        return [str(error)]
    names = {part.name for part in parts.parts}
    problems = [
        f"{path.parent.name}/{path.name}: a part that {PARTS_FILE} does not list (its rows would be read twice)"
        for table in TABLES
        for path in sorted((run_dir / table).glob(f"{PART_PREFIX}*.parquet"))
        if path.stem not in names
    ]
    loose = sorted(path.stem for path in (run_dir / "examples").glob("*.parquet") if not path.stem.startswith(PART_PREFIX))
    ids = list(dict.fromkeys(loose + list(parts.by_shard)))
    found = shard_problems(run_dir, dict.fromkeys(ids))
    problems += [f"shard {shard_id}: {problem}" for shard_id, problem in found.items() if problem]
    expected = manifest.shards
    if expected is not None and len(ids) < expected:
        problems.append(f"{expected - len(ids)} of its {expected} shards are missing")
    if not problems and manifest.counts is not None:
        rows = sum(shard_metadata(run_dir, shard_id, parts)["input_rows"] for shard_id in ids)
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
