"""Composites: which rule applies to which part of a model, inside a scoped, reversible context.

In the spirit of zennit::

    with CP_LRP.context(model) as session:
        logits = model(**batch).logits      # unchanged values
        logits[:, target].sum().backward()  # rule-modified gradients
        session.check()                     # every attention layer went through the rule

Entering the context sets ``eval()`` and freezes every parameter (no weight gradients); it swaps the
attention implementation, wraps norm and activation forwards and hooks gated products. Leaving it
restores all of that, so different methods can run one after another on the same model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from transformers import PretrainedConfig
from transformers.activations import ACT2CLS

from .attention import AHRule, AttentionRule, AttentionTracker, UniformBilinearRule, implementation_key
from .attention import computes_all_attention_itself, projection_hooks
from .errors import UnsupportedArchitectureError
from .rules import IdentityRule, LayerNormRule, NormRule, RMSNormRule, Rule, bypass_activation, scale_gradient

ACTIVATION_TYPES: tuple[type[nn.Module], ...] = tuple(
    {value[0] if isinstance(value, tuple) else value for value in ACT2CLS.values()}
    | {nn.GELU, nn.SiLU, nn.Tanh, nn.ReLU, nn.Mish, nn.LeakyReLU}
)

# Gated feed-forward blocks ``consumer(act(a) * b)``: (attributes that identify the block, consumer).
GATED_BLOCKS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("gate_proj", "up_proj", "down_proj", "act_fn"), "down_proj"),  # Llama, Qwen2, Mistral, ...
    (("Wi", "act", "Wo"), "Wo"),  # ModernBERT GeGLU: Wi produces both halves
    (("gate_up_proj", "activation_fn", "down_proj"), "down_proj"),  # Phi-3: gate_up_proj produces both halves
    (("wi_0", "wi_1", "act", "wo"), "wo"),  # T5 v1.1, Flan-T5: gated-GELU feed-forward
)


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
            "gated_product": "uniform (1/2 each operand)",
            "expert_routing": "constant (relevance flows through the chosen experts)",
            "inline_activation": IdentityRule.name if self.activations else "gradient",
        }

    @contextmanager
    def context(self, model: nn.Module) -> Iterator["Session"]:
        """Apply the rules to ``model`` for the duration of the block; undo everything on exit."""
        with ExitStack() as stack:
            stack.enter_context(_frozen(model))
            session = Session(model, checks_attention=self.attention is not None)
            if self.attention is not None:
                if not computes_all_attention_itself(model):
                    stack.enter_context(_attention_implementation(model, self.attention))
                stack.enter_context(_hooks(projection_hooks(model, self.attention)))
                stack.enter_context(session.tracker)
            if self.norms:
                stack.enter_context(_wrapped_forwards(_norm_rules(model)))
            if self.activations:
                stack.enter_context(_wrapped_forwards(_activation_rules(model)))
                stack.enter_context(_inline_activation_hooks(model))
                stack.enter_context(_softcapped_logits(model))
            if self.modifies_gradients:
                stack.enter_context(_gated_product_hooks(model))
                stack.enter_context(_routing_hooks(model))
            yield session


NORM_RULE_NAME = "ln (1/std constant, centering kept)"


class Session:
    """What a composite's context yields: checks that the rules really reached the model."""

    def __init__(self, model: nn.Module, checks_attention: bool) -> None:
        self.model = model
        self.checks_attention = checks_attention
        self.tracker = AttentionTracker(model)

    def check(self) -> None:
        """Raise if an attention module ran without passing through the attention rule."""
        if not self.checks_attention:
            return
        missed = self.tracker.missed()
        if missed:
            raise UnsupportedArchitectureError(
                f"{type(self.model).__name__}: attention module(s) {', '.join(sorted(missed))} do not use "
                "transformers' AttentionInterface, so the attention rule cannot reach them"
            )


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
    configs = _configs(model)
    if not configs:
        raise UnsupportedArchitectureError(f"{type(model).__name__} has no transformers config to dispatch attention")
    saved = [(config, config._attn_implementation_internal) for config in configs]
    try:
        for config, original in saved:
            config._attn_implementation_internal = implementation_key(rule, original or "eager")
        yield
    finally:
        for config, original in saved:
            config._attn_implementation_internal = original


# The norms written out by hand that the LN rule reaches, each recognised by probing its forward.
NORM_FORMS: tuple[NormRule, ...] = (RMSNormRule(), RMSNormRule(offset=1.0), LayerNormRule())


