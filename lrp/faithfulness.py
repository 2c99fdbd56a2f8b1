"""Is the relevance faithful to the model? Perturbation curves as in Ali et al. (ICML 2022, Sec. 5).

Replace a text's tokens, in the order a method ranks them, by the unknown (or mask) token and watch
the model. Relevance that ranks tokens by what the model uses keeps its decision when only the most
relevant tokens are kept (activation; area under the accuracy curve, AUAC, higher is better) and
barely moves its output when the least relevant ones are removed (pruning; area under the mean
squared output change, AU-MSE, lower is better). A random order is the baseline to beat.

Differences from the paper's code, on purpose: only the text's own tokens are replaced (special
and prompt-template tokens stay, as the model always sees them), and accuracy is agreement with the
explained target (the predicted class unless the scan fixed one; the likelier side when a contrast
is set), since datasets need no labels; the output whose change pruning measures is the explained
quantity itself when a contrast or a causal LM's answer is explained (a classifier's logits otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from transformers import PreTrainedTokenizerBase

from .encoding import Encoded
from .errors import LRPError
from .explainer import Explainer
from .targets import Target

FRACTIONS = tuple(float(f) for f in np.linspace(0.0, 1.0, 11))
RANDOM = "random"
REPLACEMENTS = {"unk": "unk_token", "mask": "mask_token"}


@dataclass(frozen=True)
class Curves:
    """One method's curves, (examples, fractions) each."""

    accuracy: np.ndarray  # activation: 1 when the model predicts the target with only the top fraction kept
    probability: np.ndarray  # activation: the target's probability then
    mse: np.ndarray  # pruning: squared distance of the outputs from the original's, least relevant fraction replaced

    def auac(self, fractions: Sequence[float] = FRACTIONS) -> np.ndarray:
        """Per example; their mean is the area under the mean accuracy curve."""
        return np.trapezoid(self.accuracy, np.asarray(fractions), axis=1)

    def au_mse(self, fractions: Sequence[float] = FRACTIONS) -> np.ndarray:
        return np.trapezoid(self.mse, np.asarray(fractions), axis=1)


def replacement_token(tokenizer: PreTrainedTokenizerBase, kind: str = "unk") -> tuple[str, int]:
    """The token that stands in for removed ones: the tokenizer's unknown (``unk``) or mask token."""
    if kind not in REPLACEMENTS:
        raise LRPError(f"replacement {kind!r}: choose one of {', '.join(REPLACEMENTS)}")
    token = getattr(tokenizer, REPLACEMENTS[kind])
    if token is None:
        other = next(name for name in REPLACEMENTS if name != kind)
        raise LRPError(f"the tokenizer has no {kind} token to replace tokens with; try the {other} token")
    return token, tokenizer.convert_tokens_to_ids(token)


def perturbable(record: Encoded) -> np.ndarray:
    """Positions of the text's own tokens: not special, not part of a prompt template."""
    return np.array(
        [
            p
            for p, (special, template) in enumerate(zip(record.is_special, record.is_template))
            if not special and not template
        ],
        dtype=np.int64,
    )


def perturbation_curves(
    explainers: Mapping[str, Explainer],
    records: Sequence[Encoded],
    targets: Sequence[Target],
    seeds: Sequence[int],
    replacement_id: int,
    fractions: Sequence[float] = FRACTIONS,
    contrasts: Sequence[Target] | None = None,
) -> dict[str, Curves]:
    """Curves for each explainer's method, and for a random order seeded per record by ``seeds``,
    for the quantity each record's explanation explains (its target, minus its contrast if given).

    The explainers share one model (see :meth:`Explainer.with_method`); every record needs at least
    one perturbable token. All perturbed inputs of a record have its length, so they batch without
    padding, and inputs that two methods share (everything replaced, nothing replaced) run once.
    """
    records, targets = list(records), list(targets)
    contrasts = [None] * len(records) if contrasts is None else list(contrasts)
    if not records:
        empty = np.zeros((0, len(fractions)))
        return {method: Curves(empty, empty, empty) for method in [*explainers, RANDOM]}
    positions = [perturbable(record) for record in records]
    for row, found in enumerate(positions):
        if not len(found):
            raise LRPError(f"record {row} has no token of its own text to perturb")
    orders = {
        method: _ranked(explainer, records, targets, contrasts, positions) for method, explainer in explainers.items()
    }
    randoms = [np.random.default_rng(seed).permutation(found) for seed, found in zip(seeds, positions)]
    orders[RANDOM] = [(order, order) for order in randoms]

    # Every distinct input once, the unperturbed ones first: they are the reference outputs.
    unique = {(row, tuple(record.input_ids)): row for row, record in enumerate(records)}
    slots = {method: [] for method in orders}  # per method: per record (activation slots, pruning slots)
    for method, ranked in orders.items():
        for row, (by_relevance, by_magnitude) in enumerate(ranked):
            ids = np.asarray(records[row].input_ids)
            kept = [activation_input(ids, positions[row], by_relevance, f, replacement_id) for f in fractions]
            pruned = [pruning_input(ids, by_magnitude, f, replacement_id) for f in fractions]
            slots[method].append(
                tuple(
                    [unique.setdefault((row, tuple(v)), len(unique)) for v in variants] for variants in (kept, pruned)
                )
            )
    variants = [replace(records[row], input_ids=list(ids)) for row, ids in unique]
    scorer = next(iter(explainers.values()))
    scored = scorer.predict(variants, [targets[row] for row, _ in unique], [contrasts[row] for row, _ in unique])
    original = scored.outputs[: len(records)]
    curves = {}
    for method, per_record in slots.items():
        kept = np.array([slot for slot, _ in per_record])
        pruned = np.array([slot for _, slot in per_record])
        curves[method] = Curves(
            accuracy=scored.agrees[kept].astype(float),
            probability=scored.probability[kept],
            mse=((scored.outputs[pruned] - original[:, None, :]) ** 2).sum(-1),
        )
    return curves


def _ranked(explainer: Explainer, records, targets, contrasts, positions) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per record: positions by relevance, highest first, and by |relevance|, lowest first (ties in order)."""
    ranked = []
    for explanation, found in zip(explainer.explain_encoded(records, targets, contrasts), positions):
        relevance = explanation.relevance[found].astype(np.float64)
        ranked.append(
            (found[np.argsort(-relevance, kind="stable")], found[np.argsort(np.abs(relevance), kind="stable")])
        )
    return ranked


def _count(fraction: float, total: int) -> int:
    return min(total, int(np.ceil(fraction * total - 1e-9)))


def activation_input(
    ids: np.ndarray, positions: np.ndarray, order: np.ndarray, fraction: float, replacement: int
) -> np.ndarray:
    """Activation: every own token (``positions``) replaced, except the first ``fraction`` of ``order``
    (rounded up, as in the paper's code)."""
    variant = ids.copy()
    variant[positions] = replacement
    shown = order[: _count(fraction, len(order))]
    variant[shown] = ids[shown]
    return variant


def pruning_input(ids: np.ndarray, order: np.ndarray, fraction: float, replacement: int) -> np.ndarray:
    """Pruning: the first ``fraction`` of ``order`` replaced (rounded up)."""
    variant = ids.copy()
    variant[order[: _count(fraction, len(order))]] = replacement
    return variant
