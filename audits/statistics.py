"""How sure we are: bootstrap intervals and permutation tests over examples, and BH correction.

The unit of resampling is the example, never the token: the words of one text are not independent.
Everything is seeded from the audit's seed and the name of what is tested, so a result does not
depend on the order in which things are tested.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
from scipy import stats

from lrp_audit.run_folder import records

# Resampled arrays are (batch, examples): keep each batch near this many numbers.
BATCH_NUMBERS = 10_000_000


@dataclass(frozen=True)
class Interval:
    """An estimate with its bootstrap percentile interval."""

    estimate: float
    low: float
    high: float

    def record(self) -> records.Interval:
        return records.Interval(estimate=_finite(self.estimate), low=_finite(self.low), high=_finite(self.high))


def rng_for(seed: int, key: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(key.encode())])


def _batch(n: int) -> int:
    return max(1, BATCH_NUMBERS // max(n, 1))


def _ratio(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return a.mean(axis=axis) / b.mean(axis=axis)


def _percentile_interval(
    samples: tuple[np.ndarray, ...], statistic, resamples: int, confidence: float, rng
) -> Interval:
    """Bootstrap over examples (rows of every sample together, so pairs stay pairs)."""
    estimate = float(statistic(*samples))
    if len(samples[0]) < 2:
        return Interval(estimate, np.nan, np.nan)
    result = stats.bootstrap(
        samples,
        statistic,
        paired=True,
        vectorized=True,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        batch=_batch(len(samples[0])),
        rng=rng,
    )
    return Interval(estimate, float(result.confidence_interval.low), float(result.confidence_interval.high))


def ratio_of_means(
    numerator: np.ndarray, denominator: np.ndarray, *, resamples: int, confidence: float, rng: np.random.Generator
) -> Interval:
    """mean(numerator) / mean(denominator), with examples resampled in pairs."""
    samples = (np.asarray(numerator, float), np.asarray(denominator, float))
    return _percentile_interval(samples, _ratio, resamples, confidence, rng)


def mean_interval(values: np.ndarray, *, resamples: int, confidence: float, rng: np.random.Generator) -> Interval:
    values = np.asarray(values, float)
    if len(values) == 0:
        return Interval(np.nan, np.nan, np.nan)
    return _percentile_interval((values,), np.mean, resamples, confidence, rng)


def ratio_difference(
    numerator_a: np.ndarray,
    denominator_a: np.ndarray,
    numerator_b: np.ndarray,
    denominator_b: np.ndarray,
    *,
    resamples: int,
    confidence: float,
    rng: np.random.Generator,
) -> Interval:
    """Ratio of means in run b minus in run a: two independent samples, each resampled in pairs
    (an example's share with its own control), for comparing runs over different examples."""
    a = (np.asarray(numerator_a, float), np.asarray(denominator_a, float))
    b = (np.asarray(numerator_b, float), np.asarray(denominator_b, float))
    estimate = float(_ratio(*b) - _ratio(*a))
    if min(len(a[0]), len(b[0])) < 2:
        return Interval(estimate, np.nan, np.nan)
    draws, done = [], 0
    while done < resamples:
        rows = min(_batch(max(len(a[0]), len(b[0]))), resamples - done)
        picked_a = rng.integers(0, len(a[0]), (rows, len(a[0])))
        picked_b = rng.integers(0, len(b[0]), (rows, len(b[0])))
        draws.append(_ratio(b[0][picked_b], b[1][picked_b]) - _ratio(a[0][picked_a], a[1][picked_a]))
        done += rows
    tail = 100 * (1 - confidence) / 2
    low, high = np.nanpercentile(np.concatenate(draws), [tail, 100 - tail])
    return Interval(estimate, float(low), float(high))


def sign_flip_pvalue(differences: np.ndarray, *, resamples: int, rng: np.random.Generator) -> float:
    """One-sided p-value that the mean paired difference is above zero.

    Under the null hypothesis (no difference within an example) the sign of each example's
    difference is a coin flip. With at most ``resamples`` sign patterns all are enumerated (exact);
    otherwise ``resamples`` random patterns, and p = (as extreme + 1) / (resamples + 1). Written
    out rather than with scipy.stats.permutation_test: one matrix product per batch is about ten
    times faster on 100k examples."""
    differences = np.asarray(differences, float)
    n = len(differences)
    if n == 0 or not np.any(differences):
        return 1.0
    observed = differences.mean()
    threshold = observed - 1e-12 * max(abs(observed), np.abs(differences).mean())  # float ties count
    if 2**n <= resamples:
        patterns = (np.arange(2**n)[:, None] >> np.arange(n)) & 1
        return float(np.mean((2.0 * patterns - 1) @ differences / n >= threshold))
    extreme, done = 0, 0
    while done < resamples:
        rows = min(_batch(n), resamples - done)
        bits = np.unpackbits(rng.integers(0, 256, (rows, (n + 7) // 8), dtype=np.uint8), axis=1, count=n)
        extreme += int(np.count_nonzero((2.0 * bits - 1) @ differences / n >= threshold))
        done += rows
    return (extreme + 1) / (resamples + 1)


def benjamini_hochberg(pvalues: list[float]) -> list[float]:
    """q-values: the false discovery rate at which each test would be rejected."""
    if not pvalues:
        return []
    return [float(q) for q in stats.false_discovery_control(np.asarray(pvalues, float), method="bh")]


def _finite(value: float) -> float | None:
    """JSON has no NaN: an undefined number is written as null."""
    return float(value) if value is not None and np.isfinite(value) else None
