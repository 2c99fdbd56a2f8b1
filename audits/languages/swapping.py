"""One text's counterfactual swap, as the audit makes it: the lexicon's terms found in the text,
replaced by their partners', and the words that agree with them changed by the language's grammar.

The audit finds the terms in SQL over the scan's words; ``terms_in`` finds them in a plain text the
same way (whole words, a multi-word term as consecutive words, the longest term first), so a swap
can be tried on any sentence: ``swap_text("Sie ist eine gute Ärztin.", "de", "female")``.
"""

from __future__ import annotations

from functools import cache

from lrp_audit.audits.lexicon import Lexicon, bundled_lexicon, term_parts

from . import grammar_for
from .grammar import Edit, Term, Word, match_case, words_of


def terms_in(words: list[Word], lexicon: Lexicon, group: str) -> list[Term]:
    """The terms of ``group`` among ``words``, longest first where terms overlap; an elided word
    ("l'") before a term is not part of it."""
    by_parts = {}
    for name, spec in lexicon.spec.groups.items():
        for term in spec.terms:
            by_parts[tuple(term_parts(term))] = (name, term)
    longest = max(map(len, by_parts), default=0)
    found, index = [], 0
    while index < len(words):
        for size in range(min(longest, len(words) - index), 0, -1):
            key = tuple(word.norm for word in words[index : index + size])
            if key in by_parts and not words[index].elided:
                name, term = by_parts[key]
                if name == group:
                    found.append(Term(index, index + size - 1, lexicon.replacement(group, term)))
                index += size
                break
        else:
            index += 1
    return found


def apply(text: str, words: list[Word], edits: list[Edit]) -> str:
    """``text`` with each edit's words replaced, in the case of the words they replace."""
    for edit in sorted(edits, key=lambda edit: edit.first, reverse=True):
        start, end = words[edit.first].start, words[edit.last].end
        text = text[:start] + match_case(text[start:end], edit.text) + text[end:]
    return text


@cache
def _bundled(axis: str, language: str) -> Lexicon:
    return bundled_lexicon(axis, language)


def swap_text(text: str, language: str, group: str, axis: str = "gender", lexicons: list[Lexicon] | None = None) -> str:
    """``text`` with the terms of ``group`` swapped for its partner group's, and the words that agree
    with them where the partner has a grammatical gender; raises ``Unsafe`` when the language's rules
    cannot tell how, and ValueError when no term is found."""
    if lexicons is None:
        lexicon = _bundled(axis, language)
    else:
        [lexicon] = [lexicon for lexicon in lexicons if lexicon.axis == axis and lexicon.language == language]
    partner = lexicon.spec.groups[group].swap_with
    gender = lexicon.spec.groups[partner].grammatical_gender if partner else None
    words = words_of(text)
    terms = terms_in(words, lexicon, group)
    if not terms:
        raise ValueError(f"no {axis}/{group} term in {text!r}")
    grammar = grammar_for(language) if gender is not None else None
    if grammar is None:  # words for words, as in English; a term without a partner stays
        return apply(text, words, [Edit(t.first, t.last, t.replacement) for t in terms if t.replacement is not None])
    return apply(text, words, grammar.swap(words, terms, gender))
