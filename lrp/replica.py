"""Tiny replicas of a model's own architecture: the same class, built from its own config shrunk.

Why this module exists: conservation can only be checked exactly in float32 with every bias set to
zero, and a real model is often neither small nor float32 (a bf16 checkpoint of billions of
parameters). What the check needs is not the model's weights but its operations: every operation
of its class must be reached by the LRP rules. So the engine builds a float32 replica of the model's
class from the model's own config, shrunk to tens of thousands of parameters a layer (hidden size
64, four heads, four experts, small state spaces) but keeping one layer of every kind the config
describes (sliding and full attention, Mamba or gated-delta and attention layers, dense and MoE
feed-forward layers, KV-sharing layers ...), and checks conservation on it: a rule that misses an
operation of that class shows as a leak there. The test matrix builds every text family of the
installed transformers the same way (``tests/architectures.py``).

Shrinking reads the config's attributes by what their names say they hold (hidden size, heads,
head dimension, experts, state size, window, per-layer lists ...), so that a family added to
transformers later is shrunk without code here. Sizes scale with the hidden size or the head
dimension, which keeps the sums and ratios a config relies on (``qk_head_dim = nope + rope``,
expanded widths). A few relations no name tells are fixed afterwards in one place each.
"""

from __future__ import annotations

import contextlib
import copy
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from transformers import PretrainedConfig, PreTrainedModel

HIDDEN, HEADS, HEAD_DIM = 64, 4, 16
EXPERTS, EXPERTS_PER_TOKEN, EXPERT_GROUPS = 4, 2, 2
STATE, SSM_HEAD_DIM, SSM_GROUPS = 16, 16, 2
POSITIONS, MIN_POSITIONS = 512, 128
WINDOW, CHUNK, PERIOD = 8, 8, 2
MIN_WIDTH, MAX_WIDTH = 8, 4 * HIDDEN
INIT_STD = 0.2  # as tests/tiny.py: weights large enough that a tiny model's logits are far from zero
NORM_NOISE = 0.3  # how far each norm scale moves from its initial constant

# What an attribute holds, told by its name (after the config's own attribute_map aliases). The
# first matching pattern wins, so the narrow ones come first.
ROLES: tuple[tuple[str, str], ...] = (
    ("hidden", r"^(hidden_size|d_model|n_embd|dim|embed_dim|emb_dim|embedding_dim|model_dim|hidden_size_global)$"),
    ("layers", r"^(num_hidden_layers|num_layers|n_layers?|num_blocks|(num_)?(encoder|decoder)_layers)$"),
    ("kv_heads", r"(num_key_value_heads|num_kv_heads|n_kv_heads|kv_n_heads|num_query_groups|multi_query_group_num)$"),
    ("heads", r"(^|_)(num_attention_heads|attention_heads|n_heads?|num_heads|heads)(_per_layer)?$"),
    ("head_dim", r"(head_dim|d_kv|d_head|dim_head|head_size|kv_channels|headdim|rotary_dim)$"),
    ("experts", r"^(num_(local_)?experts|n_routed_experts|moe_num_experts|zero_expert_num)$"),
    ("experts_per_token", r"^(num_experts_per_tok(en)?|moe_top_?k|moe_k)$"),
    ("shared_experts", r"^(n|num|moe_num)_shared_experts$"),
    ("expert_groups", r"^(n_group|num_expert_group)$"),
    ("expert_groups_per_token", r"^topk_group$"),
    ("ssm_groups", r"^(mamba_)?n_?groups$|^mamba_ngroups$"),
    ("state", r"(d_state|state_size)$"),
    ("positions", r"^(max_position_embeddings|n_positions|n_ctx|max_seq_len|max_target_positions|context_length)$"),
    ("window", r"(sliding_window|attention_window|window_size|^local_attention|attention_chunk_size|window_len)$"),
    ("window", r"^(block_size|index_topk)$"),  # BigBird's and MiniMax's blocks, a sparse indexer's top-k
    ("chunk", r"(^|_)chunk_(size|length)$"),
    ("width", r"hidden_size|intermediate_size|ffn|(d_ff|^dff|dim_ff|n_inner|d_inner|feed_forward_size|hidden_dim)$"),
    ("width", r"(embedding_size|embed_dim|emb_size|proj_dim|embds_dim|width|rank|bottleneck_size|d_ssm|d_latents)$"),
)
ROLE_PATTERNS = tuple((role, re.compile(pattern)) for role, pattern in ROLES)
NOT_WIDTHS = re.compile(r"vocab|token|kernel|conv|bucket|patch|image|position|2d|multiple")  # look alike, are not

