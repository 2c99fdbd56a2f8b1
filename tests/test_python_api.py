"""lrp_audit.scan and lrp_audit.open_run: a job from Python on rows and models in memory, and the Run it returns."""

from __future__ import annotations

import subprocess
import sys

import datasets
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from transformers import AutoModelForSequenceClassification, AutoTokenizer

import leak
from conftest import assert_same_tables
import lrp_audit
from lrp_audit.pipelines.config import ConfigError, load_config
from lrp_audit.pipelines.job import run_job
from lrp_audit.run_folder import AuditReport

ROWS = 40
SETTINGS = {"audit": {"resamples": 200, "min_examples": 5, "counterfactual_examples": 40}}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    texts, labels = leak.sentences(ROWS, True, seed=3)
    genders = ["f" if label == "hire" else "m" for label in labels]
    return pd.DataFrame({"text": texts, "label": labels, "gender": genders})


@pytest.fixture(scope="module")
def from_frame(frame, leak_model, tmp_path_factory):
    output = tmp_path_factory.mktemp("api")
    return lrp_audit.scan(
        str(leak_model), frame, label_column="label", sensitive_columns=["gender"], runtime={"output_dir": str(output)},
        evaluation={"sample": 10, "resamples": 100}, **SETTINGS,
    )


def test_a_dataframe_gives_the_tables_of_the_same_rows_scanned_from_a_file(from_frame, frame, leak_model, tmp_path):
    path = tmp_path / "rows.csv"
    pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), path)
    from_file = lrp_audit.scan(
        str(leak_model), str(path), label_column="label", sensitive_columns=["gender"],
        runtime={"output_dir": str(tmp_path / "runs")}, **SETTINGS,
    )
    assert_same_tables(from_frame.path, from_file.path)


def test_an_arrow_table_and_a_datasets_dataset_give_the_tables_of_the_dataframe(from_frame, frame, leak_model, tmp_path):
    table = pa.Table.from_pandas(frame, preserve_index=False)
    for data in (table, datasets.Dataset.from_pandas(frame, preserve_index=False)):
        run = lrp_audit.scan(
            str(leak_model), data, label_column="label", sensitive_columns=["gender"], runtime={"output_dir": str(tmp_path)},
            audit={"enabled": False},
        )
        assert_same_tables(from_frame.path, run.path)


def test_a_model_object_gives_the_tables_of_its_folder(from_frame, frame, leak_model, tmp_path):
    model = AutoModelForSequenceClassification.from_pretrained(leak_model)
    tokenizer = AutoTokenizer.from_pretrained(leak_model)
    run = lrp_audit.scan(
        model, frame, tokenizer=tokenizer, label_column="label", sensitive_columns=["gender"],
        runtime={"output_dir": str(tmp_path)}, audit={"enabled": False},
    )
    assert_same_tables(from_frame.path, run.path)
    again = lrp_audit.scan(
        model, frame, tokenizer=tokenizer, label_column="label", sensitive_columns=["gender"],
        runtime={"output_dir": str(tmp_path)}, audit={"enabled": False},
    )
    assert again.path == run.path and again.manifest.ended_at == run.manifest.ended_at


def test_the_same_dataframe_again_is_the_same_run_and_does_no_model_work(from_frame, frame, leak_model, capsys):
    again = lrp_audit.scan(
        str(leak_model), frame.copy(), label_column="label", sensitive_columns=["gender"],
        runtime={"output_dir": str(from_frame.path.parent)}, **SETTINGS,
    )
    assert again.path == from_frame.path
    assert again.manifest.ended_at == from_frame.manifest.ended_at  # not scanned again
    assert "no model work done" in capsys.readouterr().err


def test_a_changed_row_makes_a_new_run(from_frame, frame, leak_model):
    changed = frame.copy()
    changed.loc[0, "text"] = changed.loc[0, "text"].replace(".", "!")
    run = lrp_audit.scan(
        str(leak_model), changed, label_column="label", sensitive_columns=["gender"],
        runtime={"output_dir": str(from_frame.path.parent)}, audit={"enabled": False},
    )
    assert run.path != from_frame.path
    assert run.sql("SELECT count(*) AS n FROM examples")["n"][0] == ROWS


