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
    """How relevance crosses ``softmax(q k^T) v``: the factors by which the rule scales the gradient
    of the queries and keys, and of the values. They apply to the operands where the model calls the
    AttentionInterface, and to the projections' outputs where it computes its softmax itself."""

    name = "attention"
    factors: tuple[float, float] = (1.0, 1.0)

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
        seen = _seen_modules.get()
        if seen is not None:
            seen.add(id(module))
        q, k, v = rule.operands(query, key_states, value)
        inner = _eager_of(module) if original == "eager" else ALL_ATTENTION_FUNCTIONS[original]
        return inner(module, q, k, v, attention_mask, **kwargs)

    AttentionInterface.register(key, attention)
    AttentionMaskInterface.register(key, ALL_MASK_ATTENTION_FUNCTIONS[original])
    return key


QUERY_KEY, VALUE = 0, 1  # the role of a projection's output features in an attention module


def _per_head(groups: int, *parts: tuple[int, int]) -> torch.Tensor:
    """Roles of a fused projection laid out per head (or group of heads) as ``(role, width)`` parts."""
    return torch.cat([torch.full((width,), role) for role, width in parts]).repeat(groups)


def projection_roles(module: nn.Module) -> dict[str, int | torch.Tensor] | None:
    """For an attention module that computes ``softmax(q k^T) v`` itself instead of calling the
    AttentionInterface: the submodules whose outputs feed its scores (queries, keys and their
    relative-position forms) or its values, each with the role of its output features (one role,
    or one per feature where one projection makes all three). None for any other module."""
    kind = type(module).__name__
    if kind == "DisentangledSelfAttention" and hasattr(module, "query_proj"):  # DeBERTa-v2, v3
        names = ("query_proj", "key_proj", "pos_query_proj", "pos_key_proj")
        return {name: QUERY_KEY for name in names if hasattr(module, name)} | {"value_proj": VALUE}
    if kind == "DisentangledSelfAttention" and hasattr(module, "in_proj"):  # DeBERTa: per head [q | k | v]
        width = module.in_proj.out_features // (3 * module.num_attention_heads)
        fused = _per_head(module.num_attention_heads, (QUERY_KEY, 2 * width), (VALUE, width))
        names = ("pos_proj", "pos_q_proj")
        return {name: QUERY_KEY for name in names if hasattr(module, name)} | {"in_proj": fused}
    if kind == "MPNetSelfAttention":
        return {"q": QUERY_KEY, "k": QUERY_KEY, "v": VALUE}
    if kind == "BloomAttention":  # per head [q | k | v]
        width = module.head_dim
        return {"query_key_value": _per_head(module.num_heads, (QUERY_KEY, 2 * width), (VALUE, width))}
    if kind == "FalconAttention":
        heads, groups, width = module.num_heads, module.num_kv_heads, module.head_dim
        if module.new_decoder_architecture:  # per group of heads [q ... q | k | v]
            layout = _per_head(groups, (QUERY_KEY, (heads // groups + 1) * width), (VALUE, width))
        elif module.multi_query:  # [q of every head | k | v]
            layout = _per_head(1, (QUERY_KEY, (heads + 1) * width), (VALUE, width))
        else:  # per head [q | k | v]
            layout = _per_head(heads, (QUERY_KEY, 2 * width), (VALUE, width))
        return {"query_key_value": layout}
    return None


def projection_hooks(model: nn.Module, rule: AttentionRule) -> list[torch.utils.hooks.RemovableHandle]:
    """The rule for attention modules that compute their own softmax: the gradient of every output
    feature of their projections is scaled by the rule's factor for its role (AH: queries and keys
    get none, so the attention weights are constants), and the module counts as reached."""

    def hook(owner: nn.Module, roles: int | torch.Tensor):
        def scaled(_module, _args, output):
            seen = _seen_modules.get()
            if seen is not None:
                seen.add(id(owner))
            if isinstance(roles, int):
                return _scaled(output, rule.factors[roles])
            return scale_gradient(output, torch.tensor(rule.factors, device=output.device, dtype=output.dtype)[roles])

        return scaled

    handles = []
    for module in model.modules():
        for name, roles in (projection_roles(module) or {}).items():
            handles.append(getattr(module, name).register_forward_hook(hook(module, roles)))
    return handles


def computes_all_attention_itself(model: nn.Module) -> bool:
    """True where every attention module is reached through its projections: the model then keeps
    its own attention implementation (Falcon reads it to choose its kernel)."""
    innermost = innermost_attention_modules(model)
    modules = [module for module in model.modules() if id(module) in innermost]
    return bool(modules) and all(projection_roles(module) is not None for module in modules)


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
    """Records which attention modules ran during a forward, and which of them went through an
    LRP attention function (or had their projections reached)."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.seen: set[int] = set()
        self.ran: dict[int, str] = {}

    def __enter__(self) -> "AttentionTracker":
        self._token = _seen_modules.set(self.seen)
        innermost = innermost_attention_modules(self.model)
        self._handles = [
            module.register_forward_pre_hook(self._ran_hook(id(module), innermost[id(module)]))
            for module in self.model.modules()
            if id(module) in innermost
        ]
        return self

    def __exit__(self, *exc) -> None:
        _seen_modules.reset(self._token)
        for handle in self._handles:
            handle.remove()

    def _ran_hook(self, key: int, name: str):
        def ran(_module, _args) -> None:
            self.ran[key] = name

        return ran

    def missed(self) -> set[str]:
        """The attention modules that ran but were not reached by the rule (an unused one, such as
        the cross-attention of a decoder run on its own, is no concern)."""
        return {name for key, name in self.ran.items() if key not in self.seen}
