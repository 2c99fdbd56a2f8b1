"""Planning and reading shards: each shard reads only its own bytes and together they give exactly
the rows of one whole read, with ids that do not depend on how the data was cut."""

from __future__ import annotations

import io
import json
import random

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from http_files import served
from lrp_audit.pipelines import sources, text_files
from lrp_audit.pipelines.config import ConfigError, DatasetSection


def _field(rng: random.Random) -> str:
    """A CSV cell: quoted ones hold newlines, commas, doubled quotes and CRLF; unquoted ones may
    hold a stray quote, which pyarrow reads as a character."""
    words = rng.choice(["plain", "two words", "new\nline", "cr\r\nlf", "a, b", 'say ""hi""', "", "é", "\n\n"])
    if rng.random() < 0.6:
        return f'"{words}"'
    return rng.choice(["plain", 'five" tall', "x", 'ab"'])


def _messy_csv(rng: random.Random, rows: int) -> bytes:
    lines = ["id,text,label"]
    for row in range(rows):
        lines.append(f"{row},{_field(rng)},{row % 3}")
        if rng.random() < 0.1:
            lines.append("")  # a blank line is no row
    newline = rng.choice(["\n", "\r\n"])
    return (newline.join(lines) + rng.choice(["", newline])).encode()


def _whole(data: bytes) -> list[dict]:
    options = pa_csv.ConvertOptions(column_types=dict.fromkeys(["id", "text", "label"], pa.binary()))
    parse = pa_csv.ParseOptions(newlines_in_values=True)
    return pa_csv.read_csv(io.BytesIO(data), parse_options=parse, convert_options=options).to_pylist()


def _rows(plan: sources.Plan, columns: list[str]) -> list[dict]:
    found = []
    for shard in plan.shards:
        rows = sources.read_shard(shard, columns)
        found += [dict(zip(columns, values)) for values in zip(*(rows.columns[c] for c in columns))]
    return found


def _plan(path, shard_rows: int, **section) -> sources.Plan:
    return sources.plan(DatasetSection(name=str(path), **section), shard_rows)


@pytest.mark.parametrize("seed", range(4))
def test_a_csv_with_quoted_newlines_cut_into_many_shards_gives_the_rows_of_one_whole_read(tmp_path, seed, monkeypatch):
    rng = random.Random(seed)
    data = _messy_csv(rng, 200)
    path = tmp_path / "messy.csv"
    path.write_bytes(data)
    monkeypatch.setattr(text_files, "BLOCK_BYTES", rng.choice([7, 64, 1000]))  # records across blocks
    plan = _plan(path, shard_rows=rng.randint(1, 9))
    assert len(plan.shards) > 20
    assert _rows(plan, ["id", "text", "label"]) == _whole(data)


def test_json_lines_cut_into_many_shards_give_the_rows_of_one_whole_read(tmp_path):
    records = [{"id": i, "text": f"line {i}\nwith a newline", "label": i % 2} for i in range(100)]
    lines = [json.dumps(record) for record in records]
    lines[10:10] = ["", "\r"]  # blank lines are no rows
    path = tmp_path / "data.jsonl"
    path.write_text("\r\n".join(lines))
    plan = _plan(path, shard_rows=7)
    assert len(plan.shards) == 15
    assert _rows(plan, ["id", "text", "label"]) == records