def test_the_python_settings_are_the_configs_keys_with_its_defaults(frame, leak_model, tmp_path):
    data = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), data)
    yaml = tmp_path / "scan.yaml"
    yaml.write_text(
        f"model: {{name: '{leak_model}'}}\ndataset: {{name: '{data}', label_column: label}}\n"
        f"runtime: {{output_dir: '{tmp_path / 'runs'}'}}\naudit: {{enabled: false}}\n"
    )
    from lrp_audit.pipelines.runtime import Runtime

    with Runtime() as runtime:
        from_yaml = run_job(load_config(yaml), runtime)
    from_python = lrp_audit.scan(
        str(leak_model), str(data), label_column="label", runtime={"output_dir": str(tmp_path / "runs")}, audit={"enabled": False}
    )
    assert from_python.path == from_yaml.scan.run_dir  # one identity: same config, same run
    assert from_python.config == load_config(yaml)
    started_from_the_file = lrp_audit.scan({}, {}, config=yaml, evaluation={"sample": None})
    assert started_from_the_file.path == from_yaml.scan.run_dir


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"attribution": {"batch_size": 0}}, "attribution.batch_size: Input should be greater than or equal to 1 (in lrp_audit.scan(...))"),
        ({"attribution": {"methd": "gxi"}}, "attribution.methd: unknown key (in lrp_audit.scan(...))"),
        ({"audit": {"axes": ["genderr"]}}, "audit.axes: no bundled lexicon 'genderr'"),
        ({"attributoin": {}}, "attributoin: not a section of the scan config"),
        ({"runtime": 4}, "runtime: give the section's keys as a dict"),
    ],
)
def test_a_bad_setting_is_one_message_that_names_its_key_and_writes_nothing(arguments, message, frame, leak_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where runtime.output_dir (runs) would be
    with pytest.raises(ConfigError) as raised:
        lrp_audit.scan(str(leak_model), frame, **arguments)
    assert str(raised.value).startswith(message)
    assert not any(tmp_path.iterdir())  # the rows were not written for a job that cannot run


def test_data_that_is_neither_a_path_nor_rows_is_refused_by_name(leak_model, tmp_path):
    with pytest.raises(ConfigError, match="data: list is not a dataset"):
        lrp_audit.scan(str(leak_model), ["a text"], runtime={"output_dir": str(tmp_path)})
    with pytest.raises(ConfigError, match="tokenizer: a model given as an object needs its tokenizer"):
        lrp_audit.scan(AutoModelForSequenceClassification.from_pretrained(leak_model), pd.DataFrame({"text": ["x"]}),
                       runtime={"output_dir": str(tmp_path)})


def test_run_sql_binds_its_parameters_and_answers_a_dataframe(from_frame):
    answer = from_frame.sql(
        "SELECT example_id FROM examples WHERE sensitive['gender'] = getvariable('group')", group="f'; DROP TABLE x; --"
    )
    assert isinstance(answer, pd.DataFrame) and answer.empty  # the value is bound, never SQL
    women = from_frame.sql("SELECT count(*) AS n FROM examples WHERE sensitive['gender'] = getvariable('group')", group="f")
    assert women["n"][0] == sum(1 for label in leak.sentences(ROWS, True, seed=3)[1] if label == "hire")


def test_run_query_runs_a_shipped_query(from_frame):
    top = from_frame.query("most_reliant", limit=3)
    assert isinstance(top, pd.DataFrame) and 0 < len(top) <= 3


def test_the_audit_is_the_typed_record_and_flags_the_planted_leak(from_frame):
    audit = from_frame.audit
    assert isinstance(audit, AuditReport)
    assert {f"{f.axis}/{f.group}" for f in audit.flags} & {"gender/female", "gender/male"}


def test_explain_uses_the_runs_model_and_method(from_frame):
    [explanation] = from_frame.explain("She reviewed the budget carefully.")
    assert explanation.method == from_frame.manifest.method
    assert abs(explanation.conservation_gap) < 1.0 and explanation.words[0].lower() == "she"
    stored = from_frame.sql("SELECT text FROM examples LIMIT 1")["text"][0]
    [again] = from_frame.explain([stored])
    relevance = from_frame.sql(
        "SELECT relevance FROM words WHERE example_id = (SELECT example_id FROM examples LIMIT 1) ORDER BY word_index"
    )["relevance"].to_numpy()
    assert again.word_relevance == pytest.approx(relevance, abs=1e-5)  # the scan's numbers, from Python


def test_compare_reports_the_drift_from_a_baseline(from_frame):
    comparison = from_frame.compare(from_frame)
    assert comparison.run_a == comparison.run_b == from_frame.manifest.run_id
    assert not comparison.flags.new and not comparison.flags.resolved


def test_open_run_refuses_a_folder_that_is_not_a_complete_run(tmp_path):
    with pytest.raises(ValueError, match="no manifest.json"):
        lrp_audit.open_run(tmp_path)


def test_open_run_reads_the_run_the_scan_made(from_frame):
    run = lrp_audit.open_run(from_frame.path)
    assert run.manifest == from_frame.manifest and run.report == from_frame.path / "report.html"


def test_importing_the_package_loads_none_of_its_layers():
    code = "import sys, lrp_audit; print(sorted(m for m in sys.modules if m.startswith('lrp_audit.')))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_the_faithfulness_check_and_a_comparison_show_as_fragments(from_frame):
    from lrp_audit.reports.display import comparison_html, faithfulness_html, faithfulness_text

    faithfulness = from_frame.faithfulness
    html = faithfulness_html(faithfulness)
    assert all(result.method in html for result in faithfulness.results) and faithfulness.verdict.message in html
    assert faithfulness_text(faithfulness).startswith(f"Faithfulness of {from_frame.manifest.run_id}")
    comparison = comparison_html(from_frame.compare(from_frame))
    assert f"{from_frame.manifest.run_id} → {from_frame.manifest.run_id}" in comparison and "gender/female" in comparison
