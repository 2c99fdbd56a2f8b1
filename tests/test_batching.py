"""Padded batches: padding takes no relevance and a text's relevance does not depend on its batch."""

import numpy as np
import pytest
import tiny

from lrp_audit.lrp import Explainer

SHORT, LONG = "ok then", "The nurse said he would be back with the results in an hour or two."


@pytest.mark.parametrize(
    ("architecture", "task"), [("bert", "sequence-classification"), ("modernbert", "sequence-classification"),
                               ("gpt2", "sequence-classification"), ("llama", "causal-lm"), ("qwen2", "causal-lm")]
)
def test_relevance_is_the_same_alone_and_in_a_padded_batch(architecture, task, tokenizer):
    model = tiny.model(architecture, task=task)
    explainer = Explainer(model, tokenizer)
    alone = explainer.explain([SHORT])[0]
    batched = explainer.explain([LONG, SHORT, LONG])[1]
    assert batched.tokens == alone.tokens
    np.testing.assert_allclose(batched.relevance, alone.relevance, rtol=1e-4, atol=1e-6)
    assert batched.target_logit == pytest.approx(alone.target_logit, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("architecture", ["bert", "gpt2", "llama"])
def test_padding_absorbs_no_relevance(architecture, tokenizer):
    model = tiny.model(architecture, biases=False)
    short = Explainer(model, tokenizer).explain([LONG, SHORT])[1]
    assert len(short.relevance) == len(tokenizer(SHORT)["input_ids"])
    assert abs(short.relevance_sum - short.target_logit) <= 1e-4 * abs(short.target_logit)
