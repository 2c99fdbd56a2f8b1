"""Rules that follow the operations: wherever a model computes one, whatever module or name computes it.

Conservative LRP is a statement about a handful of operations, not about module classes. Inside a
composite's context, ``OperationRules`` (a ``TorchFunctionMode``) sees every torch call of the
forward pass and gives these their rule's backward whenever an argument depends on the input (needs
a gradient; inside the context the parameters do not):

* softmax: its output is a constant under the AH rule (attention weights, and a mixture of experts'
  routing weights alike); attnlrp keeps its gradient.
* fused attention (``F.scaled_dot_product_attention``): the attention rule's operand factors.
* normalisation: the scale is a constant (LN rule): ``rsqrt``, ``sqrt``, a reciprocal or negative
  power, the divisor of every division, ``F.layer_norm`` (centering kept), ``F.rms_norm``,
  ``F.group_norm``, ``F.normalize``.
* elementwise nonlinearities (``exp``, ``tanh``, ``sigmoid``, ``gelu``, ``silu``, ``clamp``, a power
  ``x**p``, ...): the identity rule, ``f(x)/x``; an exponential stabilised by its maximum
  (``exp(a - max(a))``, a softmax or decay written out) is a weight: constant.
* a product of two or more input-dependent tensors (``*``, ``@``, ``einsum``, ``bmm``): the uniform
  rule, ``1/n`` of the gradient to each of its ``n`` input-dependent factors (``x * sigmoid(x)``
  then gives SiLU's identity rule back exactly); but a factor spread over the other by broadcasting
  (a gate or weight per token, head or stream) is a constant, as attention weights are.
* a number written in the code, or a value computed from the input and detached (a straight-through
  estimator), added to an input-dependent tensor: the identity rule, so the sum's relevance stays
  with the input, as in GPT-OSS's ``(up + 1) * glu``. A tensor added (a bias, a position encoding)
  keeps its share of relevance, as biases do.
* signs are constants; rounding (``round``, ``floor``, ... as fake quantisation computes it) and
  ``copysign`` follow the identity rule, as the value they approximate would.

Every value in the forward pass is the original kernel's, bit for bit; only gradients change. Linear
operations (sums, views, indexing, projections by a parameter) need no rule. An operation on an
input-dependent tensor that is none of these and not known to be linear is recorded in
``unreached`` (with the module that ran it), so that a model the rules do not reach is refused with
the operation named.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode, _get_current_function_mode_stack

from .attention import AttentionRule
from .rules import detached, identity_rule, scale_gradient, with_gradient, with_value

Operation = Callable[..., object]
Handler = Callable[[Operation, tuple, dict], object]


def _requires_grad(value) -> bool:
    if isinstance(value, torch.Tensor):
        return value.requires_grad
    if isinstance(value, (list, tuple)):
        return any(isinstance(item, torch.Tensor) and item.requires_grad for item in value)
    return False


def _depends_on_input(args: tuple, kwargs: dict) -> bool:
    return any(_requires_grad(a) for a in args) or any(_requires_grad(v) for v in kwargs.values())


@cache
def _inplace_position(func: Operation) -> int | None:
    """The position of a functional's ``inplace`` parameter (``F.relu(x, True)``), if it has one."""
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None
    return names.index("inplace") if "inplace" in names else None


def _in_place(func: Operation, args: tuple, kwargs: dict) -> bool:
    """Whether ``func`` writes into its first argument: ``x.mul_(y)``, ``x *= y``, ``F.relu(x, inplace=True)``."""
    name = getattr(func, "__name__", "")
    if name.endswith("_") and not name.endswith("__") or name.startswith("__i"):
        return True
    if kwargs.get("inplace"):
        return True
    position = _inplace_position(func)
    return position is not None and len(args) > position and bool(args[position])


