"""Words of other languages are matched as their lexicons spell them: capitals, composed or
decomposed accents and ß/ẞ alike; an elided French or Italian article kept on its word (by
tokenisers that split only at spaces) dropped; a term inside a compound only where the compound is
listed; and each example only with the lexicons of its language."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lrp_audit.audits import connect, run_sql, terms_table
from lrp_audit.audits.languages.detection import example_languages
from lrp_audit.audits.lexicon import bundled_lexicon
from lrp_audit.audits.settings import AuditSettings
from synthetic import write_run


def matches(tmp_path, texts: list[str], language: str, whole_words: bool = False) -> list[str]:
    """The gender terms matched in each text (one string per text), every text in ``language``;
    ``whole_words``: the scan's words rejoined at apostrophes, as a tokeniser that splits only at
    spaces leaves "l'infirmière"."""
    run_dir = write_run(tmp_path / "run", texts, shards=1, errors=0)
    if whole_words:
        [path] = (run_dir / "words").glob("*.parquet")
        pq.write_table(_rejoined(pq.read_table(path), texts), path)
    languages = example_languages(((f"ex{i:05d}", text, None) for i, text in enumerate(texts)), language)
    connection = connect(run_dir, terms_table([bundled_lexicon("gender", language)]), languages=languages)
    rows = run_sql(connection, "SELECT example_id, string_agg(term, ' ' ORDER BY char_start) AS terms FROM matches GROUP BY ALL")
    found = {row["example_id"]: row["terms"] for row in rows.to_pylist()}
    return [found.get(f"ex{i:05d}", "") for i in range(len(texts))]


def _rejoined(words: pa.Table, texts: list[str]) -> pa.Table:
    """Each word that an apostrophe joins to the next merged with it (and the apostrophe)."""
    rows, out = words.to_pylist(), []
    for row in rows:
        text = texts[int(row["example_id"][2:])]
        if out and out[-1]["example_id"] == row["example_id"] and text[out[-1]["char_end"] - 1] in "'’":
            merged = out[-1] | {"char_end": row["char_end"], "num_tokens": out[-1]["num_tokens"] + row["num_tokens"]}
            merged["word"] = text[merged["char_start"] : merged["char_end"]]
            out[-1] = merged
        elif out and out[-1]["example_id"] == row["example_id"] and row["word"] in ("'", "’"):
            out[-1] = out[-1] | {"char_end": row["char_end"], "word": text[out[-1]["char_start"] : row["char_end"]]}
        else:
            out.append(dict(row))
    for index, row in enumerate(out):
        row["word_index"] = index - next(i for i, r in enumerate(out) if r["example_id"] == row["example_id"])
    return pa.Table.from_pylist(out, schema=words.schema)


def test_german_terms_match_in_capitals_with_composed_or_decomposed_umlauts(tmp_path):
    texts = ["DIE ÄRZTIN kam.", "Die A\u0308rztin kam.", "Die GROẞMUTTER lacht.", "Die Großmutter lacht."]
    assert matches(tmp_path, texts, "de") == ["ärztin", "ärztin", "großmutter", "großmutter"]


def test_the_swiss_spelling_without_sharp_s_is_not_matched(tmp_path):
    assert matches(tmp_path, ["Die Grossmutter lacht."], "de") == [""]


def test_a_german_compound_is_matched_only_when_the_lexicon_lists_it(tmp_path):
    texts = ["Die Krankenschwester kam.", "Die Teamleiterin kam."]
    assert matches(tmp_path, texts, "de") == ["krankenschwester", ""]


def test_a_french_elided_article_split_off_by_the_tokeniser_leaves_the_term(tmp_path):
    assert matches(tmp_path, ["L'infirmière et l’actrice sont là."], "fr") == ["infirmière actrice"]


def test_a_french_elided_article_kept_on_its_word_is_dropped_before_matching(tmp_path):
    texts = ["L'infirmière et l’actrice sont là.", "Nous parlons à l'employée."]
    assert matches(tmp_path, texts, "fr", whole_words=True) == ["infirmière actrice", "employée"]


def test_an_italian_elided_preposition_kept_on_its_word_is_dropped_before_matching(tmp_path):
    assert matches(tmp_path, ["Il contratto dell'attrice è scaduto."], "it", whole_words=True) == ["attrice"]


def test_an_example_is_matched_only_with_the_lexicon_of_its_language(tmp_path):
    """German "man" is "one", not a man; "die" is an article."""
    assert matches(tmp_path, ["Man sagt, die Frau kommt."], "de") == ["frau"]
    assert matches(tmp_path, ["Man sagt, die Frau kommt."], "en") == ["man"]


def test_rows_too_short_to_tell_take_the_run_s_main_language():
    rows = [("a", "Sie ist seit zehn Jahren Ärztin in Berlin.", None), ("b", "Her mom", None),
            ("c", "Er arbeitet als Lehrer an einer Schule.", None), ("d", "She has led the team for ten years.", None)]
    table = example_languages(rows, "auto").to_pylist()
    assert [(row["language"], row["detected"]) for row in table] == [("de", True), ("de", False), ("de", True), ("en", True)]


def test_a_language_set_for_the_run_is_not_detected():
    rows = [("a", "She has led the team for ten years.", None)]
    assert example_languages(rows, "de").to_pylist() == [{"example_id": "a", "language": "de", "detected": False}]


def test_a_language_setting_that_is_not_a_code_is_refused_by_name():
    with pytest.raises(ValueError, match="'German' is neither auto nor a language code"):
        AuditSettings(language="German")


def test_explanations_in_four_languages_are_matched_each_with_its_own_lexicon(tmp_path, model_dir):
    """The issue's report: German and French texts found no gender term; now each finds its own."""
    from typer.testing import CliRunner

    from lrp_audit.cli import app
    from lrp_audit.pipelines.runs import query_run

    texts = ["Sie ist Ärztin und hat zehn Jahre Erfahrung.", "Er ist Arzt und hat zehn Jahre Erfahrung.",
             "Elle est infirmière depuis dix ans.", "She is a nurse with ten years of experience."]
    out = tmp_path / "explained"
    result = CliRunner().invoke(app, ["explain", *texts, "--model", model_dir, "--format", "parquet", "--output", str(out)])
    assert result.exit_code == 0, result.output
    sql = "SELECT text, string_agg(language || ':' || term, ' ' ORDER BY char_start) AS found FROM matches JOIN examples USING (example_id) GROUP BY text"
    found = {row["text"]: row["found"] for row in query_run(out, sql=sql).to_pylist()}
    assert [found[text] for text in texts] == ["de:sie de:ärztin", "de:er de:arzt", "fr:elle fr:infirmière", "en:she"]
