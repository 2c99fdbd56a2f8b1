"""The scan's last step before it is complete: bound the number of files a run holds.

Consecutive shards (in plan order) are merged into parts of at most ``runtime.part_rows`` input
rows, one file per part and table, through ``run_folder.parts``, whose protocol keeps every row
exactly once for readers and lets a killed driver resume. Shards already in a part stay there, and a
part of a single shard would only rewrite it, so such shards keep their own files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from lrp_audit.lrp import LRPError
from lrp_audit.run_folder import Part, read_parts, shard_metadata
from lrp_audit.run_folder.parts import commit, settle, stage_part
from lrp_audit.run_folder.records import PartShard


def plan_parts(shard_ids: list[str], input_rows: Mapping[str, int], part_rows: int) -> list[list[str]]:
    """Groups of consecutive shards of ``shard_ids`` (plan order) to merge, each of at most
    ``part_rows`` input rows (a larger shard stands alone); shards missing from ``input_rows`` (those
    already in a part) end a group. Groups of one shard are left out: they would gain nothing."""
    groups: list[list[str]] = [[]]
    rows = 0
    for shard_id in shard_ids:
        if shard_id not in input_rows:
            groups.append([])
            continue
        if groups[-1] and rows + input_rows[shard_id] > part_rows:
            groups.append([])
        if not groups[-1]:
            rows = 0
        groups[-1].append(shard_id)
        rows += input_rows[shard_id]
    return [group for group in groups if len(group) > 1]


def planned_parts(run_dir: Path, shard_ids: list[str], part_rows: int | None) -> list[list[PartShard]]:
    """The parts to make of the run's shards not yet in a part (``shard_ids`` in plan order, all done
    and counted), with their counts; none when ``part_rows`` is None (one file per shard)."""
    if part_rows is None:
        return []
    record = read_parts(run_dir)
    counts = {
        shard_id: shard_metadata(run_dir, shard_id, record) for shard_id in shard_ids if shard_id not in record.by_shard
    }
    groups = plan_parts(shard_ids, {shard_id: count["input_rows"] for shard_id, count in counts.items()}, part_rows)
    return [[PartShard(shard_id=shard_id, **counts[shard_id]) for shard_id in group] for group in groups]


def compact(
    run_dir: Path, planned: list[list[PartShard]], advance: Callable[[int], None] = lambda shards: None
) -> list[Part]:
    """Make the ``planned`` parts (``planned_parts``) and commit them, after finishing or discarding
    an earlier compaction that stopped; ``advance`` is told of each part's shards as they are merged."""
    settle(run_dir)
    staged = []
    for shards in planned:
        part = stage_part(run_dir, shards)
        _check_rows(part)
        staged.append(part)
        advance(len(shards))
    if staged:
        commit(run_dir, staged)
        settle(run_dir)
    return staged


def _check_rows(part: Part) -> None:
    """A part holds exactly the rows its shards recorded, or it is not committed."""
    for table in ("examples", "errors", "tokens"):
        counts = [getattr(shard, table) for shard in part.shards]
        recorded = sum(counts) if None not in counts else part.rows[table]  # (tokens: counted by the scan)
        if part.rows[table] != recorded:
            raise LRPError(
                f"row count mismatch: part {part.name} has {part.rows[table]} {table} rows where its shards "
                f"recorded {recorded}"
            )
