"""Compaction's steps on the run folder: a run's shards merged into parts, committed by one record.

A run of millions of rows has thousands of shards, each with a file per table. Compaction merges
consecutive shards into parts, one file per part and table, in four steps, so that a reader never
sees a row twice or misses one, and a driver killed at any step resumes by running the scan again:

1. ``stage_part`` writes a part's files into ``.compacting/<table>/``, which no view reads;
2. ``commit`` writes ``parts.json`` (records.Parts) listing the parts, atomically: its listing a
   part is the commit point, from then on the part's shards are read from the record;
3. ``settle`` moves committed parts into the tables' folders, deletes the shard files they replace
   and removes ``.compacting/`` (discarding parts that were never committed); it is idempotent;
4. ``drop_parts`` undoes a damaged part: its files, then its entry, so that its shards are redone.

Which shards to merge is the scan's decision (``pipelines.compaction``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .atomic import write_json_atomic
from .layout import PART_PREFIX, PARTS_FILE, STAGING, TABLES, shard_path, staged_path
from .records import Part, PartShard
from .schemas import PART_METADATA_KEY
from .verify import read_parts

# Rows at least in each row group of a part, where its shards are smaller (write_atomic's are at most 1 << 20).
ROW_GROUP = 1 << 17


def stage_part(run_dir: Path, shards: list[PartShard]) -> Part:
    """Merge ``shards`` (consecutive, in plan order, with their counts) into one staged file per
    table, streamed one shard file at a time: memory holds one shard, and rows keep their order."""
    name = PART_PREFIX + shards[0].shard_id
    metadata = {PART_METADATA_KEY: json.dumps([shard.model_dump(mode="json") for shard in shards])}
    rows = {
        table: _merge(
            [shard_path(run_dir, table, shard.shard_id) for shard in shards],
            staged_path(run_dir, table, name),
            metadata if table == "examples" else None,
        )
        for table in TABLES
    }
    return Part(name=name, shards=shards, rows=rows)


def _merge(sources: list[Path], target: Path, metadata: dict | None) -> int:
    """Rows of ``sources`` into ``target`` in order; returns the rows. Small shards are gathered
    into row groups of at least ``ROW_GROUP`` rows (DuckDB reads few large row groups faster than
    many small ones), so memory holds at most one shard and one row group."""
    target.parent.mkdir(parents=True, exist_ok=True)
    rows, writer, gathered = 0, None, []
    try:
        for source in sources:
            table = pq.ParquetFile(source).read().replace_schema_metadata(metadata)
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema, compression="zstd")
            gathered.append(table)
            rows += table.num_rows
            if sum(part.num_rows for part in gathered) >= ROW_GROUP:
                writer.write_table(pa.concat_tables(gathered), row_group_size=1 << 20)
                gathered = []
        if gathered:
            writer.write_table(pa.concat_tables(gathered), row_group_size=1 << 20)
    finally:
        if writer is not None:
            writer.close()
    return rows


def commit(run_dir: Path, parts: list[Part]) -> None:
    """List staged ``parts`` in ``parts.json`` beside the parts already there: the commit point."""
    record = read_parts(run_dir)
    record = record.updated(parts=record.parts + parts)
    write_json_atomic(record.model_dump(mode="json"), Path(run_dir) / PARTS_FILE)


def settle(run_dir: Path) -> None:
    """Finish a compaction, wherever it stopped: committed parts still staged are moved into place,
    the shard files of every committed part are deleted, and the staging folder (with any part
    that was never committed) is removed. Safe to repeat."""
    run_dir = Path(run_dir)
    staging = run_dir / STAGING
    if not staging.exists():
        return
    record = read_parts(run_dir)
    committed = {part.name for part in record.parts}
    for table in TABLES:
        for staged in sorted((staging / table).glob("*.parquet")):
            if staged.stem in committed:
                os.replace(staged, shard_path(run_dir, table, staged.stem))
    for part in record.parts:
        _delete(run_dir, (shard.shard_id for shard in part.shards))
    shutil.rmtree(staging)


def drop_parts(run_dir: Path, shard_ids: Iterable[str]) -> list[str]:
    """Undo the parts that hold any of ``shard_ids`` so that their shards can be redone as shard
    files: first their files, then their entries in ``parts.json``. Returns the parts dropped."""
    record = read_parts(run_dir)
    wanted = set(shard_ids)
    dropped = [part for part in record.parts if any(shard.shard_id in wanted for shard in part.shards)]
    if not dropped:
        return []
    names = [part.name for part in dropped]
    _delete(run_dir, names)
    kept = [part for part in record.parts if part.name not in names]
    write_json_atomic(record.updated(parts=kept).model_dump(mode="json"), Path(run_dir) / PARTS_FILE)
    return names


def _delete(run_dir: Path, names: Iterable[str]) -> None:
    """Every table's file of each of ``names`` (shards or parts), where there is one."""
    for name in names:
        for table in TABLES:
            shard_path(run_dir, table, name).unlink(missing_ok=True)