def _out_of_place(func: Operation, args: tuple, kwargs: dict) -> tuple[Operation, tuple, dict]:
    """The same operation returning a new tensor, for a rule to build before writing it back."""
    name = getattr(func, "__name__", "")
    if name.startswith("__i"):  # x *= y is x.mul_(y); its out-of-place twin is __mul__
        return getattr(torch.Tensor, "__" + name[3:]), args, kwargs
    if name.endswith("_") and not name.endswith("__"):
        return getattr(torch.Tensor, name[:-1]), args, kwargs
    position = _inplace_position(func)
    if position is not None and len(args) > position:
        args = (*args[:position], False, *args[position + 1 :])
    return func, args, {**kwargs, "inplace": False} if "inplace" in kwargs else kwargs


def _written_back(rule: Handler) -> Handler:
    """``rule`` for in-place variants too: the rule's result is copied into the first argument, which
    then carries the rule's gradient (as the in-place operation would have carried its own)."""

    def handle(func: Operation, args: tuple, kwargs: dict):
        if not _in_place(func, args, kwargs):
            return rule(func, args, kwargs)
        result = rule(*_out_of_place(func, args, kwargs))
        return args[0].copy_(result)

    return handle


# --- the rules -----------------------------------------------------------------------------------


def constant(func: Operation, args: tuple, kwargs: dict):
    """The output is a constant of the backward pass (AH's softmax, a norm's scale, a rounding)."""
    return func(*detached(args), **detached(kwargs))


def identity(func: Operation, args: tuple, kwargs: dict):
    """Identity rule for an elementwise ``f(x)``: backward ``f(x)/x``. Other tensor arguments (the
    bounds of a clamp) that depend on the input make it no elementwise function of ``x`` alone."""
    x, rest = args[0], args[1:]
    if _depends_on_input(rest, kwargs):
        return func(*args, **kwargs)
    return identity_rule(x, lambda: func(x.detach(), *rest, **kwargs))


def exponential(func: Operation, args: tuple, kwargs: dict):
    """``exp(x)``: the identity rule, but where ``x`` is at most 0 and reaches it (``exp(a - max(a))``:
    the numerator of a softmax or a normalised decay written out, stabilised by its maximum, as in
    xLSTM's and RWKV's recurrences) the result is a weight, constant as the AH rule holds softmax
    constant; the identity rule has no value at 0, where ``exp`` is 1. (Telling costs one device
    synchronisation per exponential of an input-dependent tensor, which fused softmaxes never reach.)"""
    x = args[0]
    if x.numel() and bool(x.detach().max() == 0):
        return constant(func, args, kwargs)
    return identity(func, args, kwargs)


def copysign(func: Operation, args: tuple, kwargs: dict):
    """``copysign(x, s)``: the magnitude of ``x`` with the sign of ``s``, a constant; identity rule on ``x``."""
    x, sign = args[0], args[1] if len(args) > 1 else kwargs.get("other")
    if not isinstance(x, torch.Tensor) or not x.requires_grad:
        return constant(func, args, kwargs)
    return identity_rule(x, lambda: func(x.detach(), detached(sign)))


def power(func: Operation, args: tuple, kwargs: dict):
    """``x ** p`` for a constant ``p``: ``p < 0`` and ``p = 1/2`` are norm scales (constants); any other
    power is an elementwise nonlinearity (identity rule, here the gradient over ``p``, exactly)."""
    base = args[0]
    exponent = 2 if func in (torch.square, T.square) else args[1] if len(args) > 1 else kwargs.get("exponent")
    if isinstance(exponent, torch.Tensor):
        if exponent.requires_grad or exponent.numel() != 1:
            return func(*args, **kwargs)
        exponent = exponent.item()
    if not isinstance(base, torch.Tensor) or not base.requires_grad:  # c ** x: an exponential
        return func(*args, **kwargs)
    if exponent <= 0 or exponent == 0.5:
        return constant(func, args, kwargs)
    if exponent == 1:
        return func(*args, **kwargs)
    return identity_rule(base, lambda: func(*detached(args), **detached(kwargs)))


def divisor_constant(func: Operation, args: tuple, kwargs: dict):
    """In ``a / b`` the divisor is a constant: a division by a norm (or by anything) is then linear.
    A division with rounding is a constant altogether."""
    if kwargs.get("rounding_mode") is not None:
        return constant(func, args, kwargs)
    return func(args[0], *detached(args[1:]), **kwargs)


