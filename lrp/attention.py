"""Attention rules: what the AH rule (cp-lrp) and AttnLRP's uniform rule do to ``softmax(q k^T) v``.

Attention computed with torch operations is reached by the operation rules (``operations``: softmax
constant, fused kernels' operands scaled). Models that call transformers' ``AttentionInterface`` are
also reached there, in front of whatever kernel the configuration names (flash attention and other
kernels that torch functions never see included): inside a composite's context the config names
``lrp:<rule>:<original>``, a function registered here that applies the rule to ``query``, ``key``
and ``value`` and then calls the original implementation with the operation rules set aside (its
operands already carry the rule), so the forward values are those of the original kernel.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import torch
from torch import nn
from transformers import AttentionInterface
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

from .errors import UnsupportedArchitectureError
from .rules import detached, scale_gradient


class AttentionRule:
    """How relevance crosses ``softmax(q k^T) v``: whether the softmax weights are constants, and
    the factors by which the rule scales the gradient of the queries and keys, and of the values,
    where a fused kernel computes it all (``scaled_dot_product_attention``, the AttentionInterface)."""

    name = "attention"
    factors: tuple[float, float] = (1.0, 1.0)
    constant_weights = False  # softmax outputs are constants of the backward pass

    def operands(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        query_key, value = self.factors
        return _scaled(q, query_key), _scaled(k, query_key), _scaled(v, value)


def _scaled(x: torch.Tensor, factor: float) -> torch.Tensor:
    """``x`` with its gradient scaled by ``factor``; a factor 0 detaches it (a constant costs no backward)."""
    if factor == 0:
        return x.detach()
    return x if factor == 1 else scale_gradient(x, factor)


class AHRule(AttentionRule):
    """Ali et al. 2022: attention weights are constants; all relevance flows through the values."""

    name = "ah"
    factors = (0.0, 1.0)
    constant_weights = True


class UniformBilinearRule(AttentionRule):
    """AttnLRP: softmax keeps its gradient; ``q k^T`` and ``A v`` each split relevance 50/50.

    With a fused kernel the two splits compose: ``v`` gets 1/2 of its gradient, ``q`` and ``k``
    each get 1/4 (1/2 for ``A`` in ``A v``, times 1/2 for their own side of ``q k^T``).
    """

    name = "uniform"
    factors = (0.25, 0.5)


def _eager_of(module: nn.Module) -> Callable:
    eager = getattr(sys.modules[type(module).__module__], "eager_attention_forward", None)
    if eager is None:
        raise UnsupportedArchitectureError(
            f"{type(module).__name__} has no eager_attention_forward in {type(module).__module__}; "
            "its attention cannot be reached by the LRP rules"
        )
    return eager


def implementation_key(rule: AttentionRule, original: str) -> str:
    """Register (once) and return the attention implementation name for ``rule`` over ``original``."""
    key = f"lrp:{rule.name}:{original}"
    if key in ALL_ATTENTION_FUNCTIONS:
        return key

    def attention(module: nn.Module, query, key_states, value, attention_mask, **kwargs):
        q, k, v = rule.operands(query, key_states, value)
        if rule.constant_weights:  # input-dependent score terms (Inkling's relative-position logits) too
            attention_mask = detached(attention_mask)
            kwargs = {name: detached(item) for name, item in kwargs.items()}
        inner = _eager_of(module) if original == "eager" else ALL_ATTENTION_FUNCTIONS[original]
        with torch._C.DisableTorchFunction():  # the operands carry the rule: no operation rule inside
            return inner(module, q, k, v, attention_mask, **kwargs)

    AttentionInterface.register(key, attention)
    AttentionMaskInterface.register(key, ALL_MASK_ATTENTION_FUNCTIONS[original])
    return key
