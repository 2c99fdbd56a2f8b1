"""The model families the first rules refused, reached by rules made for them: attention reached
through its projections (DeBERTa, DeBERTa-v2/v3, MPNet, Bloom, Falcon), Gemma's (1 + w) RMSNorm and
soft-capped logits, Phi-3's fused gated projection, constant expert routing (Mixtral, Qwen2-MoE,
Qwen3-MoE) and relevance read where OPT adds its positions. Each family meets the same guarantees
as the first ones."""

import numpy as np
import pytest
import tiny
import torch
from transformers import AutoModelForSequenceClassification

from lrp_audit.lrp import CP_LRP, Explainer

HEADS = [
    (family, task)
    for family in tiny.FAMILIES
    for task in ("sequence-classification", *(("causal-lm",) if family in tiny.WITH_CAUSAL_LM else ()))
]
CASES = [
    (family, task, implementation)
    for family, task in HEADS
    for implementation in (("eager",) if family in tiny.EAGER_ONLY else ("eager", "sdpa"))
]
SHORT, LONG = "ok then", "The nurse said he would be back with the results in an hour or two."


def _target(task: str) -> str | None:
    return " yes" if task == "causal-lm" else None


@pytest.mark.parametrize(("family", "task", "implementation"), CASES)
def test_cp_lrp_relevance_sums_to_the_logit_when_biases_are_zero(family, task, implementation, tokenizer, texts):
    model = tiny.model(family, task=task, attn_implementation=implementation, biases=False, norms=True)
    for explanation in Explainer(model, tokenizer).explain(texts, _target(task)):
        assert abs(explanation.target_logit) > 1e-3
        assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


@pytest.mark.parametrize("family", tiny.FAMILIES)
def test_gradient_times_input_does_not_conserve_where_cp_lrp_does(family, tokenizer, texts):
    model = tiny.model(family, biases=False, norms=True)
    cp = Explainer(model, tokenizer, "cp-lrp").explain(texts)
    gxi = Explainer(model, tokenizer, "gxi").explain(texts)
    assert max(abs(e.conservation_gap) for e in gxi) > 100 * max(abs(e.conservation_gap) for e in cp)
    assert not np.allclose(cp[0].relevance, gxi[0].relevance, rtol=1e-2, atol=1e-4)


@pytest.mark.parametrize("family", tiny.FAMILIES)
def test_attnlrp_reaches_the_family_too(family, tokenizer, texts):
    model = tiny.model(family, biases=False, norms=True)
    cp = Explainer(model, tokenizer, "cp-lrp").explain(texts)[0]
    attn = Explainer(model, tokenizer, "attnlrp").explain(texts)[0]
    assert np.isfinite(attn.relevance).all() and not np.allclose(attn.relevance, cp.relevance, rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize(("family", "task"), HEADS)
def test_relevance_is_the_same_alone_and_in_a_padded_batch(family, task, tokenizer):
    explainer = Explainer(tiny.model(family, task=task, norms=True), tokenizer)
    alone = explainer.explain([SHORT], _target(task))[0]
    batched = explainer.explain([LONG, SHORT, LONG], _target(task))[1]
    assert batched.tokens == alone.tokens
    np.testing.assert_allclose(batched.relevance, alone.relevance, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(("family", "task"), HEADS)
def test_the_context_changes_no_logit_and_leaves_nothing_behind(family, task, tokenizer, texts):
    model = tiny.model(family, task=task, norms=True).train()
    before = tiny.state(model)
    encoding = tokenizer(texts, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        plain = model.eval()(**encoding).logits
        with CP_LRP.context(model):
            ruled = model(**encoding).logits
    model.train()
    assert torch.equal(plain, ruled)
    assert tiny.state(model) == before


@pytest.mark.parametrize("family", [family for family in tiny.FAMILIES if family not in tiny.WITHOUT_BIASES])
def test_biases_absorb_relevance_and_the_gap_says_how_much(family, tokenizer, texts):
    for explanation in Explainer(tiny.model(family), tokenizer).explain(texts):
        summed = float(np.sum(explanation.relevance, dtype=np.float64))
        assert explanation.conservation_gap == pytest.approx(explanation.target_logit - summed, abs=1e-9)
        assert abs(explanation.conservation_gap) > 1e-3


@pytest.mark.parametrize(
    "layout",
    [
        {"new_decoder_architecture": True, "num_kv_heads": 2},
        {"new_decoder_architecture": False, "multi_query": True},
        {"new_decoder_architecture": False, "multi_query": False, "num_kv_heads": tiny.HEADS},
    ],
    ids=["grouped-query", "multi-query", "per-head"],
)
def test_each_of_falcon_s_fused_projection_layouts_conserves(layout, tokenizer, texts):
    """The fused query_key_value projection is split along the layout the model uses."""
    config = tiny.config("falcon")
    for key, value in layout.items():
        setattr(config, key, value)
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(config).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
    for explanation in Explainer(model, tokenizer).explain(texts):
        assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


@pytest.mark.parametrize("family", ["bart", "t5"])
def test_an_encoder_decoder_classifier_conserves_on_text_pairs_as_nli_models_read_them(family, tokenizer):
    model = tiny.model(family, biases=False, norms=True)
    explainer = Explainer(model, tokenizer)
    for pair in explainer.explain(["A man is sleeping.", "It rains."], pairs=["Nobody sleeps.", "The street is dry."]):
        assert abs(pair.relevance_sum - pair.target_logit) <= 1e-4 * abs(pair.target_logit)
        assert {s for s in pair.segment if s is not None} == {0, 1}
