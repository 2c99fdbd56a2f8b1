"""Targets: predicted class by default, a class index or label name, or a causal LM's next token."""

import pytest
import tiny
import torch

from lrp_audit.lrp import Explainer, TargetError


@pytest.fixture
def classifier():
    model = tiny.model("bert")
    model.config.id2label = {0: "negative", 1: "neutral", 2: "positive"}
    model.config.label2id = {v: k for k, v in model.config.id2label.items()}
    return model


def _logits(model, tokenizer, texts):
    with torch.no_grad():
        return model(**tokenizer(texts, padding=True, return_tensors="pt")).logits


def test_default_target_is_the_predicted_class(classifier, tokenizer, texts):
    logits = _logits(classifier, tokenizer, texts)
    for row, explanation in enumerate(Explainer(classifier, tokenizer).explain(texts)):
        assert explanation.target == explanation.prediction == int(logits[row].argmax())
        assert explanation.target_logit == pytest.approx(float(logits[row].max()), rel=1e-5)


def test_target_by_index_by_label_name_and_per_example(classifier, tokenizer, texts):
    explainer = Explainer(classifier, tokenizer)
    assert {e.target for e in explainer.explain(texts, 2)} == {2}
    assert {e.target_label for e in explainer.explain(texts, "neutral")} == {"neutral"}
    assert [e.target for e in explainer.explain(texts, [0, "positive", None])][:2] == [0, 2]


@pytest.mark.parametrize(("target", "message"), [("joy", "'joy' is not one of"), (7, "out of range")])
def test_unknown_target_is_refused_with_its_name(classifier, tokenizer, texts, target, message):
    with pytest.raises(TargetError, match=message):
        Explainer(classifier, tokenizer).explain(texts, target)


def test_causal_lm_explains_a_given_next_token_at_the_last_real_token(tokenizer, texts):
    model = tiny.model("llama", task="causal-lm")
    (yes,) = tokenizer.encode(" Yes", add_special_tokens=False)
    for text, explanation in zip(texts, Explainer(model, tokenizer).explain(texts, " Yes")):
        with torch.no_grad():
            expected = model(**tokenizer([text], return_tensors="pt")).logits[0, -1, yes]
        assert explanation.target == yes and explanation.target_label == "yes"
        assert explanation.target_logit == pytest.approx(float(expected), rel=1e-5)


def test_causal_lm_continuation_is_the_sum_of_its_tokens_logits_under_teacher_forcing(tokenizer, texts):
    model = tiny.model("llama", task="causal-lm")
    yes, please = tokenizer.encode(" yes please", add_special_tokens=False)
    for text, explanation in zip(texts, Explainer(model, tokenizer).explain(texts, " yes please")):
        ids = tokenizer([text])["input_ids"][0]
        with torch.no_grad():
            logits = model(torch.tensor([ids + [yes]])).logits[0]
        expected = logits[len(ids) - 1, yes] + logits[len(ids), please]
        assert explanation.target_logit == pytest.approx(float(expected), rel=1e-5)
        assert explanation.target == yes and explanation.target_label == "yes please"


def test_contrast_explains_the_difference_of_the_two_logits(classifier, tokenizer, texts):
    logits = _logits(classifier, tokenizer, texts)
    explained = Explainer(classifier, tokenizer).explain(texts, "positive", contrast="negative")
    for row, explanation in enumerate(explained):
        assert (explanation.target, explanation.contrast, explanation.contrast_label) == (2, 0, "negative")
        assert explanation.explained == pytest.approx(float(logits[row, 2] - logits[row, 0]), rel=1e-5, abs=1e-6)


@pytest.mark.parametrize(("target", "contrast", "message"), [(None, 1, "a contrast needs a target"), (1, 1, "is the target itself")])
def test_contrast_without_a_target_or_equal_to_it_is_refused(classifier, tokenizer, texts, target, contrast, message):
    with pytest.raises(TargetError, match=message):
        Explainer(classifier, tokenizer).explain(texts, target, contrast=contrast)


def test_a_target_that_is_no_token_is_refused(tokenizer, texts):
    model = tiny.model("gpt2", task="causal-lm")
    with pytest.raises(TargetError, match="is no token"):
        Explainer(model, tokenizer).explain(texts, " ")
