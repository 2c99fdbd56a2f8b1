"""cp-lrp conserves: summed token relevance equals the target logit, apart from what biases absorb."""

import numpy as np
import pytest
import tiny

from lrp import Explainer

CASES = [(arch, "sequence-classification") for arch in tiny.ARCHITECTURES] + [
    (arch, "causal-lm") for arch in tiny.DECODERS
]


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
@pytest.mark.parametrize(("architecture", "task"), CASES)
def test_cp_lrp_relevance_sums_to_logit_when_biases_are_zero(architecture, task, attn_implementation, tokenizer, texts):
    model = tiny.model(architecture, task=task, attn_implementation=attn_implementation, biases=False)
    target = " Yes" if task == "causal-lm" else None
    for explanation in Explainer(model, tokenizer).explain(texts, target):
        assert abs(explanation.target_logit) > 1e-3
        assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


@pytest.mark.parametrize("architecture", tiny.ARCHITECTURES)
def test_gap_is_logit_minus_relevance_sum_when_biases_absorb_relevance(architecture, tokenizer, texts):
    model = tiny.model(architecture, biases=True)
    for explanation in Explainer(model, tokenizer).explain(texts):
        summed = float(np.sum(explanation.relevance, dtype=np.float64))
        assert explanation.conservation_gap == pytest.approx(explanation.target_logit - summed, abs=1e-9)
        assert abs(explanation.conservation_gap) > 1e-3


def test_word_relevance_adds_up_to_token_relevance_without_specials(tokenizer, texts):
    model = tiny.model("bert")
    for explanation in Explainer(model, tokenizer).explain(texts):
        words_total = float(explanation.word_relevance.sum())
        tokens_total = float(explanation.relevance[~np.array(explanation.is_special)].sum())
        assert words_total == pytest.approx(tokens_total, rel=1e-5, abs=1e-6)
