"""Counterfactual texts: swaps keep case and offsets; the control swaps as many other words."""

from __future__ import annotations

import numpy as np
import pytest

from lrp_audit.audits.counterfactual import build_examples, match_case


@pytest.mark.parametrize(("original", "expected"), [("She", "He"), ("SHE", "HE"), ("she", "he"), ("S", "He")])
def test_a_swapped_term_keeps_the_case_of_the_original(original, expected):
    assert match_case(original, "he") == expected


def plan(matches, control_words, text="She told her sister-in-law.", pair=None):
    example = {"example_id": "e1", "text": text, "text_pair": pair, "target": 1}
    return build_examples([example], matches, control_words, np.random.default_rng(0))


def match(start, end, replacement, segment=0):
    return {"example_id": "e1", "segment": segment, "char_start": start, "char_end": end, "replacement": replacement}


def word(start, end, norm, segment=0, example_id="e1"):
    return {"example_id": example_id, "segment": segment, "char_start": start, "char_end": end, "norm": norm}


def test_every_term_of_the_group_is_swapped_in_one_text():
    [example] = plan([match(0, 3, "he"), match(9, 12, "his"), match(13, 26, "brother in law")], [])
    assert example.texts("swapped") == ("He told his brother in law.", None)
    assert example.texts("original") == ("She told her sister-in-law.", None)


def test_terms_in_the_second_text_of_a_pair_are_swapped_there():
    [example] = plan([match(0, 3, "he"), match(4, 7, "him", segment=1)], [], text="She won.", pair="ask her")
    assert example.texts("swapped") == ("He won.", "ask him")


def test_the_control_replaces_as_many_other_words_with_words_from_elsewhere():
    words = [word(4, 8, "told"), word(0, 4, "fine", example_id="e2"), word(5, 9, "blue", example_id="e2")]
    [example] = plan([match(0, 3, "he")], words)
    text, _ = example.texts("control")
    assert len(example.controls) == len(example.swaps) == 1
    assert text.startswith("She ") and text.split()[1] in {"fine", "blue"}


def test_a_term_without_a_swap_partner_is_counted_not_swapped():
    [example] = plan([match(0, 3, "he"), match(9, 12, None)], [])
    assert example.unswappable == 1 and example.texts("swapped")[0] == "He told her sister-in-law."


def test_an_example_with_nothing_to_swap_is_left_out():
    assert plan([match(0, 3, None)], []) == []


def german(text: str, matches: list[dict]):
    example = {"example_id": "e1", "text": text, "text_pair": None, "target": 1, "language": "de"}
    return build_examples([example], matches, [], np.random.default_rng(0), {"de": "masculine"})


def test_in_a_language_with_agreement_the_words_that_agree_with_the_person_change_too():
    [example] = german("Sie ist eine gute Ärztin.", [match(0, 3, "er"), match(18, 24, "arzt")])
    assert example.texts("swapped") == ("Er ist ein guter Arzt.", None) and len(example.swaps) == 4


def test_an_example_its_language_cannot_swap_safely_is_left_out_with_the_reason():
    text = "Gestern hat die Ärztin angerufen."  # die: nominative or accusative? der or den Arzt
    [example] = german(text, [match(16, 22, "arzt")])
    assert example.swaps == [] and example.controls == [] and "unclear" in example.left_out
    assert example.texts("swapped") == (text, None)


def test_a_swap_that_would_change_no_word_is_left_out():
    example = {"example_id": "e1", "text": "Il faut partir.", "text_pair": None, "target": 1, "language": "fr"}
    [planned] = build_examples([example], [match(0, 2, "elle")], [], np.random.default_rng(0), {"fr": "feminine"})
    assert planned.swaps == [] and planned.left_out
