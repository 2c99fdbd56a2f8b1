"""Where a scan's rows come from: a plan of shards, and reading one shard.

A shard is a contiguous row range of one source file (a Parquet row group or a slice of one, a byte
range of a CSV or JSON Lines file, a range of a ``save_to_disk`` dataset). Its id names its output
files, so a rerun finds what is already done and never writes a row twice. The driver reads Parquet
metadata, and streams each local file once to hash it (and, for CSV and JSON Lines, to find where
every ``shard_rows``-th record ends); the rows themselves are read by the workers, each shard only
its own bytes (or row-group batches).

Example ids default to the row's number in the dataset (files in name order, then rows in file
order, blank lines not counted), so they do not change across reruns or with ``shard_rows``.
Remote files (``hf://``, ``s3://``, ``https://`` and any other fsspec URL) are read in place.
"""

from __future__ import annotations

import dataclasses
import glob
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .config import ConfigError, DatasetSection
from .text_files import ByteRange, Rows, TextFileError, cut, read_range

FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}
# What a remote store's listing says about a file's content, when it says it.
IDENTIFYING = {"size", "etag", "mtime", "last_modified", "lastmodified", "md5", "crc32c", "checksum", "blob_id", "lfs"}
PINNED = re.compile(r"hf://[^@]+@[0-9a-f]{40}/")  # a hub path at a commit (as datasets resolves a hub id)
# Bumped when CSV and JSON Lines are read differently, so that an old run is never resumed with it.
TEXT_READER = "byte-ranges/1"
# Parquet is read as a stream through a buffer this large, not a column chunk at a time.
PARQUET_BUFFER = 1 << 20


@dataclass(frozen=True)
class Shard:
    shard_id: str
    source: str
    format: str  # parquet | csv | json | arrow (a save_to_disk dataset folder)
    row_group: int  # parquet row group, else -1
    start: int  # first row within the row group / file / dataset
    stop: int
    first_row: int  # global row number of ``start``: the default example id
    byte_range: ByteRange | None = None  # csv and json: where its records are in the file

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


def _parquet_groups(path: str) -> tuple[list[tuple[int, int]], list[str]]:
    """(row group, rows) pairs and column names, from the file's metadata."""
    with _parquet(path) as parquet:
        metadata = parquet.metadata
    groups = [(group, metadata.row_group(group).num_rows) for group in range(metadata.num_row_groups)]
    return groups, metadata.schema.to_arrow_schema().names


def _file_shards(path: str, kind: str, shard_rows: int, first_row: int, index: int) -> tuple[list[Shard], list[str], str]:
    """One file's shards, its columns and what identifies its content; a file that cannot be read
    as its format is one message naming it."""
    try:
        if kind == "parquet":
            groups, columns = _parquet_groups(path)
            shards, _ = _split(groups, path, kind, shard_rows, first_row, index)
            return shards, columns, file_sha256(path) if "://" not in path else _remote_identity(path)
        with _binary(path) as handle:
            cuts = cut(handle, kind, shard_rows)
    except (pa.ArrowException, OSError, ValueError) as error:
        lines = str(error).strip().splitlines() or [type(error).__name__]
        raise ConfigError(f"dataset.name: {path} cannot be read as {kind}: {lines[0]}") from None
    shards, start = [], 0
    for part in cuts.ranges:
        shard_id = f"{index:05d}-00000-{start:09d}"
        shards.append(Shard(shard_id, path, kind, -1, start, start + part.rows, first_row + start, part))
        start += part.rows
    return shards, cuts.columns, cuts.sha256


def _remote_identity(url: str) -> str:
    """A remote file's identity without reading it: a hub path at a commit pins it; otherwise what
    the store's listing says (size, ETag, blob id or modification time)."""
    if PINNED.match(url):
        return "remote: revision in path"
    import fsspec

    filesystem, path = fsspec.core.url_to_fs(url)
    info = filesystem.info(path)
    facts = {key: str(value) for key, value in sorted(info.items()) if key.lower() in IDENTIFYING}
    return "remote: " + ", ".join(f"{key}={value}" for key, value in facts.items())


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


def _remote_files(url: str) -> list[str]:
    """The files a remote URL or pattern names, each as a full URL, through fsspec."""
    import fsspec

    try:
        filesystem, path = fsspec.core.url_to_fs(url)
        found = filesystem.glob(path) if any(ch in path for ch in "*?[") else [path] if filesystem.isfile(path) else []
    except (OSError, ValueError, ImportError) as error:
        raise ConfigError(f"dataset.name: {url} cannot be listed: {error}") from None
    if not found:
        raise ConfigError(f"dataset.name: no file matches {url}")
    return sorted(filesystem.unstrip_protocol(file) for file in found)


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
    """A binary file object for a local path or a remote URL (``hf://datasets/...@sha/...``, through
    fsspec), to be closed by the caller (a ``with`` block)."""
    if "://" not in source:
        return open(source, "rb")
    import fsspec

    return fsspec.open(source, "rb").open()


@contextmanager
def _parquet(source: str, **options) -> Iterator[pq.ParquetFile]:
    """A Parquet file, local (read by path, natively) or remote (through fsspec), closed after use."""
    if "://" not in source:
        yield pq.ParquetFile(source, **options)
        return
    with _binary(source) as handle:
        yield pq.ParquetFile(handle, **options)


