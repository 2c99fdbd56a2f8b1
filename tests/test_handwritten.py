"""A researcher's own model, written with torch operations only, conserves through the Python API:
the rules follow the operations (inline norms, softmax, fused attention, gates, SwiGLU), not classes."""

import handwritten
import pytest
import torch

from lrp_audit.lrp import Explainer, UnsupportedArchitectureError

VARIANTS = {
    "rsqrt-norm, softmax, swiglu": dict(norm="rsqrt", attention="softmax", feed_forward="swiglu"),
    "F.layer_norm, sdpa, gelu": dict(norm="layer_norm", attention="sdpa", feed_forward="gelu"),
    "F.normalize qk-norm, output gate": dict(norm="rms_norm", qk_norm=True, output_gate=True),
    "layer norm and gelu-tanh by hand": dict(norm="by_hand", feed_forward="gelu_tanh_by_hand"),
    "clamped glu (GPT-OSS), sdpa": dict(attention="sdpa", feed_forward="clamped_glu"),
    "positions and the token ids again, after the first block": dict(late=True),
}


def _conserves(explanation) -> bool:
    return abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


@pytest.mark.parametrize("options", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_hand_written_classifier_conserves_when_biases_are_zero(options, tokenizer, texts):
    explanations = Explainer(handwritten.model(**options), tokenizer).explain(texts)
    assert all(abs(e.target_logit) > 1e-3 and _conserves(e) for e in explanations)


@pytest.mark.parametrize("options", list(VARIANTS.values())[:2], ids=list(VARIANTS)[:2])
def test_a_hand_written_causal_lm_conserves_when_biases_are_zero(options, tokenizer, texts):
    model = handwritten.model(causal_lm=True, **options)
    assert all(_conserves(e) for e in Explainer(model, tokenizer).explain(texts, " yes"))


def test_a_hand_written_model_keeps_its_logits_inside_the_rules(tokenizer, texts):
    model = handwritten.model(**VARIANTS["clamped glu (GPT-OSS), sdpa"], biases=True)
    explainer = Explainer(model, tokenizer)
    encoding = tokenizer(texts, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        plain = model(**encoding).logits
    explained = explainer.explain(texts)
    assert [e.target_logit for e in explained] == pytest.approx(plain.max(-1).values.tolist(), abs=0)


class Asinh(torch.nn.Module):
    """An elementwise activation no rule knows."""

    def forward(self, x):
        return torch.asinh(x)


def test_an_operation_without_a_rule_is_refused_with_its_name_and_module(tokenizer, texts):
    model = handwritten.model(feed_forward="gelu")
    model.blocks[0].feed_forward.down = torch.nn.Sequential(Asinh(), model.blocks[0].feed_forward.down)
    with pytest.raises(UnsupportedArchitectureError, match=r"asinh in blocks\.0\.feed_forward\.down\.0 \(Asinh\)"):
        Explainer(model, tokenizer).explain(texts)
