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
from .unreached import LeakingModules, UnreachedOperations

# In float32 |logit - sum R| must stay below 1e-4 of |logit|, plus float rounding: 1e-6 of the summed
# magnitude |x * grad| of every input feature (a model whose relevance cancels heavily inside its
# embeddings rounds more; one whose relevance blows up to many times the logit, as a rule dividing by
# almost zero makes it, is refused unless the blow-up cancels to the last digits). In bfloat16
# rounding alone moves relevance by up to a few percent: 5e-2 of sum |R| + |logit| (benchmarks/bf16.py).
FLOAT32_TOLERANCE = (1e-4, 1e-6)  # (of |logit|, of the summed magnitude)
BFLOAT16_TOLERANCE = 5e-2


def tolerance(dtype: torch.dtype, explanation: Explanation) -> float:
    """How far summed relevance may be from the explained logit for rounding alone, with biases zero."""
    if dtype == torch.bfloat16:
        return BFLOAT16_TOLERANCE * (float(np.abs(explanation.relevance).sum()) + abs(explanation.explained))
    of_logit, of_magnitude = FLOAT32_TOLERANCE
    return max(of_logit * abs(explanation.explained) + of_magnitude * explanation.relevance_magnitude, 1e-12)


def check_conservation(model: PreTrainedModel, explain: Callable[[PreTrainedModel], list[Explanation]]) -> None:
    """Run ``explain`` (a few texts, cp-lrp, with the model it is given) with biases zeroed; raise if
    relevance leaks in any. A model that is not float32 is checked on a float32 replica first."""
    if model.dtype != torch.float32:
        _check(tiny_replica(model), explain, f"{type(model).__name__} (checked in float32 on a tiny replica)")
    _check(model, explain, type(model).__name__)


def _check(model: PreTrainedModel, explain: Callable[[PreTrainedModel], list[Explanation]], name: str) -> None:
    watch = UnreachedOperations(model)
    with biases_zeroed(model), watch.watching():
        try:
            explanations = explain(model)
        except LRPError:
            raise
        except Exception as error:  # the model's own code failed under the rules: refuse, naming where
            where = f"in {watch.path[-1]}" if watch.path else "in the backward pass"
            unreached = watch.describe()
            raise UnsupportedArchitectureError(
                f"{name}: explaining it failed {where}: {type(error).__name__}: {error}"
                + (f" (operations without a rule: {unreached})" if unreached else "")
            ) from error
    leaking = [e for e in explanations if abs(e.conservation_gap) > tolerance(model.dtype, e)]
    if leaking:
        explanation, unreached = leaking[0], watch.describe()
        where = f"operations without a rule: {unreached}" if unreached else _leaking_modules(model, explain)
        raise UnsupportedArchitectureError(
            f"{name}: with biases set to zero, cp-lrp relevance sums to {explanation.relevance_sum:.6g} but "
            f"the logit is {explanation.target_logit:.6g}; some part of this architecture is not reached by "
            f"the LRP rules ({where})"
        )


def _leaking_modules(model: PreTrainedModel, explain: Callable[[PreTrainedModel], list[Explanation]]) -> str:
    """Where relevance is lost or made, from a second, watched run (only when the check has failed)."""
    locator = LeakingModules(model)
    with biases_zeroed(model), locator.watching():
        explain(model)
    found = locator.describe()
    return f"relevance is lost or made in {found}" if found else "no module on its own loses relevance"


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
