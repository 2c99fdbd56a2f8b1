"""Compaction: a complete run's shards merged into a bounded number of parts, every row kept exactly
once at every step, and a compaction stopped anywhere finished by the next scan."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
import synthetic
import yaml

from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.history import history_tables
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.pipelines import compaction
from lrp_audit.pipelines.compaction import compact, plan_parts, planned_parts
from lrp_audit.pipelines.config import load_config
from lrp_audit.pipelines.scan import run_scan
from lrp_audit.run_folder import (
    KEYS,
    PARTS_FILE,
    SCHEMAS,
    STAGING,
    TABLES,
    complete_manifest,
    read_manifest,
    read_parts,
    run_problems,
    shard_metadata,
    shard_problems,
)
from lrp_audit.run_folder.parts import drop_parts, settle, stage_part

TEXTS = [f"she said the result {i} was fine and he agreed" for i in range(24)]
SHARDS = 6  # of 4 examples and 1 error each: 5 input rows


def tables(run_dir: Path) -> dict[str, pa.Table]:
    """Every table of a run as its readers see it (every file of the table's folder), sorted by key."""
    return {
        table: ds.dataset(run_dir / table, schema=SCHEMAS[table], format="parquet")
        .to_table()
        .sort_by([(key, "ascending") for key in KEYS[table]])
        for table in TABLES
    }


def files(run_dir: Path, table: str = "words") -> list[str]:
    return sorted(path.name for path in (run_dir / table).glob("*.parquet"))


@pytest.fixture
def run_dir(tmp_path) -> Path:
    return synthetic.write_run(tmp_path / "runs" / "run", TEXTS, shards=SHARDS, errors=1)


def compact_run(run_dir: Path, part_rows: int | None) -> list:
    ids = [f"{shard:05d}" for shard in range(SHARDS)]
    return compact(run_dir, planned_parts(run_dir, ids, part_rows))


def test_consecutive_shards_are_grouped_up_to_part_rows_and_a_group_of_one_is_left_alone():
    rows = {"a": 4, "b": 4, "c": 4, "d": 9, "f": 1, "g": 1}
    assert plan_parts(["a", "b", "c", "d", "e", "f", "g"], rows, part_rows=8) == [["a", "b"], ["f", "g"]]
    assert plan_parts(["a", "b", "c"], rows, part_rows=100) == [["a", "b", "c"]]
    assert plan_parts(["a", "b", "c"], rows, part_rows=4) == []  # every shard fits already: nothing rewritten


def test_compaction_bounds_the_files_and_keeps_exactly_the_rows_of_the_shards(run_dir):
    before = tables(run_dir)
    parts = compact_run(run_dir, part_rows=10)
    assert [len(part.shards) for part in parts] == [2, 2, 2]
    for table in TABLES:
        assert files(run_dir, table) == ["part-00000.parquet", "part-00002.parquet", "part-00004.parquet"], table
    after = tables(run_dir)
    for table in TABLES:
        assert after[table].equals(before[table]), table
    assert not (run_dir / STAGING).exists()
    assert complete_manifest(run_dir).shards == SHARDS


def test_a_part_keeps_the_row_order_schema_and_counts_of_its_shards(run_dir):
    shard_files = {table: [pq.read_table(run_dir / table / f"0000{i}.parquet") for i in (0, 1)] for table in TABLES}
    counts = [shard_metadata(run_dir, f"0000{i}") for i in (0, 1)]
    compact_run(run_dir, part_rows=10)
    for table in TABLES:
        part = pq.read_table(run_dir / table / "part-00000.parquet")
        assert part.schema.remove_metadata() == SCHEMAS[table]
        assert part.to_pylist() == pa.concat_tables(shard_files[table]).to_pylist(), table
    assert [shard_metadata(run_dir, f"0000{i}") for i in (0, 1)] == counts
    assert read_parts(run_dir).parts[0].rows["examples"] == sum(count["examples"] for count in counts)


def test_shards_that_already_fit_are_not_rewritten(run_dir):
    stamps = {path: path.stat().st_mtime_ns for path in run_dir.rglob("*.parquet")}
    assert compact_run(run_dir, part_rows=5) == [] and compact_run(run_dir, part_rows=None) == []
    assert {path: path.stat().st_mtime_ns for path in run_dir.rglob("*.parquet")} == stamps
    assert not (run_dir / PARTS_FILE).exists()


def test_compacting_a_compacted_run_again_does_nothing(run_dir):
    compact_run(run_dir, part_rows=10)
    record = (run_dir / PARTS_FILE).read_text()
    stamps = {path: path.stat().st_mtime_ns for path in run_dir.rglob("*.parquet")}
    assert compact_run(run_dir, part_rows=10) == []
    assert (run_dir / PARTS_FILE).read_text() == record
    assert {path: path.stat().st_mtime_ns for path in run_dir.rglob("*.parquet")} == stamps


class Stop(Exception):
    """The driver dies here."""


def _stop_after(calls: int, function):
    """``function``, which dies at its call number ``calls`` (1-based) instead of running."""
    count = 0

    def wrapped(*args, **kwargs):
        nonlocal count
        count += 1
        if count >= calls:
            raise Stop
        return function(*args, **kwargs)

    return wrapped


STOPS = {
    "while staging the second part": ("stage_part", lambda: compaction, 2),
    "before the commit": ("commit", lambda: compaction, 1),
    "after moving 5 of 12 files": ("replace", lambda: os, 6),
    "after deleting 9 of 24 shard files": ("unlink", lambda: Path, 10),
    "while removing the staging folder": ("rmtree", lambda: shutil, 1),
}


@pytest.mark.parametrize("stop", STOPS)
def test_a_compaction_stopped_at_any_step_is_finished_by_the_next_with_every_row_once(run_dir, monkeypatch, stop):
    before = tables(run_dir)
    name, owner, calls = STOPS[stop]
    with monkeypatch.context() as patch:
        if name in ("replace", "unlink", "rmtree"):  # only once the record is written: the steps of settle
            real_commit = compaction.commit

            def commit_then_stop_in_settle(*args):
                real_commit(*args)
                patch.setattr(owner(), name, _stop_after(calls, getattr(owner(), name)))

            patch.setattr(compaction, "commit", commit_then_stop_in_settle)
        else:
            patch.setattr(owner(), name, _stop_after(calls, getattr(owner(), name)))
        with pytest.raises(Stop):
            compact_run(run_dir, part_rows=10)
    stopped = tables(run_dir)
    exactly_once = all(stopped[table].equals(before[table]) for table in TABLES)
    assert exactly_once or run_problems(run_dir, read_manifest(run_dir)), "a reader would be misled"

    settle(run_dir)  # what the next scan does first, then it compacts what is left
    compact_run(run_dir, part_rows=10)
    after = tables(run_dir)
    for table in TABLES:
        assert after[table].equals(before[table]), table
        assert len(files(run_dir, table)) == 3, table
    assert not (run_dir / STAGING).exists() and run_problems(run_dir, read_manifest(run_dir)) == []


def test_staged_parts_that_were_never_committed_are_discarded(run_dir):
    stage_part(run_dir, _shards(run_dir, 0, 1))
    settle(run_dir)
    assert not (run_dir / STAGING).exists() and not (run_dir / PARTS_FILE).exists()
    assert files(run_dir) == [f"0000{i}.parquet" for i in range(SHARDS)]


def _shards(run_dir: Path, *indices: int) -> list:
    from lrp_audit.run_folder.records import PartShard

    return [PartShard(shard_id=f"0000{i}", **shard_metadata(run_dir, f"0000{i}")) for i in indices]


@pytest.mark.parametrize("damage", ["missing", "truncated"])
def test_a_damaged_part_is_a_problem_of_each_of_its_shards_and_dropping_it_leaves_the_others(run_dir, damage):
    compact_run(run_dir, part_rows=10)
    path = run_dir / "tokens" / "part-00002.parquet"
    path.unlink() if damage == "missing" else path.write_bytes(path.read_bytes()[:100])
    problems = shard_problems(run_dir, {f"0000{i}": 5 for i in range(SHARDS)})
    problem = "its tokens file is missing" if damage == "missing" else "its tokens file cannot be read"
    assert problems == {
        "00000": None, "00001": None, "00002": f"its part part-00002: {problem}",
        "00003": f"its part part-00002: {problem}", "00004": None, "00005": None,
    }
    assert drop_parts(run_dir, ["00003"]) == ["part-00002"]
    assert [part.name for part in read_parts(run_dir).parts] == ["part-00000", "part-00004"]
    assert files(run_dir) == ["part-00000.parquet", "part-00004.parquet"]


def test_a_run_that_would_read_a_row_twice_is_damaged(run_dir):
    shard = {table: (run_dir / table / "00001.parquet").read_bytes() for table in TABLES}
    compact_run(run_dir, part_rows=10)
    (run_dir / "words" / "00001.parquet").write_bytes(shard["words"])
    with pytest.raises(ValueError, match="part part-00000 holds shard 00001, whose own words file is there too"):
        complete_manifest(run_dir)
    (run_dir / "words" / "00001.parquet").unlink()
    shutil.copy(run_dir / "errors" / "part-00000.parquet", run_dir / "errors" / "part-00009.parquet")
    with pytest.raises(ValueError, match=f"errors/part-00009.parquet: a part that {PARTS_FILE} does not list"):
        complete_manifest(run_dir)


def test_runs_lists_a_compacted_run_as_complete_and_one_missing_a_part_as_damaged(run_dir):
    compact_run(run_dir, part_rows=10)
    assert history_tables([run_dir])["runs"]["status"].to_pylist() == ["complete"]
    (run_dir / "examples" / "part-00004.parquet").unlink()
    assert history_tables([run_dir])["runs"]["status"].to_pylist() == ["damaged"]


def test_the_audit_of_a_compacted_run_is_the_audit_of_its_shards(run_dir, tmp_path):
    copy = shutil.copytree(run_dir, tmp_path / "runs" / "compacted")
    compact_run(copy, part_rows=10)
    settings = AuditSettings(axes=["gender"], resamples=200)
    audits = [run_audit(folder, settings, predict=None).report.model_dump(exclude={"created_at", "run_id", "key"})
              for folder in (run_dir, copy)]
    assert audits[0] == audits[1]


def test_part_rows_does_not_change_the_run(tmp_path):
    tree = {"model": {"name": "m"}, "dataset": {"name": "d.parquet"}}
    path = tmp_path / "scan.yaml"
    path.write_text(yaml.safe_dump(tree))
    default = load_config(path)
    assert default.runtime.part_rows == 1_000_000
    assert load_config(path, ["runtime.part_rows=null"]).identity_hash() == default.identity_hash()
    assert load_config(path, ["runtime.part_rows=7"]).identity_hash() == default.identity_hash()


# ---- real scans -------------------------------------------------------------------------------


def scan_config(tmp_path: Path, model_dir: str, run_id: str, part_rows: int | None) -> Path:
    data = tmp_path / "data.parquet"
    if not data.exists():
        pq.write_table(pa.table({"text": TEXTS[:20] + ["", None, " ", "ok"], "uid": [f"u{i}" for i in range(24)]}), data)
    tree = {
        "model": {"name": model_dir},
        "dataset": {"name": str(data), "id_column": "uid"},
        # In this process: compaction reads the shard files, whoever wrote them.
        "runtime": {"output_dir": str(tmp_path / "runs"), "run_id": run_id, "shard_rows": 2, "part_rows": part_rows, "executor": "local"},
        "audit": {"enabled": False},
    }
    path = tmp_path / f"{run_id}.yaml"
    path.write_text(yaml.safe_dump(tree))
    return path


def test_a_scan_of_many_shards_ends_with_few_parts_holding_the_rows_of_an_uncompacted_scan(
    runtime, tmp_path, model_dir
):
    compacted = run_scan(load_config(scan_config(tmp_path, model_dir, "compacted", part_rows=8)), runtime)
    plain = run_scan(load_config(scan_config(tmp_path, model_dir, "plain", part_rows=None)), runtime)
    assert len(files(plain.run_dir)) == 12 and len(files(compacted.run_dir)) == 3  # 24 rows: shards of 2, parts of 8
    want, got = tables(plain.run_dir), tables(compacted.run_dir)
    for table in TABLES:
        assert got[table].equals(want[table]), table
    manifests = [json.loads((result.run_dir / "manifest.json").read_text()) for result in (compacted, plain)]
    assert manifests[0]["counts"] == manifests[1]["counts"] and manifests[0]["status"] == "complete"

    stamps = {path: path.stat().st_mtime_ns for path in compacted.run_dir.rglob("*.parquet")}
    again = run_scan(load_config(scan_config(tmp_path, model_dir, "compacted", part_rows=8)), runtime)
    assert again.status == "unchanged" and again.shards_done_now == 0
    assert {path: path.stat().st_mtime_ns for path in compacted.run_dir.rglob("*.parquet")} == stamps

    (compacted.run_dir / "words" / "part-00000-00000-000000008.parquet").unlink()
    redone = run_scan(load_config(scan_config(tmp_path, model_dir, "compacted", part_rows=8)), runtime)
    assert redone.status == "complete" and redone.shards_done_now == 4
    assert len(files(compacted.run_dir)) == 3
    for table, rows in tables(compacted.run_dir).items():
        assert rows.equals(want[table]), table


def test_a_scan_stopped_while_compacting_is_finished_by_the_same_scan_command(runtime, tmp_path, model_dir, monkeypatch):
    config = load_config(scan_config(tmp_path, model_dir, "stopped", part_rows=8))
    real = compaction.commit

    def commit_then_stop(*args):  # the parts are committed, none is moved into place yet
        real(*args)
        raise Stop

    with monkeypatch.context() as patch:
        patch.setattr(compaction, "commit", commit_then_stop)
        with pytest.raises(Stop):
            run_scan(config, runtime)
    run_dir = tmp_path / "runs" / "stopped"
    assert read_manifest(run_dir).status == "failed" and (run_dir / STAGING).exists()
    resumed = run_scan(config, runtime)
    assert resumed.status == "complete" and resumed.shards_done_now == 0 and resumed.input_rows == 24
    assert len(files(run_dir)) == 3 and not (run_dir / STAGING).exists()
    assert complete_manifest(run_dir).counts.input_rows == 24
