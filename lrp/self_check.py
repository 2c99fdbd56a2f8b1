"""The bias-free self-check: with every bias zeroed, cp-lrp must conserve up to float error.

This is what catches a part of an unknown architecture that the rules do not reach (an operation
with no rule, a kernel torch functions never see): there, relevance would silently leak instead of
summing to the logit. The refusal names the operations on input-dependent tensors that no rule
reached (``unreached``) and the modules that ran them, or, where the model raised, what it raised.

The check does not depend on the dtype. In bfloat16 rounding alone moves relevance by up to a few
percent, more than many leaks, so a model in another dtype is also checked in float32 on a tiny
replica of its class built from its own config (``replica``): the same operations, to 1e-4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import torch
from transformers import PreTrainedModel

from .errors import LRPError, UnsupportedArchitectureError
from .explanation import Explanation
from .replica import tiny_replica
from .unreached import UnreachedOperations

# |logit - sum R| must stay below this fraction of sum |R| + |logit| (float error).
SELF_CHECK_TOLERANCE = {torch.float32: 1e-4, torch.bfloat16: 5e-2}


def check_conservation(model: PreTrainedModel, explain: Callable[[PreTrainedModel], Explanation]) -> None:
    """Run ``explain`` (one text, cp-lrp, with the model it is given) with biases zeroed; raise if
    relevance leaks. A model that is not float32 is checked on a float32 replica first."""
    if model.dtype != torch.float32:
        _check(tiny_replica(model), explain, f"{type(model).__name__} (checked in float32 on a tiny replica)")
    _check(model, explain, type(model).__name__)


def _check(model: PreTrainedModel, explain: Callable[[PreTrainedModel], Explanation], name: str) -> None:
    watch = UnreachedOperations(model)
    with biases_zeroed(model), watch.watching():
        try:
            explanation = explain(model)
        except LRPError:
            raise
        except Exception as error:  # the model's own code failed under the rules: refuse, naming where
            where = f"in {watch.path[-1]}" if watch.path else "in the backward pass"
            unreached = watch.describe()
            raise UnsupportedArchitectureError(
                f"{name}: explaining it failed {where}: {type(error).__name__}: {error}"
                + (f" (operations without a rule: {unreached})" if unreached else "")
            ) from error
    scale = float(np.abs(explanation.relevance).sum()) + abs(explanation.target_logit)
    tolerance = SELF_CHECK_TOLERANCE.get(model.dtype, 1e-4) * max(scale, 1e-12)
    if abs(explanation.conservation_gap) > tolerance:
        unreached = watch.describe()
        raise UnsupportedArchitectureError(
            f"{name}: with biases set to zero, cp-lrp relevance sums to {explanation.relevance_sum:.6g} but "
            f"the logit is {explanation.target_logit:.6g}; some part of this architecture is not reached by "
            "the LRP rules" + (f" (operations without a rule: {unreached})" if unreached else "")
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
