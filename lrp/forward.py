"""A model's forward pass as attribution sees it: tokenised records in, one row of logits per text out."""

from __future__ import annotations

import inspect

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .encoding import Encoded, collate
from .errors import LRPError

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class Forward:
    """Pads records into a batch the model accepts and returns the logits every method explains."""

    def __init__(self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, causal_lm: bool) -> None:
        ensure_padding(model, tokenizer)
        self.model, self.tokenizer, self.causal_lm = model, tokenizer, causal_lm
        self._accepted = set(inspect.signature(model.forward).parameters) & set(MODEL_INPUTS)

    def inputs(self, records: list[Encoded]) -> dict[str, torch.Tensor]:
        """Right-padded tensors on the model's device, only those its ``forward`` takes."""
        batch = collate(records, self.tokenizer.pad_token_id, self.model.device)
        return {key: value for key, value in batch.items() if key in self._accepted}

    def logits(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """(batch, classes) for classifiers; (batch, vocab) at each text's last token for causal LMs."""
        if not self.causal_lm:
            return self.model(**inputs).logits
        last = inputs["attention_mask"].sum(-1) - 1
        positions, index = torch.unique(last, return_inverse=True)
        logits = self.model(**inputs, logits_to_keep=positions).logits
        return logits[torch.arange(len(last), device=logits.device), index]


def ensure_padding(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
    """Decoder models often ship without a pad token: batching needs one (the end-of-text token)."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise LRPError("the tokenizer has neither a pad nor an end-of-text token to pad batches with")
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id
