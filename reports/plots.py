"""The report's plots: matplotlib figures rendered to SVG data URIs (an image from a data URI runs no script).

Each plot is its own ``Figure`` on the Agg canvas; nothing goes through pyplot, so no state leaks
from one figure to the next.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lrp_audit.run_folder.records import Finding, MethodResult, Test

from .gather import Gaps, Histogram

TARGET, AGAINST, NEUTRAL, MUTED = "#dc322f", "#268bd2", "#586e75", "#93a1a1"
METHOD_COLOURS = ["#dc322f", "#268bd2", "#859900", "#6c71c4", "#b58900", "#2aa198", "#d33682"]
# Text stays text (small files, selectable); fixed ids and no date make the output reproducible.
SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "lrp-audit", "font.size": 10}


@dataclass(frozen=True)
class Plot:
    """An SVG image as a data URI, with the alt text that says what it shows."""

    uri: str
    alt: str


def _figure(width: float = 9.0, height: float = 3.0) -> Figure:
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _plot(figure: Figure, alt: str) -> Plot:
    buffer = io.BytesIO()
    with matplotlib.rc_context(SVG_SETTINGS):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return Plot("data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"), alt)


def _bars(axes, histogram: Histogram, colour: str) -> None:
    edges = np.asarray(histogram.edges)
    axes.bar(edges[:-1], histogram.counts, width=np.diff(edges), align="edge", color=colour, edgecolor="white")
    axes.set_ylabel("examples")


def _untested(axes, row: int, test: Test) -> None:
    """Write why a row has no interval, at the left edge of the plot whatever its x range."""
    reason = test.reason or "no estimate"
    axes.text(0.01, row, f"not tested: {reason}", transform=axes.get_yaxis_transform(), va="center", color=MUTED)


def gap_histograms(gaps: Gaps) -> Plot:
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = _figure(height=2.8)
        left, right = figure.subplots(1, 2)
        _bars(left, gaps.gap, NEUTRAL)
        left.set_xlabel("conservation gap: target logit - sum of relevance")
        left.axvline(0, color="black", linewidth=0.8)
        _bars(right, gaps.relative, MUTED)
        right.set_xlabel("relative gap: |gap| / |target logit|")
    return _plot(figure, f"Histograms of the conservation gap and of the relative gap over {gaps.examples} examples.")


def share_boxes(axis: str, shares: dict[str, np.ndarray]) -> Plot:
    groups = list(shares)
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = _figure(height=0.5 + 0.45 * len(groups) + 0.6)
        axes = figure.subplots()
        axes.boxplot(
            [shares[group] for group in groups],
            orientation="horizontal",
            showfliers=False,
            showmeans=True,
            widths=0.6,
            tick_labels=[f"{group} (n={len(shares[group])})" for group in groups],
            medianprops={"color": TARGET},
            meanprops={"marker": "D", "markerfacecolor": "black", "markeredgecolor": "black", "markersize": 4},
        )
        axes.invert_yaxis()
        axes.set_xlabel("share of the example's |relevance| on the group's words")
        axes.set_xlim(left=0)
    return _plot(figure, f"Box plot of the per-example share of relevance on each {axis} group's words.")


def lift_intervals(axis: str, tests: list[Test], min_lift: float, confidence: float) -> Plot:
    """Lift over control per group with its interval; untested groups are written where the bar would be."""
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = _figure(height=0.5 + 0.45 * len(tests) + 0.6)
        axes = figure.subplots()
        for row, test in enumerate(tests):
            lift = test.lift_control
            if not test.tested or lift is None or lift.estimate is None:
                _untested(axes, row, test)
                continue
            estimate, low, high = lift.estimate, lift.low, lift.high
            colour = TARGET if low is not None and low > min_lift else NEUTRAL
            if low is not None and high is not None:
                axes.hlines(row, low, high, color=colour, linewidth=2)
            axes.plot([estimate], [row], "o", color=colour)
        axes.axvline(1, color="black", linewidth=0.8, linestyle=":")
        axes.axvline(min_lift, color=TARGET, linewidth=0.8, linestyle="--")
        axes.set_yticks(range(len(tests)), [test.group for test in tests])
        axes.set_ylim(len(tests) - 0.5, -0.5)
        axes.set_xlabel(f"lift over control words (mean share / mean control share, {confidence:.0%} CI)")
    return _plot(
        figure,
        f"Lift of each {axis} group's share of relevance over matched control words, with confidence intervals; "
        f"dotted line at 1 (no lift), dashed line at the flag threshold {min_lift}.",
    )


def direction_intervals(axis: str, tests: list[Test], confidence: float) -> Plot:
    """Mean signed relevance on each group's words per predicted class, with its interval."""
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = _figure(height=0.5 + 0.4 * len(tests) + 0.6)
        axes = figure.subplots()
        for row, test in enumerate(tests):
            relevance = test.relevance
            if not test.tested or relevance is None or relevance.estimate is None:
                _untested(axes, row, test)
                continue
            estimate = relevance.estimate
            colour = TARGET if estimate >= 0 else AGAINST
            if relevance.low is not None and relevance.high is not None:
                axes.hlines(row, relevance.low, relevance.high, color=colour, linewidth=2)
            axes.plot([estimate], [row], "o", color=colour)
        axes.axvline(0, color="black", linewidth=0.8)
        axes.set_yticks(range(len(tests)), [f"{test.group} | predicted {test.prediction}" for test in tests])
        axes.set_ylim(len(tests) - 0.5, -0.5)
        axes.set_xlabel(f"mean signed relevance on the group's words toward the target ({confidence:.0%} CI)")
    return _plot(
        figure,
        f"Mean signed relevance of each {axis} group's words per predicted class, with confidence intervals; "
        "right of zero supports the explained target, left speaks against it.",
    )


