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
from .display import Explanations
from .encoding import Encoded, check_prompt, encode, length_batches
from .errors import LRPError, TargetError
from .explanation import Explanation
from .forward import Forward
from .loading import is_causal_lm, load_model, resolve_dtype
from .methods import METHODS, resolve_method
from .prediction import Prediction, predict
from .self_check import check_conservation
from .targets import MISSING, Target, Targets, contrast_refusal, per_text
from .words import words

__all__ = ["METHODS", "Explainer"]

SELF_CHECK_TEXTS = 8  # how many of the first texts the bias-free self-check explains  # METHODS: callers above the engine import the registry from here


class Explainer:
    """Per-token relevance of a transformer's target logit.

    >>> explainer = Explainer.from_pretrained("distilbert-base-uncased-finetuned-sst-2-english")
    >>> [e.word_relevance for e in explainer.explain(["a gripping, humane film"])]

    Methods: ``cp-lrp`` (default; AH + LN + identity rules), ``attnlrp``, ``gxi`` (Gradient x Input)
    and ``ig`` (Integrated Gradients from the zero embedding, ``ig_steps`` Gauss-Legendre points).
    ``prompt`` places each text at ``{text}``; ``chat_template`` wraps that in the tokenizer's chat
    template; ``checkpointing`` recomputes each layer in the backward pass (same relevance, less memory).
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
        chat_template: bool = False,
        checkpointing: bool = False,
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
        self.chat_template, self.checkpointing = chat_template, checkpointing
        self.causal_lm = is_causal_lm(model)
        self.targets = Targets.of(model.config, tokenizer, self.causal_lm)
        self._needs_self_check = self_check and self.composite.modifies_gradients  # cp-lrp's, for attnlrp too
        self.forward = Forward(model, tokenizer, self.causal_lm, checkpointing)

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
        return encode(self.tokenizer, texts, self.max_length, self.prompt, pairs, self.chat_template)

    def explain(
        self,
        texts: Sequence[str],
        targets: Target | Sequence[Target] = None,
        *,
        contrast: Target | Sequence[Target] = None,
        pairs: Sequence[str] | None = None,
    ) -> list[Explanation]:
        """Explain each text (or text pair) for its target: the predicted class (``None``), a class
        index or label name, or for causal LMs a next token (``" Yes"``), a token id or a
        continuation of several tokens (its tokens' logits summed under teacher forcing). With a
        ``contrast`` (named the same ways) the explained quantity is the target's logit minus the
        contrast's (``" Yes"`` against ``" No"``; a binary classifier's log-odds). One target and
        contrast for all texts, or one per text. A list (that a notebook shows as coloured texts)."""
        return Explanations(self.explain_encoded(self.encode(texts, pairs), targets, contrast))

    def explain_encoded(
        self,
        records: Sequence[Encoded],
        targets: Target | Sequence[Target] = None,
        contrast: Target | Sequence[Target] = None,
    ) -> list[Explanation]:
        """Explain already tokenised texts (from :meth:`encode`), in batches of similar length. A
        contrast doubles the rows of a batch (each side is explained on its own, then subtracted)."""
        records = list(records)
        per_record, contrasts = _sides(targets, contrast, len(records))
        results: list[Explanation | None] = [None] * len(records)
        if not records:
            return []
        sides = 2 if any(c is not None for c in contrasts) else 1
        exact = not self.forward.pads_safely(records[0])
        batches = length_batches([len(r) for r in records], max(1, self.batch_size // sides), exact=exact)
        if self._needs_self_check:  # attnlrp's rules reach a model where cp-lrp's do: checked with cp-lrp
            checker = self if self.composite is CP_LRP else self.with_method(CP_LRP.name)
            check_conservation(self.model, lambda model: checker._self_check_explanations(records, batches, model))
            self._needs_self_check = False
        for rows in batches:
            batch = self._explain_batch(
                [records[row] for row in rows], [per_record[row] for row in rows], [contrasts[row] for row in rows]
            )
            for row, explanation in zip(rows, batch):
                results[row] = explanation
        return results

    def _self_check_explanations(
        self, records: list[Encoded], batches: list[list[int]], model: PreTrainedModel
    ) -> list[Explanation]:
        """The first batches' texts (up to ``SELF_CHECK_TEXTS``), each for its predicted output, batched as
        the explanation will be: a leak that shows on some texts only is more likely seen."""
        explained: list[Explanation] = []
        for rows in batches:
            if len(explained) >= SELF_CHECK_TEXTS:
                break
            chosen = [records[row] for row in rows[: SELF_CHECK_TEXTS - len(explained)]]
            explained += self._explain_batch(chosen, [None] * len(chosen), [None] * len(chosen), model)
        return explained

    def predict(
        self,
        records: Sequence[Encoded],
        targets: Target | Sequence[Target],
        contrast: Target | Sequence[Target] = None,
    ) -> Prediction:
        """Plain forward passes (no relevance) scored for the explained quantity: what counterfactual
        reruns and perturbation curves need."""
        records = list(records)
        per_record, contrasts = _sides(targets, contrast, len(records))
        answers = [self.targets.answer(t) for t in per_record]
        against = [None if c is None else self.targets.answer(c) for c in contrasts]
        return predict(self.forward, records, answers, against, self.batch_size)

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
            chat_template=self.chat_template,
            checkpointing=self.checkpointing,
        )

    def label_name(self, ids: int | Sequence[int]) -> str:
        """A class's label from the model config, or for causal LMs the text of the tokens."""
        ids = [ids] if isinstance(ids, int) else list(ids)
        if self.causal_lm:
            return self.tokenizer.decode(ids)
        return str(self.model.config.id2label.get(ids[0], ids[0]))

    def _explain_batch(
        self, records: list[Encoded], targets: list[Target], contrasts: list[Target], model: PreTrainedModel | None = None
    ) -> list[Explanation]:
        """One row per record for its target, then one per record that has a contrast; by ``model``
        where one is given (the self-check's float32 replica), else by the explainer's."""
        forward = self.forward if model in (None, self.model) else Forward(model, self.tokenizer, self.causal_lm)
        sides = [(row, self.targets.answer(target)) for row, target in enumerate(targets)]
        against = {}
        for row, contrast in enumerate(contrasts):
            if contrast is not None:
                against[row] = len(sides)
                sides.append((row, self.targets.answer(contrast)))
        batch = forward.batch([records[row] for row, _ in sides], [answer for _, answer in sides])
        attribution = self.attributor.attribute(forward, self.composite, batch, self.batch_size)
        relevance = (attribution.relevance * batch.attention_mask.float()).detach().cpu().numpy()
        return [
            self._explanation(record, relevance, attribution, row, against.get(row))
            for row, record in enumerate(records)
        ]

    def _explanation(
        self, record: Encoded, relevance: np.ndarray, attribution, row: int, contrast_row: int | None
    ) -> Explanation:
        """Row ``row``'s relevance, minus that of its contrast's row; each side's fed answer tokens
        follow the text's own (the contrast's negated: they carry its subtraction)."""
        length = len(record)
        target_ids = _ids(attribution.ids[row])
        own = relevance[row, : length + len(target_ids) - 1]
        parts, answer_ids, answer = [own], list(target_ids[:-1]), ["target"] * (len(target_ids) - 1)
        contrast_ids, contrast_logit = None, None
        if contrast_row is not None:
            contrast_ids = _ids(attribution.ids[contrast_row])
            against = relevance[contrast_row, : length + len(contrast_ids) - 1]
            parts = [own[:length] - against[:length], own[length:], -against[length:]]
            answer_ids += contrast_ids[:-1]
            answer += ["contrast"] * (len(contrast_ids) - 1)
            contrast_logit = float(attribution.scores[contrast_row])
        combined = np.concatenate(parts)
        merged = words(record, combined[:length])
        logits = attribution.logits[row, 0]
        prediction = int(logits.argmax())
        fed = len(answer_ids)
        return Explanation(
            text=record.text,
            text_pair=record.text_pair,
            method=self.method,
            tokens=self.tokenizer.convert_ids_to_tokens(record.input_ids + answer_ids),
            token_ids=record.input_ids + answer_ids,
            char_start=record.char_start + [None] * fed,
            char_end=record.char_end + [None] * fed,
            is_special=record.is_special + [False] * fed,
            is_template=record.is_template + [False] * fed,
            segment=record.segment + [None] * fed,
            answer=[None] * length + answer,
            word_index=record.word_ids + [None] * fed,
            relevance=combined,
            words=merged.text,
            word_segment=merged.segment,
            word_char_start=merged.char_start,
            word_char_end=merged.char_end,
            word_relevance=merged.relevance,
            target=target_ids[0],
            target_label=self.label_name(target_ids),
            target_logit=float(attribution.scores[row]),
            target_relevance_sum=float(own.astype(np.float64).sum()),
            contrast=None if contrast_ids is None else contrast_ids[0],
            contrast_label=None if contrast_ids is None else self.label_name(contrast_ids),
            contrast_logit=contrast_logit,
            prediction=prediction,
            prediction_label=self.label_name(prediction),
            probabilities=None if self.causal_lm else torch.softmax(logits, -1).tolist(),
            truncated=record.truncated,
            relevance_magnitude=float(attribution.magnitude[row])
            + (0.0 if contrast_row is None else float(attribution.magnitude[contrast_row])),
        )


def _ids(read: torch.Tensor) -> list[int]:
    """The output ids one row's answer summed (its reads, without the unused ones)."""
    return [int(i) for i in read.tolist() if i != MISSING]


def _sides(
    targets: Target | Sequence[Target], contrast: Target | Sequence[Target], count: int
) -> tuple[list[Target], list[Target]]:
    """One target and one contrast per text, each contrast checked against its target."""
    per_record, contrasts = per_text(targets, count), per_text(contrast, count)
    for target, against in zip(per_record, contrasts):
        refusal = contrast_refusal(target, against)
        if refusal:
            raise TargetError(f"a contrast {refusal}")
    return per_record, contrasts
