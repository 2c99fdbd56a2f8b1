"""Rules live only inside ``composite.context(model)``: forward unchanged, nothing left behind."""

import pytest
import tiny
import torch

from lrp_audit.lrp import ATTN_LRP, CP_LRP, Explainer


@pytest.mark.parametrize("architecture", ["bert", "llama", "modernbert", "roberta"])
def test_context_leaves_nothing_behind(architecture):
    model = tiny.model(architecture).train()
    before = tiny.state(model)
    with CP_LRP.context(model):
        assert tiny.state(model) != before
    assert tiny.state(model) == before


def test_context_is_undone_when_the_block_raises():
    model = tiny.model("bert")
    before = tiny.state(model)
    with pytest.raises(RuntimeError, match="boom"), ATTN_LRP.context(model):
        raise RuntimeError("boom")
    assert tiny.state(model) == before


@pytest.mark.parametrize("attn_implementation", ["eager", "sdpa"])
@pytest.mark.parametrize("architecture", ["bert", "gpt2", "llama", "modernbert", "roberta"])
def test_logits_are_bit_identical_inside_the_context(architecture, attn_implementation, tokenizer, texts):
    model = tiny.model(architecture, attn_implementation=attn_implementation)
    encoding = tokenizer(texts, padding=True, return_tensors="pt", return_token_type_ids=False)
    with torch.no_grad():
        plain = model(**encoding).logits
        with CP_LRP.context(model):
            ruled = model(**encoding).logits
    assert torch.equal(plain, ruled)


def test_methods_run_one_after_another_in_one_process(tokenizer, texts):
    model = tiny.model("bert")
    first = Explainer(model, tokenizer, "cp-lrp").explain(texts)
    for method in ("gxi", "attnlrp", "ig"):
        Explainer(model, tokenizer, method, ig_steps=2).explain(texts)
    again = Explainer(model, tokenizer, "cp-lrp").explain(texts)
    for a, b in zip(first, again):
        assert (a.relevance == b.relevance).all()


@pytest.mark.parametrize("method", ["cp-lrp", "gxi", "ig"])
def test_parameters_get_no_gradient(method, tokenizer, texts):
    model = tiny.model("bert")
    Explainer(model, tokenizer, method, ig_steps=2).explain(texts)
    assert all(parameter.grad is None for parameter in model.parameters())
    assert all(parameter.requires_grad for parameter in model.parameters())
