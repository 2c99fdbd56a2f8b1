"""Outcome gaps per sensitive column (``audits/outcomes.py``) against Fairlearn's ``MetricFrame`` on
the raw rows of a hand-built run: 300 examples with gender (f, m, or none) and race (a, b, or a rare
c, or none), hire/reject labels (some missing or none of the classes) and decisions that hire women
less often."""

from __future__ import annotations

import functools
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn.metrics import accuracy_score

from lrp_audit.audits import connect, run_named, terms_table
from lrp_audit.audits.outcomes import outcome_gaps
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.run_folder import SCHEMAS, write_atomic

CLASSES = ("hire", "reject")
MIN_EXAMPLES = 10
INTERSECTION = "gender & race"


def examples_frame(seed: int = 7, labels: bool = True) -> pd.DataFrame:
    """One row per example: its sensitive values, label and the model's decision."""
    rng = np.random.default_rng(seed)
    gender = rng.permutation(np.array([None] * 30 + ["f"] * 135 + ["m"] * 135, dtype=object))
    race = rng.permutation(np.array([None] * 20 + ["c"] * 6 + ["a"] * 144 + ["b"] * 130, dtype=object))
    label = rng.choice(np.array(CLASSES, dtype=object), 300)
    hire = rng.random(300) < np.where(label == "hire", 0.8, 0.2) - np.where(gender == "f", 0.3, 0.0)
    label[:25], label[25:30] = None, "unsure"  # unlabelled: no label, or one that is none of the classes
    return pd.DataFrame(
        {
            "example_id": [f"ex{row:03d}" for row in range(300)],
            "gender": gender,
            "race": race,
            "label": label if labels else None,
            "prediction_label": np.where(hire, "hire", "reject"),
        }
    )


