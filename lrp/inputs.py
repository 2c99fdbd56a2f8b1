"""Where relevance is read: every point where the input enters the model.

Two kinds of point, found by what the model computes rather than by attribute names:

* the hidden states entering the model's first layer (the first transformers layer to run, or the
  first block of the first list of blocks): there word, position and token-type embeddings have
  been summed and normalised (BERT, GPT-2's ``wte + wpe``, OPT's late positions, Bloom's embedding
  LayerNorm), so nothing the input carries to the layers is left out;
* every embedding lookup before the first layer runs (an ``nn.Embedding`` called with indices shaped
  as the token ids): the relevance of whatever reaches the layers from there by another way than the first
  layer's input, as Gemma 3n and Gemma 4 feed the token ids to every layer a second time (per-layer
  embeddings), or a model adds positions late.

Each point's tensor is replaced by a leaf that needs a gradient, so ``x * x.grad`` can be read; the
first layer's input is cut from the embeddings it was computed from, so no relevance is counted twice
(a lookup whose only way on is through the first layer reads zero). A token's relevance is the sum
over the points. An encoder-decoder model (BART, T5) reads its text at its encoder's first layer and
its decoder's, each decoder position's relevance going to the token it copies (``fold_decoder``).

Why after the embedding LayerNorm and not before: LayerNorm is scale invariant per token, so
``x * dLN(x)/dx`` sums to zero for every token and Gradient x Input and Integrated Gradients read
before it are identically zero. After it, all four methods are read at the same point and compare.
For cp-lrp the LN rule makes that LayerNorm conservative anyway; only its bias ``beta * grad`` is
left out, and it is reported in the conservation gap like every other bias.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import nn
from transformers.modeling_layers import GradientCheckpointingLayer

from .errors import UnsupportedArchitectureError


def first_layers(model: nn.Module) -> list[nn.Module]:
    """The modules whose first call receives the input of a stack of layers: transformers' layers
    (the first of them to run is the one), or else the first block of the first list of blocks."""
    layers = [module for module in model.modules() if isinstance(module, GradientCheckpointingLayer)]
    if layers:
        return layers
    for module in model.modules():
        if isinstance(module, nn.ModuleList) and len(module) and list(module[0].children()):
            return [module[0]]
    return []


def encoder_decoder_layers(model: nn.Module) -> list[nn.Module]:
    """An encoder-decoder's first encoder layer and first decoder layer (BART's ``layers``, T5's ``block``)."""
    base = model.base_model
    return [(getattr(stack, "layers", None) or getattr(stack, "block"))[0] for stack in (base.encoder, base.decoder)]


@dataclass
class Point:
    """One place where the input enters: its value there, the leaf standing for it (and the tensor
    the model goes on with, computed from the leaf, which it may change in place), and the axes of
    its rows and tokens."""

    original: torch.Tensor
    leaf: torch.Tensor
    entered: torch.Tensor
    axes: tuple[int, int]

    def per_token(self, x: torch.Tensor, tokens: int | None = None) -> torch.Tensor:
        """This point's tensor (its value or a gradient) as (rows, tokens, everything else); the
        first ``tokens`` positions where the model pads the sequence itself (Longformer, Reformer)."""
        rows, positions = self.axes
        moved = x.movedim((rows, positions), (0, 1))
        return moved.reshape(moved.shape[0], moved.shape[1], -1)[:, :tokens]


