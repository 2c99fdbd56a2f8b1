"""Explain texts: tokenise, pick targets, run one rule-modified backward per batch, read ``x * grad``."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .composites import ATTN_LRP, CP_LRP, GRADIENT, Composite
from .errors import LRPError, TargetError, UnsupportedArchitectureError
from .encoding import Encoded, check_prompt, collate, encode, length_batches
from .explanation import Explanation
from .inputs import EmbeddingCapture
from .loading import is_causal_lm, load_model, resolve_dtype

METHODS: dict[str, Composite] = {"cp-lrp": CP_LRP, "attnlrp": ATTN_LRP, "gxi": GRADIENT, "ig": GRADIENT}
MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
Target = int | str | None

# Bias-free self-check: |logit - sum R| must stay below this fraction of sum |R| + |logit| (float error).
SELF_CHECK_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 5e-2}


@dataclass(frozen=True)
class Prediction:
    """Forward passes of a batch of records, one row each."""

    probability: np.ndarray  # of the target (softmax over classes, or over the vocabulary for causal LMs)
    prediction: np.ndarray  # the argmax class (or next token)
    outputs: np.ndarray  # (rows, classes) logits for classifiers; (rows, 1) the target token's logit for causal LMs


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
        if method not in METHODS:
            raise LRPError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
        if not tokenizer.is_fast:
            raise LRPError("a fast tokenizer is required (character offsets and word ids)")
        if min(max_length, batch_size, ig_steps) < 1:
            raise LRPError("max_length, batch_size and ig_steps must be at least 1")
        resolve_dtype(model.dtype)
        self.model, self.tokenizer, self.method = model.eval(), tokenizer, method
        self.composite = METHODS[method]
        check_prompt(prompt)
        self.max_length, self.batch_size, self.ig_steps, self.prompt = max_length, batch_size, ig_steps, prompt
        self.causal_lm = is_causal_lm(model)
        self._forward_inputs = set(inspect.signature(model.forward).parameters) & set(MODEL_INPUTS)
        self._needs_self_check = self_check and self.composite is CP_LRP
        _ensure_padding(model, tokenizer)

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
        per_text = list(targets) if isinstance(targets, (list, tuple)) else [targets] * len(records)
        if len(per_text) != len(records):
            raise TargetError(f"{len(per_text)} targets given for {len(records)} texts")
        if self._needs_self_check and records:
            self._self_check(records[0])
        results: list[Explanation | None] = [None] * len(records)
        for rows in length_batches([len(r) for r in records], self.batch_size):
            batch = self._explain_batch([records[row] for row in rows], [per_text[row] for row in rows])
            for row, explanation in zip(rows, batch):
                results[row] = explanation
        return results

    def predict(self, records: Sequence[Encoded], targets: Sequence[int]) -> Prediction:
        """Plain forward passes (no relevance): what counterfactual reruns and perturbation curves need."""
        records = list(records)
        probability = np.zeros(len(records))
        prediction = np.zeros(len(records), dtype=np.int64)
        outputs = None
        for rows in length_batches([len(r) for r in records], self.batch_size):
            with torch.inference_mode():
                logits = self._logits(self._model_inputs([records[row] for row in rows])).float()
            chosen = torch.tensor([int(targets[row]) for row in rows], device=logits.device)
            probability[rows] = torch.softmax(logits, -1).gather(1, chosen[:, None]).squeeze(1).cpu().numpy()
            prediction[rows] = logits.argmax(-1).cpu().numpy()
            kept = logits.gather(1, chosen[:, None]) if self.causal_lm else logits
            if outputs is None:
                outputs = np.zeros((len(records), kept.shape[1]))
            outputs[rows] = kept.cpu().numpy()
        return Prediction(probability, prediction, np.zeros((0, 0)) if outputs is None else outputs)

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

    def _model_inputs(self, records: list[Encoded]) -> dict[str, torch.Tensor]:
        batch = collate(records, self.tokenizer.pad_token_id, self.model.device)
        return {key: value for key, value in batch.items() if key in self._forward_inputs}

    def _logits(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(batch, classes) for classifiers; (batch, vocab) at each text's last token for causal LMs."""
        if not self.causal_lm:
            return self.model(**inputs).logits
        last = inputs["attention_mask"].sum(-1) - 1
        positions, index = torch.unique(last, return_inverse=True)
        logits = self.model(**inputs, logits_to_keep=positions).logits
        return logits[torch.arange(len(last), device=logits.device), index]

    def _resolve_targets(self, targets: list[Target], logits: torch.Tensor) -> torch.Tensor:
        predicted = logits.argmax(-1)
        resolved = [int(p) if t is None else self._target_id(t, logits.shape[-1]) for t, p in zip(targets, predicted)]
        return torch.tensor(resolved, device=logits.device)

    def _target_id(self, target: int | str, size: int) -> int:
        if isinstance(target, str) and self.causal_lm:
            ids = self.tokenizer.encode(target, add_special_tokens=False)
            if len(ids) != 1:
                raise TargetError(f"target {target!r} is {len(ids)} tokens for this tokenizer; give exactly one token")
            return ids[0]
        if isinstance(target, str):
            label2id = {str(k): v for k, v in (self.model.config.label2id or {}).items()}
            if target not in label2id:
                raise TargetError(f"target label {target!r} is not one of {sorted(label2id)}")
            return int(label2id[target])
        if not 0 <= int(target) < size:
            raise TargetError(f"target {target} is out of range: the model has {size} outputs")
        return int(target)

    def label_name(self, index: int) -> str:
        """A class's label from the model config, or for causal LMs the token's text."""
        if self.causal_lm:
            return self.tokenizer.decode([index])
        return str(self.model.config.id2label.get(index, index))

    def _explain_batch(self, records: list[Encoded], targets: list[Target]) -> list[Explanation]:
        inputs = self._model_inputs(records)
        if self.method == "ig":
            relevance, logits, chosen = self._integrated_gradients(inputs, targets)
        else:
            relevance, logits, chosen = self._gradient_times_input(inputs, targets)
        relevance = (relevance * inputs["attention_mask"].float()).detach().cpu().numpy()
        return [
            self._explanation(record, relevance[row, : len(record)], logits[row], int(chosen[row]))
            for row, record in enumerate(records)
        ]

    def _gradient_times_input(self, inputs, targets):
        capture = EmbeddingCapture(self.model)
        with self.composite.context(self.model) as session, capture.hooked(), torch.enable_grad():
            logits = self._logits(inputs)
            session.check()
            chosen = self._resolve_targets(targets, logits)
            logits.gather(1, chosen[:, None]).sum().backward()
        relevance = (capture.original.float() * capture.leaf.grad.float()).sum(-1)
        return relevance, logits.detach().float(), chosen

    def _integrated_gradients(self, inputs, targets):
        """Gauss-Legendre IG; each pass holds at most ``batch_size`` rows (steps x texts)."""
        with torch.inference_mode():
            logits = self._logits(inputs).float()
        chosen = self._resolve_targets(targets, logits)
        nodes, weights = np.polynomial.legendre.leggauss(self.ig_steps)
        alphas, weights = (nodes + 1) / 2, weights / 2
        batch = len(chosen)
        steps_per_pass = max(1, self.batch_size // batch)
        total = None
        for start in range(0, self.ig_steps, steps_per_pass):
            alpha = torch.tensor(alphas[start : start + steps_per_pass], dtype=torch.float32)
            weight = torch.tensor(weights[start : start + steps_per_pass], dtype=torch.float32)
            repeated = {key: value.repeat(len(alpha), 1) for key, value in inputs.items()}
            capture = EmbeddingCapture(self.model, scales=alpha.repeat_interleave(batch).to(self.model.device))
            with self.composite.context(self.model), capture.hooked(), torch.enable_grad():
                step_logits = self._logits(repeated)
                step_logits.gather(1, chosen.repeat(len(alpha))[:, None]).sum().backward()
            grads = capture.leaf.grad.float().view(len(alpha), batch, *capture.leaf.shape[1:])
            summed = (grads * weight.to(grads.device).view(-1, 1, 1, 1)).sum(0)
            total = summed if total is None else total + summed
            original = capture.original.float()[:batch]
        return (original * total).sum(-1), logits, chosen

    def _explanation(self, record: Encoded, relevance: np.ndarray, logits: torch.Tensor, target: int) -> Explanation:
        spans: list[list[int]] = []  # [segment, start, end] per word, in order of appearance
        word_relevance: list[float] = []
        for position, word in enumerate(record.word_ids):
            if word is None:
                continue
            if word == len(spans):
                spans.append([record.segment[position], record.char_start[position], record.char_end[position]])
                word_relevance.append(0.0)
            spans[word][2] = record.char_end[position]
            word_relevance[word] += float(relevance[position])
        texts = (record.text, record.text_pair)
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
            words=[texts[segment][start:end] for segment, start, end in spans],
            word_segment=[segment for segment, _, _ in spans],
            word_char_start=[start for _, start, _ in spans],
            word_char_end=[end for _, _, end in spans],
            word_relevance=np.asarray(word_relevance, dtype=np.float32),
            target=target,
            target_label=self.label_name(target),
            target_logit=float(logits[target]),
            prediction=int(logits.argmax()),
            probabilities=None if self.causal_lm else torch.softmax(logits, -1).tolist(),
            truncated=record.truncated,
        )

    def _self_check(self, record: Encoded) -> None:
        """Once per explainer: with every bias zeroed, cp-lrp must conserve up to float error.

        This is what catches a part of an unknown architecture that the rules do not reach (an inline
        function, a new norm): there, relevance would silently leak instead of summing to the logit.
        """
        with _biases_zeroed(self.model):
            explanation = self._explain_batch([record], [None])[0]
        scale = float(np.abs(explanation.relevance).sum()) + abs(explanation.target_logit)
        tolerance = SELF_CHECK_TOLERANCE.get(self.model.dtype, 1e-4) * max(scale, 1e-12)
        if abs(explanation.conservation_gap) > tolerance:
            raise UnsupportedArchitectureError(
                f"{type(self.model).__name__}: with biases set to zero, cp-lrp relevance sums to "
                f"{explanation.relevance_sum:.6g} but the logit is {explanation.target_logit:.6g}; "
                "some part of this architecture is not reached by the LRP rules"
            )
        self._needs_self_check = False


def _ensure_padding(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
    """Decoder models often ship without a pad token: batching needs one (the end-of-text token)."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise LRPError("the tokenizer has neither a pad nor an end-of-text token to pad batches with")
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id


@contextmanager
def _biases_zeroed(model: PreTrainedModel):
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    saved = [p.detach().clone() for p in biases]
    try:
        with torch.no_grad():
            for parameter in biases:
                parameter.zero_()
        yield
    finally:
        with torch.no_grad():
            for parameter, value in zip(biases, saved):
                parameter.copy_(value)
