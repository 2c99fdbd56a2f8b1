"""Where relevance is read: the hidden states that enter the first transformer layer.

That is the embeddings block's output: word, position and token-type embeddings summed and passed
through the embedding LayerNorm (BERT family, ModernBERT), ``wte + wpe`` (GPT-2), the token
embeddings (Llama, Qwen2: positions are rotary, added inside attention), or, where the model adds
learned positions inline after the token embeddings (OPT), the first layer's own input. Nothing
the input carries is left out.

Why after the embedding LayerNorm and not before: LayerNorm is scale invariant per token, so
``x * dLN(x)/dx`` sums to zero for every token and Gradient x Input and Integrated Gradients read
before it are identically zero. After it, all four methods are read at the same point and compare.
For cp-lrp the LN rule makes that LayerNorm conservative anyway; only its bias ``beta * grad`` is
left out, and it is reported in the conservation gap like every other bias.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


def embedding_point(model: nn.Module) -> tuple[nn.Module, bool]:
    """Where the input of the first transformer layer can be caught: a module, and whether it is
    that module's input (True) or its output (False)."""
    base = getattr(model, "base_model", model)
    embeddings = getattr(base, "embeddings", None)
    if isinstance(embeddings, nn.Module):  # BERT family, ModernBERT: summed, after the embedding LayerNorm
        return embeddings, False
    if isinstance(getattr(base, "wte", None), nn.Module) and isinstance(getattr(base, "drop", None), nn.Module):
        return base.drop, False  # GPT-2: wte + wpe
    if isinstance(getattr(base, "word_embeddings_layernorm", None), nn.Module):
        return base.word_embeddings_layernorm, False  # Bloom: token embeddings through a LayerNorm
    decoder = getattr(base, "decoder", None)
    if isinstance(getattr(decoder, "embed_positions", None), nn.Module) and isinstance(decoder.layers, nn.ModuleList):
        return decoder.layers[0], True  # OPT: learned positions added inline after the token embeddings
    return model.get_input_embeddings(), False  # Llama, Qwen2: token embeddings (positions are rotary)


class EmbeddingCapture:
    """Replaces the embedding tensor by a leaf that requires grad, so ``x * x.grad`` can be read.

    ``scales`` (one factor per batch row) multiplies the embeddings, for Integrated Gradients' path
    from the zero baseline; the unscaled embeddings are kept in ``original``.
    """

    def __init__(self, model: nn.Module, scales: torch.Tensor | None = None) -> None:
        self.point, self.at_input = embedding_point(model)
        self.scales = scales
        self.original: torch.Tensor | None = None
        self.leaf: torch.Tensor | None = None

    def _replace(self, x: torch.Tensor) -> torch.Tensor:
        self.original = x.detach()
        scaled = self.original if self.scales is None else self.original * self.scales.view(-1, 1, 1).to(x.dtype)
        self.leaf = scaled.clone().requires_grad_(True)
        return self.leaf

    @contextmanager
    def hooked(self) -> Iterator["EmbeddingCapture"]:
        if self.at_input:
            handle = self.point.register_forward_pre_hook(lambda _m, args: (self._replace(args[0]), *args[1:]))
        else:
            handle = self.point.register_forward_hook(lambda _m, _args, output: self._replace(output))
        try:
            yield self
        finally:
            handle.remove()
