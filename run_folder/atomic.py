"""Atomic writes: every file of a run folder is written under a temporary name and renamed into
place when complete, so no reader ever sees half a file."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .schemas import SHARD_METADATA_KEY


def temporary_path(path: Path) -> Path:
    """A hidden sibling of ``path`` that only this process writes to."""
    return Path(path).with_name(f".{Path(path).name}.{os.getpid()}.tmp")


def write_atomic(table: pa.Table, path: Path, metadata: dict | None = None) -> None:
    """zstd Parquet in one row group per million rows, renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if metadata is not None:
        table = table.replace_schema_metadata({SHARD_METADATA_KEY: json.dumps(metadata)})
    temporary = temporary_path(path)
    pq.write_table(table, temporary, compression="zstd", row_group_size=1 << 20)
    os.replace(temporary, path)


def write_json_atomic(payload: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_path(path)
    temporary.write_text(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(temporary, path)


def publish(source: Path, run_dir: Path, names: tuple[str, ...]) -> None:
    """Make a kept result the current one: copy its files to the run folder's top, each renamed into place."""
    for name in names:
        temporary = temporary_path(Path(run_dir) / name)
        shutil.copyfile(Path(source) / name, temporary)
        os.replace(temporary, Path(run_dir) / name)
