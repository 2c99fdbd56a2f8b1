"""Gradient checkpointing under the rules: long inputs explained within memory.

A backward pass normally keeps every layer's activations from the forward pass. Inside
``checkpointed(model)`` each transformer layer keeps only its input and runs its forward again when
the backward pass reaches it. The rules are part of that forward (a composite's context stays open
until the backward pass ends), so the recomputed layer is the one that was explained and relevance
is the same, bit for bit on a deterministic device.

Recomputing a whole layer still holds that layer's activations at once, and over long inputs its
feed-forward block dominates them (several tensors of tokens x its inner width). That block acts on
each position alone, so it is run in slices of ``chunk_tokens`` positions, each checkpointed on its
own: at most one slice's inner activations are live. This covers the feed-forward blocks
transformers names ``*MLP`` (Llama, Qwen2, Gemma, Phi-3, GPT-2, ...); others run whole.

Transformers marks the layers it can checkpoint (``GradientCheckpointingLayer``) but checkpoints
them only in training mode, where dropout would change the forward pass; here the model stays in
eval mode and each layer's forward is wrapped for the duration of the context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import partial

import torch
from torch import nn
from torch.utils.checkpoint import checkpoint
from transformers.modeling_layers import GradientCheckpointingLayer

from .errors import LRPError
from .operations import reentered, rules_in_force

CHUNK_TOKENS = 1024


def checkpointable_layers(model: nn.Module) -> list[nn.Module]:
    """The model's transformer layers, which transformers knows how to checkpoint."""
    layers = [module for module in model.modules() if isinstance(module, GradientCheckpointingLayer)]
    if not layers:
        raise LRPError(f"{type(model).__name__} has no layers that can be checkpointed; explain it without checkpointing")
    return layers


def position_wise_blocks(layer: nn.Module) -> list[nn.Module]:
    """The layer's feed-forward blocks that act on each position alone (transformers' ``*MLP``)."""
    return [module for module in layer.children() if type(module).__name__.endswith("MLP")]


def _recomputed(forward: Callable, *args, **kwargs):
    """``forward`` checkpointed; its recomputation runs under the operation rules of its forward pass
    (torch recomputes with no function mode active)."""
    rules = rules_in_force()
    return checkpoint(
        forward, *args, use_reentrant=False, context_fn=lambda: (nullcontext(), reentered(rules)), **kwargs
    )


def _sliced(forward: Callable, chunk_tokens: int, hidden: torch.Tensor, *args, **kwargs) -> torch.Tensor:
    """``forward`` over slices of the sequence (dimension 1), each recomputed in the backward pass."""
    whole = args or kwargs or not torch.is_grad_enabled() or hidden.dim() != 3
    if whole or hidden.shape[1] <= chunk_tokens:
        return forward(hidden, *args, **kwargs)
    parts = hidden.split(chunk_tokens, dim=1)  # views: made contiguous for blocks that .view() their input
    return torch.cat([_recomputed(forward, part.contiguous()) for part in parts], dim=1)


@contextmanager
def _replaced(modules: list[nn.Module], wrap: Callable[[nn.Module, Callable], Callable]) -> Iterator[None]:
    """Each module's ``forward`` wrapped by ``wrap`` while inside; restored however the block ends."""
    saved = [module.__dict__.get("forward") for module in modules]
    for module in modules:
        module.forward = wrap(module, module.forward)
    try:
        yield
    finally:
        for module, forward in zip(modules, saved):
            if forward is None:
                del module.forward
            else:
                module.forward = forward


def _layer(forward: Callable, blocks: list[nn.Module], chunk_tokens: int, *args, **kwargs):
    """A layer's forward with its feed-forward blocks sliced: set up inside the recomputed function,
    so that the backward pass recomputes exactly what the forward pass ran."""
    with _replaced(blocks, lambda _, block_forward: partial(_sliced, block_forward, chunk_tokens)):
        return forward(*args, **kwargs)


@contextmanager
def checkpointed(model: nn.Module, chunk_tokens: int | None = None) -> Iterator[None]:
    """Every transformer layer of ``model`` keeps only its input for the backward pass, and its
    feed-forward block runs in slices of ``chunk_tokens`` positions (``CHUNK_TOKENS``), while inside."""
    chunk_tokens = chunk_tokens or CHUNK_TOKENS
    layers = checkpointable_layers(model)
    blocks = {layer: position_wise_blocks(layer) for layer in layers}

    def wrap(layer: nn.Module, forward: Callable) -> Callable:
        return partial(_recomputed, partial(_layer, forward, blocks[layer], chunk_tokens))

    with _replaced(layers, wrap):
        yield
