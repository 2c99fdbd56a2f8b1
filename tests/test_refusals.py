"""What the engine refuses, each with one clear message naming the cause."""

from types import SimpleNamespace

import numpy as np
import pytest
import tiny
import torch
from torch import nn
from transformers import AutoModelForSequenceClassification, GemmaConfig, OPTConfig

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


def _tiny(config):
    torch.manual_seed(0)
    return AutoModelForSequenceClassification.from_config(config).eval()


def test_a_norm_without_ln_rule_is_named(tokenizer, texts):
    gemma = _tiny(
        GemmaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                    num_attention_heads=4, num_key_value_heads=2, head_dim=8, pad_token_id=0)
    )
    with pytest.raises(UnsupportedArchitectureError, match=r"GemmaForSequenceClassification: no LN rule .*GemmaRMSNorm"):
        Explainer(gemma, tokenizer).explain(texts)


def test_relevance_the_rules_cannot_reach_is_caught_by_the_bias_free_self_check(tokenizer, texts):
    opt = _tiny(
        OPTConfig(vocab_size=len(tokenizer), hidden_size=32, ffn_dim=64, num_hidden_layers=1,
                  num_attention_heads=4, pad_token_id=0, word_embed_proj_dim=32)
    )
    with pytest.raises(UnsupportedArchitectureError, match="OPTForSequenceClassification: with biases set to zero"):
        Explainer(opt, tokenizer).explain(texts)


class SideAttention(nn.Module):
    """An attention module that does not go through transformers' AttentionInterface."""


def test_attention_outside_the_attention_interface_is_named(tokenizer, texts):
    model = tiny.model("bert")
    model.side = SideAttention()
    with pytest.raises(UnsupportedArchitectureError, match="SideAttention"):
        Explainer(model, tokenizer, self_check=False).explain(texts)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_or_missing_text_is_refused_with_its_row(tokenizer, text):
    with pytest.raises(LRPError, match="text 1 is empty or not a string"):
        Explainer(tiny.model("bert"), tokenizer).explain(["fine", text])


def test_a_tokenizer_without_offsets_is_refused():
    python_backend = SimpleNamespace(is_fast=False)  # transformers' PythonBackend tokenizers report this
    with pytest.raises(LRPError, match="fast tokenizer"):
        Explainer(tiny.model("bert"), python_backend)
