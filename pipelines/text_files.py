"""CSV and JSON Lines files cut into byte ranges at record boundaries, and one range read on its own.

Planning streams each file once, in blocks, with numpy: it finds where every record ends (in a CSV,
newlines inside a quoted field do not end one) and notes a cut every ``shard_rows`` records, hashing
the bytes as it goes. A shard then reads only its own bytes (and the CSV's header line), so a scan
reads each byte of the data once however many shards there are. Records are counted as the readers
parse them (pyarrow for CSV, one ``json.loads`` per line for JSON Lines), and a reader that finds
another number of rows than the plan stops the shard: ids are row numbers, and must never shift.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

BLOCK_BYTES = 1 << 24
NEWLINE, RETURN, QUOTE, COMMA = 10, 13, 34, 44
BLANK = np.zeros(256, bool)
BLANK[[9, 10, 13, 32]] = True  # JSON's white space
FIELD_START = (COMMA, NEWLINE, RETURN, QUOTE, -1)  # bytes before a quote that opens a field (-1: file start)


class TextFileError(ValueError):
    """A text file that cannot be cut into records; the message says where."""


@dataclass(frozen=True)
class ByteRange:
    """Where a shard's records are in its file, and how many the reader must find there."""

    header: int  # bytes [0, header) are the CSV's header record (0 for JSON Lines)
    start: int
    stop: int
    rows: int


@dataclass(frozen=True)
class Cuts:
    """A text file's shards as byte ranges, its rows and columns, and the sha256 of its bytes."""

    ranges: list[ByteRange]
    columns: list[str]
    sha256: str

    @property
    def rows(self) -> int:
        return sum(part.rows for part in self.ranges)


@dataclass(frozen=True)
class Rows:
    """A shard's rows as Python values per column, and the rows that could not be parsed (row -> why)."""

    columns: dict[str, list]
    num_rows: int
    unreadable: dict[int, str]


def cut(handle, kind: str, shard_rows: int) -> Cuts:
    """Read ``handle`` once: cuts after every ``shard_rows``-th record, the columns and the hash."""
    scanner = _Scanner(kind == "csv", shard_rows)
    digest = hashlib.sha256()
    for block, lookahead in _blocks(handle, digest):
        scanner.feed(block, lookahead)
    return scanner.finish(digest.hexdigest())


def _blocks(handle, digest) -> Iterator[tuple[np.ndarray, int | None]]:
    """The file in blocks that tile it, each with the byte that follows it (None at the end): a
    quote or a carriage return at the end of a block is read with the byte after it."""
    carry = b""
    while data := handle.read(BLOCK_BYTES):
        digest.update(data)
        data = carry + data
        carry = data[-1:]
        yield np.frombuffer(data, np.uint8)[:-1], data[-1]
    if carry:
        yield np.frombuffer(carry, np.uint8), None