def reciprocal(func: Operation, args: tuple, kwargs: dict):
    """``c / x`` (``x.__rdiv__(c)``) or ``1 / x``: ``x`` is the divisor, so the result is a constant."""
    return constant(func, args, kwargs)


def _uniform(operands: Iterable) -> list:
    """Each input-dependent operand's gradient divided by how many there are (the uniform rule)."""
    operands = list(operands)
    live = sum(isinstance(o, torch.Tensor) and o.requires_grad for o in operands)
    if live < 2:
        return operands
    return [scale_gradient(o, 1.0 / live) if isinstance(o, torch.Tensor) and o.requires_grad else o for o in operands]


def product(*factors: tuple[int, str]) -> Handler:
    """Uniform rule for a product whose factors are the arguments at these (position, name)s."""

    def handle(func: Operation, args: tuple, kwargs: dict):
        args, kwargs = list(args), dict(kwargs)
        places = [(args, p) if p < len(args) else (kwargs, name) for p, name in factors if p < len(args) or name in kwargs]
        for (where, key), operand in zip(places, _uniform(where[key] for where, key in places)):
            where[key] = operand
        return func(*args, **kwargs)

    return handle


def elementwise_product(func: Operation, args: tuple, kwargs: dict):
    """``a * b``: where one factor is spread over the other (broadcast along some of its dimensions and
    matching it in the rest: a gate or weight per token, head, stream or kernel tap; routing weights,
    a shared expert's sigmoid gate, AltUp's and hyper-connections' mixing coefficients, the weights
    of a dynamic convolution), that factor is a constant, as attention weights are under the AH rule,
    and the other takes all the relevance. Factors of one shape: the uniform rule."""
    a, b = args[0], args[1] if len(args) > 1 else kwargs.get("other")
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor) and a.requires_grad and b.requires_grad:
        if _is_weight(a) and not _is_weight(b) or _spread_over(a.shape, b.shape):
            return func(a.detach(), *args[1:], **kwargs)
        if _is_weight(b) and not _is_weight(a) or _spread_over(b.shape, a.shape):
            return func(a, *detached(args[1:]), **detached(kwargs))
    return product((0, "input"), (1, "other"))(func, args, kwargs)


SPREAD_WEIGHT = "_lrp_spread_weight"  # marks a sum that is a weight spread over it, plus constants


def _is_weight(x: torch.Tensor) -> bool:
    return getattr(x, SPREAD_WEIGHT, False)


def _weight_plus_constant(x: torch.Tensor, total: torch.Tensor) -> torch.Tensor:
    """``total = x + c`` (``c`` a constant, such as a static kernel beside a dynamic one): if ``x`` is a
    weight spread over the sum (or such a sum itself), the sum is one too, for the product it meets."""
    if isinstance(total, torch.Tensor) and (_is_weight(x) or _spread_over(x.shape, total.shape)):
        setattr(total, SPREAD_WEIGHT, True)
    return total


def _spread_over(weight: torch.Size, signal: torch.Size) -> bool:
    """Whether a tensor of shape ``weight`` broadcasts over one of shape ``signal``: of size 1 in at
    least one dimension where the signal is larger, and equal to it in all others."""
    weight = (1,) * (len(signal) - len(weight)) + tuple(weight)
    if len(weight) != len(signal):
        return False
    spread = [w == 1 < s for w, s in zip(weight, signal)]
    return any(spread) and all(is_spread or w == s for is_spread, w, s in zip(spread, weight, signal))


def einsum(func: Operation, args: tuple, kwargs: dict):
    """Uniform rule over every operand of an ``einsum`` (given as arguments or as one list)."""
    equation, operands = args[0], args[1:]
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        return func(equation, _uniform(operands[0]), **kwargs)
    return func(equation, *_uniform(operands), **kwargs)


