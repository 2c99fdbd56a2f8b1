"""Attributors: how relevance is read from a rule-modified backward pass (zennit's attributors).

A composite says which rule applies where; an attributor runs the forward and backward passes
inside it and reads ``x * grad`` at the embedding point (``inputs.EmbeddingCapture``): once
(Gradient x Input, which with LRP rules is LRP), or integrated along the path from the zero
embedding (Integrated Gradients).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from .composites import Composite
from .forward import Batch, Forward
from .inputs import EmbeddingCapture
from .targets import answer_ids, answer_scores


@dataclass(frozen=True)
class Attribution:
    """One batch's relevance per token, the logits it explains and each row's explained answer."""

    relevance: torch.Tensor  # (rows, tokens), float32, padding not yet masked
    logits: torch.Tensor  # (rows, reads, outputs), float32, detached
    ids: torch.Tensor  # (rows, reads) the output ids each row's score sums (MISSING past its answer)
    scores: torch.Tensor  # (rows,) float32: the explained score of each row, what its relevance sums to
    magnitude: torch.Tensor  # (rows,) |x * grad| summed over every input feature: the scale of float rounding


class Attributor(Protocol):
    name: str

    def attribute(self, forward: Forward, composite: Composite, batch: Batch, batch_size: int) -> Attribution: ...

    def describe(self) -> dict[str, str | int]: ...


@dataclass(frozen=True)
class GradientTimesInput:
    """One backward pass; ``x * grad`` summed over the hidden dimension."""

    name: str = "gradient-times-input"

    def attribute(self, forward: Forward, composite: Composite, batch: Batch, batch_size: int) -> Attribution:
        capture = EmbeddingCapture(forward.model)
        with composite.context(forward.model), capture.hooked(batch.inputs["input_ids"]), torch.enable_grad():
            logits = forward.logits(batch)
            ids = answer_ids(batch.answers, logits)
            scores = answer_scores(logits, ids)
            scores.sum().backward()
        relevance, magnitude = capture.read(batch.attention_mask)
        return Attribution(relevance, logits.detach().float(), ids, scores.detach().float(), magnitude)

    def describe(self) -> dict[str, str | int]:
        return {"name": self.name}


@dataclass(frozen=True)
class IntegratedGradients:
    """Gauss-Legendre Integrated Gradients from the zero embedding, ``steps`` points; each pass
    holds at most ``batch_size`` rows (points x texts)."""

    steps: int = 50
    name: str = "integrated-gradients"

    def attribute(self, forward: Forward, composite: Composite, batch: Batch, batch_size: int) -> Attribution:
        model = forward.model
        start = EmbeddingCapture(model)  # the unscaled value of each point: the end of the path
        with start.hooked(batch.inputs["input_ids"]), torch.no_grad():
            logits = forward.logits(batch).float()
        ids = answer_ids(batch.answers, logits)
        rows = len(ids)
        nodes, weights = np.polynomial.legendre.leggauss(self.steps)
        alphas, weights = (nodes + 1) / 2, weights / 2
        steps_per_pass = max(1, batch_size // rows)
        totals: dict = {}
        for begin in range(0, self.steps, steps_per_pass):
            alpha = torch.tensor(alphas[begin : begin + steps_per_pass], dtype=torch.float32)
            weight = torch.tensor(weights[begin : begin + steps_per_pass], dtype=torch.float32).to(model.device)
            capture = EmbeddingCapture(model, alpha.repeat_interleave(rows).to(model.device), start.originals)
            repeated = batch.repeated(len(alpha))
            with composite.context(model), capture.hooked(repeated.inputs["input_ids"]), torch.enable_grad():
                step_logits = forward.logits(repeated)
                answer_scores(step_logits, ids.repeat(len(alpha), 1)).sum().backward()
            for key, gradient in capture.gradients().items():
                step = _path_sum(gradient.float(), weight)
                totals[key] = totals[key] + step if key in totals else step
        relevance, magnitude = start.read(batch.attention_mask, totals)
        return Attribution(relevance, logits, ids, answer_scores(logits, ids), magnitude)

    def describe(self) -> dict[str, str | int]:
        return {"name": self.name, "baseline": "zero embedding", "quadrature": "gauss-legendre", "steps": self.steps}


def _path_sum(gradient: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Gradients of the path's points (blocks of rows, one per point) summed with their weights."""
    return (gradient.view(len(weight), -1, *gradient.shape[1:]) * weight.view(-1, 1, 1, 1)).sum(0)

