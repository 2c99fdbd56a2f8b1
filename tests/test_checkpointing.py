"""Gradient checkpointing: each layer is recomputed in the backward pass, the relevance stays the
same, and the model is left as it was found."""

import numpy as np
import pytest
import tiny
import torch

from lrp_audit.lrp import Explainer, LRPError
from lrp_audit.lrp import checkpointing
from lrp_audit.lrp.checkpointing import checkpointable_layers, checkpointed, position_wise_blocks

CASES = [("llama", "causal-lm", " yes"), ("bert", "sequence-classification", None)]


@pytest.mark.parametrize(("architecture", "task", "target"), CASES, ids=["causal-lm", "classifier"])
def test_relevance_with_checkpointing_equals_relevance_without(architecture, task, target, tokenizer, texts):
    model = tiny.model(architecture, task=task)
    plain = Explainer(model, tokenizer).explain(texts, target)
    recomputed = Explainer(model, tokenizer, checkpointing=True).explain(texts, target)
    for without, with_ in zip(plain, recomputed):
        assert with_.target == without.target
        assert with_.target_logit == without.target_logit
        assert np.abs(with_.relevance - without.relevance).max() <= 1e-5


def test_cp_lrp_conserves_with_checkpointing_when_biases_are_zero(tokenizer, texts):
    model = tiny.model("llama", task="causal-lm", biases=False)
    for explanation in Explainer(model, tokenizer, checkpointing=True).explain(texts, " yes"):
        assert abs(explanation.target_logit) > 1e-3
        assert abs(explanation.relevance_sum - explanation.target_logit) <= 1e-4 * abs(explanation.target_logit)


def _layer_runs(model, inputs) -> int:
    """How many times the layers' feed-forward blocks start in one forward and backward pass (a
    recomputation stops once it has what the backward pass needs, so the end may never be reached)."""
    runs = []
    handles = [layer.mlp.register_forward_pre_hook(lambda *_: runs.append(1)) for layer in checkpointable_layers(model)]
    try:
        model(**inputs).logits[0, -1, 0].backward()
    finally:
        for handle in handles:
            handle.remove()
    return len(runs)


def test_inside_checkpointed_each_layer_runs_again_in_the_backward_pass(tokenizer, texts):
    model = tiny.model("llama", task="causal-lm")
    inputs = tokenizer(texts[:1], return_tensors="pt")
    assert _layer_runs(model, inputs) == tiny.LAYERS
    with checkpointed(model):
        assert _layer_runs(model, inputs) == 2 * tiny.LAYERS
    assert _layer_runs(model, inputs) == tiny.LAYERS


def test_leaving_checkpointed_leaves_nothing_behind():
    model = tiny.model("llama", task="causal-lm")
    before = tiny.state(model)
    with checkpointed(model):
        assert tiny.state(model) != before
    assert tiny.state(model) == before


def test_leaving_checkpointed_on_an_error_leaves_nothing_behind():
    model = tiny.model("llama", task="causal-lm")
    before = tiny.state(model)
    with pytest.raises(RuntimeError, match="out of memory"):
        with checkpointed(model):
            raise RuntimeError("out of memory")
    assert tiny.state(model) == before


def test_explainer_refuses_checkpointing_for_a_model_without_checkpointable_layers(tokenizer):
    model = tiny.model("mpnet")  # transformers' MPNet layers are no GradientCheckpointingLayer
    with pytest.raises(LRPError, match="MPNetForSequenceClassification has no layers that can be checkpointed"):
        Explainer(model, tokenizer, checkpointing=True)


def test_checkpointed_refuses_a_module_without_transformer_layers():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4))
    with pytest.raises(LRPError, match="Sequential has no layers that can be checkpointed"):
        with checkpointed(model):
            pass



@pytest.mark.parametrize("architecture", ["llama", "gpt2"])
def test_feed_forward_blocks_run_in_slices_with_the_same_relevance(architecture, tokenizer, texts, monkeypatch):
    model = tiny.model(architecture, task="causal-lm")
    plain = Explainer(model, tokenizer).explain(texts, " yes")
    blocks = [block for layer in checkpointable_layers(model) for block in position_wise_blocks(layer)]
    widths = []
    def width(_module, _args, out):  # of passes that record gradients (the padding probe's plain forward does not)
        if torch.is_grad_enabled():
            widths.append(out.shape[1])

    hooks = [next(block.children()).register_forward_hook(width) for block in blocks]
    monkeypatch.setattr(checkpointing, "CHUNK_TOKENS", 3)
    sliced = Explainer(model, tokenizer, checkpointing=True).explain(texts, " yes")
    for hook in hooks:
        hook.remove()
    assert len(blocks) == tiny.LAYERS and widths and max(widths) == 3  # no block saw more than 3 positions at once
    for without, with_ in zip(plain, sliced):
        assert np.abs(with_.relevance - without.relevance).max() <= 1e-5
