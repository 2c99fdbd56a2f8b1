"""Where relevance is read: the hidden states that enter the first transformer layer.

That is the embeddings block's output: word, position and token-type embeddings summed and passed
through the embedding LayerNorm (BERT family, ModernBERT), ``wte + wpe`` (GPT-2), the token
embeddings (Llama, Qwen2: positions are rotary, added inside attention), or, where the model adds
learned positions inline after the token embeddings (OPT), the first layer's own input. An
encoder-decoder model (BART, T5) reads its text at two such points, its encoder's first layer and
its decoder's, and each token's relevance is the sum of both copies. Nothing the input carries is
left out.

Why after the embedding LayerNorm and not before: LayerNorm is scale invariant per token, so
``x * dLN(x)/dx`` sums to zero for every token and Gradient x Input and Integrated Gradients read
before it are identically zero. After it, all four methods are read at the same point and compare.
For cp-lrp the LN rule makes that LayerNorm conservative anyway; only its bias ``beta * grad`` is
left out, and it is reported in the conservation gap like every other bias.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class Point:
    """Where the input of a stack's first layer can be caught: a module's input or its output."""

    module: nn.Module
    at_input: bool


def embedding_points(model: nn.Module) -> list[Point]:
    """One point per stack of layers: the model's, or an encoder-decoder's encoder and decoder."""
    if getattr(model.config, "is_encoder_decoder", False):  # BART, T5: their first layers' inputs
        base = model.base_model
        return [Point(_first_layer(base.encoder), True), Point(_first_layer(base.decoder), True)]
    return [embedding_point(model)]


def _first_layer(stack: nn.Module) -> nn.Module:
    layers = getattr(stack, "layers", None) or getattr(stack, "block", None)  # BART, T5
    return layers[0]


def embedding_point(model: nn.Module) -> Point:
    """Where the input of the first transformer layer of a model with one stack can be caught."""
    base = getattr(model, "base_model", model)
    embeddings = getattr(base, "embeddings", None)
    if isinstance(embeddings, nn.Module):  # BERT family, ModernBERT: summed, after the embedding LayerNorm
        return Point(embeddings, False)
    if isinstance(getattr(base, "wte", None), nn.Module) and isinstance(getattr(base, "drop", None), nn.Module):
        return Point(base.drop, False)  # GPT-2: wte + wpe
    if isinstance(getattr(base, "word_embeddings_layernorm", None), nn.Module):
        return Point(base.word_embeddings_layernorm, False)  # Bloom: token embeddings through a LayerNorm
    decoder = getattr(base, "decoder", None)
    if isinstance(getattr(decoder, "embed_positions", None), nn.Module) and isinstance(decoder.layers, nn.ModuleList):
        return Point(decoder.layers[0], True)  # OPT: learned positions added inline after the token embeddings
    return Point(model.get_input_embeddings(), False)  # Llama, Qwen2: token embeddings (positions are rotary)


class EmbeddingCapture:
    """Replaces the embedding tensor of each point by a leaf that requires grad, so ``x * x.grad``
    can be read.

    ``scales`` (one factor per batch row) multiplies the embeddings, for Integrated Gradients' path
    from the zero baseline; the unscaled embeddings are kept in ``originals``.
    """

    def __init__(self, model: nn.Module, scales: torch.Tensor | None = None) -> None:
        self.points = embedding_points(model)
        self.scales = scales
        self.originals: list[torch.Tensor | None] = [None] * len(self.points)
        self.leaves: list[torch.Tensor | None] = [None] * len(self.points)

    def _replace(self, index: int, x: torch.Tensor) -> torch.Tensor:
        self.originals[index] = x.detach()
        scaled = x.detach() if self.scales is None else x.detach() * self.scales.view(-1, 1, 1).to(x.dtype)
        self.leaves[index] = scaled.clone().requires_grad_(True)
        return self.leaves[index]

    def _hook(self, index: int, point: Point):
        if point.at_input:
            return point.module.register_forward_pre_hook(lambda _m, args: (self._replace(index, args[0]), *args[1:]))
        return point.module.register_forward_hook(lambda _m, _args, output: self._replace(index, output))

    @contextmanager
    def hooked(self) -> Iterator["EmbeddingCapture"]:
        handles = [self._hook(index, point) for index, point in enumerate(self.points)]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def relevance(self, attention_mask: torch.Tensor, gradients: list[torch.Tensor] | None = None) -> torch.Tensor:
        """``x * grad`` summed over the hidden dimension, per token of the input: one row per row of
        ``attention_mask`` (the first rows of each point). ``gradients`` defaults to the leaves' own."""
        rows = len(attention_mask)
        gradients = gradients or [leaf.grad for leaf in self.leaves]
        per_point = [
            (original[:rows].float() * gradient.float()).sum(-1) for original, gradient in zip(self.originals, gradients)
        ]
        return per_point[0] if len(per_point) == 1 else fold_decoder(*per_point, attention_mask)


def fold_decoder(encoder: torch.Tensor, decoder: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """An encoder-decoder classifier reads its text twice: the encoder the tokens themselves, the
    decoder the tokens shifted right behind a start token. Each decoder position's relevance goes
    to the token it copies; the start token's, which copies none, to the text's last token (its
    end-of-sequence token, which BART also starts its decoder with)."""
    folded = encoder.clone()
    folded[:, :-1] += decoder[:, 1:]
    last = attention_mask.sum(-1) - 1
    folded[torch.arange(len(folded), device=folded.device), last] += decoder[:, 0]
    return folded
