"""Lexicon files: the bundled ones load; a broken one is refused with the file and key named."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from lrp_audit.audits import DEFAULT_AXES, LexiconError, load_lexicons
from lrp_audit.audits.lexicon import bundled_axes, load_lexicon, term_parts

VALID = {
    "axis": "colour",
    "description": "test",
    "sources": ["made up"],
    "licence": "CC0",
    "groups": {"warm": {"terms": ["red", "dark orange"], "swap_with": "cold"}, "cold": {"terms": ["blue", "teal"]}},
    "swaps": [{"warm": "red", "cold": "blue"}],
}


def write(tmp_path, tree, name="colour.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(tree))
    return path


def test_every_bundled_lexicon_loads_and_states_its_sources_and_licence():
    lexicons = load_lexicons(bundled_axes())
    assert {lexicon.axis for lexicon in lexicons} >= set(DEFAULT_AXES)
    for lexicon in lexicons:
        assert lexicon.spec.sources and lexicon.spec.licence


def test_the_default_axes_leave_out_the_optional_first_names():
    assert "gender_names" in bundled_axes() and "gender_names" not in DEFAULT_AXES


def test_a_term_splits_into_lower_case_words_at_spaces_and_punctuation():
    assert term_parts("Sister-in-Law") == ["sister", "in", "law"]
    assert term_parts("  Café ") == ["café"]


@pytest.mark.parametrize("word", ["She", "CAFÉ", "naïve", "Zoë", "o'brien", "«he»", "x—y", "résumé."])
def test_words_are_normalised_in_sql_as_terms_are_in_python(word):
    sql = duckdb.sql(r"SELECT regexp_replace(lower(?), '[\pP\pS\pZ\s]+', '', 'g')", params=[word]).fetchall()[0][0]
    assert sql == "".join(term_parts(word))


def test_swaps_follow_the_rows_of_the_partner_group():
    gender = load_lexicons(["gender"])[0]
    assert gender.replacement("female", "she") == "he"
    assert gender.replacement("male", "brother in law") == "sister in law"


def test_a_user_lexicon_loads_next_to_the_bundled_ones(tmp_path):
    lexicons = load_lexicons(["gender"], [str(write(tmp_path, VALID))])
    assert [lexicon.axis for lexicon in lexicons] == ["gender"] * (len(lexicons) - 1) + ["colour"]
    assert lexicons[-1].language == "en" and lexicons[-1].replacement("warm", "dark orange") is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"swaps": [{"warm": "green", "cold": "blue"}]}, "swaps[0].warm: 'green' is not a term of group warm"),
        (
            {"groups": {"warm": {"terms": ["red", "Red"]}}},
            "groups.warm.terms: 'Red' matches the same words as 'red' (warm)",
        ),
        (
            {"groups": {"warm": {"terms": ["dark red"]}, "cold": {"terms": ["darkred"]}}},
            "groups.warm.terms: 'dark red' matches the same words as 'darkred' (cold)",
        ),
        ({"groups": {"warm": {"terms": ["red"], "swap_with": "hot"}}}, "groups.warm.swap_with: 'hot' is not a group"),
        ({"groups": {"Warm": {"terms": ["red"]}}}, "groups.Warm: group names use a-z, 0-9 and _"),
        ({"groups": {"warm": {"terms": ["--"]}}}, "groups.warm.terms: '--' has no letters or digits"),
        ({"licence": None}, "licence"),
        ({"colour": "extra"}, "colour: unknown key"),
    ],
)
def test_a_broken_lexicon_is_refused_naming_the_file_and_key(tmp_path, change, message):
    tree = {**VALID, **change}
    if "swaps" not in change and "groups" in change:
        tree["swaps"] = []
    path = write(tmp_path, tree)
    with pytest.raises(LexiconError, match="lexicon .*colour.yaml") as error:
        load_lexicon(path)
    assert message in str(error.value)


def test_an_axis_defined_twice_is_refused(tmp_path):
    with pytest.raises(LexiconError, match="axis 'gender' is already defined"):
        load_lexicons(["gender"], [str(write(tmp_path, {**VALID, "axis": "gender"}))])


def test_an_unknown_bundled_axis_names_the_config_key():
    with pytest.raises(LexiconError, match="audit.axes: no bundled lexicon 'caste'"):
        load_lexicons(["caste"])


def test_a_missing_lexicon_file_is_named(tmp_path):
    with pytest.raises(LexiconError, match="nope.yaml"):
        load_lexicons([], [str(tmp_path / "nope.yaml")])
