"""Statistics that scale: analytic intervals and p-values from moments computed in DuckDB agree with
the bootstrap and the permutation test where both apply, and the audit says which one it used."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

import synthetic
from lrp_audit.audits import connect, load_lexicons, run_named, terms_table
from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.database import materialize
from lrp_audit.audits.moments import materialize_shares, moments_by_test
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.audits.statistics import (
    fieller_interval,
    mean_interval,
    ratio_of_means,
    rng_for,
    sign_flip_normal_pvalue,
    sign_flip_pvalue,
    t_interval,
)

EXAMPLES = 3000
SEEDS = [0, 1, 2, 3]
# An endpoint of the analytic interval lies within this fraction of the interval's width of the
# bootstrap's: the bootstrap's own Monte Carlo error at 2000 resamples is about 2% of the width.
WIDTH_TOLERANCE = 0.08
# 12 texts with "she", 10 with "her", 12 with "he": the female group has 22 examples, the others 10-12.
TEXTS = [f"{subject} said the result was {ending} today." for subject in ("She", "He", "They") for ending in "abcd"] * 3
TEXTS += [f"Her friend said it was {ending} today." for ending in "abcde"] * 2
THRESHOLD = 12


def _shares(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Skewed shares in [0, 1] and a control correlated with them, like the audit's."""
    rng = np.random.default_rng(seed)
    control = rng.beta(1, 12, EXAMPLES)
    share = np.clip(1.3 * control + rng.beta(1, 40, EXAMPLES), 0, 1)
    return share, control


def _close(analytic, bootstrap) -> None:
    width = bootstrap.high - bootstrap.low
    assert analytic.estimate == pytest.approx(bootstrap.estimate)
    assert abs(analytic.low - bootstrap.low) < WIDTH_TOLERANCE * width
    assert abs(analytic.high - bootstrap.high) < WIDTH_TOLERANCE * width


@pytest.mark.parametrize("seed", SEEDS)
def test_fieller_interval_of_a_ratio_of_means_agrees_with_the_paired_bootstrap(seed):
    share, control = _shares(seed)
    covariance = np.cov(share, control)
    analytic = fieller_interval(
        EXAMPLES, share.mean(), control.mean(), covariance[0, 0], covariance[1, 1], covariance[0, 1], confidence=0.95
    )
    bootstrap = ratio_of_means(share, control, resamples=2000, confidence=0.95, rng=rng_for(seed, "ratio"))
    _close(analytic, bootstrap)


@pytest.mark.parametrize("seed", SEEDS)
def test_t_interval_of_a_mean_agrees_with_the_bootstrap(seed):
    values = np.random.default_rng(seed).exponential(1, EXAMPLES) - 0.8  # skewed, like signed relevance
    analytic = t_interval(EXAMPLES, values.mean(), values.var(ddof=1), confidence=0.9)
    _close(analytic, mean_interval(values, resamples=2000, confidence=0.9, rng=rng_for(seed, "mean")))


@pytest.mark.parametrize("seed", SEEDS)
def test_the_normal_approximation_agrees_with_the_sign_flip_permutation_p_value(seed):
    # A mean difference near 1.5 standard errors: p-values near 0.07, far from the permutation's floor.
    differences = np.random.default_rng(seed).standard_t(4, EXAMPLES) + 1.5 * np.sqrt(2) / np.sqrt(EXAMPLES)
    permuted = sign_flip_pvalue(differences, resamples=20000, rng=rng_for(seed, "p"))
    approximated = sign_flip_normal_pvalue(differences.sum(), (differences**2).sum())
    assert approximated == pytest.approx(permuted, abs=0.01)  # the Monte Carlo error is about 0.002


def test_the_normal_approximation_gives_one_without_differences():
    assert sign_flip_normal_pvalue(0.0, 0.0) == 1.0


def test_fieller_interval_of_an_exact_ratio_has_no_width():
    interval = fieller_interval(100, 2.0, 1.0, 0.4, 0.1, 0.2, confidence=0.95)  # x = 2 y in every example
    assert (interval.estimate, interval.low, interval.high) == pytest.approx((2, 2, 2))


def test_fieller_interval_has_no_bounds_when_the_denominator_may_be_zero():
    interval = fieller_interval(100, 1.0, 0.01, 1.0, 1.0, 0.0, confidence=0.95)  # mean(y) within 1 standard error of 0
    assert interval.estimate == pytest.approx(100)
    assert interval.record().model_dump() == {"estimate": pytest.approx(100), "low": None, "high": None}