def constant_addend(func: Operation, args: tuple, kwargs: dict):
    """``x + c``, ``x - c`` or ``c - x`` with ``c`` a number written in the code, or a value the model
    computed from the input and detached (the straight-through estimator of fake quantisation,
    ``x + (q(x) - x).detach()``): the identity rule, so the relevance of the sum stays with ``x``
    (GPT-OSS's ``(up + 1) * glu``, a GELU's ``1 + tanh``). Any other tensor added (a bias, a position
    encoding) keeps its share of relevance, as biases do; added to a weight spread over the sum (a
    dynamic convolution's kernel beside its static one), the sum is a weight too."""
    a, b = args[0], args[1] if len(args) > 1 else kwargs.get("other")
    x, c = (a, b) if isinstance(a, torch.Tensor) and a.requires_grad else (b, a)
    if not isinstance(x, torch.Tensor) or not x.requires_grad or isinstance(c, torch.Tensor) and c.requires_grad:
        return func(*args, **kwargs)
    if not _constant_of_the_code_or_input(c):
        return _weight_plus_constant(x, func(*args, **kwargs))
    return identity_rule(x, lambda: func(*detached(args), **detached(kwargs)))


DETACHED_INPUT = "_lrp_detached_input"  # marks a tensor the model computed from the input, then detached


def _constant_of_the_code_or_input(c) -> bool:
    if isinstance(c, torch.Tensor):
        return not c.requires_grad and getattr(c, DETACHED_INPUT, False)
    return isinstance(c, (int, float)) and not isinstance(c, bool) and c != 0


def detach(func: Operation, args: tuple, kwargs: dict):
    """The model's own ``detach`` of an input-dependent tensor, marked as such (``constant_addend``)."""
    detached = func(*args, **kwargs)
    setattr(detached, DETACHED_INPUT, True)
    return detached


def _norm_dims(x: torch.Tensor, normalized_shape) -> tuple[int, ...]:
    count = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    return tuple(range(x.dim() - count, x.dim()))


def layer_norm(func: Operation, args: tuple, kwargs: dict):
    """``F.layer_norm`` with ``1/std`` constant and the centering ``x - mean`` kept (LN rule)."""
    x, shape = args[0], args[1]
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    eps = args[4] if len(args) > 4 else kwargs.get("eps", 1e-5)
    dims = _norm_dims(x, shape)
    rstd = torch.rsqrt(x.detach().float().var(dims, unbiased=False, keepdim=True) + eps)

    def gradient(grad: torch.Tensor) -> torch.Tensor:
        g = grad.float() if weight is None else grad.float() * weight.float()
        return (g - g.mean(dims, keepdim=True)) * rstd

    return with_gradient(x, lambda: func(*detached(args), **detached(kwargs)), gradient)


def rms_norm(func: Operation, args: tuple, kwargs: dict):
    """``F.rms_norm`` with ``1/rms`` constant."""
    x, shape = args[0], args[1]
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    eps = args[3] if len(args) > 3 else kwargs.get("eps")
    eps = torch.finfo(x.dtype).eps if eps is None else eps
    rstd = torch.rsqrt(x.detach().float().pow(2).mean(_norm_dims(x, shape), keepdim=True) + eps)

    def gradient(grad: torch.Tensor) -> torch.Tensor:
        return grad.float() * rstd if weight is None else grad.float() * weight.float() * rstd

    return with_gradient(x, lambda: func(*detached(args), **detached(kwargs)), gradient)


def group_norm(func: Operation, args: tuple, kwargs: dict):
    """``F.group_norm`` over ``(N, C, ...)``: per group, ``1/std`` constant and the centering kept."""
    x, groups = args[0], args[1]
    weight = args[2] if len(args) > 2 else kwargs.get("weight")
    eps = args[4] if len(args) > 4 else kwargs.get("eps", 1e-5)
    grouped = x.detach().float().reshape(x.shape[0], groups, -1)
    rstd = torch.rsqrt(grouped.var(-1, unbiased=False, keepdim=True) + eps)

    def gradient(grad: torch.Tensor) -> torch.Tensor:
        g = grad.float()
        if weight is not None:
            g = g * weight.float().view(1, -1, *([1] * (x.dim() - 2)))
        g = g.reshape(x.shape[0], groups, -1)
        return ((g - g.mean(-1, keepdim=True)) * rstd).reshape(x.shape)

    return with_gradient(x, lambda: func(*detached(args), **detached(kwargs)), gradient)