def counterfactual_bars(axis: str, entries: list[Finding]) -> Plot:
    """Flip rate when the group's terms are swapped, next to the control swap of as many other words."""
    rows = np.arange(len(entries))
    with matplotlib.rc_context(SVG_SETTINGS):
        figure = _figure(height=0.9 + 0.55 * len(entries) + 0.6)
        axes = figure.subplots()
        swap = [entry.counterfactual.swap.flip_rate for entry in entries]
        control = [entry.counterfactual.control.flip_rate for entry in entries]
        axes.barh(rows - 0.18, swap, height=0.36, color=TARGET, label="group's terms swapped")
        axes.barh(rows + 0.18, control, height=0.36, color=MUTED, label="control: as many other words swapped")
        axes.set_yticks(rows, [f"{entry.label} -> {entry.counterfactual.partner}" for entry in entries])
        axes.set_ylim(len(entries) - 0.5, -0.5)
        axes.set_xlim(0, 1)
        axes.set_xlabel("flip rate: fraction of examples whose prediction changes")
        figure.legend(loc="outside upper center", ncols=2, frameon=False)
    return _plot(
        figure,
        f"Flip rates of the {axis} counterfactual swaps next to their control swaps, one pair of bars per group.",
    )


def faithfulness_curves(fractions: list[float], results: list[MethodResult]) -> tuple[Plot, Plot]:
    """Accuracy as the most relevant tokens are added, and output change as the least relevant are removed."""
    curves = []
    for key, label, what in (
        ("accuracy", "accuracy on the explained target", "tokens kept, most relevant first"),
        ("mse", "mean squared change of the logits", "tokens replaced, least relevant first"),
    ):
        with matplotlib.rc_context(SVG_SETTINGS):
            figure = _figure(width=5.0, height=3.4)
            axes = figure.subplots()
            for index, result in enumerate(results):
                random = result.method == "random"
                axes.plot(
                    fractions,
                    getattr(result, key),
                    marker="o",
                    markersize=3,
                    color="black" if random else METHOD_COLOURS[index % len(METHOD_COLOURS)],
                    linestyle="--" if random else "-",
                    label=result.method,
                )
            axes.set_xlabel(f"fraction of {what}")
            axes.set_ylabel(label)
            axes.legend(frameon=False)
        curves.append(_plot(figure, f"Curves of {label} against the fraction of {what}, one line per method."))
    return curves[0], curves[1]
