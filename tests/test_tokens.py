"""What one explanation holds: tokens, offsets, special marks, words, truncation."""

import pytest
import tiny

from lrp_audit.lrp import Explainer

TEXT = "Unbelievably, the engineer's design worked."


def test_special_tokens_are_marked_and_belong_to_no_word(tokenizer):
    explanation = Explainer(tiny.model("bert"), tokenizer).explain([TEXT])[0]
    assert explanation.tokens[0] == "[CLS]" and explanation.tokens[-1] == "[SEP]"
    assert explanation.is_special[0] and explanation.is_special[-1] and not any(explanation.is_special[1:-1])
    assert explanation.word_index[0] is None and explanation.word_index[-1] is None


def test_offsets_point_into_the_text_and_subwords_merge_into_words(tokenizer):
    explanation = Explainer(tiny.model("bert"), tokenizer).explain([TEXT])[0]
    assert explanation.words == ["Unbelievably", ",", "the", "engineer", "'", "s", "design", "worked", "."]
    pieces = [i for i, w in enumerate(explanation.word_index) if w == 0]
    assert len(pieces) > 1
    assert explanation.word_relevance[0] == pytest.approx(float(explanation.relevance[pieces].sum()), rel=1e-6)
    for start, end, word in zip(explanation.word_char_start, explanation.word_char_end, explanation.words):
        assert TEXT[start:end] == word


def test_long_texts_are_truncated_and_marked(tokenizer):
    explainer = Explainer(tiny.model("bert"), tokenizer, max_length=8)
    short, long = explainer.explain(["short one", TEXT])
    assert not short.truncated and long.truncated
    assert len(long.tokens) == 8 and long.tokens[-1] == "[SEP]"


def test_explanations_come_back_in_input_order(tokenizer, texts):
    shuffled = [texts[1], texts[2], texts[0]]
    assert [e.text for e in Explainer(tiny.model("bert"), tokenizer, batch_size=2).explain(shuffled)] == shuffled


def test_prompt_template_tokens_are_marked_and_offsets_index_the_text(tokenizer):
    prompt = "Profile: {text} Hire this person? Answer:"
    explainer = Explainer(tiny.model("llama", task="causal-lm"), tokenizer, prompt=prompt)
    explanation = explainer.explain(["She codes well."], " Yes")[0]
    template = [t for t, flag in zip(explanation.tokens, explanation.is_template) if flag]
    assert template == ["profile", ":", "hire", "this", "person", "?", "answer", ":"]
    assert explanation.words == ["She", "codes", "well", "."]
    assert all(s is None for s, flag in zip(explanation.char_start, explanation.is_template) if flag)
    assert explanation.text == "She codes well."


def test_a_prompt_without_its_text_slot_is_refused(tokenizer):
    with pytest.raises(ValueError, match="must contain {text} exactly once"):
        Explainer(tiny.model("gpt2", task="causal-lm"), tokenizer, prompt="Hire? Answer:")


def test_text_pairs_keep_offsets_per_text_and_words_from_both(tokenizer):
    premise, hypothesis = "A man is sleeping.", "Nobody sleeps."
    explanation = Explainer(tiny.model("bert"), tokenizer).explain([premise], pairs=[hypothesis])[0]
    assert explanation.words == ["A", "man", "is", "sleeping", ".", "Nobody", "sleeps", "."]
    assert explanation.word_segment == [0] * 5 + [1] * 3
    texts = (premise, hypothesis)
    for start, end, segment, word in zip(explanation.word_char_start, explanation.word_char_end,
                                         explanation.word_segment, explanation.words):
        assert texts[segment][start:end] == word
    assert explanation.text_pair == hypothesis and explanation.tokens.count("[SEP]") == 2


def test_truncated_pairs_are_marked(tokenizer):
    explainer = Explainer(tiny.model("bert"), tokenizer, max_length=8)
    short, long = explainer.explain(["a b", TEXT], pairs=["c", TEXT])
    assert not short.truncated and long.truncated and len(long.tokens) == 8