def plan(section: DatasetSection, shard_rows: int) -> Plan:
    """Shards for the configured dataset, checked for its columns, cut at ``dataset.limit``."""
    path = Path(section.name)
    if _is_saved_dataset(path):
        source, dataset = _saved_dataset(section)
        shards, _ = _split([(-1, dataset.num_rows)], source, "arrow", shard_rows, 0, 0)
        columns, fingerprint = dataset.column_names, {"fingerprint": dataset._fingerprint, "split": section.split}
    else:
        files = _files(section)
        shards, columns, fingerprint, first_row = [], None, {"files": {}}, 0
        for index, file in enumerate(files):
            kind = FORMATS.get(Path(file.split("?")[0]).suffix.lower())
            if kind is None:
                raise ConfigError(f"dataset.name: {file} is not parquet, csv, json or jsonl")
            more, names, identity = _file_shards(file, kind, shard_rows, first_row, index)
            columns = names if columns is None else columns
            if names != columns:
                raise ConfigError(f"dataset.name: {file} has columns {names}, the first file {columns}")
            shards += more
            first_row += sum(shard.num_rows for shard in more)
            fingerprint["files"][file] = identity
            if kind != "parquet":
                fingerprint["reader"] = TEXT_READER
    _check_columns(section, columns)
    shards = _limit(shards, section.limit)
    _check_unique_ids(section, shards)
    return Plan(shards, fingerprint)


def _files(section: DatasetSection) -> list[str]:
    """Local files (a path or a glob), remote ones (an fsspec URL), or a hub dataset's split."""
    if "://" in section.name:
        return _remote_files(section.name)
    if any(ch in section.name for ch in "*?[") or Path(section.name).is_file():
        return _local_files(section.name)
    return _builder_files(section)


def _check_unique_ids(section: DatasetSection, shards: list[Shard]) -> None:
    """Example ids key every table of a run, so ``id_column`` must not repeat a value. This reads that
    one column of the planned rows (for CSV and JSON Lines, every shard's bytes once more); null
    ids become row errors later."""
    if section.id_column is None or not shards:
        return
    counts = Counter(
        value
        for shard in shards
        for value in map(as_text, read_shard(shard, [section.id_column]).columns[section.id_column])
        if value is not None
    )
    repeated = [(value, count) for value, count in counts.most_common() if count > 1]
    if repeated:
        first = ", ".join(f"{value!r} ({count} rows)" for value, count in repeated[:3])
        raise ConfigError(
            f"dataset.id_column: {section.id_column!r} repeats {len(repeated)} value(s), such as {first}; "
            "ids key every table of a run, so each must be unique (leave id_column unset to use row numbers)"
        )


def as_text(value) -> str | None:
    """An id or label as the scan stores it: text, bytes that are not UTF-8 keeping their valid
    characters and showing each bad byte as U+FFFD; an empty cell is no value."""
    if value is None:
        return None
    text = value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)
    return text or None


def _check_columns(section: DatasetSection, columns: list[str]) -> None:
    named = [(key, getattr(section, key)) for key in ("text_column", "text_pair_column", "label_column", "id_column")]
    named += [("sensitive_columns", column) for column in section.sensitive_columns]
    for key, column in named:
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
        kept.append(dataclasses.replace(shard, stop=shard.start + take))
        left -= take
    return kept


def read_shard(shard: Shard, columns: list[str]) -> Rows:
    """The shard's rows, only the given columns: a text file's own byte range, a Parquet row
    group's batches up to the shard's last row (never the whole group)."""
    if shard.byte_range is not None:
        with _binary(shard.source) as handle:
            try:
                rows = read_range(handle, shard.format, shard.byte_range, columns)
            except TextFileError as error:
                raise TextFileError(f"{shard.source}: {error}") from None
        if rows.num_rows > shard.num_rows:  # dataset.limit ends the plan inside this range
            rows = Rows({k: v[: shard.num_rows] for k, v in rows.columns.items()}, shard.num_rows,
                        {row: why for row, why in rows.unreadable.items() if row < shard.num_rows})
        return rows
    if shard.format == "arrow":
        import datasets

        dataset = datasets.load_from_disk(shard.source).select_columns(columns)
        table = dataset.select(range(shard.start, shard.stop)).data.table
    else:
        table = _parquet_rows(shard, columns)
    return Rows({column: table.column(column).to_pylist() for column in columns}, table.num_rows, {})


def _parquet_rows(shard: Shard, columns: list[str]) -> pa.Table:
    """Batches of the row group until the shard's last row: memory follows ``shard_rows``,
    whatever row group size the writer chose."""
    batches, seen = [], 0
    size = min(max(shard.num_rows, 1), 65_536)
    with _parquet(shard.source, buffer_size=PARQUET_BUFFER, pre_buffer=False) as parquet:
        schema = parquet.schema_arrow
        for batch in parquet.iter_batches(batch_size=size, row_groups=[shard.row_group], columns=columns):
            low, high = max(shard.start - seen, 0), min(shard.stop - seen, batch.num_rows)
            if high > low:
                batches.append(batch.slice(low, high - low))
            seen += batch.num_rows
            if seen >= shard.stop:
                break
    return pa.Table.from_batches(batches, pa.schema([schema.field(column) for column in columns]))
