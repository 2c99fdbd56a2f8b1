"""Counterfactual confirmation: does swapping a group's terms change what the model predicts?

For each example that contains the group, its terms are replaced by the paired group's (she -> he,
his -> her, following the lexicon's swap rows) and, as a control, as many other words of the same
example are replaced by words drawn from other examples. Relevance can point at a word the model
does not really need; a swap that moves the prediction more than the control confirms that it does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from lrp_audit.run_folder.records import Effect

VARIANTS = ("original", "swapped", "control")


@dataclass(frozen=True)
class Span:
    segment: int
    start: int
    end: int
    replacement: str


@dataclass
class Example:
    """One example's texts and the spans to replace for the swap and for its control."""

    example_id: str
    text: str
    text_pair: str | None
    target: int
    swaps: list[Span] = field(default_factory=list)
    unswappable: int = 0
    controls: list[Span] = field(default_factory=list)

    def texts(self, variant: str) -> tuple[str, str | None]:
        spans = {"original": [], "swapped": self.swaps, "control": self.controls}[variant]
        return _replace(self.text, spans, 0), None if self.text_pair is None else _replace(self.text_pair, spans, 1)


def match_case(original: str, replacement: str) -> str:
    """``She`` -> ``He``, ``SHE`` -> ``HE``, ``she`` -> ``he``."""
    if len(original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def _replace(text: str, spans: list[Span], segment: int) -> str:
    for span in sorted((s for s in spans if s.segment == segment), key=lambda s: s.start, reverse=True):
        text = text[: span.start] + match_case(text[span.start : span.end], span.replacement) + text[span.end :]
    return text


def build_examples(
    examples: list[dict], matches: list[dict], control_words: list[dict], rng: np.random.Generator
) -> list[Example]:
    """Swap plans for ``examples`` (example_id, text, text_pair, target) from the group's term
    ``matches`` (example_id, segment, char_start, char_end, replacement or None) and each example's
    non-lexicon ``control_words`` (example_id, segment, char_start, char_end, norm)."""
    by_example = {
        row["example_id"]: Example(row["example_id"], row["text"], row["text_pair"], row["target"]) for row in examples
    }
    for match in matches:
        example = by_example[match["example_id"]]
        if match["replacement"] is None:
            example.unswappable += 1
        else:
            example.swaps.append(Span(match["segment"], match["char_start"], match["char_end"], match["replacement"]))
    candidates: dict[str, list[dict]] = defaultdict(list)
    for word in control_words:
        candidates[word["example_id"]].append(word)
    pool = np.array(sorted({word["norm"] for word in control_words}), dtype=object)
    for example in by_example.values():
        words = candidates[example.example_id]
        chosen = rng.permutation(len(words))[: len(example.swaps)]
        for index in sorted(chosen):
            word = words[index]
            others = pool[pool != word["norm"]]
            if len(others):
                replacement = str(others[rng.integers(len(others))])
                example.controls.append(Span(word["segment"], word["char_start"], word["char_end"], replacement))
    return [example for example in by_example.values() if example.swaps]


@dataclass(frozen=True)
class Outcome:
    """Target probability and predicted class of each variant, one entry per example."""

    probability: dict[str, np.ndarray]
    prediction: dict[str, np.ndarray]

    def effect(self, variant: str) -> Effect:
        change = self.probability[variant] - self.probability["original"]
        return Effect(
            flip_rate=float(np.mean(self.prediction[variant] != self.prediction["original"])),
            mean_probability_change=float(change.mean()),
            mean_absolute_change=float(np.abs(change).mean()),
        )

    def excess(self) -> np.ndarray:
        """Per example: how much more the swap moved the target probability than the control did."""
        original = self.probability["original"]
        return np.abs(self.probability["swapped"] - original) - np.abs(self.probability["control"] - original)
