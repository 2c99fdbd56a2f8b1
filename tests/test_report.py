"""The static report: one self-contained, escaped page per run, each section honest about missing input."""

from __future__ import annotations

import base64
import json
import shutil
from html.parser import HTMLParser

import numpy as np
import pyarrow.parquet as pq
import pytest
from markupsafe import escape

import hostile
import synthetic
from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.run_folder import RunFolderError
from lrp_audit.reports import ReportError, gather, write_report
from lrp_audit.reports.heatmaps import pieces

SUBJECTS = ["She", "He", "Her friend", "His friend", "They"]
ENDINGS = ["good", "bad", "fine", "odd"]
TEXTS = [f"{subject} said the result was {ending} today." for subject in SUBJECTS for ending in ENDINGS] * 3
SETTINGS = AuditSettings(axes=["gender"], resamples=200)


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of each heatmap word by its title."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.words: list[dict] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "span" and "word" in attributes.get("class", "").split():
            self.words.append({"classes": attributes["class"].split(), "title": attributes["title"], "text": ""})

    def handle_endtag(self, tag):
        if tag == "span" and self.words and "closed" not in self.words[-1]:
            self.words[-1]["closed"] = True

    def handle_data(self, data):
        self.text.append(data)
        if self.words and "closed" not in self.words[-1]:
            self.words[-1]["text"] += data


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """A run with planted reliance on 'she' and 'her', audited without a model."""
    run_dir = synthetic.write_run(tmp_path_factory.mktemp("audited") / "run", TEXTS, boost={"she": 8.0, "her": 8.0})
    run_audit(run_dir, SETTINGS, predict=None)
    return run_dir


@pytest.fixture
def run(audited, tmp_path):
    """A private copy of the audited run, for tests that change its files."""
    return shutil.copytree(audited, tmp_path / "run")


def faithfulness(beats_random: bool) -> dict:
    fractions = [i / 10 for i in range(11)]
    curve = list(np.linspace(0.5, 1.0, 11))
    difference = {
        "auac": {"estimate": 0.2, "low": 0.1, "high": 0.3},
        "au_mse": {"estimate": -1, "low": -2, "high": -0.5},
    }
    results = [
        {"method": method, "auac": 0.8, "au_mse": 0.6, "accuracy": curve, "probability": curve, "mse": curve}
        | {"vs_random": None if method == "random" else difference | {"p_auac": 0.001, "p_au_mse": 0.001}}
        for method in ("cp-lrp", "gxi", "random")
    ]
    message = "cp-lrp ranks tokens better than a random order" if beats_random else "cp-lrp: AUAC 0.61 vs 0.67"
    return {
        "run_id": "run",
        "created_at": "2026-11-29T10:00:00+00:00",
        "settings": {"sample": 60, "methods": ["cp-lrp", "gxi"], "seed": 0, "confidence": 0.95, "resamples": 200},
        "fractions": fractions,
        "replacement": {"token": "[UNK]", "token_id": 100},
        "examples": 60,
        "results": results,
        "verdict": {"method": "cp-lrp", "beats_random": beats_random, "message": message},
    }


def flag_female(run_dir) -> None:
    """Turn the unconfirmed 'female' candidate into a confirmed flag with counterfactual evidence."""
    path = run_dir / "audit.json"
    report = json.loads(path.read_text())
    entry = next(e for e in report["unconfirmed"] if e["group"] == "female")
    entry["counterfactual"] |= {
        "confirmed": True,
        "reason": None,
        "examples": 12,
        "swap": {"flip_rate": 0.75, "mean_probability_change": -0.42, "mean_absolute_change": 0.42},
        "control": {"flip_rate": 0.0625, "mean_probability_change": -0.01, "mean_absolute_change": 0.02},
        "q_value": 0.001,
    }
    report["unconfirmed"].remove(entry)
    report["flags"].append(entry)
    report["status"] = "flagged"
    path.write_text(json.dumps(report))


