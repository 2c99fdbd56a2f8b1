"""What a notebook shows: explanations, audits and runs as HTML fragments (and plain text), escaped as the report."""

from __future__ import annotations

import dataclasses
import re

import pytest

import hostile
from lrp_audit.lrp import Explainer
from lrp_audit.lrp.display import Explanations
from lrp_audit.lrp.heatmap import css
from lrp_audit.pipelines.runs import open_run
from lrp_audit.reports.display import audit_html, audit_text, register_displays
from lrp_audit.run_folder import read_audit


@pytest.fixture(scope="module")
def explanations(model_dir) -> Explanations:
    """The hostile texts explained by a tiny model, their target label markup too."""
    explained = Explainer.from_pretrained(model_dir).explain(hostile.TEXTS[:2])
    return Explanations(dataclasses.replace(e, target_label=hostile.LABELS[0]) for e in explained)


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    return hostile.write_hostile_run(tmp_path_factory.mktemp("hostile") / "run")


def test_each_word_has_its_relevances_colour_and_its_value_in_plain_text(explanations):
    explanation = explanations[0]
    html = explanation._repr_html_()
    scale = float(abs(explanation.word_relevance).max())
    for value in explanation.word_relevance:
        assert css(float(value), scale) in html  # the report's and the terminal's colours
        assert f">{float(value):+.2g}</sub>" in html  # readable without hovering
    assert "largest |relevance|" in html and f"{explanation.relevance_sum:+.4f}" in html


def test_an_explanations_plain_text_is_one_line_with_what_was_explained(explanations):
    text = repr(explanations[0])
    assert "\n" not in text and text.startswith("<Explanation ") and "gap" in text and "cp-lrp" in text
    assert repr(explanations).count("<Explanation ") == 2


def test_markup_in_a_text_or_label_is_escaped_in_an_explanation(explanations):
    html = explanations._repr_html_()
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;" in html and "onerror=&#34;window.__pwned = 3&#34;" in html  # the label, as text


def test_the_audit_fragment_lists_flags_first_and_its_text_is_the_terminal_summary(hostile_run):
    audit = read_audit(hostile_run)
    html = audit_html(audit)
    verdicts = re.findall(r">(flag|unconfirmed|clear|untested)</span>", html)
    assert verdicts and verdicts == sorted(verdicts, key=("flag", "unconfirmed", "clear", "untested").index)
    text = audit_text(audit)
    assert text.startswith(f"Audit of {audit.run_id}") and "\x1b[" not in text


def test_an_ipython_shell_shows_an_audit_as_its_fragment(hostile_run):
    shell = pytest.importorskip("IPython.core.interactiveshell").InteractiveShell.instance()
    register_displays()
    audit = read_audit(hostile_run)
    shown, _ = shell.display_formatter.format(audit)
    assert shown["text/html"] == audit_html(audit) and shown["text/plain"] == audit_text(audit)


@pytest.mark.parametrize("fragment", ["explanations", "audit", "run"])
def test_no_fragment_runs_a_script_in_the_browser(fragment, explanations, hostile_run, page, problems):
    html = {
        "explanations": lambda: explanations._repr_html_(),
        "audit": lambda: audit_html(read_audit(hostile_run)),
        "run": lambda: open_run(hostile_run)._repr_html_(),
    }[fragment]()
    page.set_content(f"<!DOCTYPE html><html><body>{html}</body></html>")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0 and page.locator("img").count() == 0
    assert page.locator("[onerror], [onclick], [onload]").count() == 0
    if fragment == "explanations":  # each text reads as it was written, values aside; the label too
        shown = page.locator(".lrp-audit-explanation p").evaluate_all(
            "texts => texts.map(p => [...p.childNodes].filter(node => node.nodeName !== 'SUB')"
            ".map(node => node.textContent).join(''))"
        )
        assert shown == hostile.TEXTS[:2]
        assert hostile.LABELS[0] in page.inner_text("body")
        assert page.locator("span[style*='background: rgb(']").count() >= 8
    assert problems.messages == []


def test_the_audit_fragment_names_confirmed_and_unconfirmed_proxy_words():
    from test_report_sensitive import report

    html = audit_html(report())
    assert "proxy word “lacrosse” for gender = f" in html
    assert ">unconfirmed</span> proxy word" in html and "the swap changed" in html
    assert "flagged</b>: proxy &#39;lacrosse&#39; (gender = f)" in html
