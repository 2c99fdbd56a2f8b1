"""Statistics over examples: exact small-sample p-values, BH by hand, reproducible intervals."""

from __future__ import annotations

import numpy as np
import pytest

from lrp_audit.audits.statistics import benjamini_hochberg, mean_interval, ratio_of_means, rng_for, sign_flip_pvalue


def test_the_sign_flip_test_is_exact_for_few_examples():
    # 5 positive differences: only the all-positive sign pattern of 2^5 is as extreme.
    assert sign_flip_pvalue(np.array([1.0, 2, 3, 4, 5]), resamples=1000, rng=rng_for(0, "x")) == pytest.approx(1 / 32)


def test_no_difference_gives_a_p_value_of_one():
    assert sign_flip_pvalue(np.zeros(50), resamples=1000, rng=rng_for(0, "x")) == 1.0


def test_benjamini_hochberg_matches_the_hand_computation():
    # sorted p: .01 .03 .04 .2 -> p*m/rank: .04 .06 .0533 .2 -> running minimum from the top
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])


def test_a_ratio_of_means_resamples_examples_in_pairs():
    denominator = np.random.default_rng(0).uniform(1, 2, 100)
    interval = ratio_of_means(2 * denominator, denominator, resamples=500, confidence=0.95, rng=rng_for(0, "r"))
    assert (interval.estimate, interval.low, interval.high) == pytest.approx((2, 2, 2))


def test_intervals_are_reproducible_from_the_seed_and_name():
    values = np.random.default_rng(1).normal(size=200)
    first = mean_interval(values, resamples=500, confidence=0.9, rng=rng_for(7, "group/gender/female"))
    again = mean_interval(values, resamples=500, confidence=0.9, rng=rng_for(7, "group/gender/female"))
    other = mean_interval(values, resamples=500, confidence=0.9, rng=rng_for(7, "group/gender/male"))
    assert first == again != other
    assert first.low < first.estimate < first.high


def test_an_undefined_bound_is_written_as_null():
    record = mean_interval(np.array([1.0]), resamples=500, confidence=0.9, rng=rng_for(0, "x")).record()
    assert record.model_dump(mode="json") == {"estimate": 1.0, "low": None, "high": None}
