"""What is explained: a target, and optionally a contrast that is subtracted from it.

Each side is an ``Answer``: a class (index or label name), a causal LM's next token (``" Yes"``), or a
causal LM's continuation of several tokens. A continuation's score is the sum of its tokens' logits
under teacher forcing: the tokens before the last are appended to the input, and token ``j`` of the
answer is read at the position before it. The explained quantity is
``score(target) - score(contrast)`` (``score(target)`` without a contrast).

One place for these rules, so that a scan's config check and the explainer refuse the same targets
with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from .errors import TargetError

Target = int | str | None
MISSING = -1  # an unused read of an answer shorter than the longest in its batch


@dataclass(frozen=True)
class Answer:
    """One side of the explained quantity: the output ids it sums (one class or token, or a causal
    LM's continuation); empty for the predicted output, which is resolved from the logits."""

    ids: tuple[int, ...] = ()

    @property
    def fed(self) -> list[int]:
        """The tokens appended to the input under teacher forcing: all but the last."""
        return list(self.ids[:-1])

    @property
    def reads(self) -> int:
        """How many positions' logits the answer reads (one for a class or a single token)."""
        return max(len(self.ids), 1)


@dataclass(frozen=True)
class Targets:
    """What a target can name for one model."""

    tokenizer: PreTrainedTokenizerBase
    label2id: Mapping[str, int]
    causal_lm: bool

    @classmethod
    def of(cls, config: PretrainedConfig, tokenizer: PreTrainedTokenizerBase, causal_lm: bool) -> "Targets":
        return cls(tokenizer, {str(k): int(v) for k, v in (config.label2id or {}).items()}, causal_lm)

    def answer(self, target: Target, outputs: int | None = None) -> Answer:
        """The answer ``target`` names: ``None`` (the prediction), a class index or label, or for
        causal LMs a token id or a text of one or more tokens; an index is range-checked when the
        number of ``outputs`` is known."""
        if target is None:
            return Answer()
        if isinstance(target, str) and self.causal_lm:
            ids = self.tokenizer.encode(target, add_special_tokens=False)
            if not ids:
                raise TargetError(f"target {target!r} is no token for this tokenizer")
            return Answer(tuple(ids))
        if isinstance(target, str):
            if target not in self.label2id:
                raise TargetError(f"target label {target!r} is not one of {sorted(self.label2id)}")
            return Answer((self.label2id[target],))
        if isinstance(target, bool) or not isinstance(target, int):
            raise TargetError(f"target {target!r} must be a class index, a label or a token")
        if outputs is not None:
            check_range(target, outputs)
        return Answer((int(target),))


def check_range(output: int, outputs: int) -> None:
    """An output id the model has: checked in the config (outputs from the model config) and per batch."""
    if not 0 <= output < outputs:
        raise TargetError(f"target {output} is out of range: the model has {outputs} outputs")


def contrast_refusal(target: Target, contrast: Target) -> str | None:
    """Why ``contrast`` cannot be subtracted from ``target``, or None. Said without a subject: the
    scan's config names its key, the explainer says "a contrast", in the same words."""
    if contrast is not None and target is None:
        return "needs a target to be subtracted from: the predicted class minus a contrast changes meaning per text"
    if contrast is not None and contrast == target:
        return f"is the target itself ({contrast!r}): their difference would be zero"
    return None


def answer_ids(answers: Sequence[Answer], logits: torch.Tensor) -> torch.Tensor:
    """(rows, reads) output ids read per row, ``MISSING`` past an answer's end; the prediction where
    an answer is empty. ``logits`` are (rows, reads, outputs)."""
    rows, reads, outputs = logits.shape
    ids = torch.full((rows, reads), MISSING, dtype=torch.long)
    predicted = logits[:, 0].argmax(-1).cpu()
    for row, answer in enumerate(answers):
        chosen = answer.ids or (int(predicted[row]),)
        for output in chosen:
            check_range(output, outputs)
        ids[row, : len(chosen)] = torch.tensor(chosen)
    return ids.to(logits.device)


def answer_scores(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Per row, the sum of the logits of its answer's ids (the explained score of one side)."""
    read = ids != MISSING
    picked = logits.gather(2, ids.clamp(min=0)[..., None]).squeeze(-1)
    return (picked * read).sum(-1)


def answer_log_probabilities(logits: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
    """Per row, the log-probability of its answer (a continuation's is the product under teacher forcing)."""
    return answer_scores(torch.log_softmax(logits.float(), -1), ids)


def per_text(targets: Target | Sequence[Target], count: int) -> list[Target]:
    """One target for every text, or one per text (a list or tuple of ``count``)."""
    listed = list(targets) if isinstance(targets, (list, tuple)) else [targets] * count
    if len(listed) != count:
        raise TargetError(f"{len(listed)} targets given for {count} texts")
    return listed
