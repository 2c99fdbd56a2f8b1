"""Backward-pass rules: each keeps an operation's forward value exactly and replaces only its gradient.

LRP in the Gradient x Input form (Ali et al. 2022, Achtibat et al. 2024) is a normal backward pass in
which a few operations use a modified local Jacobian. Every rule here is one of those Jacobians:

* ``scale_gradient``: identity forward, gradient times a constant (the uniform rule for products,
  the attention rules' factors for queries, keys and values).
* ``identity_rule``: an elementwise ``y = f(x)`` passes ``g * f(x) / x`` back instead of
  ``g * f'(x)``, so relevance ``x * grad`` in equals ``y * grad`` out.
* ``with_gradient``: a value computed by the original kernel, with the gradient of a norm whose scale
  is held constant (LN rule).
* ``IdentityRule``: the identity rule for a whole activation module (GELU written out as
  ``0.5 * x * (1 + tanh(...))`` is one elementwise function, whatever its parts).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class _ScaleGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, factor: float) -> torch.Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.factor, None


def scale_gradient(x: torch.Tensor, factor: float) -> torch.Tensor:
    """Identity in the forward pass (a view of ``x``: for operands, used at once); multiplies the
    incoming gradient by ``factor``."""
    return _ScaleGradient.apply(x, factor)


def detached(value):
    """``value`` with every tensor in it (itself, or the items of a tuple or list) detached."""
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (list, tuple)):
        items = [detached(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)  # named tuples too
    return value


def identity_ratio(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``y / x``, and 0 where ``x == 0`` (there ``x * grad`` is zero whatever the ratio)."""
    return torch.nan_to_num_(y / x, nan=0.0, posinf=0.0, neginf=0.0)


class _IdentityRule(torch.autograd.Function):
    """Returns ``f(x)`` (computed here, a tensor of its own) and sends the identity-rule gradient,
    ``grad * f(x) / x``, to ``x``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        y = compute()
        ctx.save_for_backward(identity_ratio(x.detach(), y))
        return y

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (ratio,) = ctx.saved_tensors
        return grad * ratio, None


def identity_rule(x: torch.Tensor, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
    """``compute()``, an elementwise ``f(x)`` computed without a graph, with the identity rule's
    gradient: ``x * grad`` equals ``f(x) * g``."""
    return _IdentityRule.apply(x, compute)


class _WithGradient(torch.autograd.Function):
    """``compute()`` in the forward pass; ``gradient(grad)`` in the backward pass, returned to ``x``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, compute: Callable[[], torch.Tensor], gradient: Callable[[torch.Tensor], torch.Tensor]):
        ctx.gradient, ctx.dtype = gradient, x.dtype
        return compute()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return ctx.gradient(grad).to(ctx.dtype), None, None


def with_gradient(
    x: torch.Tensor, compute: Callable[[], torch.Tensor], gradient: Callable[[torch.Tensor], torch.Tensor]
) -> torch.Tensor:
    """``compute()`` (the original kernel applied to ``x``, without a graph), differentiated by
    ``gradient``: how a norm keeps its exact forward and gets the LN rule's backward."""
    return _WithGradient.apply(x, compute, gradient)


class _WithValue(torch.autograd.Function):
    @staticmethod
    def forward(ctx, ruled: torch.Tensor, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
        return compute()

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad, None


def with_value(ruled: torch.Tensor, compute: Callable[[], torch.Tensor]) -> torch.Tensor:
    """``compute()`` (the original kernel) in the forward pass, the gradient of ``ruled`` (the same
    function composed of operations that have rules) in the backward pass."""
    return _WithValue.apply(ruled, compute)


class Rule:
    """A rule wraps one module's forward for the duration of a composite's context."""

    name: str = "rule"

    def wrap(self, module: nn.Module, forward: Callable) -> Callable:
        raise NotImplementedError


class IdentityRule(Rule):
    """Elementwise activation modules (GELU, SiLU, tanh, ReLU): backward uses ``f(x)/x``."""

    name = "identity"

    def wrap(self, module: nn.Module, forward: Callable) -> Callable:
        return lambda x: identity_rule(x, lambda: forward(x.detach()))
