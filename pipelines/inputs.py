"""In-memory inputs of ``lrp_audit.scan`` made into what a scan reads: files named by their content.

A scan reads its rows from a file and its model from a folder, on whichever worker explains them,
and a run's identity comes from its config and its data's content. A pandas DataFrame, a pyarrow
Table or a ``datasets.Dataset`` is therefore written once as a Parquet file named by the hash of its
rows, and a model already in memory (with its tokenizer) is saved once as a folder named by the
hash of its files: the same data or model again is the same path, so its rerun is the same run (no
model work), and one changed row or weight is a new file and a new run. Both live under
``<runtime.output_dir>/.inputs/``, beside the runs made from them (no run folder is listed there:
it has no manifest).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from lrp_audit.run_folder import write_atomic

from .config import ConfigError

INPUTS = ".inputs"
HASH_CHARS = 16  # of the sha256: the file's name


def data_file(data: Any, output_dir: str | Path) -> Path:
    """``data``'s rows as ``<output_dir>/.inputs/table-<hash>.parquet``, written unless it is there."""
    table = _arrow(data)
    if table is None:
        raise ConfigError(
            f"data: {type(data).__name__} is not a dataset; give a path or hub id, a pandas DataFrame, "
            "a pyarrow Table or a datasets.Dataset"
        )
    if table.num_rows == 0:
        raise ConfigError("data: the table has no rows to scan")
    table = table.replace_schema_metadata(None).combine_chunks()  # the rows alone decide the name
    digest = hashlib.sha256()
    with pa.ipc.new_stream(pa.PythonFile(_Hashing(digest), mode="w"), table.schema) as stream:
        stream.write_table(table)
    path = Path(output_dir) / INPUTS / f"table-{digest.hexdigest()[:HASH_CHARS]}.parquet"
    if not path.is_file():
        write_atomic(table, path)
    return path


def model_folder(model: Any, tokenizer: Any, output_dir: str | Path) -> Path:
    """A loaded model and its tokenizer saved as ``<output_dir>/.inputs/model-<hash>/`` (kept if there)."""
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

    if not isinstance(model, PreTrainedModel):
        raise ConfigError(
            f"model: {type(model).__name__} is not a model; give a hub id or folder, or a transformers "
            "PreTrainedModel with tokenizer="
        )
    if not isinstance(tokenizer, PreTrainedTokenizerBase):
        raise ConfigError("tokenizer: a model given as an object needs its tokenizer (tokenizer=...)")
    folder = Path(output_dir) / INPUTS
    folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=".model-", dir=folder))
    try:
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        digest = hashlib.sha256()
        for path in sorted(partial.rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(partial)).encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
        target = folder / f"model-{digest.hexdigest()[:HASH_CHARS]}"
        if not target.is_dir():
            os.replace(partial, target)
        return target
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _arrow(data: Any) -> pa.Table | None:
    """``data`` as an Arrow table, or None for anything else (a path, a hub id)."""
    if isinstance(data, pa.Table):
        return data
    if type(data).__module__.startswith("pandas") and hasattr(data, "columns"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if type(data).__module__.startswith("datasets") and hasattr(data, "with_format"):
        return data.with_format("arrow")[:]  # its rows in order, an index mapping (select, shuffle) applied
    return None


class _Hashing:
    """A write-only file whose bytes go into a hash (Arrow's stream writer writes into it)."""

    def __init__(self, digest) -> None:
        self.digest, self.closed = digest, False

    def write(self, data) -> int:
        self.digest.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True
