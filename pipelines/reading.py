"""Reading and tokenising one shard: the scan's CPU stage, run as Ray tasks ahead of the model.

Bad rows (a record that cannot be parsed, a null, empty or undecodable text, a null id, a text the
tokenizer rejects) become rows of the errors table here, one at a time, so that one bad row never
fails its shard.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from lrp_audit.lrp.encoding import Encoded, encode
from lrp_audit.lrp.loading import load_tokenizer

from .config import ScanConfig
from .sources import Shard, as_text, read_shard
from .text_files import Rows


@cache
def _tokenizer(name: str, revision: str | None, trust_remote_code: bool):
    return load_tokenizer(name, revision, trust_remote_code)


def _example_ids(rows: Rows, shard: Shard, id_column: str | None) -> list[str | None]:
    if id_column is None:
        return [str(shard.first_row + row) for row in range(rows.num_rows)]
    return [as_text(value) for value in rows.columns[id_column]]


@dataclass(frozen=True)
class NotUTF8:
    """A text cell whose bytes are not UTF-8, and where the first bad byte is."""

    where: str


def _decoded(value):
    """A text cell as str where it can be: bytes (a CSV column with a bad byte anywhere is read as
    binary) are decoded one row at a time, so a bad byte makes only its own row an error."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as error:
        return NotUTF8(f"byte 0x{value[error.start]:02x} at offset {error.start}")


def _problem(name: str, value) -> str | None:
    if value is None:
        return f"{name} is null"
    if isinstance(value, NotUTF8):
        return f"{name} is not valid UTF-8 ({value.where})"
    if not isinstance(value, str):
        return f"{name} is not text ({type(value).__name__})"
    if not value.strip():
        return f"{name} is empty"
    return None


@dataclass(frozen=True)
class Tokenized:
    """A shard read and tokenised: its good rows' records, ids and labels, and its bad rows."""

    shard: Shard
    ids: list[str]
    labels: list[str | None]
    sensitive: list[dict[str, str | None]]  # each good row's sensitive columns (dataset.sensitive_columns)
    records: list[Encoded]
    errors: list[tuple[str, str, str]]  # example_id, kind, message
    input_rows: int


def tokenize(shard: Shard, config: ScanConfig) -> Tokenized:
    """Read one shard, sort its bad rows into errors and tokenise the rest (a CPU task ahead of the model)."""
    data, model, attribution = config.dataset, config.model, config.attribution
    names = (data.text_column, data.text_pair_column, data.label_column, data.id_column)
    rows = read_shard(shard, list(dict.fromkeys([*(c for c in names if c), *data.sensitive_columns])))
    ids = _example_ids(rows, shard, data.id_column)
    texts, pairs = ([_decoded(v) for v in rows.columns[column]] if column else None for column in names[:2])
    labels = rows.columns[names[2]] if names[2] else [None] * len(texts)
    good, errors = [], []
    for row, example_id in enumerate(ids):
        if row in rows.unreadable:
            errors.append((example_id or f"row {shard.first_row + row}", "unreadable", rows.unreadable[row]))
            continue
        problem = "id is null or empty" if example_id is None else _problem("text", texts[row])
        problem = problem or (_problem("text pair", pairs[row]) if pairs else None)
        if problem:
            errors.append((example_id or f"row {shard.first_row + row}", "invalid_text", problem))
        else:
            good.append(row)
    tokenizer = _tokenizer(model.name, model.revision, model.trust_remote_code)

    def encoded(rows: list[int]) -> list[Encoded]:
        return encode(
            tokenizer,
            [texts[r] for r in rows],
            attribution.max_length,
            attribution.prompt,
            [pairs[r] for r in rows] if pairs else None,
            attribution.chat_template,
        )

    try:
        records = encoded(good)
    except Exception:  # one bad row must not fail the shard: find it
        records, kept = [], []
        for row in good:
            try:
                records += encoded([row])
                kept.append(row)
            except Exception as error:
                errors.append((ids[row], "tokenizer", f"{type(error).__name__}: {error}"))
        good = kept
    return Tokenized(
        shard=shard,
        ids=[ids[r] for r in good],
        labels=[as_text(labels[r]) for r in good],
        sensitive=[{c: as_text(rows.columns[c][r]) for c in data.sensitive_columns} for r in good],
        records=records,
        errors=errors,
        input_rows=rows.num_rows,
    )
