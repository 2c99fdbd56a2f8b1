"""Attention rules, installed through transformers' own ``AttentionInterface``.

Every supported model calls ``ALL_ATTENTION_FUNCTIONS.get_interface(config._attn_implementation, eager)``.
Inside a composite's context the config names ``lrp:<rule>:<original>``: a function registered here
that applies the rule to ``query``, ``key`` and ``value`` and then calls the original implementation
(the model file's own ``eager_attention_forward``, or ``sdpa``, flash, ...), so the forward values are
those of the original kernel.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextvars import ContextVar

import torch
from torch import nn
from transformers import AttentionInterface
from transformers.masking_utils import ALL_MASK_ATTENTION_FUNCTIONS, AttentionMaskInterface
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS

from .errors import UnsupportedArchitectureError
from .rules import scale_gradient

_seen_modules: ContextVar[set[int] | None] = ContextVar("lrp_seen_attention_modules", default=None)


class AttentionRule:
    """How relevance crosses ``softmax(q k^T) v``; subclasses transform the three operands."""

    name = "attention"

    def operands(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor):
        raise NotImplementedError


class AHRule(AttentionRule):
    """Ali et al. 2022: attention weights are constants; all relevance flows through the values."""

    name = "ah"

    def operands(self, q, k, v):
        return q.detach(), k.detach(), v


class UniformBilinearRule(AttentionRule):
    """AttnLRP: softmax keeps its gradient; ``q k^T`` and ``A v`` each split relevance 50/50.

    With a fused kernel the two splits compose: ``v`` gets 1/2 of its gradient, ``q`` and ``k``
    each get 1/4 (1/2 for ``A`` in ``A v``, times 1/2 for their own side of ``q k^T``).
    """

    name = "uniform"

    def operands(self, q, k, v):
        return scale_gradient(q, 0.25), scale_gradient(k, 0.25), scale_gradient(v, 0.5)


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
        seen = _seen_modules.get()
        if seen is not None:
            seen.add(id(module))
        q, k, v = rule.operands(query, key_states, value)
        inner = _eager_of(module) if original == "eager" else ALL_ATTENTION_FUNCTIONS[original]
        return inner(module, q, k, v, attention_mask, **kwargs)

    AttentionInterface.register(key, attention)
    AttentionMaskInterface.register(key, ALL_MASK_ATTENTION_FUNCTIONS[original])
    return key


def innermost_attention_modules(model: nn.Module) -> dict[int, str]:
    """Modules named ``*Attention`` with no ``*Attention`` inside: the ones that call the interface."""
    found = {}
    for module in model.modules():
        if type(module).__name__.endswith("Attention") and not any(
            type(child).__name__.endswith("Attention") for child in module.modules() if child is not module
        ):
            found[id(module)] = type(module).__name__
    return found


class AttentionTracker:
    """Records which attention modules went through an LRP attention function during a forward."""

    def __init__(self) -> None:
        self.seen: set[int] = set()

    def __enter__(self) -> "AttentionTracker":
        self._token = _seen_modules.set(self.seen)
        return self

    def __exit__(self, *exc) -> None:
        _seen_modules.reset(self._token)