def normalize(func: Operation, args: tuple, kwargs: dict):
    """``F.normalize``: ``x / max(||x||, eps)`` with the norm constant (as ``F.normalize`` computes it)."""
    x = args[0]
    p, dim, eps = (list(args[1:4]) + [None] * 3)[:3]
    p = kwargs.get("p", 2.0) if p is None else p
    dim = kwargs.get("dim", 1) if dim is None else dim
    eps = kwargs.get("eps", 1e-12) if eps is None else eps
    if kwargs.get("out") is not None:
        return func(*args, **kwargs)
    return x / x.detach().norm(p, dim, keepdim=True).clamp_min(eps).expand_as(x)


def attention_operands(rule: AttentionRule) -> Handler:
    """Fused attention: the query, key and value scaled by the attention rule's factors."""

    def handle(func: Operation, args: tuple, kwargs: dict):
        names = ("query", "key", "value")
        given = list(args[:3]) + [kwargs.pop(name) for name in names[len(args[:3]) :] if name in kwargs]
        q, k, v = rule.operands(*given)
        return func(q, k, v, *args[3:], **kwargs)

    return handle


# --- which operation gets which rule -------------------------------------------------------------

T = torch.Tensor

SOFTMAX = (F.softmax, torch.softmax, T.softmax, torch.special.softmax)
SCALES = (
    torch.rsqrt, T.rsqrt, T.rsqrt_, torch.sqrt, T.sqrt, T.sqrt_, torch.reciprocal, T.reciprocal,
    torch.logsumexp, T.logsumexp,  # the log-normaliser of a softmax written out, exp(x - logsumexp(x))
)
SIGNS = (torch.sign, T.sign, torch.sgn, T.sgn, torch.signbit)
ROUNDING = (torch.round, T.round, torch.floor, T.floor, torch.ceil, T.ceil, torch.trunc, T.trunc, torch.fix)
ELEMENTWISE = (
    F.gelu, F.silu, F.relu, F.relu6, F.elu, F.selu, F.celu, F.leaky_relu, F.mish, F.hardswish, F.hardsigmoid,
    F.hardtanh, F.softplus, F.logsigmoid, F.tanh, F.sigmoid, F.tanhshrink, F.softsign,
    torch.tanh, T.tanh, T.tanh_, torch.sigmoid, T.sigmoid, T.sigmoid_, torch.relu, T.relu, T.relu_,
    torch.expm1, T.expm1, torch.exp2, T.exp2, torch.log, T.log, torch.log1p, T.log1p,
    torch.erf, T.erf, torch.special.erf, torch.special.expit, torch.atan, T.atan, torch.sin, T.sin, torch.cos, T.cos,
    torch.clamp, T.clamp, T.clamp_, torch.clip, T.clip, T.clamp_min, T.clamp_max, torch.clamp_min, torch.clamp_max,
    torch.special.logit, torch.logit,
)
EXPONENTIALS = (torch.exp, T.exp, T.exp_)
POWERS = (torch.pow, T.pow, T.pow_, T.__pow__, T.__ipow__, torch.square, T.square)
DIVISIONS = (torch.div, T.div, T.div_, torch.true_divide, T.true_divide, T.__truediv__, T.__itruediv__, T.__div__)
RECIPROCALS = (T.__rdiv__, T.__rtruediv__)
MULTIPLICATIONS = (torch.mul, T.mul, T.mul_, T.__mul__, T.__rmul__, T.__imul__, torch.multiply, T.multiply)
PRODUCTS = {  # operation: the (position, name) of its two factors
    **dict.fromkeys(MULTIPLICATIONS, ((0, "input"), (1, "other"))),
    **dict.fromkeys((torch.matmul, T.matmul, T.__matmul__, T.__rmatmul__), ((0, "input"), (1, "other"))),
    **dict.fromkeys((torch.bmm, T.bmm, torch.mm, T.mm), ((0, "input"), (1, "mat2"))),
    **dict.fromkeys((torch.mv, T.mv), ((0, "input"), (1, "vec"))),
    **dict.fromkeys((torch.outer, T.outer), ((0, "input"), (1, "vec2"))),
    F.linear: ((0, "input"), (1, "weight")),
    **dict.fromkeys((torch.baddbmm, T.baddbmm, torch.addbmm), ((1, "batch1"), (2, "batch2"))),
    **dict.fromkeys((torch.addmm, T.addmm), ((1, "mat1"), (2, "mat2"))),
}
ADDITIONS = (
    torch.add, T.add, T.add_, T.__add__, T.__radd__, T.__iadd__,
    torch.sub, T.sub, T.sub_, T.__sub__, T.__rsub__, T.__isub__, torch.rsub,
)


