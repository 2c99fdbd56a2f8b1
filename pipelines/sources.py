"""Where a scan's rows come from: a plan of shards, made from metadata only, and reading one shard.

A shard is a contiguous row range of one source file (a Parquet row group, a slice of a CSV or JSON
Lines file, a range of a ``save_to_disk`` dataset). Its id names its output files, so a rerun finds
what is already done and never writes a row twice. The driver reads only metadata (and hashes local
files); the rows themselves are read by the workers.
"""

from __future__ import annotations

import glob
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from .config import ConfigError, DatasetSection

FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}


@dataclass(frozen=True)
class Shard:
    shard_id: str
    source: str
    format: str  # parquet | csv | json | arrow (a save_to_disk dataset folder)
    row_group: int  # parquet row group, else -1
    start: int  # first row within the row group / file / dataset
    stop: int
    first_row: int  # global row number of ``start``: the default example id

    @property
    def num_rows(self) -> int:
        return self.stop - self.start


@dataclass(frozen=True)
class Plan:
    shards: list[Shard]
    fingerprint: dict  # file hashes, or the dataset's own fingerprint / revision

    @property
    def num_rows(self) -> int:
        return sum(shard.num_rows for shard in self.shards)


def _is_saved_dataset(path: Path) -> bool:
    return path.is_dir() and ((path / "dataset_info.json").exists() or (path / "dataset_dict.json").exists())


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _count_and_columns(path: str, kind: str) -> tuple[list[tuple[int, int]], list[str]]:
    """(row group, rows) pairs and column names, from metadata or one streaming pass; a file that
    cannot be read as its format is one message naming it."""
    try:
        return _read_counts(path, kind)
    except (pa.ArrowException, OSError, ValueError) as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise ConfigError(f"dataset.name: {path} cannot be read as {kind}: {lines[0]}") from None


def _read_counts(path: str, kind: str) -> tuple[list[tuple[int, int]], list[str]]:
    if kind == "parquet":
        metadata = pq.ParquetFile(_open(path)).metadata
        groups = [(group, metadata.row_group(group).num_rows) for group in range(metadata.num_row_groups)]
        return groups, metadata.schema.to_arrow_schema().names
    if kind == "csv":
        reader = pa_csv.open_csv(_open(path))
        return [(-1, sum(batch.num_rows for batch in reader))], reader.schema.names
    count, first = 0, None  # JSON Lines: stream to count and check rows; the first row gives the columns
    with _binary(path) as lines:
        for number, line in enumerate(lines, 1):
            if line.strip():
                try:
                    json.loads(line)
                except ValueError as error:
                    raise ValueError(f"line {number} is not a JSON object ({error})") from None
                count, first = count + 1, first or line
    names = pa_json.read_json(io.BytesIO(first)).column_names if first else []
    return [(-1, count)], names


def _split(groups, source, kind, shard_rows, first_row, file_index) -> tuple[list[Shard], int]:
    shards = []
    for group, rows in groups:
        for start in range(0, rows, shard_rows):
            stop = min(start + shard_rows, rows)
            shard_id = f"{file_index:05d}-{max(group, 0):05d}-{start:09d}"
            shards.append(Shard(shard_id, source, kind, group, start, stop, first_row))
            first_row += stop - start
    return shards, first_row


def _local_files(pattern: str) -> list[str]:
    files = sorted(glob.glob(pattern, recursive=True))
    if not files:
        raise ConfigError(f"dataset.name: no file matches {pattern}")
    return files


def _saved_dataset(section: DatasetSection):
    """The split's own folder (a DatasetDict keeps one per split) and the dataset, memory-mapped."""
    import datasets

    folder = Path(section.name)
    if (folder / "dataset_dict.json").exists():
        splits = [child.name for child in folder.iterdir() if _is_saved_dataset(child)]
        if section.split not in splits:
            raise ConfigError(f"dataset.split: {section.split!r} is not one of {sorted(splits)} in {folder}")
        folder = folder / section.split
    return str(folder), datasets.load_from_disk(str(folder))


def _builder_files(section: DatasetSection) -> list[str]:
    """A hub dataset's (or a local data folder's) files for the split, as ``datasets`` resolves them."""
    import datasets

    try:
        builder = datasets.load_dataset_builder(section.name, section.config, revision=section.revision)
    except Exception as error:  # datasets raises many types for "cannot load"
        raise ConfigError(f"dataset.name: {section.name} cannot be loaded: {error}") from None
    data_files = builder.config.data_files or {}
    if not data_files:
        raise ConfigError(
            f"dataset.name: {section.name} has no data files to read in parallel (a loading script?); "
            "load it once with datasets and save_to_disk, then scan that folder"
        )
    if section.split not in data_files:
        raise ConfigError(f"dataset.split: {section.split!r} is not one of {sorted(data_files)} in {section.name}")
    return sorted(str(file) for file in data_files[section.split])


