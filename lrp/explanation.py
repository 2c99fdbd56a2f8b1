"""One explained example, and its conversion to a plain record (its tables: ``tables.to_tables``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np


@dataclass(repr=False)  # its arrays and token lists would fill a screen: a one-line summary instead
class Explanation:
    """Relevance of every token of one text for one explained quantity.

    The quantity is ``explained = target_logit - contrast_logit`` (``target_logit`` without a
    contrast), where each side's logit is a class's or a next token's logit, or for a continuation of
    several tokens the sum of its tokens' logits under teacher forcing (``targets``).

    ``relevance`` holds one float32 per token (specials included, padding never present); tokens of
    a prompt or chat template are marked ``is_template`` and have no character offsets; offsets index
    into the token's own text (``segment`` 0: ``text``, 1: ``text_pair``). A continuation's tokens fed
    under teacher forcing follow the text's tokens, marked ``answer`` ("target" or "contrast"; the
    contrast's carry the sign of its subtraction). ``word_relevance`` sums the subwords of each word
    (relevance is additive). Conservation: ``relevance_sum + conservation_gap == explained``; the gap
    is what biases absorbed (for ``cp-lrp``), the softmax leak (``gxi``, ``attnlrp``) or
    ``F(baseline)`` plus quadrature error (``ig``). ``target_relevance_sum`` is the relevance of the
    target's logit alone, so that a contrast's share can be compared with the target's.
    """

    text: str
    text_pair: str | None
    method: str
    tokens: list[str]
    token_ids: list[int]
    char_start: list[int | None]
    char_end: list[int | None]
    is_special: list[bool]
    is_template: list[bool]
    segment: list[int | None]  # 0: token of ``text``, 1: of ``text_pair``; None: special, template or answer
    answer: list[str | None]  # "target" or "contrast" for a continuation's fed tokens; None for the input's
    word_index: list[int | None]
    relevance: np.ndarray
    words: list[str]
    word_segment: list[int]
    word_char_start: list[int]
    word_char_end: list[int]
    word_relevance: np.ndarray
    target: int
    target_label: str
    target_logit: float
    target_relevance_sum: float
    contrast: int | None
    contrast_label: str | None
    contrast_logit: float | None
    prediction: int
    prediction_label: str
    probabilities: list[float] | None  # class probabilities (classifiers); None for causal LMs
    truncated: bool
    relevance_magnitude: float = float("nan")  # |x * grad| summed over every input feature (float rounding scales with it)
    explained: float = field(init=False)
    relevance_sum: float = field(init=False)
    conservation_gap: float = field(init=False)

    def __post_init__(self) -> None:
        self.relevance = np.asarray(self.relevance, dtype=np.float32)
        self.word_relevance = np.asarray(self.word_relevance, dtype=np.float32)
        self.explained = self.target_logit - (self.contrast_logit or 0.0)
        self.relevance_sum = float(self.relevance.astype(np.float64).sum())
        self.conservation_gap = self.explained - self.relevance_sum

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:59] + "…"
        explained = f"{self.target_label!r}" + (f" - {self.contrast_label!r}" if self.contrast_label is not None else "")
        return (
            f"<Explanation {text!r}: {self.method}, {explained} = {self.explained:+.4f}, relevance sum "
            f"{self.relevance_sum:+.4f}, gap {self.conservation_gap:+.2e}, {len(self.tokens)} tokens>"
        )

    def _repr_html_(self) -> str:
        """In a notebook: the text coloured by relevance (``display.explanation_html``)."""
        from .display import explanation_html

        return explanation_html(self)

    def record(self) -> dict:
        """A plain dict (lists instead of arrays), ready for JSON or DataFrames."""
        record = asdict(self)
        record["relevance"] = self.relevance.tolist()
        record["word_relevance"] = self.word_relevance.tolist()
        return record
