"""Audits beyond English: a model whose label leaks through German or French gender words is flagged,
and the flag confirmed by a grammatical swap; a control model on the same texts is clean; a dataset
of German and English rows is matched and swapped per language."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

import leak
import leak_languages
from rich.console import Console

from lrp_audit.audits import run_sql
from lrp_audit.audits.summary import print_summary
from lrp_audit.audits.database import connect_audited
from lrp_audit.cli import app
from lrp_audit.run_folder import AuditReport, read_record

FLAGS = {"gender/female", "gender/male"}


def scan(root: Path, name: str, model: Path, texts: list[str], labels: list[str], **audit) -> tuple[int, AuditReport]:
    """``lrp-audit scan --fail-on-flag`` of the texts with ``model``: its exit code and its audit."""
    data = leak.write_csv(texts, labels, root / f"{name}.csv")
    config = {
        "model": {"name": str(model)},
        "dataset": {"name": str(data), "label_column": "label"},
        "runtime": {"output_dir": str(root / "runs"), "run_id": name},
        "audit": audit,
    }
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    result = CliRunner().invoke(app, ["scan", str(path), "--fail-on-flag"])
    assert result.exception is None or result.exit_code in (0, 3), result.output
    return result.exit_code, read_record(root / "runs" / name / "audit.json", AuditReport)


@pytest.fixture(scope="module", params=["de", "fr"])
def audits(request, tmp_path_factory) -> tuple[str, tuple[int, AuditReport], tuple[int, AuditReport]]:
    """The leaking and the control model of a language, trained here, each scanned on the same 200
    held-out sentences (labelled by gender)."""
    language = request.param
    root = tmp_path_factory.mktemp(language)
    leaking = leak.train(*leak_languages.sentences(800, True, 1, language), root / "leak-model")
    control = leak.train(*leak_languages.sentences(800, False, 1, language), root / "control-model")
    texts, labels = leak_languages.sentences(200, True, 2, language)
    return language, scan(root, "leak", leaking, texts, labels), scan(root, "control", control, texts, labels)


def test_a_model_leaking_through_gender_words_of_the_language_is_flagged_and_confirmed(audits):
    language, (code, report), _ = audits
    assert code == 3 and report.status == "flagged"
    assert {f"{flag.axis}/{flag.group}" for flag in report.flags} == FLAGS
    for flag in report.flags:
        check = flag.counterfactual
        assert check.confirmed and check.swap.flip_rate > 0.9 and check.control.flip_rate < 0.2
        assert check.left_out is None  # every sampled sentence was swapped, none left out as unsafe
    [seen] = report.languages.languages
    assert (seen.language, seen.examples, seen.detected) == (language, 200, 200)
    assert "gender" in seen.axes and report.lexicons[0].language == language


def test_a_control_model_on_the_same_texts_is_clean(audits):
    _, _, (code, report) = audits
    assert code == 0 and report.status == "clear" and report.flags == []
    assert {test.group for test in report.tests if test.level == "group" and test.tested} == {"female", "male"}


def test_a_german_and_english_dataset_is_matched_and_swapped_per_language(tmp_path):
    german, german_labels = leak_languages.sentences(400, True, 1, "de")
    english, english_labels = leak.sentences(400, True, seed=1)
    model = leak.train(german + english, german_labels + english_labels, tmp_path / "model")
    texts_de, labels_de = leak_languages.sentences(100, True, 2, "de")
    texts_en, labels_en = leak.sentences(100, True, seed=2)
    code, report = scan(tmp_path, "mixed", model, texts_de + texts_en, labels_de + labels_en)
    assert code == 3 and {f"{flag.axis}/{flag.group}" for flag in report.flags} == FLAGS
    languages = {row.language: row for row in report.languages.languages}
    assert {language: row.examples for language, row in languages.items()} == {"de": 100, "en": 100}
    assert languages["de"].examples_with_any_term == languages["en"].examples_with_any_term == 100
    assert "religion" in languages["de"].without_lexicon and languages["en"].without_lexicon == []
    matched = run_sql(
        connect_audited(tmp_path / "runs" / "mixed"),
        "SELECT DISTINCT language, term FROM matches WHERE axis = 'gender' ORDER BY ALL",
    ).to_pylist()
    german_terms = {row["term"] for row in matched if row["language"] == "de"}
    english_terms = {row["term"] for row in matched if row["language"] == "en"}
    assert {"sie", "er", "mutter", "vater"} <= german_terms and {"she", "he", "mother", "father"} <= english_terms
    assert not german_terms & english_terms - {"mama", "papa"}


def test_the_summary_and_the_report_say_which_languages_were_seen_and_which_had_no_lexicon(tmp_path):
    texts, labels = leak_languages.sentences(60, True, 2, "de")
    english, english_labels = leak.sentences(40, True, seed=2)
    model = leak.train(*leak.sentences(200, True, seed=1), tmp_path / "model", steps=20, min_accuracy=0)
    _, report = scan(tmp_path, "seen", model, texts + english, labels + english_labels)
    console = Console(record=True, width=300)
    print_summary(report, console)
    text = console.export_text()
    assert "Languages (detected per example): de 60, en 40" in text
    assert "no lexicon in de (60 examples) for age, disability, nationality_ethnicity, religion, sexual_orientation" in text
    page = (tmp_path / "runs" / "seen" / "report.html").read_text()
    assert "Languages of the examples" in page and "<td>de</td><td class=\"num\">60</td>" in page


def test_a_leak_in_the_german_rows_only_is_flagged_within_german(tmp_path):
    """English rows labelled by the manner word, German ones by gender: pooled, the group's lift is
    diluted below the threshold; its test within the German examples flags it, and the swap of the
    German examples alone confirms it."""
    german, german_labels = leak_languages.sentences(400, True, 1, "de")
    english, english_labels = leak.sentences(400, False, seed=1)
    model = leak.train(german + english, german_labels + english_labels, tmp_path / "model", min_accuracy=0.9)
    texts_de, labels_de = leak_languages.sentences(100, True, 2, "de")
    texts_en, labels_en = leak.sentences(100, False, seed=2)
    code, report = scan(tmp_path, "german-only", model, texts_de + texts_en, labels_de + labels_en)
    assert code == 3 and [flag.name for flag in report.flags] == ["gender/male (de)"]
    [pooled] = [t for t in report.tests if t.level == "group" and t.group == "male"]
    assert pooled.lift_control.low < 1.5 < report.flags[0].statistics.lift_control.low
    assert {t.language for t in report.tests if t.level == "language" and t.group == "male"} == {"de", "en"}
    assert report.flags[0].counterfactual.examples == 45  # the German examples with a male term, no English one
