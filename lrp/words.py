"""Word relevance: a word's subwords merged, their relevance summed (relevance is additive)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .encoding import Encoded


@dataclass(frozen=True)
class Words:
    """The words of a record in order of appearance, with the text they cover and their relevance."""

    text: list[str]
    segment: list[int]  # 0: a word of ``text``, 1: of ``text_pair``
    char_start: list[int]
    char_end: list[int]
    relevance: np.ndarray  # float32


def words(record: Encoded, relevance: np.ndarray) -> Words:
    """Merge the tokens of each word; special and prompt-template tokens belong to none."""
    spans: list[list[int]] = []  # [segment, start, end] per word, in order of appearance
    summed: list[float] = []
    for position, word in enumerate(record.word_ids):
        if word is None:
            continue
        if word == len(spans):
            spans.append([record.segment[position], record.char_start[position], record.char_end[position]])
            summed.append(0.0)
        spans[word][2] = record.char_end[position]
        summed[word] += float(relevance[position])
    texts = (record.text, record.text_pair)
    return Words(
        text=[texts[segment][start:end] for segment, start, end in spans],
        segment=[segment for segment, _, _ in spans],
        char_start=[start for _, start, _ in spans],
        char_end=[end for _, _, end in spans],
        relevance=np.asarray(summed, dtype=np.float32),
    )