@cache
def rule_table(attention: AttentionRule | None, norms: bool, activations: bool) -> dict[Operation, Handler]:
    """The handler of each operation for a composite's choice of rules (built once per choice; read,
    never changed); products and constants added always get theirs (they make the others add up)."""
    table: dict[Operation, Handler] = {}
    if attention is not None:
        table[F.scaled_dot_product_attention] = attention_operands(attention)
        if attention.constant_weights:
            table.update(dict.fromkeys(SOFTMAX, constant))
    if norms:
        table.update(dict.fromkeys(SCALES, _written_back(constant)))
        table.update(dict.fromkeys(DIVISIONS, _written_back(divisor_constant)))
        table.update(dict.fromkeys(RECIPROCALS, reciprocal))
        table.update({F.layer_norm: layer_norm, F.rms_norm: rms_norm, F.group_norm: group_norm, F.normalize: normalize})
    if activations:
        table.update(dict.fromkeys(ELEMENTWISE + ROUNDING, _written_back(identity)))
        table.update(dict.fromkeys(EXPONENTIALS, _written_back(exponential)))
        table.update({torch.copysign: copysign, T.copysign: copysign})
        table.update(dict.fromkeys(POWERS, _written_back(power)))
        table[F.glu] = glu
    table.update(dict.fromkeys(SIGNS, constant))
    table.update({func: _written_back(product(*factors)) for func, factors in PRODUCTS.items()})
    table.update(dict.fromkeys(MULTIPLICATIONS, _written_back(elementwise_product)))
    table[torch.einsum] = einsum
    table.update(dict.fromkeys(ADDITIONS, _written_back(constant_addend)))
    table[T.detach] = detach
    return table


def glu(func: Operation, args: tuple, kwargs: dict):
    """``F.glu``: ``a * sigmoid(b)``, by the uniform rule over its halves and the identity rule on the
    sigmoid; the value is ``F.glu``'s own."""
    x = args[0]
    dim = args[1] if len(args) > 1 else kwargs.get("dim", -1)
    a, b = x.chunk(2, dim)
    a, gate = _uniform([a, identity_rule(b, lambda: torch.sigmoid(b.detach()))])
    return with_value(a * gate, lambda: func(x.detach(), dim))


class OperationRules(TorchFunctionMode):
    """Applies ``table``'s rule to each operation on an input-dependent tensor while active.

    Nothing happens outside a gradient-recording forward pass, so plain inference under the mode
    costs a dictionary look-up per call."""

    def __init__(self, table: dict[Operation, Handler]) -> None:
        super().__init__()
        self.table = table

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        handler = self.table.get(func)
        if handler is None or not torch.is_grad_enabled() or not _depends_on_input(args, kwargs):
            return func(*args, **kwargs)
        return handler(func, args, kwargs)


def rules_in_force() -> OperationRules | None:
    """The operation rules active on this thread, if any."""
    modes = _get_current_function_mode_stack()
    return next((mode for mode in reversed(modes) if isinstance(mode, OperationRules)), None)


@contextmanager
def reentered(rules: OperationRules | None) -> Iterator[None]:
    """``rules`` active again where torch runs code without function modes: checkpointing's
    recomputation in the backward pass, which must compute exactly what the forward pass did."""
    if rules is None or rules_in_force() is rules:
        yield
        return
    with rules:
        yield