def test_report_is_one_file_with_no_external_urls(run):
    path = write_report(run)
    assert path == run / "report.html"
    assert sorted(p.name for p in run.iterdir() if p.name.startswith(".")) == []  # no temporary file left
    html = path.read_text()
    page = Page(html)
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "iframe" not in tags
    csp = [a for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    assert csp == [{"http-equiv": "Content-Security-Policy", "content": csp[0]["content"]}]
    assert csp[0]["content"].startswith("default-src 'none'")
    for tag, attributes in page.tags:
        assert all(not name.startswith("on") for name in attributes), tag
        if "src" in attributes:
            assert attributes["src"].startswith("data:image/svg+xml;base64,"), tag
        if "href" in attributes:
            assert attributes["href"].startswith("#"), attributes["href"]
    outside = html.replace("http://www.w3.org", "")  # (none expected, but SVG namespaces live only in data URIs)
    assert "http://" not in outside and "https://" not in outside and "url(" not in outside


def test_plots_are_svg_images_with_alt_text(run):
    page = Page(write_report(run).read_text())
    images = [a for tag, a in page.tags if tag == "img"]
    assert len(images) >= 4  # gap histograms, shares, lift, direction
    for image in images:
        assert image["class"] == "plot" and len(image["alt"]) > 20
        svg = base64.b64decode(image["src"].split(",", 1)[1]).decode()
        assert "<svg" in svg and "<script" not in svg


def test_report_without_audit_says_how_to_make_one(tmp_path):
    run_dir = synthetic.write_run(tmp_path / "run", TEXTS[:20])
    html = write_report(run_dir).read_text()
    assert f"No audit.json: run <code>lrp-audit audit {run_dir}</code>" in html
    assert f"No faithfulness.json: run <code>lrp-audit evaluate {run_dir}</code>" in html
    assert 'class="heatmap' not in html
    assert "invalid_text" in html  # the sections that need no audit are still there


def test_report_refuses_an_unfinished_run(run):
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps(manifest | {"status": "running"}))
    with pytest.raises(RunFolderError, match=rf"{run}: the scan is running, not complete"):
        write_report(run)
    assert not (run / "report.html").exists()


def test_report_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(RunFolderError, match="no manifest.json"):
        write_report(tmp_path)


def test_a_malformed_audit_is_one_message_naming_the_file(run):
    (run / "audit.json").write_text(json.dumps({"status": "clear"}))
    with pytest.raises(ReportError, match=r"audit\.json: unexpected content"):
        write_report(run)


def test_dataset_text_is_escaped(tmp_path):
    html = write_report(hostile.write_hostile_run(tmp_path / "run")).read_text()
    assert "<script" not in html and "<img src=x" not in html and "<b>" not in html
    assert escape(hostile.SCRIPT) in html  # the markup as one heatmap word
    assert escape(hostile.IMAGE) in html  # the markup between heatmap words
    assert escape(hostile.LABELS[1]) in html
    page = Page(html)
    assert not [tag for tag, _ in page.tags if tag in ("script", "b")]
    assert all(attributes.get("class") == "plot" for tag, attributes in page.tags if tag == "img")


def test_heatmap_words_carry_signed_relevance_and_sensitive_words_are_marked(run):
    page = Page(write_report(run).read_text())
    words = run / "words"
    relevance = {round(float(r), 4) for r in pq.read_table(words).column("relevance").to_pylist()}
    assert page.words
    for word in page.words:
        value = word["title"].split()[0]
        assert value[0] in "+-" and round(float(value), 4) in relevance
    sensitive = [word for word in page.words if "sensitive" in word["classes"]]
    assert {word["text"].lower() for word in sensitive} <= {"she", "her", "he", "his"}
    assert any(word["text"] == "She" and word["title"].endswith("gender/female") for word in sensitive)
    assert all("gender/" not in word["title"] for word in page.words if "sensitive" not in word["classes"])


def test_heatmap_pieces_rebuild_the_text_exactly():
    text = "She said: fine."
    words = [
        {"segment": 0, "word_index": 0, "char_start": 0, "char_end": 3, "relevance": 2.0},
        {"segment": 0, "word_index": 1, "char_start": 4, "char_end": 8, "relevance": -1.0},
        {"segment": 1, "word_index": 2, "char_start": 0, "char_end": 2, "relevance": 5.0},
        {"segment": 0, "word_index": 3, "char_start": 10, "char_end": 14, "relevance": 0.5},
    ]
    cut = pieces(text, words, {(0, 0): ["gender/female"]}, 0, scale=2.0)
    assert "".join(piece.text for piece in cut) == text
    assert [piece.text for piece in cut if piece.relevance is not None] == ["She", "said", "fine"]
    assert cut[0].groups == ("gender/female",) and cut[0].title == "+2.0000 gender/female"
    assert cut[0].style.startswith("background: rgb(220, 50, 47)")  # full red at the example's largest |relevance|
    assert cut[2].style.startswith("background: rgb(146, 197, 232)")  # half-deep blue


