"""Plain forward passes, no relevance: what counterfactual reruns and perturbation curves need.

Each record is scored for the same quantity its explanation explains: a target, or a target against
a contrast, where each side is a class, a next token or a continuation under teacher forcing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from .encoding import Encoded, length_batches
from .forward import Forward
from .targets import Answer, answer_ids, answer_log_probabilities, answer_scores


@dataclass(frozen=True)
class Prediction:
    """Forward passes of a batch of records, one row each.

    ``probability`` is the target's: over the classes or the vocabulary, a continuation's product
    under teacher forcing, or against a contrast ``p(target) / (p(target) + p(contrast))``.
    ``agrees`` says whether the model decides for the target: its argmax (every token of a
    continuation), or the likelier side of a contrast. ``prediction`` is what a flip is read from:
    the argmax class or next token for a single output, else ``agrees`` as 0 or 1.
    """

    probability: np.ndarray
    agrees: np.ndarray
    prediction: np.ndarray
    outputs: np.ndarray  # (rows, classes) a classifier's logits without a contrast; else (rows, 1) the explained quantity


def predict(
    forward: Forward,
    records: Sequence[Encoded],
    targets: Sequence[Answer],
    contrasts: Sequence[Answer | None],
    batch_size: int,
) -> Prediction:
    """Score ``records`` for their targets (and contrasts) in batches of similar length."""
    records = list(records)
    probability = np.zeros(len(records))
    agrees = np.zeros(len(records), dtype=bool)
    prediction = np.zeros(len(records), dtype=np.int64)
    whole_logits = not forward.causal_lm and all(c is None for c in contrasts)
    outputs = None
    exact = bool(records) and not forward.pads_safely(records[0])
    for rows in length_batches([len(r) for r in records], batch_size, exact=exact):
        against = [row for row in rows if contrasts[row] is not None]
        answers = [targets[row] for row in rows] + [contrasts[row] for row in against]
        batch = forward.batch([records[row] for row in rows + against], answers)
        with torch.inference_mode():
            logits = forward.logits(batch).float()
        ids = answer_ids(answers, logits)
        scores, log_p = answer_scores(logits, ids).cpu().numpy(), answer_log_probabilities(logits, ids).cpu().numpy()
        greedy = ((logits.argmax(-1) == ids) | (ids < 0)).all(-1).cpu().numpy()
        first = logits[:, 0].argmax(-1).cpu().numpy()
        n = len(rows)
        side = {row: n + index for index, row in enumerate(against)}
        for index, row in enumerate(rows):
            other = side.get(row)
            if other is None:
                probability[row], agrees[row] = np.exp(log_p[index]), greedy[index]
                single = len(targets[row].ids) <= 1
                prediction[row] = first[index] if single else int(greedy[index])
            else:
                difference = log_p[index] - log_p[other]
                probability[row], agrees[row] = 1 / (1 + np.exp(-difference)), difference > 0
                prediction[row] = int(agrees[row])
        kept = logits[:n, 0].cpu().numpy() if whole_logits else _explained(scores, n, side, rows)
        if outputs is None:
            outputs = np.zeros((len(records), kept.shape[1]))
        outputs[rows] = kept
    return Prediction(probability, agrees, prediction, np.zeros((0, 0)) if outputs is None else outputs)


def _explained(scores: np.ndarray, n: int, side: dict[int, int], rows: list[int]) -> np.ndarray:
    """(rows, 1): each row's target score minus its contrast's, if it has one."""
    return np.array([[scores[index] - (scores[side[row]] if row in side else 0.0)] for index, row in enumerate(rows)])