class _Scanner:
    """Record ends over successive blocks: what a block leaves (a quoted field still open, the
    record that has begun, the rows so far) is where the next one starts."""

    def __init__(self, csv: bool, shard_rows: int) -> None:
        self.csv, self.shard_rows = csv, shard_rows
        self.offset = 0  # file offset of the block being read
        self.record_start = 0  # where the record in progress began
        self.first_byte = -1  # that record's first byte, once read (a record of only "\r" is empty)
        self.has_content = False  # that record holds more than white space (JSON Lines)
        self.previous = -1  # the byte before the block (-1: the file's start)
        self.quoted_since = -1  # file offset of the quote that opened the field we are in, or -1
        self.skip_quote = False  # the block starts with the second quote of a "" pair
        self.head: list[bytes] = []  # the blocks up to the first record, which names the columns
        self.first: tuple[int, int] | None = None  # the first record (the CSV's header)
        self.rows = 0  # records after the header
        self.rows_cut = 0  # of those, in ranges already cut
        self.range_start = 0
        self.ranges: list[ByteRange] = []

    def feed(self, block: np.ndarray, lookahead: int | None) -> None:
        if self.first is None:
            self.head.append(block.tobytes())
        ends = self._record_ends(block, lookahead) if self.csv else np.flatnonzero(block == NEWLINE)
        starts = np.concatenate(([self.record_start], self.offset + ends[:-1] + 1)).astype(np.int64)[: len(ends)]
        filled = self._csv_filled(block, starts, ends) if self.csv else self._json_filled(block, ends)
        self._count(starts[filled], self.offset + ends[filled] + 1)
        if len(ends):
            self.record_start = self.offset + int(ends[-1]) + 1
        if self.offset <= self.record_start < self.offset + len(block):
            self.first_byte = int(block[self.record_start - self.offset])
        self.previous = int(block[-1]) if len(block) else self.previous
        self.offset += len(block)

    def _csv_filled(self, block: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Which records hold something: as pyarrow skips them, an empty line or one of only ``\\r``."""
        first_bytes = np.where(
            starts >= self.offset, block[np.clip(starts - self.offset, 0, max(len(block) - 1, 0))], self.first_byte
        )
        lengths = self.offset + ends - starts
        return (lengths > 1) | ((lengths == 1) & (first_bytes != RETURN))

    def _json_filled(self, block: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Which lines hold more than white space (blank lines are no rows)."""
        content = (~BLANK[block]).view(np.uint8)
        bounds = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else ends
        filled = np.maximum.reduceat(content[: ends[-1] + 1], bounds).astype(bool) if len(ends) else ends.astype(bool)
        if len(ends):
            filled[0] |= self.has_content
            self.has_content = bool(content[ends[-1] + 1 :].any())
        else:
            self.has_content |= bool(content.any())
        return filled

    def _record_ends(self, block: np.ndarray, lookahead: int | None) -> np.ndarray:
        """Offsets in ``block`` of the newlines (``\\n``, or ``\\r`` alone) that end a CSV record: those
        outside quoted fields. As pyarrow reads a CSV, a quote opens a quoted field only at the
        field's start; inside one, ``""`` is a quote and a lone ``"`` closes it."""
        positions = np.flatnonzero(block == QUOTE)
        lines = block == NEWLINE
        lines[:-1] |= (block[:-1] == RETURN) & (block[1:] != NEWLINE)
        if len(block) and block[-1] == RETURN and lookahead != NEWLINE:
            lines[-1] = True
        ends = np.flatnonzero(lines)
        inside = self._by_parity(block, positions) if not self.skip_quote else None
        if inside is None:
            inside = self._by_quotes(block, positions.tolist(), lookahead)
        return ends[~inside(ends)]

    def _by_parity(self, block: np.ndarray, positions: np.ndarray):
        """Inside a quoted field where an odd number of quotes come before: true when every quote
        that would open a field stands at a field's start (or right after a quote: ``""``), as in
        any file that quotes by the rules. Returns None for a block where a stray quote breaks it."""
        started_inside = int(self.quoted_since >= 0)
        opening = positions[(np.arange(len(positions)) + started_inside) % 2 == 0]
        before = np.where(opening > 0, block[np.maximum(opening - 1, 0)].astype(np.int16), self.previous)
        if not np.isin(before, FIELD_START).all():
            return None
        if (len(positions) + started_inside) % 2:
            self.quoted_since = self.offset + int(opening[-1]) if len(opening) else self.quoted_since
        else:
            self.quoted_since = -1
        return lambda at: (np.searchsorted(positions, at) + started_inside) % 2 == 1

    def _by_quotes(self, block: np.ndarray, positions: list[int], lookahead: int | None):
        """The same, quote by quote: a quote outside a field's start is a character."""
        quoted = []  # (open, close) offsets in the block; close = len(block) while still open
        opened = 0 if self.quoted_since >= 0 else None
        if self.skip_quote and positions and positions[0] == 0:
            positions = positions[1:]
        self.skip_quote = False
        index = 0
        while index < len(positions):
            at = positions[index]
            if opened is None:
                if (int(block[at - 1]) if at else self.previous) in FIELD_START:
                    opened, self.quoted_since = at, self.offset + at
            elif (int(block[at + 1]) if at + 1 < len(block) else lookahead) == QUOTE:
                index += 1
                self.skip_quote = at + 1 == len(block)
            else:
                quoted.append((opened, at))
                opened, self.quoted_since = None, -1
            index += 1
        if opened is not None:
            quoted.append((opened, len(block)))
        if not quoted:
            return lambda at: np.zeros(len(at), bool)
        opens, closes = np.array(quoted).T

        def inside(at: np.ndarray) -> np.ndarray:
            which = np.searchsorted(opens, at, side="right") - 1
            return (which >= 0) & (at < closes[np.maximum(which, 0)])

        return inside

    def _count(self, starts: np.ndarray, ends: np.ndarray) -> None:
        """Count the records that hold something (file offsets); the first one is the CSV's header
        (a JSON Lines file's first record is a row, read once more for its keys). A range is cut
        after every ``shard_rows``-th row."""
        if not len(ends):
            return
        if self.first is None:
            self.first = (int(starts[0]), int(ends[0]))
            if self.csv:
                self.range_start = int(ends[0])
                starts, ends = starts[1:], ends[1:]
        numbers = self.rows + np.arange(1, len(ends) + 1)
        at_cut = numbers % self.shard_rows == 0
        for end, number in zip(ends[at_cut].tolist(), numbers[at_cut].tolist()):
            self._close(end, number)
        self.rows += len(ends)

    def _close(self, end: int, rows: int) -> None:
        header = self.first[1] if self.csv else 0
        self.ranges.append(ByteRange(header, self.range_start, end, rows - self.rows_cut))
        self.range_start, self.rows_cut = end, rows

    def finish(self, sha256: str) -> Cuts:
        if self.quoted_since >= 0:
            raise TextFileError(f"the quoted field that opens at byte {self.quoted_since} is never closed")
        tail = self.offset - self.record_start
        if (tail > 1 or (tail == 1 and self.first_byte != RETURN)) if self.csv else self.has_content:
            self._count(np.array([self.record_start]), np.array([self.offset]))
        if self.csv and self.first is None:
            raise TextFileError("it has no header line")
        if self.rows > self.rows_cut:
            self._close(self.offset, self.rows)
        return Cuts(self.ranges, self._columns(), sha256)

    def _columns(self) -> list[str]:
        if self.first is None:
            return []
        start, end = self.first
        record = b"".join(self.head)[start:end]
        if self.csv:
            return _parse_csv(record.rstrip(b"\r\n") + b"\n", []).column_names
        parsed = json_object(record)
        if isinstance(parsed, str):
            raise TextFileError(f"its first line {parsed}")
        return list(parsed)


def read_range(handle, kind: str, part: ByteRange, columns: list[str]) -> Rows:
    """The records of ``part`` (its bytes only, and the CSV's header), as the plan counted them."""
    header = b""
    if part.header:
        handle.seek(0)
        header = handle.read(part.header)
    handle.seek(part.start)
    data = handle.read(part.stop - part.start)
    rows = _csv_rows(header + data, columns) if kind == "csv" else _json_rows(data, columns)
    if rows.num_rows != part.rows:
        raise TextFileError(
            f"bytes {part.start} to {part.stop} hold {rows.num_rows} records where planning counted {part.rows}"
        )
    return rows


def _parse_csv(data: bytes, columns: list[str], skipped: dict[int, str] | None = None) -> pa.Table:
    """Columns read as bytes, whatever they hold: a shard must not guess other types than its
    neighbours (a text of digits stays text), and bad bytes are judged one cell at a time."""

    def skip(row) -> str:
        skipped[row.number - 2] = f"record has {row.actual_columns} fields where the header has {row.expected_columns}"
        return "skip"

    return pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(use_threads=False),  # row numbers of bad records are known only then
        parse_options=pa_csv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip if skipped is not None else None),
        convert_options=pa_csv.ConvertOptions(include_columns=columns, column_types=dict.fromkeys(columns, pa.binary())),
    )


def _csv_rows(data: bytes, columns: list[str]) -> Rows:
    skipped: dict[int, str] = {}
    table = _parse_csv(data, columns, skipped)
    num_rows = table.num_rows + len(skipped)
    kept = [row for row in range(num_rows) if row not in skipped]
    values = {}
    for column in columns:
        cells = [None] * num_rows
        for row, value in zip(kept, table.column(column).to_pylist()):
            cells[row] = value
        values[column] = cells
    return Rows(values, num_rows, skipped)


def _json_rows(data: bytes, columns: list[str]) -> Rows:
    records = [json_object(line) for line in data.split(b"\n") if line.strip(b" \t\r\n")]
    unreadable = {row: f"line {record}" for row, record in enumerate(records) if isinstance(record, str)}
    values = {column: [None if isinstance(r, str) else r.get(column) for r in records] for column in columns}
    return Rows(values, len(records), unreadable)


def json_object(line: bytes) -> dict | str:
    """A JSON Lines record, or why it is not one."""
    try:
        value = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        return f"is not JSON ({error})"
    return value if isinstance(value, dict) else f"is not a JSON object (a {type(value).__name__})"