def test_text_pairs_show_both_texts(tmp_path):
    texts = ["She said yes.", "He said no."] * 10
    run_dir = synthetic.write_run(tmp_path / "run", texts, ["A pair <b>here</b>."] * 20, boost={"she": 8.0})
    run_audit(run_dir, SETTINGS, predict=None)
    html = write_report(run_dir, examples_per_heatmap=2).read_text()
    assert html.count('<p class="heatmap">') == html.count('<p class="heatmap pair">') == 2
    text = "".join(Page(html).text)
    assert "She said yes." in text and "A pair <b>here</b>." in text


def test_only_a_handful_of_examples_are_shown(run):
    html = write_report(run, examples_per_heatmap=3).read_text()
    assert html.count('class="example"') == 3  # one block (nothing flagged) of three examples
    assert len(html.encode()) < 300_000


def test_gap_quantiles_match_the_examples_table(run):
    examples = pq.read_table(run / "examples").to_pandas()
    gap = examples["conservation_gap"].abs()
    connection = gather.open_run(run)
    gaps = gather.gaps(connection)
    assert gaps.examples == len(examples)
    assert gaps.abs_quantiles["median"] == pytest.approx(np.quantile(gap, 0.5))
    assert gaps.abs_quantiles["p95"] == pytest.approx(np.quantile(gap, 0.95))
    assert gaps.abs_quantiles["max"] == pytest.approx(gap.max())
    assert sum(gaps.gap.counts) == sum(gaps.relative.counts) == len(examples)
    relative = gap / (examples["target_logit"].abs() + gather.EPSILON)
    assert gaps.relative_quantiles["median"] == pytest.approx(np.quantile(relative, 0.5))


def test_faithfulness_failure_is_stated_plainly(run):
    (run / "faithfulness.json").write_text(json.dumps(faithfulness(beats_random=False)))
    html = write_report(run).read_text()
    assert "cp-lrp does not beat a random token order on this model: do not trust its relevance here" in html
    assert 'class="box warning"><strong class="headline">cp-lrp does not beat' in html


def test_faithfulness_success_shows_the_table_and_curves(run):
    (run / "faithfulness.json").write_text(json.dumps(faithfulness(beats_random=True)))
    html = write_report(run).read_text()
    assert "does not beat" not in html
    assert "AUAC &uarr;" in html and "0.2 [0.1, 0.3]" in html
    page = Page(html)
    alts = [a["alt"] for tag, a in page.tags if tag == "img"]
    assert any(alt.startswith("Curves of accuracy") for alt in alts)
    assert any(alt.startswith("Curves of mean squared change") for alt in alts)


def test_flagged_group_shows_its_counterfactual_evidence(run):
    flag_female(run)
    html = write_report(run).read_text()
    page = Page(html)
    counterfactual = [a for tag, a in page.tags if tag == "img" and a["alt"].startswith("Flip rates")]
    assert len(counterfactual) == 1
    svg = base64.b64decode(counterfactual[0]["src"].split(",", 1)[1]).decode()
    assert "female -&gt; male" in svg
    assert "75.0%" in html and "6.2%" in html and "-0.420" in html
    assert '<span class="badge flagged">flagged</span> gender / female' in html
    assert 'gender / female <span class="badge flagged">flagged</span></h3>' in html  # its examples come first


def test_an_audit_without_sensitive_columns_shows_no_sensitive_section(run):
    html = write_report(run).read_text()
    assert 'id="sensitive"' not in html and "Proxy words" not in html and "Decisions by group" not in html
    assert '<a href="#verdict">2. Verdict</a><a href="#axes">3. Per axis</a>' in html
    assert "<h2>3. Per axis</h2>" in html and "<h2>5. The examples that rely most on sensitive words</h2>" in html