# Mamba-2 style layers: heads * head_dim must equal expand * hidden (or the config's explicit SSM
# width). Each triple names (expand, heads, head_dim) in one family of configs.
SSM_SHAPES = (
    ("mamba_expand", "mamba_n_heads", "mamba_d_head"),
    ("mamba_expand", "n_mamba_heads", "mamba_headdim"),
    ("expand", "mamba_num_heads", "mamba_head_dim"),
    ("expand", "num_heads", "head_dim"),  # Mamba-2 itself: its heads are the SSM's
)
SSM_WIDTH = "mamba_d_ssm"  # Falcon-H1: an SSM width of its own instead of expand * hidden

# Per-layer structure: what tells one layer from another.
LAYER_INDEX_LIST = re.compile(r"(layers|layer_ids|idxs|indices)$")
LAYER_BOUNDARY = re.compile(
    r"^(first_k_dense_replace|num_dense_layers|max_window_layers"
    r"|moe_layer_(start|end)_index|loop_layer_index_(start|end))$"
)
LAYER_SEGMENT = re.compile(r"^n(um)?_\w+_layers$")
LAYER_SUFFIX = re.compile(r"^num_kv_shared_layers$")
LAYER_PERIOD = re.compile(r"(_period|_sparse_step|_freq|_interval|_every_n_layers|sliding_window_pattern)$")
LAYER_OFFSET = re.compile(r"_layer_offset$")
LAYER_GROUP = re.compile(r"^n_layers_per_")  # layers in blocks of n (Inkling's attention-residual blocks)

# The few families whose structure needs more than their config's names tell, each with its reason.
FAMILY_SETTINGS: dict[str, dict[str, int]] = {
    "lilt": {"hidden_size": 48},  # its layout embeddings split the hidden size in sixths
}
LAYERS_PER_KIND = {
    "zamba": 2,  # its hybrid layers share one block, which transformers ties only across two or more
}


def tiny_config(
    config: PretrainedConfig, *, vocab_size: int | None = None, layers: int = 2, seed: int = 0
) -> PretrainedConfig:
    """A deep copy of ``config`` shrunk to a tiny model of the same structure, in float32.

    ``layers`` layers, or more where the config has more kinds of layer: one layer of each kind is
    kept (the first of its kind for seed 0, one drawn by ``seed`` otherwise). ``vocab_size`` sets
    every vocabulary of the config (special token ids are moved inside it)."""
    tiny = copy.deepcopy(config)
    _shrink(tiny, vocab_size, layers, seed, HIDDEN / max(_hidden_sizes(tiny), default=HIDDEN))
    tiny.validate()
    return tiny


