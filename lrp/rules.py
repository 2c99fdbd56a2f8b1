"""Backward-pass rules: each keeps the module's forward exactly and replaces only its gradient.

LRP in the Gradient x Input form (Ali et al. 2022, Achtibat et al. 2024) is a normal backward pass in
which a few operations use a modified local Jacobian. Every rule here is one of those Jacobians:

* ``NormRule``: LayerNorm / RMSNorm with the scale ``1/sqrt(var + eps)`` held constant (LN rule);
  the centering ``x - mean(x)`` of LayerNorm is linear and stays in the gradient.
* ``IdentityRule``: an elementwise activation ``y = f(x)`` passes ``g * f(x) / x`` back instead of
  ``g * f'(x)``, so relevance ``x * grad`` in equals ``y * grad`` out.
* ``scale_gradient``: identity forward, gradient times a constant (the uniform rule for products).

The forward of each rule calls the module's own forward, so logits stay bit-for-bit unchanged.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


class _ScaleGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, factor: float | torch.Tensor) -> torch.Tensor:
        ctx.factor = factor
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return grad * ctx.factor, None


def scale_gradient(x: torch.Tensor, factor: float | torch.Tensor) -> torch.Tensor:
    """Identity in the forward pass; multiplies the incoming gradient by ``factor``, or by one
    factor per feature of the last dimension (a factor 0 makes that feature a constant)."""
    return _ScaleGradient.apply(x, factor)


def identity_ratio(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """``y / x``, and 0 where ``x == 0`` (there ``x * grad`` is zero whatever the ratio)."""
    return torch.nan_to_num_(y / x, nan=0.0, posinf=0.0, neginf=0.0)


class _BypassFunction(torch.autograd.Function):
    """Returns ``y`` unchanged but sends the identity-rule gradient to ``x`` and none through ``y``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(identity_ratio(x, y))
        return y.view_as(y)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (ratio,) = ctx.saved_tensors
        return grad * ratio, None


def bypass_activation(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Identity rule for an activation called inline as a function (``y = torch.tanh(x)``)."""
    return _BypassFunction.apply(x, y)


class _NormRuleFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, module: nn.Module, forward: Callable, rule: "NormRule") -> torch.Tensor:
        ctx.save_for_backward(rule.inverse_scale(module, x))
        ctx.module, ctx.rule, ctx.dtype = module, rule, x.dtype
        return forward(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (rstd,) = ctx.saved_tensors
        return ctx.rule.gradient(ctx.module, rstd, grad).to(ctx.dtype), None, None, None


class Rule:
    """A rule wraps one module's forward for the duration of a composite's context."""

    name: str = "rule"

    def wrap(self, module: nn.Module, forward: Callable) -> Callable:
        raise NotImplementedError


class IdentityRule(Rule):
    """Elementwise activations (GELU, SiLU, tanh, ReLU): backward uses ``f(x)/x``."""

    name = "identity"

    def wrap(self, module: nn.Module, forward: Callable) -> Callable:
        return lambda x: bypass_activation(x, forward(x.detach()))


class NormRule(Rule):
    """LN rule: the normaliser ``1/sqrt(var + eps)`` (or RMS) is a constant in the backward pass."""

    name = "ln"

    def wrap(self, module: nn.Module, forward: Callable) -> Callable:
        return lambda x: _NormRuleFunction.apply(x, module, forward, self)

    def inverse_scale(self, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The normaliser ``1/sqrt(var + eps)`` per row, in float32: the constant of the rule."""
        raise NotImplementedError

    def gradient(self, module: nn.Module, rstd: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        """The gradient of the norm with ``rstd`` held constant."""
        raise NotImplementedError


def _eps(module: nn.Module, x: torch.Tensor) -> float:
    eps = getattr(module, "variance_epsilon", getattr(module, "eps", None))
    return torch.finfo(x.dtype).eps if eps is None else eps


def _probe(module: nn.Module, expected: Callable[[torch.Tensor], torch.Tensor]) -> bool:
    """Run the module once on random rows: does its forward compute ``expected``?"""
    weight = getattr(module, "weight", None)
    if not isinstance(weight, torch.Tensor) or weight.dim() != 1:
        return False
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(3, weight.numel(), generator=generator).to(weight.device, torch.float32)
    with torch.no_grad():
        actual = module(x.to(weight.dtype)).float()
        return torch.allclose(actual, expected(x), rtol=1e-2, atol=1e-3)


class LayerNormRule(NormRule):
    """``nn.LayerNorm``, and norms written out by hand that compute the same (DeBERTa's)."""

    name = "ln-layernorm"

    def inverse_scale(self, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return torch.rsqrt(x.float().var(-1, unbiased=False, keepdim=True) + _eps(module, x))

    def gradient(self, module: nn.Module, rstd: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        g = grad.float() if module.weight is None else grad.float() * module.weight.float()
        return (g - g.mean(-1, keepdim=True)) * rstd

    def matches(self, module: nn.Module) -> bool:
        bias = getattr(module, "bias", None)

        def layer_norm(x: torch.Tensor) -> torch.Tensor:
            centred = x - x.mean(-1, keepdim=True)
            y = module.weight.float() * centred * self.inverse_scale(module, x)
            return y if bias is None else y + bias.float()

        return _probe(module, layer_norm)


class RMSNormRule(NormRule):
    """For norms of the form ``(offset + weight) * x * rsqrt(mean(x**2) + eps)``: offset 0 for Llama,
    Qwen2 and ``nn.RMSNorm``, 1 for Gemma (whose weight starts at zero)."""

    name = "ln-rmsnorm"

    def __init__(self, offset: float = 0.0) -> None:
        self.offset = offset

    def inverse_scale(self, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return torch.rsqrt(x.float().pow(2).mean(-1, keepdim=True) + _eps(module, x))

    def gradient(self, module: nn.Module, rstd: torch.Tensor, grad: torch.Tensor) -> torch.Tensor:
        return grad.float() * (self.offset + module.weight.float()) * rstd

    def matches(self, module: nn.Module) -> bool:
        return _probe(module, lambda x: (self.offset + module.weight.float()) * x * self.inverse_scale(module, x))