def test_auto_bootstraps_at_or_below_the_threshold_and_is_analytic_above():
    settings = AuditSettings(bootstrap_max_examples=100)
    assert [settings.interval_method_for(n) for n in (99, 100, 101)] == ["bootstrap", "bootstrap", "analytic"]
    assert AuditSettings(interval_method="bootstrap").interval_method_for(10**9) == "bootstrap"
    assert AuditSettings(interval_method="analytic").interval_method_for(10) == "analytic"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """Women's words carry more relevance: the female group is the one candidate."""
    return synthetic.write_run(tmp_path_factory.mktemp("scale") / "run", TEXTS, boost={"she": 8.0, "her": 8.0})


def test_the_sql_moments_equal_a_pandas_computation_of_the_per_example_shares(run_dir):
    connection = connect(run_dir, terms_table(load_lexicons(["gender"])))
    materialize(connection)
    shares = run_named(connection, "example_shares").to_pandas()
    materialize_shares(connection, 3)
    found = moments_by_test(connection)
    expected = [_pandas_moments(rows, key) for key, rows in _pandas_tests(shares)]
    assert [m.key for m in found] == [row["key"] for row in expected]
    for moments, row in zip(found, expected):
        for name, value in row.items():
            if name != "key":
                assert getattr(moments, name) == pytest.approx(value, nan_ok=True), (moments.key, name)


def _pandas_tests(shares: pd.DataFrame):
    """Each test's rows, in the report's order: groups, classes, terms."""
    groups, terms = shares[shares["term"].isna()], shares[shares["term"].notna()]
    for (axis, group), rows in groups.groupby(["axis", "group"]):
        yield ("group", axis, group, None, None), rows
    for (axis, group, label), rows in groups.groupby(["axis", "group", "prediction_label"]):
        yield ("class", axis, group, label, None), rows
    for (axis, group, term), rows in terms.groupby(["axis", "group", "term"]):
        yield ("term", axis, group, None, term), rows


def _pandas_moments(rows: pd.DataFrame, key: tuple) -> dict:
    rows = rows[rows["total_abs"] > 0]
    controlled = rows[rows["control_share"].notna()]
    difference = controlled["share"] - controlled["control_share"]
    return {
        "key": key,
        "examples": len(rows),
        "examples_with_controls": len(controlled),
        "share": rows["share"].mean(),
        "expected_share": rows["expected_share"].mean(),
        "relevance": rows["relevance"].mean(),
        "top1_rate": rows["top1"].astype(float).mean(),
        "topk_rate": rows["topk"].astype(float).mean(),
        "share_var": rows["share"].var(),
        "expected_share_var": rows["expected_share"].var(),
        "share_expected_share_cov": rows["share"].cov(rows["expected_share"]),
        "relevance_var": rows["relevance"].var(),
        "controlled_share": controlled["share"].mean(),
        "control_share": controlled["control_share"].mean(),
        "controlled_share_var": controlled["share"].var(),
        "control_share_var": controlled["control_share"].var(),
        "share_control_share_cov": controlled["share"].cov(controlled["control_share"]),
        "difference_sum": difference.sum(),
        "difference_squares": (difference**2).sum(),
    }


def test_audit_json_records_the_method_the_threshold_picked_for_each_test(run_dir):
    settings = AuditSettings(axes=["gender"], resamples=200, bootstrap_max_examples=THRESHOLD)
    run_audit(run_dir, settings, predict=None)
    tests = json.loads((run_dir / "audit.json").read_text())["tests"]
    assert {t.get("interval_method") for t in tests} == {"bootstrap", "analytic", None}
    for test in tests:
        expected = ("bootstrap" if test["examples"] <= THRESHOLD else "analytic") if test["tested"] else None
        assert test.get("interval_method") == expected, test


def test_an_audit_forced_to_analytic_flags_the_same_groups_as_the_bootstrap_one(run_dir):
    candidates = {}
    for method in ("bootstrap", "analytic"):
        report = run_audit(run_dir, AuditSettings(axes=["gender"], resamples=500, interval_method=method)).report
        assert {test.interval_method for test in report.tests if test.tested} == {method}
        candidates[method] = {(f.axis, f.group) for f in report.flags + report.unconfirmed}
    assert candidates["analytic"] == candidates["bootstrap"] == {("gender", "female")}


def test_a_memory_limit_duckdb_cannot_read_is_refused_when_the_settings_load():
    assert AuditSettings(memory_limit="1.5GB").memory_limit == "1.5GB"
    with pytest.raises(ValidationError, match="memory_limit"):
        AuditSettings(memory_limit="lots")