def _binary(source: str):
    """A binary file object for a local path or a remote URL."""
    opened = _open(source)
    return open(opened, "rb") if isinstance(opened, str) else opened


def _open(source: str):
    """A local path as is; a remote URL (``hf://datasets/...@sha/...``) through fsspec."""
    if "://" not in source:
        return source
    import fsspec

    return fsspec.open(source, "rb").open()


def plan(section: DatasetSection, shard_rows: int) -> Plan:
    """Shards for the configured dataset, checked for its columns, cut at ``dataset.limit``."""
    path = Path(section.name)
    if _is_saved_dataset(path):
        source, dataset = _saved_dataset(section)
        shards, _ = _split([(-1, dataset.num_rows)], source, "arrow", shard_rows, 0, 0)
        columns, fingerprint = dataset.column_names, {"fingerprint": dataset._fingerprint, "split": section.split}
    else:
        local = any(ch in section.name for ch in "*?[") or path.is_file()
        files = _local_files(section.name) if local else _builder_files(section)
        shards, columns, fingerprint, first_row = [], None, {"files": {}}, 0
        for index, file in enumerate(files):
            kind = FORMATS.get(Path(file.split("?")[0]).suffix.lower())
            if kind is None:
                raise ConfigError(f"dataset.name: {file} is not parquet, csv, json or jsonl")
            groups, names = _count_and_columns(file, kind)
            columns = names if columns is None else columns
            if names != columns:
                raise ConfigError(f"dataset.name: {file} has columns {names}, the first file {columns}")
            more, first_row = _split(groups, file, kind, shard_rows, first_row, index)
            shards += more
            fingerprint["files"][file] = file_sha256(file) if "://" not in file else "remote: revision in path"
    _check_columns(section, columns)
    shards = _limit(shards, section.limit)
    _check_unique_ids(section, shards)
    return Plan(shards, fingerprint)


def _check_unique_ids(section: DatasetSection, shards: list[Shard]) -> None:
    """Example ids key every table of a run, so ``id_column`` must not repeat a value. This reads that
    one column of the planned rows (the only data the driver reads); null ids become row errors later."""
    if section.id_column is None or not shards:
        return
    column = pa.chunked_array([_as_text(read_shard(shard, [section.id_column]).column(0)) for shard in shards])
    counts = pc.value_counts(column.drop_null())
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    if len(repeated):
        first = ", ".join(f"{row['values']!r} ({row['counts']} rows)" for row in repeated.to_pylist()[:3])
        raise ConfigError(
            f"dataset.id_column: {section.id_column!r} repeats {len(repeated)} value(s), such as {first}; "
            "ids key every table of a run, so each must be unique (leave id_column unset to use row numbers)"
        )


def _as_text(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Ids compared as the scan stores them: as text (bytes that are not UTF-8 keep U+FFFD)."""
    if pa.types.is_binary(values.type) or pa.types.is_large_binary(values.type):
        decoded = [None if value is None else value.decode("utf-8", "replace") for value in values.to_pylist()]
        return pa.chunked_array([pa.array(decoded, pa.string())])
    return values.cast(pa.string())


def _check_columns(section: DatasetSection, columns: list[str]) -> None:
    for key in ("text_column", "text_pair_column", "label_column", "id_column"):
        column = getattr(section, key)
        if column is not None and column not in columns:
            raise ConfigError(f"dataset.{key}: column {column!r} is not in the dataset (columns: {columns})")


def _limit(shards: list[Shard], limit: int | None) -> list[Shard]:
    if limit is None:
        return shards
    kept, left = [], limit
    for shard in shards:
        if left <= 0:
            break
        take = min(shard.num_rows, left)
        kept.append(Shard(shard.shard_id, shard.source, shard.format, shard.row_group, shard.start,
                          shard.start + take, shard.first_row))
        left -= take
    return kept


def read_shard(shard: Shard, columns: list[str]) -> pa.Table:
    """The shard's rows, only the given columns."""
    if shard.format == "arrow":
        import datasets

        dataset = datasets.load_from_disk(shard.source).select_columns(columns)
        return dataset.select(range(shard.start, shard.stop)).data.table
    if shard.format == "parquet":
        table = pq.ParquetFile(_open(shard.source)).read_row_group(shard.row_group, columns=columns)
    elif shard.format == "csv":
        options = pa_csv.ConvertOptions(include_columns=columns)
        table = pa_csv.read_csv(_open(shard.source), convert_options=options)
    else:
        table = pa_json.read_json(_open(shard.source)).select(columns)
    return table.slice(shard.start, shard.num_rows)
