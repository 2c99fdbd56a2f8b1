"""Which operations of a forward pass no rule reaches: what a refusal names.

When the bias-free self-check finds that relevance leaks, the cause is an operation on an
input-dependent tensor that is neither linear nor given a rule (``operations``). ``UnreachedOperations``
watches one explained forward pass beneath the rules and lists those operations with the module
that ran each, so that the refusal says where to look.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook, register_module_forward_pre_hook
from torch.overrides import TorchFunctionMode

from . import rules
from .operations import ELEMENTWISE, EXPONENTIALS, PRODUCTS, ROUNDING, SOFTMAX, _depends_on_input, rule_table

# Operations whose Gradient x Input is conservative as they are: linear, piecewise linear,
# homogeneous of degree one (norms), or moving values around without changing them.
LINEAR = frozenset(
    """__getitem__ __setitem__ __get__ __neg__ neg negative view view_as reshape reshape_as permute
    transpose t mT contiguous expand expand_as repeat repeat_interleave squeeze unsqueeze flatten
    unflatten narrow select index_select gather scatter scatter_add scatter_add_ index_add index_add_
    index_copy index_put index_put_ index_fill masked_select masked_scatter take_along_dim cat concat
    concatenate stack hstack vstack split chunk unbind tensor_split split_with_sizes flip roll movedim
    moveaxis swapaxes swapdims diagonal diag_embed tril triu pad sum mean cumsum diff to type type_as
    float double half bfloat16 clone detach copy_ zero_ fill_ new_zeros new_ones new_empty new_full
    zeros_like ones_like empty_like full_like dropout embedding conv1d conv2d unfold as_strided
    max min amax amin abs topk sort argsort argmax argmin maximum minimum masked_fill masked_fill_
    where nan_to_num norm vector_norm std var cpu cuda requires_grad_ retain_grad register_hook
    linear size dim numel stride is_contiguous item tolist numpy all any nonzero eq ne gt lt ge le
    __eq__ __ne__ __gt__ __lt__ __ge__ __le__ __and__ __or__ __invert__ __bool__ __len__ __iter__
    __format__ __repr__ __hash__ __contains__ __reversed__ isnan isinf isfinite logical_not
    logical_and logical_or sign round floor ceil trunc dim_order __array__ data_ptr element_size
    is_floating_point is_complex backward get_device ndimension nelement new_tensor _grouped_mm grouped_mm
    histc bincount linalg_vector_norm""".split()
)


def _name(func) -> str:
    return getattr(func, "__name__", repr(func))


def _custom_functions(args: tuple) -> list[str]:
    """The custom autograd Functions (other than the rules' own) that computed ``args``: their forward
    runs without a graph, so no operation rule reaches inside (YOSO's attention, Reformer's reversible
    layers), and their own backward decides."""
    found = []
    for arg in args:
        function = getattr(getattr(arg, "grad_fn", None), "_forward_cls", None)
        if function is not None and function.__module__ != rules.__name__:
            found.append(function.__name__)
    return found


class UnreachedOperations(TorchFunctionMode):
    """Records each operation on an input-dependent tensor that has no rule and is not linear, with
    the module that ran it. Entered outside a composite's context, it sees what the rules pass on."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        every_rule = rule_table(None, True, True).keys() | set(ELEMENTWISE + ROUNDING + EXPONENTIALS) | set(PRODUCTS) | set(SOFTMAX)
        self.ruled = {_name(func) for func in every_rule} | {"scaled_dot_product_attention"}
        self.names = {id(module): name or type(model).__name__ for name, module in model.named_modules()}
        self.path: list[str] = []
        self.found: dict[tuple[str, str], None] = {}

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if _depends_on_input(args, kwargs):
            where = self.path[-1] if self.path else ""
            name = _name(func)
            if name in LINEAR:
                pass
            elif not torch.is_grad_enabled():  # relevance cannot pass what computes without a graph
                self.found[("computation without gradients (torch.no_grad)", where)] = None
            elif name not in self.ruled:
                self.found[(name, where)] = None
            for function in _custom_functions(args):
                self.found[(f"autograd Function {function}", where)] = None
        return func(*args, **kwargs)

    @contextmanager
    def watching(self) -> Iterator["UnreachedOperations"]:
        """Active, and following which of the model's modules is running, for the block."""

        def enter(module, _args):
            if id(module) in self.names:
                self.path.append(f"{self.names[id(module)]} ({type(module).__name__})")

        def leave(module, _args, _output):
            if id(module) in self.names and self.path:
                self.path.pop()

        handles = [register_module_forward_pre_hook(enter), register_module_forward_hook(leave)]
        try:
            with self:
                yield self
        finally:
            for handle in handles:
                handle.remove()

    def describe(self, limit: int = 5) -> str:
        """``op in module (Class)``, the first few, or an empty string."""
        found = [f"{op} in {module}" if module else op for op, module in self.found]
        more = f" and {len(found) - limit} more" if len(found) > limit else ""
        return "; ".join(found[:limit]) + more


class LeakingModules:
    """Where relevance is lost or made: each module's relevance in (``x * grad`` of its inputs, as
    seen by that module alone) against its relevance out (``y * grad`` of its outputs), for the
    innermost modules where the two differ. What a refusal names when no operation lacks a rule but
    one is not conservative where it is used (a parameter added that is no bias, a mask that keeps
    part of a product)."""

    def __init__(self, model: nn.Module) -> None:
        self.model = model
        self.names = {id(module): name for name, module in model.named_modules()}
        self.calls: list[tuple[nn.Module, list[torch.Tensor], list[torch.Tensor]]] = []

    def _enter(self, module: nn.Module, args: tuple, kwargs: dict):
        if id(module) not in self.names or not torch.is_grad_enabled():
            return None
        seen: list[torch.Tensor] = []

        def own(value):  # a view of each input-dependent input: its gradient comes from this module alone
            if isinstance(value, torch.Tensor) and value.requires_grad and value.is_floating_point():
                view = value.view_as(value)
                view.retain_grad()
                seen.append(view)
                return view
            return value

        module._lrp_inputs = seen
        return tuple(own(a) for a in args), {k: own(v) for k, v in kwargs.items()}

    def _leave(self, module: nn.Module, _args, _kwargs, output):
        if id(module) not in self.names or not hasattr(module, "_lrp_inputs"):
            return
        outputs = [t for t in _tensors(output) if t.requires_grad and t.is_floating_point()]
        for tensor in outputs:
            tensor.retain_grad()
        self.calls.append((module, module.__dict__.pop("_lrp_inputs"), outputs))

    @contextmanager
    def watching(self) -> Iterator["LeakingModules"]:
        handles = [
            handle
            for module in self.model.modules()
            for handle in (
                module.register_forward_pre_hook(self._enter, with_kwargs=True),
                module.register_forward_hook(self._leave, with_kwargs=True),
            )
        ]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def describe(self, limit: int = 3) -> str:
        """``name (Class): relevance in a, out b`` for the innermost modules that do not conserve."""
        gaps = {}
        for module, inputs, outputs in self.calls:
            if not inputs:  # where the input enters (token ids in, embeddings out): no relevance in
                continue
            r_in, r_out = _relevance(inputs), _relevance(outputs)
            if abs(r_in - r_out) > 1e-4 * max(abs(r_in), abs(r_out), 1e-6):
                gaps[self.names[id(module)] or type(module).__name__] = (module, r_in, r_out)
        innermost = [name for name in gaps if not any(other.startswith(f"{name}.") for other in gaps if other != name)]
        found = [f"{name} ({type(gaps[name][0]).__name__}): in {gaps[name][1]:.4g}, out {gaps[name][2]:.4g}" for name in innermost]
        return "; ".join(found[:limit]) + (f" and {len(found) - limit} more" if len(found) > limit else "")


def _tensors(value) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    if isinstance(value, dict):
        return [t for item in value.values() for t in _tensors(item)]
    return []


def _relevance(tensors: list[torch.Tensor]) -> float:
    return sum(float((t.detach().float() * t.grad.float()).sum()) for t in tensors if t.grad is not None)
