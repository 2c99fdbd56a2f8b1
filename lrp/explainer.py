"""The façade: tokenise, batch by length, and explain each batch with a method (rules + attributor).

Each job lives in its own module: ``methods`` (which composite and attributor), ``forward``
(padding and logits), ``targets``, ``prediction``, ``words`` and ``self_check``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .composites import CP_LRP
from .encoding import Encoded, check_prompt, encode, length_batches
from .errors import LRPError
from .explanation import Explanation
from .forward import Forward
from .loading import is_causal_lm, load_model, resolve_dtype
from .methods import METHODS, resolve_method
from .prediction import Prediction, predict
from .self_check import check_conservation
from .targets import Target, Targets, per_text
from .words import words

__all__ = ["METHODS", "Explainer"]  # METHODS: callers above the engine import the registry from here


class Explainer:
    """Per-token relevance of a transformer's target logit.

    >>> explainer = Explainer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
    >>> [e.word_relevance for e in explainer.explain(["a gripping, humane film"])]

    Methods: ``cp-lrp`` (default; AH + LN + identity rules), ``attnlrp``, ``gxi`` (Gradient x Input)
    and ``ig`` (Integrated Gradients from the zero embedding, ``ig_steps`` Gauss-Legendre points).
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        method: str = "cp-lrp",
        *,
        max_length: int = 512,
        batch_size: int = 16,
        ig_steps: int = 50,
        prompt: str | None = None,
        self_check: bool = True,
    ) -> None:
        chosen = resolve_method(method)
        if not tokenizer.is_fast:
            raise LRPError("a fast tokenizer is required (character offsets and word ids)")
        if min(max_length, batch_size, ig_steps) < 1:
            raise LRPError("max_length, batch_size and ig_steps must be at least 1")
        resolve_dtype(model.dtype)
        check_prompt(prompt)
        self.model, self.tokenizer, self.method = model.eval(), tokenizer, method
        self.composite, self.attributor = chosen.composite, chosen.with_steps(ig_steps).attributor
        self.max_length, self.batch_size, self.ig_steps, self.prompt = max_length, batch_size, ig_steps, prompt
        self.causal_lm = is_causal_lm(model)
        self.targets = Targets.of(model.config, tokenizer, self.causal_lm)
        self._needs_self_check = self_check and self.composite is CP_LRP
        self.forward = Forward(model, tokenizer, self.causal_lm)

    @classmethod
    def from_pretrained(
        cls,
        name: str | Path,
        method: str = "cp-lrp",
        *,
        task: str = "auto",
        dtype: str | torch.dtype = "float32",
        device: str | torch.device | None = None,
        revision: str | None = None,
        num_labels: int | None = None,
        attn_implementation: str | None = None,
        trust_remote_code: bool = False,
        **options,
    ) -> "Explainer":
        """Load a model (hub id or local folder) and its tokenizer, then build an explainer."""
        model, tokenizer = load_model(
            name,
            task=task,
            dtype=dtype,
            revision=revision,
            num_labels=num_labels,
            attn_implementation=attn_implementation,
            trust_remote_code=trust_remote_code,
        )
        if device is not None:
            model.to(device)
        return cls(model, tokenizer, method, **options)

    def encode(self, texts: Sequence[str], pairs: Sequence[str] | None = None) -> list[Encoded]:
        """Tokenise (placed into ``prompt`` when one is set, or with a second text each); checks every text."""
        texts = list(texts)
        pairs = None if pairs is None else list(pairs)
        if pairs is not None and len(pairs) != len(texts):
            raise LRPError(f"{len(pairs)} text pairs given for {len(texts)} texts")
        for name, column in (("text", texts), ("text pair", pairs or [])):
            for row, text in enumerate(column):
                if not isinstance(text, str) or not text.strip():
                    raise LRPError(f"{name} {row} is empty or not a string: {text!r}")
        return encode(self.tokenizer, texts, self.max_length, self.prompt, pairs)

    def explain(
        self, texts: Sequence[str], targets: Target | Sequence[Target] = None, *, pairs: Sequence[str] | None = None
    ) -> list[Explanation]:
        """Explain each text (or text pair) for its target: the predicted class (``None``), a class
        index or label name, or for causal LMs a next token (``" Yes"``) or token id. One target or
        one per text."""
        return self.explain_encoded(self.encode(texts, pairs), targets)

    def explain_encoded(
        self, records: Sequence[Encoded], targets: Target | Sequence[Target] = None
    ) -> list[Explanation]:
        """Explain already tokenised texts (from :meth:`encode`), in batches of similar length."""
        records = list(records)
        per_record = per_text(targets, len(records))
        if self._needs_self_check and records:
            check_conservation(self.model, lambda: self._explain_batch([records[0]], [None])[0])
            self._needs_self_check = False
        results: list[Explanation | None] = [None] * len(records)
        for rows in length_batches([len(r) for r in records], self.batch_size):
            batch = self._explain_batch([records[row] for row in rows], [per_record[row] for row in rows])
            for row, explanation in zip(rows, batch):
                results[row] = explanation
        return results

    def predict(self, records: Sequence[Encoded], targets: Sequence[int]) -> Prediction:
        """Plain forward passes (no relevance): what counterfactual reruns and perturbation curves need."""
        return predict(self.forward, records, targets, self.batch_size)

    def with_method(self, method: str) -> "Explainer":
        """The same model and settings explained by another method (the model is shared, not copied)."""
        return Explainer(
            self.model,
            self.tokenizer,
            method,
            max_length=self.max_length,
            batch_size=self.batch_size,
            ig_steps=self.ig_steps,
            prompt=self.prompt,
        )

    def label_name(self, index: int) -> str:
        """A class's label from the model config, or for causal LMs the token's text."""
        if self.causal_lm:
            return self.tokenizer.decode([index])
        return str(self.model.config.id2label.get(index, index))

    def _explain_batch(self, records: list[Encoded], targets: list[Target]) -> list[Explanation]:
        inputs = self.forward.inputs(records)
        attribution = self.attributor.attribute(
            self.forward, self.composite, inputs, lambda logits: self.targets.resolve(targets, logits), self.batch_size
        )
        relevance = (attribution.relevance * inputs["attention_mask"].float()).detach().cpu().numpy()
        logits, chosen = attribution.logits, attribution.targets
        return [
            self._explanation(record, relevance[row, : len(record)], logits[row], int(chosen[row]))
            for row, record in enumerate(records)
        ]

    def _explanation(self, record: Encoded, relevance: np.ndarray, logits: torch.Tensor, target: int) -> Explanation:
        merged = words(record, relevance)
        prediction = int(logits.argmax())
        return Explanation(
            text=record.text,
            text_pair=record.text_pair,
            method=self.method,
            tokens=self.tokenizer.convert_ids_to_tokens(record.input_ids),
            token_ids=record.input_ids,
            char_start=record.char_start,
            char_end=record.char_end,
            is_special=record.is_special,
            is_template=record.is_template,
            segment=record.segment,
            word_index=record.word_ids,
            relevance=relevance,
            words=merged.text,
            word_segment=merged.segment,
            word_char_start=merged.char_start,
            word_char_end=merged.char_end,
            word_relevance=merged.relevance,
            target=target,
            target_label=self.label_name(target),
            target_logit=float(logits[target]),
            prediction=prediction,
            prediction_label=self.label_name(prediction),
            probabilities=None if self.causal_lm else torch.softmax(logits, -1).tolist(),
            truncated=record.truncated,
        )
