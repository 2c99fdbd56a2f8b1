"""An example's text cut into pieces, each word with its relevance and colour, for the template to escape.

The colours follow lrp/heatmap.py: red for the target, blue against it, depth |relevance| over the
largest |relevance| of the example's words.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrp_audit.lrp.heatmap import css as style

from .gather import Example

# Each example's largest words, with their values in plain text (readable without hovering or colour).
TOP_WORDS = 5


@dataclass(frozen=True)
class Piece:
    """A slice of the text: a word (relevance set) or what lies between words (relevance None)."""

    text: str
    relevance: float | None = None
    groups: tuple[str, ...] = ()
    style: str | None = None

    @property
    def value(self) -> str:
        return f"{self.relevance:+.3g}" if self.relevance is not None else ""

    @property
    def title(self) -> str:
        value = f"{self.relevance:+.4f}" if self.relevance is not None else ""
        return " ".join([value, *self.groups])


def pieces(
    text: str, words: list[dict], sensitive: dict[tuple[int, int], list[str]], segment: int, scale: float
) -> list[Piece]:
    """``text`` cut at its words' character spans (words of the other segment are skipped)."""
    words = sorted((w for w in words if w["segment"] == segment), key=lambda w: (w["char_start"], w["char_end"]))
    result, cursor = [], 0
    for word in words:
        start, end = max(word["char_start"], cursor), word["char_end"]
        if end <= start:
            continue
        if start > cursor:
            result.append(Piece(text[cursor:start]))
        value = float(word["relevance"])
        groups = tuple(sensitive.get((segment, word["word_index"]), ()))
        result.append(Piece(text[start:end], value, groups, style(value, scale)))
        cursor = end
    if cursor < len(text):
        result.append(Piece(text[cursor:]))
    return result


def example_view(example: Example) -> dict:
    """What the template shows of one drawn example: its texts as pieces, labels and share."""
    row = example.row
    scale = max((abs(word["relevance"]) for word in example.words), default=0.0)
    texts = [
        pieces(text, example.words, example.sensitive, segment, scale)
        for segment, text in enumerate((row["text"], row["text_pair"]))
        if text is not None
    ]
    words = [piece for text in texts for piece in text if piece.relevance is not None]
    top = sorted(words, key=lambda piece: -abs(piece.relevance))[:TOP_WORDS]
    return {
        "example_id": row["example_id"],
        "texts": texts,
        "top_words": [{"text": piece.text, "value": piece.value} for piece in top],
        "label": row["label"],
        "target_label": row["target_label"],
        "prediction_label": row["prediction_label"],
        "share": example.share,
    }
