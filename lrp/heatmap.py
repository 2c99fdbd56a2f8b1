"""Terminal heatmaps: each word on a red (for the target) or blue (against it) background."""

from __future__ import annotations

from rich.console import Console, Group
from rich.text import Text

from .explanation import Explanation

POSITIVE, NEGATIVE = (220, 50, 47), (38, 139, 210)
DEEP = 0.6  # above this strength a background is dark enough that white ink reads better than black


def strength(value: float, scale: float) -> float:
    """How deep a word's colour is: |value| / scale, at most 1."""
    return min(abs(value) / scale, 1.0) if scale > 0 else 0.0


def colour(value: float, scale: float) -> tuple[int, int, int]:
    """White at 0, full red at +scale (for the target), full blue at -scale (against it)."""
    depth = strength(value, scale)
    base = POSITIVE if value >= 0 else NEGATIVE
    red, green, blue = (round(255 - (255 - channel) * depth) for channel in base)
    return red, green, blue


def css(value: float, scale: float) -> str:
    """A word's colours in HTML (the report's heatmaps, an explanation in a notebook): white ink on
    backgrounds deep enough that black would not read."""
    red, green, blue = colour(value, scale)
    ink = "#fff" if strength(value, scale) > DEEP else "inherit"
    return f"background: rgb({red}, {green}, {blue}); color: {ink}"


def _background(value: float, scale: float) -> str:
    red, green, blue = colour(value, scale)
    return f"black on rgb({red},{green},{blue})"


def _coloured(text: str, spans, scale: float) -> Text:
    line, cursor = Text(), 0
    for start, end, value in spans:
        line.append(text[cursor:start])
        line.append(text[start:end], style=_background(float(value), scale))
        cursor = end
    line.append(text[cursor:])
    return line


def heatmap(explanation: Explanation, top: int = 5) -> Group:
    """The text (and its pair) with each word coloured by its relevance, a summary and the top words."""
    scale = float(abs(explanation.word_relevance).max()) if len(explanation.words) else 0.0
    words = list(
        zip(
            explanation.word_segment, explanation.word_char_start, explanation.word_char_end, explanation.word_relevance
        )
    )
    lines = [
        _coloured(text, [(start, end, value) for seg, start, end, value in words if seg == segment], scale)
        for segment, text in enumerate((explanation.text, explanation.text_pair))
        if text is not None
    ]
    explained = f"target {explanation.target_label!r} (logit {explanation.target_logit:+.4f})"
    if explanation.contrast_label is not None:
        explained += f" - contrast {explanation.contrast_label!r} (logit {explanation.contrast_logit:+.4f})"
    summary = Text(
        f"{explained} | "
        f"relevance sum {explanation.relevance_sum:+.4f} | gap {explanation.conservation_gap:+.2e} | "
        f"{explanation.method}" + (" | truncated" if explanation.truncated else ""),
        style="dim",
    )
    ranked = sorted(zip(explanation.words, explanation.word_relevance), key=lambda pair: -abs(pair[1]))[:top]
    top_words = Text("top words: " + ", ".join(f"{word} {value:+.3f}" for word, value in ranked), style="dim")
    return Group(*lines, summary, top_words)


def print_heatmaps(explanations: list[Explanation], console: Console | None = None) -> None:
    console = console or Console()
    for explanation in explanations:
        console.print(heatmap(explanation))
        console.print()
    console.print(Text("red: relevance for the target, blue: against it; colour depth is |relevance|.", style="dim"))