class EmbeddingCapture:
    """Replaces the tensor of each point where the input enters by a leaf that requires grad, so
    ``x * x.grad`` can be read, and sums it per token. Points are keyed by what produced them (a
    lookup module, a first layer), in the order they fire.

    ``scales`` (one factor per batch row) multiplies every point, for Integrated Gradients' path from
    the zero baseline; ``baselines``, the points' values recorded by an unscaled pass (``originals``
    of a capture of it), are what is scaled: a point computed from scaled points (the first layer's
    input, from scaled embeddings) would otherwise be scaled twice.
    """

    def __init__(
        self, model: nn.Module, scales: torch.Tensor | None = None, baselines: dict[Hashable, torch.Tensor] | None = None
    ) -> None:
        self.model = model
        self.encoder_decoder = bool(getattr(getattr(model, "config", None), "is_encoder_decoder", False))
        self.scales, self.baselines = scales, baselines
        self.points: dict[Hashable, Point] = {}

    @property
    def originals(self) -> dict[Hashable, torch.Tensor]:
        return {key: point.original for key, point in self.points.items()}

    def _replace(self, key: Hashable, x: torch.Tensor) -> torch.Tensor:
        """What the model goes on with at point ``key``, whose value is ``x``: computed from a leaf."""
        axes = token_axes(x.shape, self._tokens)
        rows = axes[0]
        original = x.detach() if self.baselines is None else _rows(self.baselines[key], rows, x.shape[rows])
        scaled = original if self.scales is None else original * _along(self.scales, rows, x.dim()).to(x.dtype)
        leaf = scaled.clone().requires_grad_(True)
        self.points[key] = Point(original, leaf, leaf.clone(), axes)
        return self.points[key].entered

    def _lookup_hook(self, module: nn.Module, args, output):
        """An embedding lookup with indices shaped as the token ids is a point: token, position and
        token-type embeddings and per-layer embeddings before the first layer runs, and positions or
        tokens looked up again inside the layers as wide as the layers' hidden states (a lookup of
        relative-position buckets, one value per head, is not). Positions looked up once for all rows
        (indices of shape (1, tokens)) are a point per row."""
        indices = args[0] if args else None
        rows, length = self._tokens
        if not isinstance(indices, torch.Tensor) or not output.is_floating_point():
            return None
        if self._cut and output.shape[-1] != self._hidden:
            return None
        if indices.dim() == 2 and indices.shape[0] == rows and indices.shape[1] > length:
            _refuse_a_prefix(self.model, indices, self._ids)
        if tuple(indices.shape) == (1, length) and rows > 1 and tuple(output.shape[:2]) == (1, length):
            output = output.expand(rows, *output.shape[1:])
        elif tuple(indices.shape) != self._tokens or tuple(output.shape[:2]) != self._tokens:
            return None  # positions computed from the ids' shape, one row for all (BART's)
        calls = sum(1 for key in self.points if key[:2] == ("lookup", id(module)))  # XLM looks up token types in its word table
        return self._replace(("lookup", id(module), calls), output)

    def _first_layer_hook(self, module: nn.Module, args, kwargs):
        """The first layer's input, cut from what computed it, is a point (once per forward)."""
        if self._cut:
            return None
        self._cut = True
        hidden = args[0] if args else kwargs.get("hidden_states")
        if not isinstance(hidden, torch.Tensor) or not hidden.is_floating_point():
            raise UnsupportedArchitectureError(
                f"{type(module).__name__}, the first layer of {type(self.model).__name__}, takes no hidden states "
                "as its first argument; the point where the input enters cannot be found"
            )
        self._hidden = hidden.shape[-1]
        if any(hidden is point.entered for point in self.points.values()):
            return None  # the token embeddings themselves: already a point
        leaf = self._replace("first layer", hidden)
        return ((leaf, *args[1:]), kwargs) if args else (args, {**kwargs, "hidden_states": leaf})

    def _stack_hook(self, module: nn.Module, args):
        return (self._replace(("stack", id(module)), args[0]), *args[1:])

    @contextmanager
    def hooked(self, input_ids: torch.Tensor) -> Iterator["EmbeddingCapture"]:
        """Capture while inside, for a forward pass of these (rows, tokens) ``input_ids``."""
        self._ids, self._tokens, self._cut, self._hidden = input_ids, tuple(input_ids.shape), False, None
        if self.encoder_decoder:
            handles = [layer.register_forward_pre_hook(self._stack_hook) for layer in encoder_decoder_layers(self.model)]
        else:
            handles = [m.register_forward_hook(self._lookup_hook) for m in self.model.modules() if isinstance(m, nn.Embedding)]
            handles += [
                layer.register_forward_pre_hook(self._first_layer_hook, with_kwargs=True)
                for layer in first_layers(self.model)
            ]
        try:
            yield self
        finally:
            for handle in handles:
                handle.remove()

    def gradients(self) -> dict[Hashable, torch.Tensor]:
        """Each point's gradient as (rows, tokens, features); a point no gradient reached is left out."""
        return {key: point.per_token(point.leaf.grad) for key, point in self.points.items() if point.leaf.grad is not None}

    def read(
        self, attention_mask: torch.Tensor, gradients: dict[Hashable, torch.Tensor] | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Relevance, ``x * grad`` summed per token over every point (one row per row of
        ``attention_mask``: the first rows of each point), and per row its magnitude: ``|x * grad|``
        summed over every feature of every token and point, before anything cancels (float rounding in
        the summed relevance grows with it). ``gradients``, per point as (rows, tokens, features),
        default to the leaves' own; a point no gradient reached reads zero."""
        rows, tokens = attention_mask.shape
        gradients = self.gradients() if gradients is None else gradients
        mask = attention_mask.float()[..., None]
        per_point, magnitude = [], torch.zeros(rows, device=attention_mask.device)
        for key, point in self.points.items():
            if key in gradients:
                terms = point.per_token(point.original, tokens)[:rows].float() * gradients[key][:rows, :tokens].float()
                per_point.append(terms.sum(-1))
                magnitude = magnitude + (terms.abs() * mask[:, : terms.shape[1]]).sum((1, 2))
        if self.encoder_decoder:
            return fold_decoder(*per_point, attention_mask), magnitude
        if not per_point:
            return torch.zeros(attention_mask.shape, device=attention_mask.device), magnitude
        return torch.stack(per_point).sum(0), magnitude


def _refuse_a_prefix(model: nn.Module, indices: torch.Tensor, input_ids: torch.Tensor) -> None:
    """A model that looks up more tokens than it was given pads the sequence itself (Longformer,
    Reformer: after the text, read as the text's first positions) or puts tokens of its own before the
    text (CPM-Ant's prompt): relevance that enters there belongs to no token of the text: refused."""
    length = input_ids.shape[1]
    after = indices[:, -length:].to(input_ids.device)
    if torch.equal(indices[:, :length].to(input_ids.device), input_ids) or not torch.equal(after, input_ids):
        return  # the text first (padding after it), or not a lookup of the text (positions)
    raise UnsupportedArchitectureError(
        f"{type(model).__name__} puts {indices.shape[1] - length} tokens of its own before the {length} of the "
        "text (a prompt): relevance that enters there belongs to no token of the text"
    )


def token_axes(shape: torch.Size, tokens: tuple[int, int]) -> tuple[int, int]:
    """The axes of a point's tensor that hold its rows and its tokens: adjacent, rows first (BERT's
    (rows, tokens, hidden); Gemma 3n's (streams, rows, tokens, hidden)) or tokens first (XLNet's
    (tokens, rows, hidden)); the token axis may be longer, where the model pads the sequence to a
    multiple of its attention window itself."""
    rows, length = tokens
    for axis in range(len(shape) - 1):
        if shape[axis] == rows and shape[axis + 1] == length:
            return axis, axis + 1
    for axis in range(len(shape) - 1):
        if shape[axis] == length and shape[axis + 1] == rows:
            return axis + 1, axis
    for axis in range(len(shape) - 1):
        if shape[axis] == rows and shape[axis + 1] > length:
            return axis, axis + 1
    raise UnsupportedArchitectureError(
        f"the input enters the layers as a tensor of shape {tuple(shape)}, in which no axes hold its "
        f"{rows} rows and {length} tokens"
    )


def _along(scales: torch.Tensor, axis: int, dims: int) -> torch.Tensor:
    """One factor per row, shaped to broadcast along ``axis`` of a tensor of ``dims`` dimensions."""
    return scales.view(*([1] * axis), -1, *([1] * (dims - axis - 1)))


def _rows(baseline: torch.Tensor, axis: int, rows: int) -> torch.Tensor:
    """A recorded point repeated along its row axis to ``rows`` rows (Integrated Gradients' passes
    explain several points of the path at once, in blocks of the batch's rows)."""
    times = rows // baseline.shape[axis]
    return baseline.repeat(*([1] * axis), times, *([1] * (baseline.dim() - axis - 1)))


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
