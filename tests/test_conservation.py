"""cp-lrp conserves: summed token relevance equals the target logit, apart from what biases absorb."""

from dataclasses import replace

import numpy as np
import pytest
import tiny

from lrp_audit.lrp import CP_LRP, Explainer
from lrp_audit.lrp.inputs import EmbeddingCapture

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


def _bias_free_gap(composite, model, tokenizer, text):
    capture = EmbeddingCapture(model)
    encoding = tokenizer([text], return_tensors="pt")
    with composite.context(model), capture.hooked(encoding["input_ids"]):
        logit = model(**encoding).logits[0].max()
        logit.backward()
    relevance = float(capture.read(encoding["attention_mask"])[0].sum())
    return abs(logit.item() - relevance) / abs(logit.item())


@pytest.mark.parametrize(
    "without", [{"attention": None}, {"norms": False}, {"activations": False}], ids=["AH", "LN", "identity"]
)
def test_every_rule_is_needed_for_conservation(without, tokenizer, texts):
    model = tiny.model("bert", biases=False)
    assert _bias_free_gap(CP_LRP, model, tokenizer, texts[0]) <= 1e-4
    assert _bias_free_gap(replace(CP_LRP, **without), model, tokenizer, texts[0]) > 1e-2


@pytest.mark.parametrize("architecture", ["bert", "llama", "modernbert"])
def test_eager_and_sdpa_attention_give_the_same_relevance(architecture, tokenizer, texts):
    eager, sdpa = (
        Explainer(tiny.model(architecture, attn_implementation=impl), tokenizer).explain(texts)
        for impl in ("eager", "sdpa")
    )
    for a, b in zip(eager, sdpa):
        np.testing.assert_allclose(a.relevance, b.relevance, rtol=1e-4, atol=1e-6)


def test_text_pairs_conserve_too(tokenizer):
    model = tiny.model("bert", biases=False)
    pair = Explainer(model, tokenizer).explain(["A man is sleeping."], pairs=["Nobody sleeps."])[0]
    assert abs(pair.relevance_sum - pair.target_logit) <= 1e-4 * abs(pair.target_logit)
    assert {s for s in pair.segment if s is not None} == {0, 1}
