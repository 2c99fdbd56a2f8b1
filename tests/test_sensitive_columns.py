"""Sensitive columns: read with each row, never shown to the model, stored in the examples table and
queryable as groups (one column, or the intersection of two)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from lrp_audit.audits.database import connect
from lrp_audit.audits.lexicon import terms_table
from lrp_audit.lrp.tables import EXAMPLES
from lrp_audit.pipelines.config import ConfigError, DatasetSection, ScanConfig
from lrp_audit.pipelines.reading import tokenize
from lrp_audit.pipelines.sources import plan
from lrp_audit.run_folder import SCHEMAS


@pytest.fixture
def profiles(tmp_path):
    path = tmp_path / "profiles.csv"
    table = pa.table({"text": ["she sews", "he boxes", "they knit"], "gender": ["f", "m", None], "race": ["a", "b", "a"]})
    pa_csv.write_csv(table, path)
    return path


def _config(model_dir, data, **dataset) -> ScanConfig:
    return ScanConfig.model_validate({"model": {"name": model_dir}, "dataset": {"name": str(data), **dataset}})


def test_sensitive_columns_come_with_each_row_and_not_with_its_text(model_dir, profiles):
    config = _config(model_dir, profiles, sensitive_columns=["gender", "race"])
    (shard,) = plan(config.dataset, 100).shards
    read = tokenize(shard, config)
    assert read.sensitive == [{"gender": "f", "race": "a"}, {"gender": "m", "race": "b"}, {"gender": None, "race": "a"}]
    assert [record.text for record in read.records] == ["she sews", "he boxes", "they knit"]


def test_a_missing_sensitive_column_is_refused_before_any_work_naming_it(profiles):
    with pytest.raises(ConfigError, match="dataset.sensitive_columns: column 'religion' is not in the dataset"):
        plan(DatasetSection(name=str(profiles), sensitive_columns=["religion"]), 100)


def test_a_sensitive_column_cannot_be_the_text_the_model_reads(model_dir, profiles):
    with pytest.raises(ValueError, match="column 'text' is the dataset.text_column"):
        _config(model_dir, profiles, sensitive_columns=["text"])


def test_a_run_without_sensitive_columns_keeps_its_run_id(model_dir, profiles):
    assert _config(model_dir, profiles).identity_hash() == _config(model_dir, profiles, sensitive_columns=[]).identity_hash()
    assert _config(model_dir, profiles).identity_hash() != _config(model_dir, profiles, sensitive_columns=["gender"]).identity_hash()


def _run(folder, examples: pa.Table):
    for name, schema in SCHEMAS.items():
        (folder / name).mkdir(parents=True)
        table = examples if name == "examples" else schema.empty_table()
        pq.write_table(table, folder / name / "s.parquet")
    return connect(folder, terms_table([]))


def _examples(sensitive: list) -> pa.Table:
    rows = [{"example_id": str(i), "text": "t", "sensitive": value} for i, value in enumerate(sensitive)]
    return pa.Table.from_pylist(rows, schema=EXAMPLES)


def test_sensitive_groups_holds_each_column_with_a_value_and_each_pair_of_columns(tmp_path):
    connection = _run(tmp_path, _examples([[("gender", "f"), ("race", "a")], [("gender", None), ("race", "b")], None]))
    rows = connection.sql('SELECT example_id, "column", "group", columns FROM sensitive_groups ORDER BY ALL').fetchall()
    assert rows == [
        ("0", "gender", "f", ["gender"]),
        ("0", "gender & race", "f & a", ["gender", "race"]),
        ("0", "race", "a", ["race"]),
        ("1", "race", "b", ["race"]),
    ]


def test_a_run_scanned_before_sensitive_columns_reads_them_as_null(tmp_path):
    old = _examples([None]).drop_columns(["sensitive"])
    connection = _run(tmp_path, old)
    assert connection.sql("SELECT sensitive FROM examples").fetchall() == [(None,)]
    assert connection.sql("SELECT count(*) FROM sensitive_groups").fetchall() == [(0,)]
