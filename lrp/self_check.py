"""The bias-free self-check: with every bias zeroed, cp-lrp must conserve up to float error.

This is what catches a part of an unknown architecture that the rules do not reach (an inline
function, a new norm): there, relevance would silently leak instead of summing to the logit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from transformers import PreTrainedModel

from .errors import UnsupportedArchitectureError
from .explanation import Explanation

# |logit - sum R| must stay below this fraction of sum |R| + |logit| (float error).
SELF_CHECK_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 5e-2}


def check_conservation(model: PreTrainedModel, explain: Callable[[], Explanation]) -> None:
    """Run ``explain`` (one text, cp-lrp) with the model's biases zeroed; raise if relevance leaks."""
    with biases_zeroed(model):
        explanation = explain()
    scale = float(np.abs(explanation.relevance).sum()) + abs(explanation.target_logit)
    tolerance = SELF_CHECK_TOLERANCE.get(model.dtype, 1e-4) * max(scale, 1e-12)
    if abs(explanation.conservation_gap) > tolerance:
        raise UnsupportedArchitectureError(
            f"{type(model).__name__}: with biases set to zero, cp-lrp relevance sums to "
            f"{explanation.relevance_sum:.6g} but the logit is {explanation.target_logit:.6g}; "
            "some part of this architecture is not reached by the LRP rules"
        )


@contextmanager
def biases_zeroed(model: PreTrainedModel) -> Iterator[None]:
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
