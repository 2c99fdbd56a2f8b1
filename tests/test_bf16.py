"""bfloat16: cp-lrp conserves within the documented bf16 tolerance, and ranks tokens as float32 does.

The bounds come from benchmarks/bf16.py and a sweep of these tests over 150 seeds: on the demo's
fine-tuned MiniLM (1,000 texts, biases zeroed) the bf16 relative error is at most 8.5e-3 (median
1.1e-3); on tiny random BERT and Llama models it reaches 2.4e-2, so no bound tighter than the
documented 5e-2 holds with margin. Spearman between bf16 and float32 token relevance over a text's
own tokens is at least 0.99 at the 5th percentile on the real model and at least 0.96 on tiny models
(texts of ten tokens or more: one swapped pair of neighbours costs 0.012 at ten tokens).
"""

import handwritten
import numpy as np
import pytest
import tiny
import torch
from scipy.stats import spearmanr

from lrp_audit.lrp import Explainer, UnsupportedArchitectureError

BF16_TOLERANCE = 5e-2  # |explained - sum R| / (sum |R| + |explained|), biases zero
RANK_FLOOR = 0.9
LONG_TEXTS = [  # ten own tokens or more: Spearman over fewer tokens jumps in steps too coarse to bound
    "She is a brilliant engineer and he said yes.",
    "The lady worked 3 years as a nurse, and her references say she holds two industry certifications.",
    "My brother worked 11 years as a welder, and his references say he was promoted twice.",
]
SEEDS = (0, 1, 2)


def _own(explanation) -> np.ndarray:
    keep = ~(np.array(explanation.is_special) | np.array(explanation.is_template))
    return explanation.relevance[keep]


@pytest.mark.parametrize("architecture", ["bert", "llama"])
def test_bfloat16_conserves_within_its_tolerance_when_biases_are_zero(architecture, tokenizer, texts):
    for seed in SEEDS:
        model = tiny.model(architecture, biases=False, seed=seed).to(torch.bfloat16)
        for explanation in Explainer(model, tokenizer).explain(texts):
            scale = float(np.abs(explanation.relevance).sum()) + abs(explanation.explained)
            assert abs(explanation.explained - explanation.relevance_sum) <= BF16_TOLERANCE * scale


@pytest.mark.parametrize("biases", [False, True], ids=["bias-free", "biases"])
@pytest.mark.parametrize("architecture", ["bert", "llama"])
def test_bfloat16_ranks_tokens_like_float32(architecture, biases, tokenizer):
    for seed in SEEDS:
        exact = Explainer(tiny.model(architecture, biases=biases, seed=seed), tokenizer).explain(LONG_TEXTS)
        targets = [e.target for e in exact]
        bf16 = tiny.model(architecture, biases=biases, seed=seed).to(torch.bfloat16)
        rounded = Explainer(bf16, tokenizer, self_check=False).explain(LONG_TEXTS, targets)
        for a, b in zip(exact, rounded):
            assert b.target == a.target
            assert len(_own(a)) >= 10
            assert spearmanr(_own(a), _own(b)).statistic >= RANK_FLOOR, (seed, a.text)


def test_a_model_the_rules_do_not_reach_is_refused_in_bfloat16_as_in_float32(tokenizer, texts):
    """Its leak hides in bfloat16's rounding (within the bf16 tolerance); the float32 replica of its
    class shows it, and the refusal names the operation."""
    model = handwritten.model(feed_forward="asinh").to(torch.bfloat16)
    unchecked = Explainer(model, tokenizer, self_check=False).explain(texts[:1])[0]
    scale = float(np.abs(unchecked.relevance).sum()) + abs(unchecked.explained)
    assert 1e-4 * scale < abs(unchecked.conservation_gap) <= BF16_TOLERANCE * scale
    for dtype in (torch.float32, torch.bfloat16):
        with pytest.raises(UnsupportedArchitectureError, match="asinh in blocks.0.feed_forward"):
            Explainer(model.to(dtype), tokenizer).explain(texts)
    with pytest.raises(UnsupportedArchitectureError, match=r"checked in float32 on a tiny replica"):
        Explainer(model.to(torch.bfloat16), tokenizer).explain(texts)
