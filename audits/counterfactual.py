"""Counterfactual confirmation: does swapping a group's terms change what the model predicts?

For each example that contains the group, its terms are replaced by the paired group's (she -> he,
his -> her, following the lexicon's swap rows) and, as a control, as many other words of the same
example are replaced by words drawn from other examples in the same language. Relevance can point
at a word the model does not really need; a swap that moves the prediction more than the control
confirms that it does.

In a language with grammatical gender (``languages.grammar_for``), the words that agree with a
swapped person change with it ("eine gute Ärztin" -> "ein guter Arzt"); an example whose swap the
language's rules cannot make safely is left out of the sample and counted under the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from lrp_audit.run_folder.records import Effect

from .languages import Gender, Term, Unsafe, grammar_for, match_case, words_of
from .lexicon import ENGLISH

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
    language: str = ENGLISH
    swaps: list[Span] = field(default_factory=list)
    unswappable: int = 0
    controls: list[Span] = field(default_factory=list)
    left_out: str | None = None  # why the swap could not be made safely (then it is not made)

    def segment(self, segment: int) -> str:
        return self.text if segment == 0 else self.text_pair

    def texts(self, variant: str) -> tuple[str, str | None]:
        spans = {"original": [], "swapped": self.swaps, "control": self.controls}[variant]
        return _replace(self.text, spans, 0), None if self.text_pair is None else _replace(self.text_pair, spans, 1)


def _replace(text: str, spans: list[Span], segment: int) -> str:
    for span in sorted((s for s in spans if s.segment == segment), key=lambda s: s.start, reverse=True):
        text = text[: span.start] + match_case(text[span.start : span.end], span.replacement) + text[span.end :]
    return text


def build_examples(
    examples: list[dict],
    matches: list[dict],
    control_words: list[dict],
    rng: np.random.Generator,
    genders: dict[str, Gender] | None = None,
) -> list[Example]:
    """Swap plans for ``examples`` (example_id, text, text_pair, target, and language: English when
    absent) from the group's term ``matches`` (example_id, segment, char_start, char_end,
    replacement or None) and each example's non-lexicon ``control_words`` (example_id, segment,
    char_start, char_end, norm). ``genders`` gives, per language, the grammatical gender of the group
    swapped to, where its lexicon says: examples in such a language with agreement rules are swapped
    by them.
    Examples with nothing to swap are dropped; those left out (``Example.left_out``) are kept, to
    be counted."""
    by_example = {
        row["example_id"]: Example(
            row["example_id"], row["text"], row["text_pair"], row["target"], row.get("language") or ENGLISH
        )
        for row in examples
    }
    found: dict[str, list[dict]] = defaultdict(list)
    for match in matches:
        found[match["example_id"]].append(match)
    for example_id, terms in found.items():
        example = by_example[example_id]
        gender = (genders or {}).get(example.language)
        grammar = grammar_for(example.language) if gender is not None else None
        if grammar is None:
            _swap_words(example, terms)
        else:
            try:
                example.swaps = [span for segment in (0, 1) for span in _agreeing(example, segment, terms, grammar, gender)]
                if example.texts("swapped") == example.texts("original"):
                    raise Unsafe("no word that names the person (an impersonal pronoun, say)")
            except Unsafe as reason:
                example.swaps, example.left_out = [], str(reason)
    candidates: dict[str, list[dict]] = defaultdict(list)
    for word in control_words:
        candidates[word["example_id"]].append(word)
    languages = {example_id: example.language for example_id, example in by_example.items()}
    by_language: dict[str, set[str]] = defaultdict(set)
    for word in control_words:
        by_language[languages.get(word["example_id"], ENGLISH)].add(word["norm"])
    pools = {language: np.array(sorted(by_language[language]), dtype=object) for language in set(languages.values())}
    for example in by_example.values():
        words, pool = candidates[example.example_id], pools[example.language]
        chosen = rng.permutation(len(words))[: len(example.swaps)]
        for index in sorted(chosen):
            word = words[index]
            others = pool[pool != word["norm"]]
            if len(others):
                replacement = str(others[rng.integers(len(others))])
                example.controls.append(Span(word["segment"], word["char_start"], word["char_end"], replacement))
    return [example for example in by_example.values() if example.swaps or example.left_out]


def _swap_words(example: Example, matches: list[dict]) -> None:
    """Each term becomes its replacement and nothing else changes (English); a term without one is counted."""
    for match in matches:
        if match["replacement"] is None:
            example.unswappable += 1
        else:
            example.swaps.append(Span(match["segment"], match["char_start"], match["char_end"], match["replacement"]))


def _agreeing(example: Example, segment: int, matches: list[dict], grammar, gender: Gender) -> list[Span]:
    """One text's swap by its language's rules: the terms at the matches' character spans, and the
    words that agree with them."""
    matches = sorted((m for m in matches if m["segment"] == segment), key=lambda m: m["char_start"])
    if not matches:
        return []
    words = words_of(example.segment(segment))
    terms = []
    for match in matches:
        inside = [
            index
            for index, word in enumerate(words)
            if word.start >= match["char_start"] and word.end <= match["char_end"]
        ]
        while inside and words[inside[0]].elided:  # "l'" of "l'infirmière": the article, not the term
            inside.pop(0)
        if not inside:
            raise Unsafe("a term that does not start and end at word boundaries")
        terms.append(Term(inside[0], inside[-1], match["replacement"]))
    return [
        Span(segment, words[edit.first].start, words[edit.last].end, edit.text)
        for edit in grammar.swap(words, terms, gender)
    ]


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