def tiny_replica(model: PreTrainedModel, *, seed: int = 0) -> PreTrainedModel:
    """The model's own class, built from its shrunk config: float32, eval mode, weights drawn from
    ``seed``, every bias zero and every norm scale moved away from its initial constant (so that a
    rule that misreads a norm's form shows), with the model's attention implementation where the
    replica supports it. Its vocabulary is the model's, so the model's tokenizer fits it."""
    config = tiny_config(model.config, vocab_size=_vocabulary_size(model), seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        replica = _build(type(model), config, model.config._attn_implementation)
        prepare(replica)
    return replica.eval()


def prepare(model: PreTrainedModel) -> PreTrainedModel:
    """Every bias zero (conservation is then exact), every 1-D norm scale perturbed, and every weight
    matrix that starts at zero drawn at random, as training leaves it (a router or a gate projection
    initialised to zero would feed its sigmoid exactly 0, where the identity rule ``f(x)/x`` has no
    value; a trained model's never is). Draws from torch's global generator: seed it first."""
    norms = {name for name, module in model.named_modules() if "norm" in type(module).__name__.lower()}
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            owner = name.rpartition(".")[0]
            if name.endswith("bias"):
                parameter.zero_()
            elif parameter.dim() == 1 and (owner in norms or "norm" in name.lower()):
                parameter.add_(torch.randn_like(parameter), alpha=NORM_NOISE)
            elif parameter.dim() > 1 and parameter.is_floating_point() and not parameter.any():
                parameter.normal_(0, INIT_STD)
    return model


def _vocabulary_size(model: PreTrainedModel) -> int:
    """The rows of the input embedding (a checkpoint's may exceed its config's vocab_size)."""
    try:
        return model.get_input_embeddings().num_embeddings
    except NotImplementedError:  # no token embedding table (CANINE hashes characters)
        return model.config.get_text_config().vocab_size


def _build(model_class: type[PreTrainedModel], config: PretrainedConfig, attention: str | None) -> PreTrainedModel:
    """The class built from ``config``, with ``attention`` where the class supports it."""
    try:
        return model_class._from_config(config, attn_implementation=attention, dtype=torch.float32)
    except (ValueError, ImportError):  # an implementation this replica cannot use (flash kernels on CPU)
        return model_class._from_config(config, dtype=torch.float32)


def _shrink(config: PretrainedConfig, vocab_size: int | None, layers: int, seed: int, factor: float) -> None:
    """Shrink ``config`` in place, its sub-configs (encoder, decoder, attention ...) first. Widths
    are multiplied by ``factor``, one for the whole tree of configs, so that a relation between
    them holds (BLT's global width is its local encoder's times ``cross_attn_k``)."""
    for value in list(vars(config).values()):
        if isinstance(value, PretrainedConfig):
            _shrink(value, vocab_size, layers, seed, factor)
    original = _Original.of(config, factor)
    overrides = _per_layer_overrides(config)
    kept = _keep_layer_kinds(config, layers, seed, LAYERS_PER_KIND.get(config.model_type, 1))
    _resize(config, original)
    if overrides:
        _set_per_layer_overrides(config, overrides, kept, original)
    for name, value in FAMILY_SETTINGS.get(config.model_type, {}).items():
        _set(config, name, value)
    _fit_attention(config)
    _fit_ssm(config)
    _fit_experts(config)
    _fit_rope(config)
    if vocab_size is not None:
        _fit_vocabulary(config, vocab_size)
    for name in ("initializer_range", "init_std"):
        if isinstance(getattr(config, name, None), float):
            _set(config, name, INIT_STD)
    config.dtype = torch.float32


def _resize(config: PretrainedConfig, original: _Original) -> None:
    """Every attribute whose name says what size it holds, to its tiny value."""
    for name, value in _attributes(config).items():
        resized = _resized(name, value, original)
        if resized is not value:
            _set(config, name, resized)


@dataclass(frozen=True)
class _Original:
    """What sizes scale by, read before anything changes: the width factor of the whole tree of
    configs, this config's head count and head dimension, and the head dimension it gets."""

    factor: float
    heads: int | None
    head_dim: int | None
    tiny_head_dim: int

    @classmethod
    def of(cls, config: PretrainedConfig, factor: float) -> _Original:
        """The canonical names first (``num_attention_heads``, not a linear layer's head count). A
        head dimension that was hidden / heads stays so; an explicit one becomes HEAD_DIM."""
        hidden = _first_int(config, "hidden", "hidden_size")
        heads = _first_int(config, "heads", "num_attention_heads")
        head_dim = _attributes(config).get("head_dim")
        tiny_head_dim = HEAD_DIM
        if hidden and heads and (not _is_int(head_dim) or head_dim * heads == hidden):
            head_dim, tiny_head_dim = hidden // heads, max(2, _hidden(hidden, factor) // HEADS)
        return cls(factor, heads, head_dim if _is_int(head_dim) else None, tiny_head_dim)


def _resized(name: str, value, original: _Original):
    """The tiny value of one attribute (``value`` itself where its name says nothing we shrink)."""
    role = _role(name)
    if role is None or isinstance(value, bool):
        return value
    resize = RESIZE.get(role)
    if resize is None:
        return value
    if _is_int(value):
        return resize(value, original)
    if isinstance(value, (list, tuple)) and value and all(map(_is_int, value)):  # one per layer
        return type(value)(resize(v, original) for v in value)
    return value


def _scaled(value: int, factor: float, multiple: int, low: int, high: int | None = None) -> int:
    """``value * factor`` rounded to ``multiple``, within [low, high]; zero and negatives mean
    "none" in configs and stay."""
    if value <= 0:
        return value
    scaled = max(low, multiple * round(value * factor / multiple))
    return min(scaled, high) if high else scaled


def _hidden(value: int, factor: float) -> int:
    return _scaled(value, factor, MIN_WIDTH, 2 * MIN_WIDTH)


def _width(value: int, original: _Original) -> int:
    return _scaled(value, original.factor, MIN_WIDTH, MIN_WIDTH, MAX_WIDTH)


def _head_dim(value: int, original: _Original) -> int:
    """The head dimension, and others (rotary, latent, linear-attention heads') in proportion."""
    if not original.head_dim or value == original.head_dim:
        return original.tiny_head_dim
    return _scaled(value, original.tiny_head_dim / original.head_dim, 2, 2, 4 * HEAD_DIM)


def _heads(value: int, original: _Original) -> int:
    """The main head count becomes HEADS; other head counts (a linear-attention layer's key and
    value heads, an indexer's) keep their ratio to it."""
    if not original.heads or value == original.heads:
        return HEADS
    return max(1, round(value * HEADS / original.heads))


def _kv_heads(value: int, original: _Original) -> int:
    """Multi-head, multi-query or grouped-query attention stays what it was."""
    if value == 1:
        return 1
    return HEADS if original.heads and value >= original.heads else HEADS // 2


RESIZE: dict[str, Callable[[int, _Original], int]] = {
    "hidden": lambda value, original: _hidden(value, original.factor),
    "layers": lambda value, original: value,  # set by _keep_layer_kinds
    "kv_heads": _kv_heads,
    "heads": _heads,
    "head_dim": _head_dim,
    "experts": lambda value, original: min(value, EXPERTS),
    "experts_per_token": lambda value, original: min(value, EXPERTS_PER_TOKEN),
    "shared_experts": lambda value, original: min(value, 1),
    "expert_groups": lambda value, original: min(value, EXPERT_GROUPS),
    "expert_groups_per_token": lambda value, original: min(value, 1),
    "ssm_groups": lambda value, original: min(value, SSM_GROUPS),
    "state": lambda value, original: min(value, STATE),
    "positions": lambda value, original: max(MIN_POSITIONS, min(value, POSITIONS)),
    "window": lambda value, original: min(value, WINDOW) if value > 0 else value,
    "chunk": lambda value, original: min(value, CHUNK) if value > 0 else value,
    "width": _width,
}


def _role(name: str) -> str | None:
    role = next((role for role, pattern in ROLE_PATTERNS if pattern.search(name)), None)
    return None if role == "width" and NOT_WIDTHS.search(name) else role


# -- layers -------------------------------------------------------------------------------------


class _LayerPlan:
    """Which of the config's layers the tiny model keeps, and the per-layer settings rewritten for
    them. A layer's kind is everything the config says about it alone: its entries in per-layer
    lists (``layer_types``, ``mlp_layer_types``, ``no_rope_layers``, patterns ...), whether it is in
    an index list (``mlp_only_layers``, ``moe_layers``, ``attn_layer_indices`` ...), on which side of
    each layer boundary it lies (``first_k_dense_replace`` ...), whether it shares another layer's
    keys and values."""

    def __init__(self, config: PretrainedConfig, count: int) -> None:
        self.count = count
        self.overrides = _per_layer_overrides(config)
        attributes = _attributes(config)
        self.lists = {n: v for n, v in attributes.items() if _is_per_layer(n, v, count)}
        self.references = {n: v for n, v in self.lists.items() if _is_reference_list(v)}
        self.indices = {n: v for n, v in attributes.items() if _is_index_list(n, v, count) and n not in self.lists}
        self.cycles = {n: v for n, v in attributes.items() if _is_cycle(n, v, count)}
        counts = {n: v for n, v in attributes.items() if _is_int(v) and 0 < v < count}
        self.suffixes = {n: v for n, v in counts.items() if LAYER_SUFFIX.search(n)}
        self.boundaries = {n: v for n, v in counts.items() if LAYER_BOUNDARY.search(n)}
        self.segments = _segments(attributes, count)

    def kind(self, layer: int) -> tuple:
        return (
            tuple(_hashable(v[layer]) for n, v in self.lists.items() if n not in self.references),
            tuple(v[layer] == layer for v in self.references.values()),
            tuple(layer in v for v in self.indices.values()),
            tuple(layer < v for v in self.boundaries.values()),
            tuple(layer >= self.count - v for v in self.suffixes.values()),
            tuple(layer < end for end in _ends(self.segments.values())),
            repr(sorted(self.overrides.get(layer, {}).items())),
        )

    def keep(self, layers: int, seed: int, per_kind: int = 1) -> list[int]:
        """``per_kind`` layers of each kind, each layer whose keys and values a kept layer reuses,
        then the first others up to ``layers``. Cycles (``block_types`` repeated over the layers)
        keep a prefix: there a layer's kind is its position."""
        if self.cycles:
            return list(range(min(self.count, max(layers, *map(len, self.cycles.values())))))
        by_kind: dict[tuple, list[int]] = {}
        for layer in range(self.count):
            by_kind.setdefault(self.kind(layer), []).append(layer)
        rng = random.Random(seed) if seed else None
        kept = {layer for members in by_kind.values() for layer in _pick(members, per_kind, rng)}
        kept |= {v[layer] for v in self.references.values() for layer in kept}
        for layer in range(self.count):
            if len(kept) >= layers:
                break
            kept.add(layer)
        return sorted(kept)

    def apply(self, config: PretrainedConfig, kept: list[int]) -> None:
        position = {layer: index for index, layer in enumerate(kept)}
        for name, values in self.lists.items():
            picked = [position[values[i]] if name in self.references else values[i] for i in kept]
            _set(config, name, "".join(picked) if isinstance(values, str) else type(values)(picked))
        for name, values in self.indices.items():
            _set(config, name, type(values)(position[i] for i in values if i in position))
        for name, boundary in self.boundaries.items():
            _set(config, name, sum(layer < boundary for layer in kept))
        for name, shared in self.suffixes.items():
            _set(config, name, sum(layer >= self.count - shared for layer in kept))
        ends = _ends(self.segments.values())
        for (name, length), end in zip(self.segments.items(), ends, strict=True):
            _set(config, name, sum(end - length <= layer < end for layer in kept))


def _keep_layer_kinds(config: PretrainedConfig, layers: int, seed: int, per_kind: int) -> list[int]:
    """Cut the config to ``layers`` layers (more where it has more kinds), then shrink periods.
    Returns the indices of the layers kept. A count derived from a per-layer list (Nemotron-H's
    ``num_hidden_layers``) follows the list."""
    counts = {n: v for n, v in _attributes(config).items() if _role(n) == "layers" and _is_int(v)}
    count = getattr(config, "num_hidden_layers", None)
    kept = list(range(count)) if _is_int(count) else []
    if _is_int(count) and count > layers:
        plan = _LayerPlan(config, count)
        kept = plan.keep(layers, seed, per_kind)
        plan.apply(config, kept)
    for name, value in counts.items():  # the main stack's count, or an encoder's or decoder's own
        _set(config, name, len(kept) if value == count else min(value, layers))
    _shrink_periods(config)
    return kept


def _pick(members: list[int], count: int, rng: random.Random | None) -> list[int]:
    """The first ``count`` layers of a kind, or ``count`` drawn by ``rng``."""
    return rng.sample(members, min(count, len(members))) if rng else members[:count]


def _shrink_periods(config: PretrainedConfig) -> None:
    """Layer kinds given by a period (an attention layer every 8th) come every 2nd layer instead,
    so that two layers hold both kinds; blocks of layers become blocks of one."""
    for name, value in _attributes(config).items():
        if _is_int(value) and LAYER_PERIOD.search(name) and value > PERIOD:
            _set(config, name, PERIOD)
    for name, value in _attributes(config).items():
        if _is_int(value) and LAYER_OFFSET.search(name):
            _set(config, name, value % PERIOD)
        elif _is_int(value) and LAYER_GROUP.search(name):
            _set(config, name, 1)  # blocks of one layer: every kept layer may start one


def _is_per_layer(name: str, value, count: int) -> bool:
    """One entry per layer: a list (``layer_types``) or a pattern string (``M-M*-``)."""
    if isinstance(value, str):
        return len(value) == count and name.endswith("pattern")
    if not isinstance(value, (list, tuple)) or len(value) != count or "token" in name:
        return False
    return not _is_index_list(name, value, count)


def _is_index_list(name: str, value, count: int) -> bool:
    """Strictly increasing layer indices under a name that says so (``moe_layers``)."""
    if not (isinstance(value, (list, tuple)) and LAYER_INDEX_LIST.search(name)):
        return False
    if not all(_is_int(v) and 0 <= v < count for v in value):
        return False
    return all(a < b for a, b in zip(value, value[1:], strict=False))


def _is_reference_list(values: Sequence) -> bool:
    """Per layer, the index of the layer whose keys and values it uses (each at or before itself,
    not a 0/1 flag)."""
    return all(_is_int(v) and 0 <= v <= i for i, v in enumerate(values)) and max(values, default=0) > 1


def _is_cycle(name: str, value, count: int) -> bool:
    """Layer kinds repeated over the layers (RecurrentGemma's ``block_types``)."""
    return (
        isinstance(value, (list, tuple))
        and 1 < len(value) < count
        and name.endswith("types")
        and all(isinstance(v, str) for v in value)
    )


def _segments(attributes: dict, count: int) -> dict[str, int]:
    """Consecutive stacks of layers whose lengths add up to all of them (input, recurrent and
    output layers)."""
    segments = {n: v for n, v in attributes.items() if _is_int(v) and LAYER_SEGMENT.search(n) and 0 < v < count}
    return segments if len(segments) > 1 and sum(segments.values()) == count else {}


def _hashable(value):
    return value if isinstance(value, (str, int, float, type(None))) else repr(value)


def _ends(lengths) -> list[int]:
    ends, total = [], 0
    for length in lengths:
        total += length
        ends.append(total)
    return ends


def _per_layer_overrides(config: PretrainedConfig) -> dict[int, dict]:
    """A heterogeneous config's settings of single layers (Gemma 4's global layers' head_dim)."""
    spec = vars(config).get("_heterogeneity_spec")
    return copy.deepcopy(spec.per_layer_overrides) if spec is not None else {}


def _set_per_layer_overrides(config: PretrainedConfig, overrides: dict, kept: list[int], original: _Original) -> None:
    """The kept layers' overrides, at their new indices, shrunk as the global settings were."""
    position = {layer: index for index, layer in enumerate(kept)}
    config.per_layer_config = {
        position[layer]: {name: _resized(name, value, original) for name, value in settings.items()}
        for layer, settings in overrides.items()
        if layer in position
    } or None


# -- relations no name tells ----------------------------------------------------------------------


def _fit_attention(config: PretrainedConfig) -> None:
    """A head_dim left None means hidden / heads, key-value heads left None one per head: written
    out, since some classes read them as they are."""
    attributes = _attributes(config)
    hidden, heads = attributes.get("hidden_size"), attributes.get("num_attention_heads")
    if not (_is_int(hidden) and _is_int(heads)):
        return
    if "head_dim" in attributes and attributes["head_dim"] is None:
        _set(config, "head_dim", hidden // heads)
    if "num_key_value_heads" in attributes and attributes["num_key_value_heads"] is None:
        _set(config, "num_key_value_heads", heads)


def _fit_ssm(config: PretrainedConfig) -> None:
    """Mamba-2 heads: heads * head_dim = the SSM width (expand * hidden), heads a multiple of the
    groups."""
    attributes = _attributes(config)
    shape = next((names for names in SSM_SHAPES if all(name in attributes for name in names)), None)
    if shape is None or not _is_int(attributes[shape[1]]):
        return
    expand_name, heads_name, head_dim_name = shape
    width = int(attributes[expand_name] * attributes.get("hidden_size", HIDDEN))
    heads = max(1, width // SSM_HEAD_DIM)
    _set(config, head_dim_name, SSM_HEAD_DIM)
    _set(config, heads_name, heads)
    if _is_int(attributes.get(SSM_WIDTH)):
        _set(config, SSM_WIDTH, width)
    for name, value in attributes.items():
        if _role(name) == "ssm_groups" and _is_int(value):
            _set(config, name, math.gcd(value, heads))


def _fit_experts(config: PretrainedConfig) -> None:
    """Routing stays valid: no more experts per token than experts, groups that divide them. A
    count left None where the other is set (a default no checkpoint keeps) gets the tiny value."""
    roles = {name: _role(name) for name in _attributes(config)}
    counts = {role: name for name, role in roles.items() if role in ("experts", "experts_per_token")}
    if len(counts) < 2:
        return
    for role, value in (("experts", EXPERTS), ("experts_per_token", EXPERTS_PER_TOKEN)):
        if _attributes(config)[counts[role]] is None:
            _set(config, counts[role], value)
    experts = _attributes(config)[counts["experts"]]
    if not _is_int(experts) or experts < 2:
        return
    for name, value in _attributes(config).items():
        if roles.get(name) == "experts_per_token" and _is_int(value):
            _set(config, name, min(value, experts))
        elif roles.get(name) == "expert_groups" and _is_int(value):
            _set(config, name, math.gcd(value, experts))


def _fit_rope(config: PretrainedConfig) -> None:
    """Rotary settings that depend on the head dimension: an even rotary width, per-frequency
    factor lists of the new length."""
    parameters = getattr(config, "rope_parameters", None)
    if not isinstance(parameters, dict):
        return
    head_dim = _head_dim_of(_attributes(config))
    nested = [p for p in parameters.values() if isinstance(p, dict)]
    for rope in nested or [parameters]:
        factor = rope.get("partial_rotary_factor")
        if isinstance(factor, float):
            rotary = max(2, 2 * round(head_dim * factor / 2))
            rope["partial_rotary_factor"] = rotary / head_dim
        rotary = int(head_dim * (rope.get("partial_rotary_factor") or 1.0))
        for key in ("long_factor", "short_factor"):
            if isinstance(rope.get(key), list):
                values = rope[key]
                rope[key] = [values[i * len(values) // (rotary // 2)] for i in range(rotary // 2)]
        if "original_max_position_embeddings" in rope:
            rope["original_max_position_embeddings"] = min(rope["original_max_position_embeddings"], POSITIONS // 2)


def _head_dim_of(attributes: dict) -> int:
    hidden, heads = attributes.get("hidden_size"), attributes.get("num_attention_heads")
    return attributes.get("head_dim") or (hidden // heads if _is_int(hidden) and _is_int(heads) else HEAD_DIM)


def _fit_vocabulary(config: PretrainedConfig, vocab_size: int) -> None:
    """Every token vocabulary becomes ``vocab_size`` (small tables such as token types stay), and
    special token ids move inside it."""
    for name, value in _attributes(config).items():
        if name == "vocab_size" or ("vocab" in name and _is_int(value) and value >= 1000):
            _set(config, name, vocab_size)
    for name, value in _attributes(config).items():
        if name.endswith(("_token_id", "_token_ids", "_token_index")) or name == "decoder_start_token_id":
            if _is_int(value) and value >= vocab_size:
                _set(config, name, vocab_size - 1)
            elif isinstance(value, list) and all(_is_int(v) for v in value):
                _set(config, name, [min(v, vocab_size - 1) for v in value])


# -- attribute access -----------------------------------------------------------------------------


def _attributes(config: PretrainedConfig) -> dict:
    """The config's own settings under their canonical names where ``attribute_map`` gives one
    (GPT-2's ``n_embd`` as ``hidden_size``), sub-configs left out."""
    aliases = {real: canonical for canonical, real in config.attribute_map.items()}
    return {
        aliases.get(name, name): value
        for name, value in vars(config).items()
        if not name.startswith("_") and not isinstance(value, PretrainedConfig)
    }


def _set(config: PretrainedConfig, name: str, value) -> None:
    """Set through the config's aliases; a derived value (a read-only property) is left alone."""
    with contextlib.suppress(AttributeError, NotImplementedError):  # Funnel, ProphetNet: set their parts' counts
        setattr(config, name, value)


def _hidden_sizes(config: PretrainedConfig) -> list[int]:
    """The hidden sizes of a config and of its sub-configs."""
    own = [v for n, v in _attributes(config).items() if _role(n) == "hidden" and _is_int(v) and v > 0]
    subs = [value for value in vars(config).values() if isinstance(value, PretrainedConfig)]
    return own + [size for sub in subs for size in _hidden_sizes(sub)]


def _first_int(config: PretrainedConfig, role: str, canonical: str | None = None) -> int | None:
    attributes = _attributes(config)
    if _is_int(attributes.get(canonical)):
        return attributes[canonical]
    return next((v for n, v in attributes.items() if _role(n) == role and _is_int(v)), None)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
