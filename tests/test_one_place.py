"""Checks written once, in the engine: a scan's config and the explainer refuse the same input in
the same words, and every layer loads a tokenizer the same way."""

import pytest
import tiny
from pydantic import ValidationError
from transformers import AutoConfig

from lrp_audit.lrp import Explainer, LRPError, TargetError, load_tokenizer
from lrp_audit.lrp.targets import Targets
from lrp_audit.pipelines.config import AttributionSection


def _engine_message(**options) -> str:
    with pytest.raises(LRPError) as refused:
        Explainer(tiny.model("bert"), tiny.tokenizer(), **options)
    return str(refused.value)


def _config_message(**section) -> str:
    with pytest.raises(ValidationError) as refused:
        AttributionSection(**section)
    return refused.value.errors()[0]["msg"].removeprefix("Value error, ")


def test_an_unknown_method_is_refused_in_the_same_words_by_config_and_explainer():
    assert _config_message(method="lime") == _engine_message(method="lime")


def test_a_prompt_without_its_slot_is_refused_in_the_same_words_by_config_and_explainer():
    assert _config_message(prompt="Hire? Answer:") == _engine_message(prompt="Hire? Answer:")


def test_a_target_is_checked_from_the_model_config_alone_before_any_weights_load(model_dir):
    targets = Targets.of(AutoConfig.from_pretrained(model_dir), load_tokenizer(model_dir), causal_lm=False)
    assert targets.answer("LABEL_1").ids == (1,)
    with pytest.raises(TargetError, match="target label 'joy' is not one of"):
        targets.answer("joy")


@pytest.mark.parametrize(("target", "contrast"), [(None, 1), (1, 1)], ids=["without-target", "equal-to-target"])
def test_a_contrast_is_refused_in_the_same_words_by_config_and_explainer(target, contrast):
    with pytest.raises(TargetError) as refused:
        Explainer(tiny.model("bert"), tiny.tokenizer()).explain(["fine"], target, contrast=contrast)
    assert str(refused.value) == f"a contrast {_config_message(target=target, contrast=contrast)}"


def test_a_tokenizer_that_cannot_load_is_one_engine_error_naming_the_model(tmp_path):
    (tmp_path / "tokenizer.json").write_text("{not json")
    with pytest.raises(LRPError, match=f"model {tmp_path}: its tokenizer cannot be loaded"):
        load_tokenizer(tmp_path)
