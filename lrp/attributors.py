"""Attributors: how relevance is read from a rule-modified backward pass (zennit's attributors).

A composite says which rule applies where; an attributor runs the forward and backward passes
inside it and reads ``x * grad`` at the embedding point (``inputs.EmbeddingCapture``): once
(Gradient x Input, which with LRP rules is LRP), or integrated along the path from the zero
embedding (Integrated Gradients).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch

from .composites import Composite
from .forward import Forward
from .inputs import EmbeddingCapture

# Resolves the explained output of each row from the batch's logits.
Choose = Callable[[torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Attribution:
    """One batch's relevance per token, the logits it explains and the output explained per row."""

    relevance: torch.Tensor  # (batch, tokens), float32, padding not yet masked
    logits: torch.Tensor  # (batch, outputs), float32, detached
    targets: torch.Tensor  # (batch,) output ids


class Attributor(Protocol):
    name: str

    def attribute(
        self, forward: Forward, composite: Composite, inputs: dict[str, torch.Tensor], choose: Choose, batch_size: int
    ) -> Attribution: ...

    def describe(self) -> dict[str, str | int]: ...


@dataclass(frozen=True)
class GradientTimesInput:
    """One backward pass; ``x * grad`` summed over the hidden dimension."""

    name: str = "gradient-times-input"

    def attribute(
        self, forward: Forward, composite: Composite, inputs: dict[str, torch.Tensor], choose: Choose, batch_size: int
    ) -> Attribution:
        capture = EmbeddingCapture(forward.model)
        with composite.context(forward.model) as session, capture.hooked(), torch.enable_grad():
            logits = forward.logits(inputs)
            session.check()
            chosen = choose(logits)
            logits.gather(1, chosen[:, None]).sum().backward()
        return Attribution(capture.relevance(inputs["attention_mask"]), logits.detach().float(), chosen)

    def describe(self) -> dict[str, str | int]:
        return {"name": self.name}


@dataclass(frozen=True)
class IntegratedGradients:
    """Gauss-Legendre Integrated Gradients from the zero embedding, ``steps`` points; each pass
    holds at most ``batch_size`` rows (points x texts)."""

    steps: int = 50
    name: str = "integrated-gradients"

    def attribute(
        self, forward: Forward, composite: Composite, inputs: dict[str, torch.Tensor], choose: Choose, batch_size: int
    ) -> Attribution:
        model = forward.model
        with torch.inference_mode():
            logits = forward.logits(inputs).float()
        chosen = choose(logits)
        nodes, weights = np.polynomial.legendre.leggauss(self.steps)
        alphas, weights = (nodes + 1) / 2, weights / 2
        batch = len(chosen)
        steps_per_pass = max(1, batch_size // batch)
        totals = None
        for start in range(0, self.steps, steps_per_pass):
            alpha = torch.tensor(alphas[start : start + steps_per_pass], dtype=torch.float32)
            weight = torch.tensor(weights[start : start + steps_per_pass], dtype=torch.float32)
            repeated = {key: value.repeat(len(alpha), 1) for key, value in inputs.items()}
            capture = EmbeddingCapture(model, scales=alpha.repeat_interleave(batch).to(model.device))
            with composite.context(model), capture.hooked(), torch.enable_grad():
                step_logits = forward.logits(repeated)
                step_logits.gather(1, chosen.repeat(len(alpha))[:, None]).sum().backward()
            summed = [
                (leaf.grad.float().view(len(alpha), batch, *leaf.shape[1:]) * weight.to(leaf.device).view(-1, 1, 1, 1))
                .sum(0)
                for leaf in capture.leaves
            ]
            totals = summed if totals is None else [total + step for total, step in zip(totals, summed)]
        return Attribution(capture.relevance(inputs["attention_mask"], totals), logits, chosen)

    def describe(self) -> dict[str, str | int]:
        return {"name": self.name, "baseline": "zero embedding", "quadrature": "gauss-legendre", "steps": self.steps}
