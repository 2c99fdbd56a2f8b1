"""A model's forward pass as attribution sees it: tokenised records and their answers in, the logits
each answer reads out."""

from __future__ import annotations

import inspect
from contextlib import nullcontext
from dataclasses import dataclass

import torch
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from .checkpointing import checkpointable_layers, checkpointed
from .encoding import Encoded, collate
from .errors import LRPError
from .targets import Answer

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PROBE_PADDING = 3  # pad tokens put after a record to see whether padding changes its logits
PADDING_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 2e-2}  # of the largest logit


@dataclass(frozen=True)
class Batch:
    """Padded model inputs, one row per (record, answer), and the positions whose logits each row's
    answer reads (causal LMs: the record's last token and each token fed after it)."""

    inputs: dict[str, torch.Tensor]  # what the model's forward takes
    attention_mask: torch.Tensor  # (rows, tokens): 1 for a record's tokens, 0 for padding
    reads: torch.Tensor  # (rows, reads) token positions
    answers: list[Answer]

    def repeated(self, times: int) -> "Batch":
        """The same rows ``times`` over (Integrated Gradients' points on the path)."""
        inputs = {key: value.repeat(times, 1) for key, value in self.inputs.items()}
        return Batch(inputs, self.attention_mask.repeat(times, 1), self.reads.repeat(times, 1), self.answers * times)


class Forward:
    """Pads records into a batch the model accepts and returns the logits every method explains.

    With ``checkpointing`` a pass that records gradients keeps only each layer's input and
    recomputes the rest during the backward pass (under the same rules): memory for time."""

    def __init__(
        self, model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, causal_lm: bool, checkpointing: bool = False
    ) -> None:
        ensure_padding(model, tokenizer)
        self.model, self.tokenizer, self.causal_lm, self.checkpointing = model, tokenizer, causal_lm, checkpointing
        self._accepted = set(inspect.signature(model.forward).parameters) & set(MODEL_INPUTS)
        self._pads_safely: bool | None = None
        if checkpointing:
            checkpointable_layers(model)  # refuses a model without them now, not at its first batch

    def batch(self, records: list[Encoded], answers: list[Answer]) -> Batch:
        """Right-padded tensors on the model's device (only those its ``forward`` takes), with each
        answer's fed tokens appended to its record."""
        if not self.causal_lm and any(len(answer.ids) > 1 for answer in answers):
            raise LRPError("an answer of several outputs needs a causal LM")
        inputs = collate(records, self.tokenizer.pad_token_id, self.model.device, [a.fed for a in answers])
        width = max(answer.reads for answer in answers)
        reads = torch.tensor(
            [[len(record) - 1 + min(j, len(answer.fed)) for j in range(width)] for record, answer in zip(records, answers)]
        )
        accepted = {key: value for key, value in inputs.items() if key in self._accepted}
        return Batch(accepted, inputs["attention_mask"], reads, answers)

    def pads_safely(self, record: Encoded) -> bool:
        """Whether padding leaves what the model computes for ``record`` as it is (checked once, on
        the first record asked about). Not so for a model that takes no attention mask, or one whose
        convolutions or landmarks over the sequence see padding anyway (ConvBERT, Nystromformer, XLNet):
        such a model is given batches of texts of one length only."""
        if self._pads_safely is None:
            self._pads_safely = "attention_mask" in self._accepted and self._same_when_padded(record)
        return self._pads_safely

    def _same_when_padded(self, record: Encoded) -> bool:
        pad = self.tokenizer.pad_token_id
        inputs = collate([record, record], pad, self.model.device, [[], [pad] * PROBE_PADDING])
        read = torch.full((2, 1), len(record) - 1)
        padded = Batch({k: v for k, v in inputs.items() if k in self._accepted}, inputs["attention_mask"], read, [Answer()] * 2)
        with torch.no_grad():
            alone = self.logits(self.batch([record], [Answer()]))[0].float()
            beside = self.logits(padded)[0].float()
        tolerance = PADDING_TOLERANCE.get(self.model.dtype, 1e-4) * max(float(alone.abs().max()), 1.0)
        return bool((alone - beside).abs().max() <= tolerance)

    def logits(self, batch: Batch) -> torch.Tensor:
        """(rows, reads, outputs): a classifier's logits (one read), or a causal LM's next-token
        logits at each read position."""
        recording = self.checkpointing and torch.is_grad_enabled()
        with checkpointed(self.model) if recording else nullcontext():
            if not self.causal_lm:
                return self.model(**batch.inputs).logits[:, None, :]
            reads = batch.reads.to(self.model.device)
            positions, index = torch.unique(reads, return_inverse=True)
            logits = self.model(**batch.inputs, use_cache=False, logits_to_keep=positions).logits
            return logits[torch.arange(len(reads), device=logits.device)[:, None], index]


def ensure_padding(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> None:
    """Decoder models often ship without a pad token: batching needs one (the end-of-text token)."""
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise LRPError("the tokenizer has neither a pad nor an end-of-text token to pad batches with")
        tokenizer.pad_token = tokenizer.eos_token
    if getattr(model.config, "pad_token_id", None) is None:
        model.config.pad_token_id = tokenizer.pad_token_id