def _norm_rules(model: nn.Module) -> list[tuple[nn.Module, Rule]]:
    rules: list[tuple[nn.Module, Rule]] = []
    for name, module in model.named_modules():
        kind = type(module).__name__
        if isinstance(module, nn.LayerNorm):
            if len(module.normalized_shape) != 1:
                raise UnsupportedArchitectureError(f"{name} ({kind}) normalises over several dimensions")
            rules.append((module, NORM_FORMS[-1]))
        elif "norm" in kind.lower() and not list(module.children()):
            form = next((rule for rule in NORM_FORMS if rule.matches(module)), None)
            if form is None:
                raise UnsupportedArchitectureError(
                    f"{type(model).__name__}: no LN rule for {name} ({kind}); supported are nn.LayerNorm, norms "
                    "computing the same, and RMSNorms computing (w or 1 + w) * x * rsqrt(mean(x**2) + eps)"
                )
            rules.append((module, form))
    return rules


# Activation modules of a model's own making, elementwise like those of ``ACT2CLS``.
NAMED_ACTIVATIONS = ("BloomGelu",)


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


def _gated_product_hooks(model: nn.Module):
    """Uniform rule for ``act(a) * b``: halving the product's gradient gives each operand half."""
    handles = []
    for module in model.modules():
        for attributes, consumer in GATED_BLOCKS:
            if all(isinstance(getattr(module, a, None), nn.Module) for a in attributes):
                handles.append(
                    getattr(module, consumer).register_forward_pre_hook(
                        lambda _module, args: (scale_gradient(args[0], 0.5), *args[1:])
                    )
                )
    return _hooks(handles)


@contextmanager
def _softcapped_logits(model: nn.Module) -> Iterator[None]:
    """Gemma 2 (and Gemma 3 where configured) caps causal-LM logits inline, ``cap * tanh(logits / cap)``:
    the identity rule reaches that tanh through a hook on the output head, which caps the logits
    itself, as the model would, while the model's own capping is switched off."""
    config = getattr(model, "config", None)
    cap = getattr(config, "final_logit_softcapping", None)
    head = model.get_output_embeddings() if cap else None
    if head is None:
        yield
        return

    def capped(_module, _args, logits):
        return bypass_activation(logits, torch.tanh(logits.detach() / cap) * cap)

    handle = head.register_forward_hook(capped)
    config.final_logit_softcapping = None
    try:
        yield
    finally:
        config.final_logit_softcapping = cap
        handle.remove()


def _routing_hooks(model: nn.Module):
    """Mixture-of-experts blocks (Mixtral, Qwen2-MoE, Qwen3-MoE): the router's weights are constants, as the
    attention weights are under the AH rule, so all relevance flows through the chosen experts; the
    experts' own gated products ``act(gate) * up`` (computed inline) get the uniform rule, which for
    a product whose operands both come from the experts' input is half of the input's gradient."""
    handles = []
    for module in model.modules():
        router, experts = getattr(module, "gate", None), getattr(module, "experts", None)
        if not (isinstance(router, nn.Module) and isinstance(experts, nn.Module)):
            continue
        routers = [router, getattr(module, "shared_expert_gate", None)]  # Qwen2-MoE gates its shared expert too
        for gate in filter(None, routers):
            handles.append(gate.register_forward_hook(lambda _module, _args, output: _detached(output)))
        if isinstance(getattr(experts, "gate_up_proj", None), nn.Parameter):
            handles.append(
                experts.register_forward_pre_hook(lambda _module, args: (scale_gradient(args[0], 0.5), *args[1:]))
            )
    return _hooks(handles)


def _detached(output):
    if isinstance(output, tuple):
        return tuple(item.detach() if isinstance(item, torch.Tensor) else item for item in output)
    return output.detach()


def _inline_activation_hooks(model: nn.Module):
    """Heads that call their activation inline as a function: RoBERTa's and XLM-R's classification
    heads (``torch.tanh`` between ``dense`` and ``out_proj``) and DeBERTa's pooler (``dense`` then the
    activation as its output). Hooks around the call apply the identity rule there too."""
    handles = []
    for module in model.modules():
        kind = type(module).__name__
        dense = getattr(module, "dense", None)
        if not isinstance(dense, nn.Module) or any(isinstance(m, ACTIVATION_TYPES) for m in module.modules()):
            continue
        produced: dict[str, torch.Tensor] = {}
        if kind.endswith("ClassificationHead") and hasattr(module, "out_proj"):  # act(dense) enters out_proj
            activated = module.out_proj.register_forward_pre_hook(
                lambda _m, args, store=produced: (bypass_activation(store.pop("z"), args[0]), *args[1:])
            )
        elif kind == "ContextPooler":  # act(dense) is the pooler's output
            activated = module.register_forward_hook(
                lambda _m, _a, out, store=produced: bypass_activation(store.pop("z"), out)
            )
        else:
            continue
        handles.append(dense.register_forward_hook(lambda _m, _a, out, store=produced: store.update(z=out)))
        handles.append(activated)
    return _hooks(handles)


CP_LRP = Composite("cp-lrp", attention=AHRule(), norms=True, activations=True)
ATTN_LRP = Composite("attnlrp", attention=UniformBilinearRule(), norms=True, activations=True)
GRADIENT = Composite("gradient")
