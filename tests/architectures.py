"""Every text model family of the installed transformers, as a tiny model: the test matrix's rows.

The families come from transformers' own registries (a sequence-classification head or a causal-LM
head), so that a newer transformers is measured too, and each is built from its config's defaults
shrunk by the engine's ``tiny_config`` (one layer of each kind, float32) with the MiniLM tokenizer's
vocabulary: the same replica the engine's self-check builds for a real model of that class.

Not measured, each with its reason, computed rather than listed by hand: multimodal wrappers and
classes that need a non-text input (:func:`not_text`), and families whose tiny model cannot be
built or cannot run a plain forward pass on a padded batch of the test texts (:func:`runnable`).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch
import transformers
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification, PreTrainedModel
from transformers.models.auto.configuration_auto import CONFIG_MAPPING
from transformers.models.auto.modeling_auto import (
    MODEL_FOR_CAUSAL_LM_MAPPING_NAMES,
    MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES,
)

sys.path.insert(0, str(Path(__file__).parent))

import tiny  # noqa: E402
from conftest import TEXTS  # noqa: E402

from lrp_audit.lrp import Explainer, LRPError  # noqa: E402
from lrp_audit.lrp.forward import MODEL_INPUTS  # noqa: E402
from lrp_audit.lrp.replica import prepare, tiny_config  # noqa: E402
from lrp_audit.lrp.self_check import tolerance  # noqa: E402

SEQUENCE_CLASSIFICATION, CAUSAL_LM = "sequence-classification", "causal-lm"
HEADS = {
    SEQUENCE_CLASSIFICATION: (MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES, AutoModelForSequenceClassification),
    CAUSAL_LM: (MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, AutoModelForCausalLM),
}
LABELS = 3
# Sub-configs and forward arguments that carry another modality than text.
OTHER_MODALITY = re.compile(r"vision|visual|image|pixel|video|audio|speech|input_features|vq_")
Pair = tuple[str, str]
# Families whose default config leaves out a kind of layer that their published checkpoints have
# (every layer Mamba, every layer attention, or no layer types at all): a layout like the
# checkpoints', given the default layer count, so that the tiny model has every kind of layer.
CHECKPOINT_LAYOUTS: dict[str, Callable[[int], dict]] = {
    "bamba": lambda layers: {"attn_layer_indices": [9, 18, 27]},  # as Bamba-9B
    "granitemoehybrid": lambda layers: {  # Mamba-2 layers with an attention layer in ten, as Granite 4.0-H
        "layer_types": ["full_attention" if i % 10 == 5 else "linear_attention" for i in range(layers)]
    },
    "lfm2": lambda layers: {"full_attn_idxs": [2, 5, 8, 10, 12, 14]},  # as LFM2-1.2B
    "lfm2_moe": lambda layers: {  # short-convolution layers with attention layers among them, as LFM2
        "layer_types": ["full_attention" if i % 4 == 2 else "conv" for i in range(layers)]
    },
}


def pairs() -> list[Pair]:
    """(model_type, head) of every text family with that head in the installed transformers."""
    excluded = not_text()
    return [pair for pair in _registered() if pair not in excluded]


@cache
def not_text() -> dict[Pair, str]:
    """Registered pairs that are not text models, each with the reason."""
    reasons = {pair: _not_text_reason(*pair) for pair in _registered()}
    return {pair: reason for pair, reason in reasons.items() if reason}


def build(model_type: str, head: str, seed: int = 0) -> PreTrainedModel:
    """The family's tiny model with ``head``: its default config (in its checkpoints' layout where
    :data:`CHECKPOINT_LAYOUTS` has one) through ``tiny_config`` with the tokenizer's vocabulary,
    three labels and the tokenizer's special tokens; weights drawn from ``seed``, every bias zero
    and every norm scale perturbed."""
    tokenizer = tiny.tokenizer()
    config = tiny_config(default_config(model_type), vocab_size=len(tokenizer), seed=seed)
    config.num_labels = LABELS
    _use_special_tokens(config, head)
    torch.manual_seed(seed)
    return prepare(HEADS[head][1].from_config(config)).eval()


def default_config(model_type: str):
    """The family's default config, in its checkpoints' layout where the defaults lack a kind of layer."""
    layout = CHECKPOINT_LAYOUTS.get(model_type)
    if layout is None:
        return AutoConfig.for_model(model_type)
    return AutoConfig.for_model(model_type, **layout(AutoConfig.for_model(model_type).num_hidden_layers))


def _use_special_tokens(config, head: str) -> None:
    """The tokenizer's pad, [CLS] as beginning and [SEP] as end of text (a BART-style classifier
    reads the end token), [PAD] as decoder start where the config has none (T5's convention); a
    causal LM head built as a decoder."""
    tokenizer = tiny.tokenizer()
    config.pad_token_id = tokenizer.pad_token_id
    config.bos_token_id, config.eos_token_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    if config.is_encoder_decoder and getattr(config, "decoder_start_token_id", None) is None:
        config.decoder_start_token_id = tokenizer.pad_token_id
    if head == CAUSAL_LM and hasattr(config, "is_decoder"):
        config.is_decoder = True


class NotBuildable(Exception):
    """A family's tiny model cannot be built, or cannot run a plain forward pass: the reason."""


def runnable(model_type: str, head: str, seed: int = 0) -> PreTrainedModel:
    """:func:`build`, checked by a plain forward pass on a padded batch of the test texts (finite
    logits); raises :class:`NotBuildable` with the reason otherwise."""
    try:
        model = build(model_type, head, seed)
    except Exception as error:  # noqa: BLE001 - any failure is the reason, reported as such
        raise NotBuildable(f"cannot build: {_short(error)}") from error
    try:
        logits = forward(model, head)
    except Exception as error:  # noqa: BLE001
        raise NotBuildable(f"cannot run a padded batch: {_short(error)}") from error
    if not torch.isfinite(logits).all():
        raise NotBuildable("a padded batch gives non-finite logits")
    return model


def build_failure(model_type: str, head: str) -> str | None:
    """Why the family's tiny model cannot be built or run (None when it can)."""
    try:
        runnable(model_type, head)
    except NotBuildable as reason:
        return str(reason)
    return None


@cache
def excluded() -> dict[Pair, str]:
    """Every registered pair the matrix does not measure, with the reason: not a text model, or its
    tiny model cannot be built or run (this builds every family once: a few minutes on two cores)."""
    failures = {pair: build_failure(*pair) for pair in pairs()}
    return {**not_text(), **{pair: reason for pair, reason in failures.items() if reason}}


OUTCOMES = ("conserve", "leak", "refused", "crash", "no-build")


@dataclass(frozen=True)
class Outcome:
    """What the engine does with one family and head, explaining the test texts with cp-lrp (the
    self-check on, as a user runs it), each for its predicted output:

    * ``conserve``: every text's relevance sums to its logit within 1e-4 of the logit, plus float32
      rounding of the summed terms (``self_check.tolerance``; biases zero);
    * ``leak``: a text's relevance misses more, and nothing said so (the worst outcome);
    * ``refused``: the engine refused the model (``detail`` is its message);
    * ``crash``: anything else raised (``detail`` names the exception);
    * ``no-build``: the tiny model cannot be built or run without the engine (``detail``: why).
    """

    model_type: str
    head: str
    kind: str
    detail: str
    gap: float | None = None  # the largest |relevance_sum - logit| / |logit| over the texts


def outcome(model_type: str, head: str, self_check: bool = True) -> Outcome:
    """The family's outcome; nothing it raises escapes."""
    try:
        model = runnable(model_type, head)
    except NotBuildable as reason:
        return Outcome(model_type, head, "no-build", str(reason))
    try:
        explanations = Explainer(model, tiny.tokenizer(), self_check=self_check).explain(TEXTS)
    except LRPError as refusal:
        return Outcome(model_type, head, "refused", str(refusal))
    except Exception as error:  # noqa: BLE001 - any other failure is the family's crash
        return Outcome(model_type, head, "crash", _short(error))
    gap = max(abs(e.conservation_gap) / max(abs(e.explained), 1e-12) for e in explanations)
    conserves = all(abs(e.conservation_gap) <= tolerance(torch.float32, e) for e in explanations)
    return Outcome(model_type, head, "conserve" if conserves else "leak", f"relative gap {gap:.2e}", gap)


def forward(model: PreTrainedModel, head: str) -> torch.Tensor:
    """Logits of a plain forward pass on the test texts, right-padded, with the inputs the engine
    gives (those of ``MODEL_INPUTS`` the model's forward takes)."""
    encoding = tiny.tokenizer()(TEXTS, padding=True, return_tensors="pt")
    accepted = set(inspect.signature(model.forward).parameters) & set(MODEL_INPUTS)
    inputs = {key: value for key, value in encoding.items() if key in accepted}
    options = {"use_cache": False} if head == CAUSAL_LM else {}
    with torch.no_grad():
        return model(**inputs, **options).logits


def _registered() -> list[Pair]:
    return [(model_type, head) for head, (names, _) in HEADS.items() for model_type in sorted(names)]


def _not_text_reason(model_type: str, head: str) -> str | None:
    """A config that wraps a text config (a multimodal or an assistant model), holds another
    modality's config, or a head whose forward takes another modality's input or no token ids."""
    try:
        config = AutoConfig.for_model(model_type)
    except Exception:  # noqa: BLE001 - a config that cannot be made is a build failure, not a modality
        return None
    text_config = getattr(config, "text_config", None)
    if text_config is not None:
        sibling = _model_type_of(type(text_config))
        measured = sibling in HEADS[head][0] and sibling != model_type
        return "wraps a text_config" + (f" (its text model {sibling} is measured)" if measured else "")
    others = [name for name in getattr(config, "sub_configs", {}) if OTHER_MODALITY.search(name)]
    if others:
        return f"holds another modality's config ({', '.join(others)})"
    model_class = _model_class(model_type, head)
    inputs = [name for name in inspect.signature(model_class.forward).parameters if OTHER_MODALITY.search(name)]
    if inputs:
        return f"its forward takes {', '.join(inputs)}"
    if model_class.main_input_name != "input_ids":
        return f"its main input is {model_class.main_input_name}, not token ids"
    return None


def _model_class(model_type: str, head: str) -> type[PreTrainedModel]:
    return getattr(transformers, HEADS[head][0][model_type])


def _model_type_of(config_class: type) -> str | None:
    return next((name for name, known in CONFIG_MAPPING.items() if known is config_class), None)


def _short(error: BaseException) -> str:
    """The error's type and message on one line."""
    message = " ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return f"{type(error).__name__}: {message[:200]}"
