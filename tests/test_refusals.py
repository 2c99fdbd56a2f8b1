"""What the engine refuses, each with one clear message naming the cause."""

from types import SimpleNamespace

import numpy as np
import pytest
import tiny
import torch
from torch import nn

from lrp_audit.lrp import Explainer, LRPError, UnsupportedArchitectureError, UnsupportedDtypeError
from lrp_audit.lrp.loading import resolve_dtype


def test_float16_is_refused(tokenizer):
    with pytest.raises(UnsupportedDtypeError, match="float16"):
        Explainer(tiny.model("bert").half(), tokenizer)
    with pytest.raises(UnsupportedDtypeError, match="use bfloat16"):
        resolve_dtype("float16")


def test_bfloat16_is_allowed_and_conserves_within_its_precision(tokenizer, texts):
    model = tiny.model("llama", task="causal-lm", biases=False).to(torch.bfloat16)
    for explanation in Explainer(model, tokenizer).explain(texts, " Yes"):
        assert explanation.relevance.dtype.name == "float32"
        assert abs(explanation.conservation_gap) <= 5e-2 * (np.abs(explanation.relevance).sum() + 1e-3)


class MaxNorm(nn.Module):
    """A norm of a form no class-level rule knew: divides by the largest magnitude."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x):
        return self.weight * x / x.abs().amax(-1, keepdim=True)


class InlineSwish(nn.Module):
    """An activation of no known class, multiplying two functions of its input inline."""

    def forward(self, x):
        return x * torch.sigmoid(x)


class SideAttention(nn.Module):
    """An attention module of no known form: it mixes its tokens by their mean, computed inline."""

    def forward(self, hidden_states, *args, **kwargs):
        return hidden_states.mean(1, keepdim=True).expand_as(hidden_states), None


def _with(module: str, replacement: nn.Module):
    model = tiny.model("bert", biases=False)
    owner, _, name = module.rpartition(".")
    setattr(model.get_submodule(owner), name, replacement)
    return model


@pytest.mark.parametrize(
    ("module", "replacement"),
    [
        ("bert.embeddings.LayerNorm", MaxNorm(tiny.HIDDEN)),
        ("bert.encoder.layer.0.intermediate.intermediate_act_fn", InlineSwish()),
        ("bert.encoder.layer.0.attention.self", SideAttention()),
    ],
    ids=["a norm dividing by its maximum", "x * sigmoid(x) inline", "attention mixing by the mean"],
)
def test_modules_of_no_known_class_are_reached_through_their_operations(module, replacement, tokenizer, texts):
    """What the rules on module classes refused conserves now: a division's divisor is a constant,
    a product of two input-dependent tensors splits uniformly, a mean is linear. (One text per batch:
    the mean attention does not mask padding.)"""
    for explanation in Explainer(_with(module, replacement), tokenizer, batch_size=1).explain(texts):
        assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


class CumulativeProduct(nn.Module):
    """A nonlinearity over the tokens that no rule knows."""

    def forward(self, x):
        return torch.cumprod(torch.sigmoid(x), dim=1) * x


def test_relevance_the_rules_cannot_reach_is_caught_by_the_bias_free_self_check(tokenizer, texts):
    model = _with("bert.encoder.layer.0.intermediate.intermediate_act_fn", CumulativeProduct())
    with pytest.raises(UnsupportedArchitectureError, match="BertForSequenceClassification: with biases set to zero") as refused:
        Explainer(model, tokenizer).explain(texts)
    assert "cumprod in bert.encoder.layer.0.intermediate.intermediate_act_fn (CumulativeProduct)" in str(refused.value)


def test_an_attention_module_that_never_runs_is_no_concern(tokenizer, texts):
    """A decoder used alone leaves its cross-attention unused (BART's as a causal LM)."""
    model = tiny.model("bert", biases=False)
    model.unused = SideAttention()
    explanation = Explainer(model, tokenizer).explain(texts)[0]
    assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_or_missing_text_is_refused_with_its_row(tokenizer, text):
    with pytest.raises(LRPError, match="text 1 is empty or not a string"):
        Explainer(tiny.model("bert"), tokenizer).explain(["fine", text])


def test_a_tokenizer_without_offsets_is_refused():
    python_backend = SimpleNamespace(is_fast=False)  # transformers' PythonBackend tokenizers report this
    with pytest.raises(LRPError, match="fast tokenizer"):
        Explainer(tiny.model("bert"), python_backend)
