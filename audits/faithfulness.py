"""From perturbation curves to the faithfulness table and its verdict: does the audit's relevance
rank tokens better than a random order on this model?

Each method is compared with the random order example by example (paired): a bootstrap interval
of the mean difference in AUAC and in AU-MSE, and a one-sided sign-flip test of each. A method
beats random when both intervals exclude zero in its favour.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lrp_audit.lrp.faithfulness import RANDOM, Curves
from lrp_audit.run_folder.records import FaithfulnessSummary, MethodResult, Verdict, Versus

from .settings import EvaluationSettings
from .statistics import mean_interval, rng_for, sign_flip_pvalue


def summarize(
    curves: Mapping[str, Curves], fractions: Sequence[float], settings: EvaluationSettings, method: str
) -> FaithfulnessSummary:
    """Per method: mean curves, AUAC, AU-MSE and the paired comparison with random; the verdict is
    about ``method`` (the relevance the run was scanned and audited with)."""
    random = curves[RANDOM]
    results = [
        MethodResult(
            method=name,
            auac=float(curve.auac(fractions).mean()),
            au_mse=float(curve.au_mse(fractions).mean()),
            accuracy=curve.accuracy.mean(0).tolist(),
            probability=curve.probability.mean(0).tolist(),
            mse=curve.mse.mean(0).tolist(),
            vs_random=None if name == RANDOM else _versus(curve, random, fractions, settings, name),
        )
        for name, curve in curves.items()
    ]
    return FaithfulnessSummary(results=results, verdict=_verdict(results, method))


def _versus(curve: Curves, random: Curves, fractions, settings: EvaluationSettings, name: str) -> Versus:
    """Paired differences to random: AUAC (> 0 is better) and AU-MSE (< 0 is better)."""
    auac = curve.auac(fractions) - random.auac(fractions)
    au_mse = curve.au_mse(fractions) - random.au_mse(fractions)
    options = {"resamples": settings.resamples, "confidence": settings.confidence}
    return Versus(
        auac=mean_interval(auac, rng=rng_for(settings.seed, f"faithfulness/{name}/auac"), **options).record(),
        au_mse=mean_interval(au_mse, rng=rng_for(settings.seed, f"faithfulness/{name}/au_mse"), **options).record(),
        p_auac=sign_flip_pvalue(
            auac, resamples=settings.resamples, rng=rng_for(settings.seed, f"faithfulness/{name}/p_auac")
        ),
        p_au_mse=sign_flip_pvalue(
            -au_mse, resamples=settings.resamples, rng=rng_for(settings.seed, f"faithfulness/{name}/p_au_mse")
        ),
    )


def _verdict(results: list[MethodResult], method: str) -> Verdict:
    by_method = {result.method: result for result in results}
    mine, random = by_method[method], by_method[RANDOM]
    versus = mine.vs_random
    better_auac = _above_zero(versus.auac.low)
    better_mse = _above_zero(None if versus.au_mse.high is None else -versus.au_mse.high)
    numbers = (
        f"AUAC {mine.auac:.3f} vs {random.auac:.3f} (higher is better), "
        f"AU-MSE {mine.au_mse:.3g} vs {random.au_mse:.3g} (lower is better)"
    )
    if better_auac and better_mse:
        message = f"{method} ranks tokens better than a random order on this model: {numbers}."
    elif better_auac or better_mse:
        good, bad = ("AUAC", "AU-MSE") if better_auac else ("AU-MSE", "AUAC")
        message = (
            f"{method} beats a random order on {good} but not on {bad} on this model: {numbers}. "
            "Read its relevance with care."
        )
    else:
        message = (
            f"{method} does NOT beat a random token order on this model: {numbers}. "
            "Its relevance does not show what the model relies on here; do not trust the audit's shares."
        )
    return Verdict(method=method, beats_random=bool(better_auac and better_mse), message=message)


def _above_zero(value: float | None) -> bool:
    return value is not None and value > 0 and np.isfinite(value)
