"""Explanations as HTML for a notebook: each word on its relevance's colour, with its value in plain text.

The colours are the report's and the terminal's (``heatmap.css``), and every string of the text is
escaped as the report's template escapes it (``markupsafe``), so that a text holding markup shows as
text. A fragment holds no script and needs none: each word's value is written after it, small, and
the largest words are listed with their values, so nothing hides behind hovering.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from .explanation import Explanation
from .heatmap import css

TOP_WORDS = 5
LEGEND = "red: relevance for the target, blue: against it; colour depth is |relevance| over the text's largest."


def explanation_html(explanation: Explanation, top: int = TOP_WORDS) -> str:
    """One explanation: its text (and pair) coloured word by word, what was explained, its largest words."""
    scale = float(abs(explanation.word_relevance).max()) if len(explanation.words) else 0.0
    texts = [
        _coloured(text, explanation, segment, scale)
        for segment, text in enumerate((explanation.text, explanation.text_pair))
        if text is not None
    ]
    explained = f"target {explanation.target_label!r} (logit {explanation.target_logit:+.4f})"
    if explanation.contrast_label is not None:
        explained += f" − contrast {explanation.contrast_label!r} (logit {explanation.contrast_logit:+.4f})"
    ranked = sorted(zip(explanation.words, explanation.word_relevance), key=lambda pair: -abs(pair[1]))[:top]
    summary = (
        f"{explained} · relevance sum {explanation.relevance_sum:+.4f} · gap {explanation.conservation_gap:+.2e} · "
        f"{explanation.method}" + (" · truncated" if explanation.truncated else "")
    )
    largest = ", ".join(f'{escape(word)} <span style="font-weight: 600">{value:+.3g}</span>' for word, value in ranked)
    return Markup(
        '<div class="lrp-audit-explanation" style="margin: 6px 0">'
        + "".join(f'<p style="line-height: 2; margin: 2px 0; white-space: pre-wrap">{text}</p>' for text in texts)
        + f'<div style="font-size: 85%; opacity: 0.8">{escape(summary)}<br>largest |relevance|: {largest}</div>'
        "</div>"
    )


def explanations_html(explanations: list[Explanation]) -> str:
    """Several explanations, one after the other, with the colours' legend once."""
    parts = [explanation_html(explanation) for explanation in explanations]
    return Markup("".join(parts) + f'<div style="font-size: 85%; opacity: 0.8">{escape(LEGEND)}</div>')


class Explanations(list):
    """A list of explanations that a notebook shows as coloured texts (a plain list otherwise)."""

    def _repr_html_(self) -> str:
        return explanations_html(self)

    def __repr__(self) -> str:
        return "[" + ",\n ".join(repr(explanation) for explanation in self) + "]"


def _coloured(text: str, explanation: Explanation, segment: int, scale: float) -> str:
    """``text`` with each of ``segment``'s words in a coloured span followed by its value."""
    spans = sorted(
        (start, end, float(value))
        for seg, start, end, value in zip(
            explanation.word_segment, explanation.word_char_start, explanation.word_char_end, explanation.word_relevance
        )
        if seg == segment
    )
    html, cursor = [], 0
    for start, end, value in spans:
        start = max(start, cursor)
        if end <= start:
            continue
        html.append(escape(text[cursor:start]))
        html.append(
            f'<span style="{css(value, scale)}; border-radius: 3px" title="{value:+.4f}">{escape(text[start:end])}</span>'
            f'<sub style="font-size: 65%; opacity: 0.75">{value:+.2g}</sub>'
        )
        cursor = end
    html.append(escape(text[cursor:]))
    return "".join(html)
