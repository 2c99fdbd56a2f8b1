"""Perturbation curves (Ali et al. 2022): the protocol, and a planted-word model where cp-lrp beats random."""

from __future__ import annotations

import numpy as np
import pytest

import leak
import tiny
from lrp_audit.audits.faithfulness import summarize
from lrp_audit.audits.settings import EvaluationSettings
from lrp_audit.lrp import Explainer, LRPError
from lrp_audit.lrp.faithfulness import (
    FRACTIONS,
    RANDOM,
    Curves,
    activation_input,
    perturbable,
    perturbation_curves,
    pruning_input,
    replacement_token,
)

UNK = 0
IDS = np.array([101, 11, 12, 13, 14, 102])
OWN = np.array([1, 2, 3, 4])


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A tiny BERT whose label is the subject's gender, and explainers for three methods over it."""
    texts, labels = leak.sentences(800, leak=True, seed=1)
    explainer = Explainer.from_pretrained(leak.train(texts, labels, tmp_path_factory.mktemp("leak")))
    held_out, _ = leak.sentences(60, leak=True, seed=2)
    records = explainer.encode(held_out)
    targets = [explanation.prediction for explanation in explainer.explain_encoded(records)]
    explainers = {method: explainer.with_method(method) for method in ("cp-lrp", "gxi", "attnlrp")}
    unk = replacement_token(explainer.tokenizer)[1]
    curves = perturbation_curves(explainers, records, targets, list(range(len(records))), unk)
    return explainers, records, targets, unk, curves


def test_activation_keeps_the_most_relevant_own_tokens_and_replaces_the_rest():
    order = np.array([3, 1, 4, 2])  # most relevant first
    assert activation_input(IDS, OWN, order, 0.0, UNK).tolist() == [101, 0, 0, 0, 0, 102]
    assert activation_input(IDS, OWN, order, 0.5, UNK).tolist() == [101, 11, 0, 13, 0, 102]
    assert activation_input(IDS, OWN, order, 1.0, UNK).tolist() == IDS.tolist()


def test_pruning_replaces_the_least_relevant_first_rounding_up():
    order = np.array([2, 4, 1, 3])  # smallest |relevance| first
    assert pruning_input(IDS, order, 0.0, UNK).tolist() == IDS.tolist()
    assert pruning_input(IDS, order, 0.1, UNK).tolist() == [101, 11, 0, 13, 14, 102]  # ceil(0.4) = 1
    assert pruning_input(IDS, order, 1.0, UNK).tolist() == [101, 0, 0, 0, 0, 102]


def test_special_and_prompt_tokens_are_not_perturbable(tokenizer):
    explainer = Explainer(tiny.model("bert"), tokenizer, prompt="Review: {text} Verdict:")
    record = explainer.encode(["a fine film"])[0]
    own = perturbable(record)
    tokens = tokenizer.convert_ids_to_tokens(np.asarray(record.input_ids)[own].tolist())
    assert tokens == ["a", "fine", "film"]


def test_curves_end_where_the_protocol_says(planted):
    *_, curves = planted
    for curve in curves.values():
        assert np.all(curve.accuracy[:, -1] == 1.0)  # everything kept: the original input, its own prediction
        assert np.all(curve.mse[:, 0] == 0.0)  # nothing removed
    first = curves["cp-lrp"]
    for curve in curves.values():  # all replaced / none kept: the same input whatever the order
        np.testing.assert_allclose(curve.accuracy[:, 0], first.accuracy[:, 0])
        np.testing.assert_allclose(curve.mse[:, -1], first.mse[:, -1])


def test_random_order_is_reproducible_from_its_seeds(planted):
    explainers, records, targets, unk, curves = planted
    again = perturbation_curves(explainers, records, targets, list(range(len(records))), unk)
    np.testing.assert_array_equal(again[RANDOM].mse, curves[RANDOM].mse)
    other = perturbation_curves(explainers, records, targets, [seed + 1000 for seed in range(len(records))], unk)
    assert not np.array_equal(other[RANDOM].mse, curves[RANDOM].mse)


def test_cp_lrp_beats_random_on_the_planted_word_model(planted):
    *_, curves = planted
    cp, random = curves["cp-lrp"], curves[RANDOM]
    assert cp.auac().mean() > random.auac().mean() + 0.1
    assert cp.au_mse().mean() < 0.5 * random.au_mse().mean()
    summary = summarize(curves, FRACTIONS, EvaluationSettings(resamples=500), "cp-lrp")
    assert summary.verdict.beats_random, summary.verdict.message
    versus = summary.results[0].vs_random
    assert versus.auac.low > 0 and versus.au_mse.high < 0 and versus.p_auac < 0.01


def _curves(accuracy: np.ndarray, mse: np.ndarray) -> Curves:
    return Curves(accuracy=accuracy, probability=accuracy, mse=mse)


def test_verdict_says_plainly_when_the_method_does_not_beat_random():
    rng = np.random.default_rng(0)
    same = _curves(rng.integers(0, 2, (50, 11)).astype(float), rng.random((50, 11)))
    summary = summarize({"cp-lrp": same, RANDOM: same}, FRACTIONS, EvaluationSettings(resamples=200), "cp-lrp")
    assert not summary.verdict.beats_random
    assert "does NOT beat a random token order" in summary.verdict.message


def test_verdict_names_the_metric_a_method_fails_on():
    rng = np.random.default_rng(0)
    random = _curves(rng.random((50, 11)) * 0.5, rng.random((50, 11)) + 1)
    better_accuracy = _curves(random.accuracy + 0.4, random.mse)
    summary = summarize({"gxi": better_accuracy, RANDOM: random}, FRACTIONS, EvaluationSettings(resamples=200), "gxi")
    assert not summary.verdict.beats_random
    assert "beats a random order on AUAC but not on AU-MSE" in summary.verdict.message


def test_a_tokenizer_without_the_replacement_token_is_refused(tokenizer):
    tokenizer = tokenizer.__class__.from_pretrained(tokenizer.name_or_path)
    tokenizer.mask_token = None
    with pytest.raises(LRPError, match="no mask token"):
        replacement_token(tokenizer, "mask")


def test_causal_lm_curves_follow_the_target_token_with_its_prompt_kept(tokenizer):
    explainer = Explainer(tiny.model("llama", task="causal-lm"), tokenizer, prompt="Profile: {text} Hire? Answer:")
    records = explainer.encode(["She led the team well.", "He fixed the old car."])
    target = tokenizer.convert_tokens_to_ids("yes")
    scores = explainer.predict(records, [target, target])
    assert scores.outputs.shape == (2, 1)  # the target token's logit, not the whole vocabulary
    unk = replacement_token(tokenizer)[1]
    curves = perturbation_curves({"cp-lrp": explainer}, records, [target, target], [0, 1], unk)
    assert curves["cp-lrp"].mse.shape == (2, len(FRACTIONS)) and np.all(curves["cp-lrp"].mse[:, 0] == 0)
    assert np.all(curves["cp-lrp"].mse[:, -1] > 0)  # every own token replaced moves the target's logit
