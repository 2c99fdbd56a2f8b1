"""Plain forward passes, no relevance: what counterfactual reruns and perturbation curves need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .encoding import Encoded, length_batches
from .forward import Forward


@dataclass(frozen=True)
class Prediction:
    """Forward passes of a batch of records, one row each."""

    probability: np.ndarray  # of the target (softmax over classes, or over the vocabulary for causal LMs)
    prediction: np.ndarray  # the argmax class (or next token)
    outputs: np.ndarray  # (rows, classes) logits for classifiers; (rows, 1) the target token's logit for causal LMs


def predict(forward: Forward, records: Sequence[Encoded], targets: Sequence[int], batch_size: int) -> Prediction:
    """Score ``records`` for their ``targets`` in batches of similar length."""
    records = list(records)
    probability = np.zeros(len(records))
    prediction = np.zeros(len(records), dtype=np.int64)
    outputs = None
    for rows in length_batches([len(r) for r in records], batch_size):
        with torch.inference_mode():
            logits = forward.logits(forward.inputs([records[row] for row in rows])).float()
        chosen = torch.tensor([int(targets[row]) for row in rows], device=logits.device)
        probability[rows] = torch.softmax(logits, -1).gather(1, chosen[:, None]).squeeze(1).cpu().numpy()
        prediction[rows] = logits.argmax(-1).cpu().numpy()
        kept = logits.gather(1, chosen[:, None]) if forward.causal_lm else logits
        if outputs is None:
            outputs = np.zeros((len(records), kept.shape[1]))
        outputs[rows] = kept.cpu().numpy()
    return Prediction(probability, prediction, np.zeros((0, 0)) if outputs is None else outputs)
