"""Composites: which rule applies where in a model, inside a scoped, reversible context.

In the spirit of zennit::

    with CP_LRP.context(model):
        logits = model(**batch).logits      # unchanged values
        logits[:, target].sum().backward()  # rule-modified gradients

The rules follow the operations (``operations.OperationRules``): wherever the forward pass computes
a softmax, a norm's scale, an elementwise nonlinearity or a product of input-dependent tensors, that
operation gets its rule, whatever module computes it. Four rules stay on modules, where they are
needed or faster: the attention rule in front of transformers' ``AttentionInterface`` (it reaches
kernels torch functions never see, such as flash attention), the coefficients of state-space scans
held constant in front of their kernels (``state_space``: no operation tells a coefficient from the
input), routing weights held constant in front of experts modules (a sigmoid router's too), and the
identity rule on whole activation modules (one ratio for GELU's tanh formula instead of a rule per
part).

Entering the context sets ``eval()`` and freezes every parameter (no weight gradients; a tensor that
needs a gradient then depends on the input). Leaving it restores everything, so different methods can
run one after another on the same model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from transformers import PretrainedConfig
from transformers.activations import ACT2CLS

from .attention import AHRule, AttentionRule, UniformBilinearRule, implementation_key
from .operations import OperationRules, rule_table
from .rules import IdentityRule, Rule, detached
from .state_space import scan_hooks

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = tuple(
    {value[0] if isinstance(value, tuple) else value for value in ACT2CLS.values()}
    | {nn.GELU, nn.SiLU, nn.Tanh, nn.ReLU, nn.Mish, nn.LeakyReLU}
)
# Activation modules of a model's own making, elementwise like those of ``ACT2CLS``.
NAMED_ACTIVATIONS = ("BloomGelu",)


@dataclass(frozen=True)
class Composite:
    """A named set of rules. ``None`` / ``False`` leaves that part of the model's gradient as it is."""

    name: str
    attention: AttentionRule | None = None
    norms: bool = False
    activations: bool = False

    @property
    def modifies_gradients(self) -> bool:
        return self.attention is not None or self.norms or self.activations

    def describe(self) -> dict[str, str]:
        """The rules by part of the model, for manifests and reports."""
        if not self.modifies_gradients:
            return {"all": "gradient"}
        return {
            "attention": self.attention.name if self.attention else "gradient",
            "norm": NORM_RULE_NAME if self.norms else "gradient",
            "activation": IdentityRule.name if self.activations else "gradient",
            "product": "uniform (1/n to each of n input-dependent factors); a factor broadcast over the other constant",
            "expert_routing": "constant (relevance flows through the chosen experts)",
            "state_space": "dt, B, C (queries, keys, decay and beta of a delta rule) constant",
            "constant_addend": "identity (a number added in the code, or a detached value of the input, keeps no relevance)",
        }

    @contextmanager
    def context(self, model: nn.Module) -> Iterator[OperationRules | None]:
        """Apply the rules to ``model`` for the duration of the block; undo everything on exit.
        Yields the operation rules in force (None for plain gradients)."""
        with ExitStack() as stack:
            stack.enter_context(_frozen(model))
            if not self.modifies_gradients:
                yield None
                return
            if self.attention is not None:
                stack.enter_context(_attention_implementation(model, self.attention))
                stack.enter_context(_hooks(scan_hooks(model)))
            if self.activations:
                stack.enter_context(_wrapped_forwards(_activation_rules(model)))
            stack.enter_context(_routing_hooks(model))
            rules = stack.enter_context(OperationRules(rule_table(self.attention, self.norms, self.activations)))
            yield rules


NORM_RULE_NAME = "ln (1/std constant, centering kept)"


@contextmanager
def _frozen(model: nn.Module) -> Iterator[None]:
    training = model.training
    flags = [(p, p.requires_grad) for p in model.parameters()]
    model.eval()
    for parameter, _ in flags:
        parameter.requires_grad_(False)
    try:
        yield
    finally:
        for parameter, flag in flags:
            parameter.requires_grad_(flag)
        model.train(training)


def _configs(model: nn.Module) -> list[PretrainedConfig]:
    found: dict[int, PretrainedConfig] = {}
    for module in model.modules():
        config = getattr(module, "config", None)
        if isinstance(config, PretrainedConfig):
            found[id(config)] = config
    return list(found.values())


@contextmanager
def _attention_implementation(model: nn.Module, rule: AttentionRule) -> Iterator[None]:
    """Every config of the model names the rule's attention function over its own implementation.
    A model without a transformers config is reached by the operation rules alone."""
    saved = [(config, config._attn_implementation_internal) for config in _configs(model)]
    try:
        for config, original in saved:
            config._attn_implementation_internal = implementation_key(rule, original or "eager")
        yield
    finally:
        for config, original in saved:
            config._attn_implementation_internal = original


def _activation_rules(model: nn.Module) -> list[tuple[nn.Module, Rule]]:
    identity = IdentityRule()
    return [
        (module, identity)
        for module in model.modules()
        if isinstance(module, ACTIVATION_TYPES) or type(module).__name__ in NAMED_ACTIVATIONS
    ]


@contextmanager
def _wrapped_forwards(rules: list[tuple[nn.Module, Rule]]) -> Iterator[None]:
    wrapped = []
    try:
        for module, rule in rules:
            had_own = "forward" in module.__dict__
            original = module.forward
            module.forward = rule.wrap(module, original)
            wrapped.append((module, had_own, original))
        yield
    finally:
        for module, had_own, original in reversed(wrapped):
            if had_own:
                module.forward = original
            else:
                del module.forward


@contextmanager
def _hooks(handles: list[torch.utils.hooks.RemovableHandle]) -> Iterator[None]:
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


EXPERTS_MARKS = ("has_gate", "has_bias", "is_concatenated", "is_transposed")  # set by use_experts_implementation


def _routing_hooks(model: nn.Module):
    """Routing weights of a mixture of experts are constants, as attention weights are under the AH
    rule, so all relevance flows through the chosen experts: detached where transformers' experts
    modules (``use_experts_implementation``) take them, ``experts(hidden, indices, weights)``, whatever
    computed them (softmax, sigmoid, a normalised top-k), and at the router where an older block names
    it ``gate`` beside ``experts`` (with Qwen2-MoE's sigmoid gate of its shared expert)."""
    handles = []
    for module in model.modules():
        if all(hasattr(module, mark) for mark in EXPERTS_MARKS):
            handles.append(module.register_forward_pre_hook(_constant_routing_weights, with_kwargs=True))
        router, experts = getattr(module, "gate", None), getattr(module, "experts", None)
        if not (isinstance(router, nn.Module) and isinstance(experts, nn.Module)):
            continue
        for gate in filter(None, [router, getattr(module, "shared_expert_gate", None)]):
            handles.append(gate.register_forward_hook(lambda _module, _args, output: detached(output)))
    return _hooks(handles)


def _constant_routing_weights(_module: nn.Module, args: tuple, kwargs: dict):
    """The third argument of ``experts(hidden_states, indices, weights)`` (or the keyword naming weights), detached."""
    if len(args) > 2:
        return (*args[:2], detached(args[2]), *args[3:]), kwargs
    return args, {key: detached(value) if "weight" in key else value for key, value in kwargs.items()}



CP_LRP = Composite("cp-lrp", attention=AHRule(), norms=True, activations=True)
ATTN_LRP = Composite("attnlrp", attention=UniformBilinearRule(), norms=True, activations=True)
GRADIENT = Composite("gradient")
