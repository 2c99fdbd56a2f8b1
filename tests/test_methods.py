"""The four methods: cp-lrp and attnlrp rules, Gradient x Input, Integrated Gradients."""

import numpy as np
import pytest
import tiny
import torch

from lrp_audit.lrp import Explainer
from lrp_audit.lrp.attention import UniformBilinearRule
from lrp_audit.lrp.rules import scale_gradient

TEXT = ["She is a brilliant engineer and he said yes."]


def test_gxi_differs_from_cp_lrp_on_a_model_with_attention_and_layernorm(tokenizer):
    model = tiny.model("bert", biases=False)
    cp = Explainer(model, tokenizer, "cp-lrp").explain(TEXT)[0]
    gxi = Explainer(model, tokenizer, "gxi").explain(TEXT)[0]
    assert not np.allclose(cp.relevance, gxi.relevance, rtol=1e-2, atol=1e-4)
    assert abs(gxi.conservation_gap) > 100 * abs(cp.conservation_gap)


def _logit_at_zero_embedding(model, tokenizer, target):
    encoding = tokenizer(TEXT, return_tensors="pt")
    handle = model.bert.embeddings.register_forward_hook(lambda _m, _a, output: torch.zeros_like(output))
    try:
        with torch.no_grad():
            return float(model(**encoding).logits[0, target])
    finally:
        handle.remove()


def test_ig_approaches_completeness_as_steps_grow(tokenizer):
    model = tiny.model("bert")
    errors = []
    for steps in (1, 4, 16):
        explanation = Explainer(model, tokenizer, "ig", ig_steps=steps).explain(TEXT)[0]
        baseline = _logit_at_zero_embedding(model, tokenizer, explanation.target)
        errors.append(abs(explanation.relevance_sum - (explanation.target_logit - baseline)))
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 1e-4 * max(1.0, abs(explanation.target_logit))


def test_attnlrp_differs_from_cp_lrp(tokenizer):
    model = tiny.model("llama", biases=False)
    cp = Explainer(model, tokenizer, "cp-lrp").explain(TEXT)[0]
    attn = Explainer(model, tokenizer, "attnlrp").explain(TEXT)[0]
    assert not np.allclose(cp.relevance, attn.relevance, rtol=1e-2, atol=1e-4)


def test_attnlrp_on_fused_attention_equals_uniform_splits_of_both_matmuls():
    torch.manual_seed(0)
    q, k, v = (torch.randn(1, 2, 5, 4, requires_grad=True) for _ in range(3))
    out_grad = torch.randn(1, 2, 5, 4)

    fused = torch.nn.functional.scaled_dot_product_attention(*UniformBilinearRule().operands(q, k, v))
    fused_grads = torch.autograd.grad(fused, (q, k, v), out_grad)

    scores = scale_gradient(q, 0.5) @ scale_gradient(k, 0.5).transpose(-1, -2) / 2.0
    weights = torch.softmax(scores, dim=-1)
    unfused = scale_gradient(weights, 0.5) @ scale_gradient(v, 0.5)
    unfused_grads = torch.autograd.grad(unfused, (q, k, v), out_grad)

    for fused_grad, unfused_grad in zip(fused_grads, unfused_grads):
        torch.testing.assert_close(fused_grad, unfused_grad)


def test_unknown_method_is_refused(tokenizer):
    with pytest.raises(ValueError, match="unknown method 'lime'"):
        Explainer(tiny.model("bert"), tokenizer, "lime")