def write_run(run_dir: Path, frame: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """A run folder of the four tables (tokens and words empty), ``sensitive`` as the scan writes it:
    no entry for some examples' missing gender, a null value for others."""
    rows = []
    for row in frame.astype(object).where(frame.notna(), None).itertuples():
        sensitive = [("gender", row.gender)] if row.gender is not None or row.Index % 2 else []
        sensitive += [("race", row.race)] if row.race is not None else []
        rows.append(
            {
                "example_id": row.example_id,
                "text": "a profile",
                "label": row.label,
                "prediction": CLASSES.index(row.prediction_label),
                "prediction_label": row.prediction_label,
                "sensitive": sensitive or None,
            }
        )
    for name, schema in SCHEMAS.items():
        table = pa.Table.from_pylist(rows if name == "examples" else [], schema=schema)
        write_atomic(table, run_dir / name / "s.parquet")
    return connect(run_dir, terms_table([]))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return examples_frame()


@pytest.fixture(scope="module")
def connection(tmp_path_factory, frame):
    return write_run(tmp_path_factory.mktemp("outcomes"), frame)


def settings(**changes) -> AuditSettings:
    return AuditSettings(**({"min_examples": MIN_EXAMPLES, "resamples": 2000, "seed": 0} | changes))


@pytest.fixture(scope="module")
def gaps(connection) -> dict:
    return {gap.column: gap for gap in outcome_gaps(connection, settings())}


def feature(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column's group per example (none without a value in every column of it)."""
    if column == INTERSECTION:
        both = frame["gender"].notna() & frame["race"].notna()
        return (frame["gender"] + " & " + frame["race"]).where(both).rename(column)
    return frame[column].rename(column)


def compared_rows(frame: pd.DataFrame, column: str) -> tuple[pd.DataFrame, pd.Series]:
    """The rows of the groups with at least MIN_EXAMPLES examples, and their groups."""
    groups = feature(frame, column)
    sizes = groups.value_counts()
    keep = groups.isin(sizes[sizes >= MIN_EXAMPLES].index)
    return frame[keep], groups[keep]


def of(metric, of_class: str):
    """Fairlearn's ``metric`` with ``of_class`` as the positive label (named, as MetricFrame wants)."""
    named = functools.partial(metric, pos_label=of_class)
    named.__name__ = metric.__name__
    return named


def metric_frames(frame: pd.DataFrame, column: str) -> dict[tuple[str, str | None], MetricFrame]:
    """Fairlearn's frames, keyed by (metric, class): selection rates over every compared row, the rates
    by label and accuracy over the labelled ones."""
    rows, groups = compared_rows(frame, column)
    labelled = rows["label"].isin(CLASSES)
    oracle = {}
    for of_class in CLASSES:
        oracle[("selection_rate", of_class)] = of(selection_rate, of_class), False
        oracle[("true_positive_rate", of_class)] = of(true_positive_rate, of_class), True
        oracle[("false_positive_rate", of_class)] = of(false_positive_rate, of_class), True
    oracle[("accuracy", None)] = accuracy_score, True
    return {
        key: MetricFrame(
            metrics=metric,
            y_true=rows["label"][labelled] if by_label else rows["label"],
            y_pred=rows["prediction_label"][labelled] if by_label else rows["prediction_label"],
            sensitive_features=groups[labelled] if by_label else groups,
        )
        for key, (metric, by_label) in oracle.items()
    }


@pytest.mark.parametrize("column", ["gender", "race", INTERSECTION])
def test_estimates_equal_fairlearn_metricframe_on_the_raw_rows(frame, gaps, column):
    oracle = metric_frames(frame, column)
    metrics = {(m.metric, m.of_class): m for m in gaps[column].metrics}
    assert set(metrics) == set(oracle)
    for key, metric in metrics.items():
        want = oracle[key]
        assert metric.overall.estimate == pytest.approx(want.overall, abs=1e-12), key
        assert {g: i.estimate for g, i in metric.by_group.items()} == pytest.approx(
            want.by_group.to_dict(), abs=1e-12
        ), key
        assert metric.difference.estimate == pytest.approx(want.difference(), abs=1e-12), key
        assert metric.ratio == pytest.approx(want.ratio(), abs=1e-12), key


def row_bootstrap(hits: np.ndarray, counted: np.ndarray, groups: np.ndarray, resamples: int = 2000) -> dict:
    """Percentile intervals of a rate (``hits`` among the ``counted`` rows) overall, per group and of
    the largest gap, from resampling the rows themselves, as Fairlearn's ``MetricFrame(n_boot=...)``
    does (which takes ~20 s here)."""
    take = np.random.default_rng(1).integers(len(hits), size=(resamples, len(hits)))
    names = sorted(set(groups))

    def rate(rows: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (hits[take] & rows[take]).sum(axis=1) / (counted[take] & rows[take]).sum(axis=1)

    by_group = {name: rate(groups == name) for name in names}
    stacked = np.stack(list(by_group.values()))
    draws = {"overall": rate(np.ones_like(hits)), "difference": np.nanmax(stacked, 0) - np.nanmin(stacked, 0)}
    return {key: np.nanpercentile(values, [2.5, 97.5]) for key, values in (draws | by_group).items()}


def rate_rows(rows: pd.DataFrame, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The rows that count as hits of ``metric`` (of the class hire), and the rows it is a rate over."""
    hired, labelled = (rows["prediction_label"] == "hire").to_numpy(), rows["label"].isin(CLASSES).to_numpy()
    if metric == "selection_rate":
        return hired, np.ones_like(hired)
    if metric == "true_positive_rate":
        return hired & (rows["label"] == "hire").to_numpy(), (rows["label"] == "hire").to_numpy()
    return labelled & (rows["prediction_label"] == rows["label"]).to_numpy(), labelled


@pytest.mark.parametrize("key", [("selection_rate", "hire"), ("true_positive_rate", "hire"), ("accuracy", None)])
def test_bootstrap_intervals_agree_with_resampling_the_rows_and_contain_the_estimate(frame, gaps, key):
    rows, groups = compared_rows(frame, "gender")
    want = row_bootstrap(*rate_rows(rows, key[0]), groups.to_numpy())
    got = {(m.metric, m.of_class): m for m in gaps["gender"].metrics}[key]
    pairs = [(got.overall, want["overall"]), (got.difference, want["difference"])]
    pairs += [(got.by_group[g], want[g]) for g in ("f", "m")]
    for interval, (low, high) in pairs:
        assert interval.low <= interval.estimate <= interval.high
        assert (interval.low, interval.high) == pytest.approx((low, high), abs=0.03)


def test_the_planted_gap_in_hiring_women_has_an_interval_above_zero(gaps):
    hire = next(m for m in gaps["gender"].metrics if (m.metric, m.of_class) == ("selection_rate", "hire"))
    assert hire.by_group["f"].estimate < hire.by_group["m"].estimate
    assert hire.difference.low > 0.1


def test_a_group_below_min_examples_is_listed_too_small_and_not_compared(gaps):
    race = gaps["race"]
    assert race.too_small == {"c": 6}
    assert race.groups == {"a": 144, "b": 130}
    assert all(set(m.by_group) == {"a", "b"} for m in race.metrics)


def test_the_intersection_of_two_columns_is_compared_by_its_cells(frame, connection, gaps):
    both = gaps[INTERSECTION]
    sizes = feature(frame, INTERSECTION).value_counts()
    assert both.columns == ["gender", "race"]
    assert both.examples == sizes.sum()
    assert both.groups == {g: n for g, n in sizes.items() if n >= MIN_EXAMPLES}
    assert set(both.too_small) == {"f & c", "m & c"}
    cells = run_named(connection, "outcome_cells", {"column": INTERSECTION}).to_pandas()
    assert cells["examples"].sum() == both.examples
    assert set(cells["group"]) == set(sizes.index)


def test_columns_come_single_first_then_intersections_each_by_name(connection):
    assert [gap.column for gap in outcome_gaps(connection, settings())] == ["gender", "race", INTERSECTION]


def test_missing_counts_the_examples_without_a_value_in_every_column(frame, gaps):
    assert gaps["gender"].missing == 30
    assert gaps["race"].missing == 20
    assert gaps[INTERSECTION].missing == 300 - gaps[INTERSECTION].examples
    assert all(gap.examples + gap.missing == 300 for gap in gaps.values())


def test_labelled_counts_the_compared_examples_whose_label_is_a_class(frame, gaps):
    rows, _ = compared_rows(frame, "gender")
    assert gaps["gender"].labelled == rows["label"].isin(CLASSES).sum()
    assert gaps["gender"].labelled < len(rows)


def test_a_run_without_labels_gives_only_selection_rates(tmp_path):
    connection = write_run(tmp_path, examples_frame(labels=False))
    for gap in outcome_gaps(connection, settings(resamples=100)):
        assert gap.labelled == 0
        assert [(m.metric, m.of_class) for m in gap.metrics] == [("selection_rate", c) for c in CLASSES]


def test_fewer_than_two_groups_large_enough_gives_no_metrics_and_says_why(connection):
    for gap in outcome_gaps(connection, settings(min_examples=140, resamples=100)):
        assert gap.metrics == []
        assert gap.reason == "fewer than 2 groups with at least 140 examples"


def test_the_same_seed_gives_the_same_intervals_and_another_seed_others(connection, gaps):
    again = outcome_gaps(connection, settings())
    assert [gap.model_dump() for gap in again] == [gaps[gap.column].model_dump() for gap in again]
    other = outcome_gaps(connection, settings(seed=1))
    assert [gap.model_dump() for gap in other] != [gaps[gap.column].model_dump() for gap in other]
