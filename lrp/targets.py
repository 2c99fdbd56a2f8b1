"""Targets: which output is explained, named as a class index, a label or (causal LMs) a next token.

One place for the rules, so that a scan's config check and the explainer refuse the same targets
with the same message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch
from transformers import PretrainedConfig, PreTrainedTokenizerBase

from .errors import TargetError

Target = int | str | None


@dataclass(frozen=True)
class Targets:
    """What a target can name for one model."""

    tokenizer: PreTrainedTokenizerBase
    label2id: Mapping[str, int]
    causal_lm: bool

    @classmethod
    def of(cls, config: PretrainedConfig, tokenizer: PreTrainedTokenizerBase, causal_lm: bool) -> "Targets":
        return cls(tokenizer, {str(k): int(v) for k, v in (config.label2id or {}).items()}, causal_lm)

    def id(self, target: int | str, outputs: int | None = None) -> int:
        """The output id ``target`` names; a class index is range-checked when ``outputs`` is known."""
        if isinstance(target, str) and self.causal_lm:
            ids = self.tokenizer.encode(target, add_special_tokens=False)
            if len(ids) != 1:
                raise TargetError(f"target {target!r} is {len(ids)} tokens for this tokenizer; give exactly one token")
            return ids[0]
        if isinstance(target, str):
            if target not in self.label2id:
                raise TargetError(f"target label {target!r} is not one of {sorted(self.label2id)}")
            return self.label2id[target]
        if outputs is not None and not 0 <= int(target) < outputs:
            raise TargetError(f"target {target} is out of range: the model has {outputs} outputs")
        return int(target)

    def resolve(self, targets: Sequence[Target], logits: torch.Tensor) -> torch.Tensor:
        """One output id per row: the named target, or the prediction where it is ``None``."""
        predicted = logits.argmax(-1)
        resolved = [int(p) if t is None else self.id(t, logits.shape[-1]) for t, p in zip(targets, predicted)]
        return torch.tensor(resolved, device=logits.device)


def per_text(targets: Target | Sequence[Target], count: int) -> list[Target]:
    """One target for every text, or one per text (a list or tuple of ``count``)."""
    listed = list(targets) if isinstance(targets, (list, tuple)) else [targets] * count
    if len(listed) != count:
        raise TargetError(f"{len(listed)} targets given for {count} texts")
    return listed