def test_the_byte_ranges_tile_the_file_after_its_header(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(_messy_csv(random.Random(0), 100))
    ranges = [shard.byte_range for shard in _plan(path, shard_rows=8).shards]
    header = path.read_bytes().index(b"\n") + 1
    assert [r.start for r in ranges] == [header] + [r.stop for r in ranges[:-1]]
    assert ranges[-1].stop == path.stat().st_size and {r.header for r in ranges} == {header}


class _Counting(io.BytesIO):
    read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


def test_a_shard_reads_only_its_bytes_and_the_header(tmp_path):
    data = _messy_csv(random.Random(1), 300)
    cuts = text_files.cut(io.BytesIO(data), "csv", 10)
    part = cuts.ranges[5]
    handle = _Counting(data)
    rows = text_files.read_range(handle, "csv", part, ["id"])
    assert rows.num_rows == 10 and handle.read_bytes == part.header + part.stop - part.start


def test_default_ids_are_row_numbers_whatever_the_shard_size(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(_messy_csv(random.Random(2), 50))
    firsts = {}
    for shard_rows in (3, 7, 50):
        plan = _plan(path, shard_rows)
        firsts[shard_rows] = [shard.first_row + row for shard in plan.shards for row in range(shard.num_rows)]
    assert firsts[3] == firsts[7] == firsts[50] == list(range(50))


def test_a_limit_ends_the_plan_inside_a_byte_range(tmp_path):
    path = tmp_path / "data.csv"
    data = _messy_csv(random.Random(3), 40)
    path.write_bytes(data)
    plan = _plan(path, shard_rows=8, limit=13)
    assert _rows(plan, ["id"]) == [{"id": row["id"]} for row in _whole(data)[:13]]


def test_a_broken_json_line_is_one_unreadable_row(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "fine"}\n{"text": "cut off\n{"text": "fine too"}\n[1, 2]\n')
    [shard] = _plan(path, shard_rows=10).shards
    rows = sources.read_shard(shard, ["text"])
    assert rows.columns["text"] == ["fine", None, "fine too", None]
    assert rows.unreadable[1].startswith("line is not JSON") and rows.unreadable[3] == "line is not a JSON object (a list)"


def test_a_csv_record_with_the_wrong_number_of_fields_is_one_unreadable_row(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("text,label\nfine,a\nextra,field,here\n   \nalso fine,b\n")
    [shard] = _plan(path, shard_rows=10).shards
    rows = sources.read_shard(shard, ["text", "label"])
    assert rows.columns["text"] == [b"fine", None, None, b"also fine"]
    assert rows.unreadable == {
        1: "record has 3 fields where the header has 2",
        2: "record has 1 fields where the header has 2",
    }


def test_a_file_changed_after_planning_stops_its_shard_naming_it(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("text\n" + "".join(f"row {i}\n" for i in range(20)))
    shard = _plan(path, shard_rows=5).shards[1]
    path.write_text("text\n" + "".join(f"row {i}\nmore\n" for i in range(20)))
    with pytest.raises(text_files.TextFileError, match=f"{path}: bytes .* hold \\d+ records where planning counted 5"):
        sources.read_shard(shard, ["text"])


def test_a_parquet_row_group_is_cut_to_shard_rows_and_read_in_batches(tmp_path):
    path = tmp_path / "one-group.parquet"
    values = [f"text {i}" for i in range(1000)]
    pq.write_table(pa.table({"text": values, "n": list(range(1000))}), path, row_group_size=1000)
    plan = _plan(path, shard_rows=64)
    assert {shard.row_group for shard in plan.shards} == {0} and max(s.num_rows for s in plan.shards) == 64
    assert [row["text"] for row in _rows(plan, ["text"])] == values


def test_a_remote_dataset_is_planned_and_read_in_place_by_url(tmp_path):
    (tmp_path / "data").mkdir()
    values = [f"text {i}" for i in range(500)]
    pq.write_table(pa.table({"text": values}), tmp_path / "data" / "a.parquet", row_group_size=100)
    (tmp_path / "data" / "b.csv").write_text("text\n" + "".join(f'"line\n{i}"\n' for i in range(30)))
    with served(tmp_path / "data") as (url, _):
        parquet = _plan(f"{url}/*.parquet", shard_rows=40)
        csv = _plan(f"{url}/b.csv", shard_rows=7)
        assert [row["text"] for row in _rows(parquet, ["text"])] == values
        assert [row["text"] for row in _rows(csv, ["text"])] == [f"line\n{i}".encode() for i in range(30)]
    assert list(parquet.fingerprint["files"]) == [f"{url}/a.parquet"]
    assert parquet.fingerprint["files"][f"{url}/a.parquet"].startswith("remote: size=")


def test_a_remote_pattern_that_matches_nothing_is_refused_naming_it(tmp_path):
    with served(tmp_path) as (url, _):
        with pytest.raises(ConfigError, match=f"dataset.name: no file matches {url}/missing"):
            _plan(f"{url}/missing/*.parquet", shard_rows=10)


def test_an_unreadable_record_becomes_an_error_under_its_row_number(tmp_path, model_dir):
    from lrp_audit.pipelines.config import ScanConfig
    from lrp_audit.pipelines.reading import tokenize

    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "She is kind."}\n{"text": "cut off\n{"text": "He agrees."}\n')
    config = ScanConfig.model_validate({"model": {"name": model_dir}, "dataset": {"name": str(path)}})
    [shard] = sources.plan(config.dataset, 10).shards
    tokenized = tokenize(shard, config)
    assert tokenized.ids == ["0", "2"] and tokenized.input_rows == 3
    [(example_id, kind, message)] = tokenized.errors
    assert (example_id, kind) == ("1", "unreadable") and message.startswith("line is not JSON")
