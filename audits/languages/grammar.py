"""What a counterfactual swap changes besides the lexicon's terms, per language.

In English, swapping a person's gender is swapping words: "she" -> "he", "nurse" stays. In a
language with grammatical gender the words that agree with the person change too ("eine gute
Ärztin" -> "ein guter Arzt", "une infirmière dévouée" -> "un infirmier dévoué"); a swap that
leaves them measures the model's reaction to a grammar error, not to gender (Zmigrod et al.,
ACL 2019). A ``Grammar`` takes a text's words and the terms to swap and returns every word that
changes, or raises ``Unsafe`` when it cannot tell what the right form is: such a text is left out
of the swap sample and counted, never swapped badly.

Each language's rules live in a module of their own (``de.py``, ``fr.py``, ...) and are small
tables (articles, possessives, adjectives and their endings) read by a few rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

Gender = Literal["feminine", "masculine"]
OTHER: dict[Gender, Gender] = {"feminine": "masculine", "masculine": "feminine"}

# A word is a run of letters and digits; an elided article or pronoun ("l'", "un'", "dell'", "qu'")
# is a word of its own, apostrophe included, so that "l'infirmière" is "l'" + "infirmière".
WORD = re.compile(r"[^\W\d_]+['’](?=[^\W\d_])|\w+")


def normal(text: str) -> str:
    """A word as the lexicons and tables spell it: NFC, lower case, the typographic apostrophe as '."""
    return unicodedata.normalize("NFC", text).lower().replace("’", "'")


@dataclass(frozen=True)
class Word:
    """One word of a text and where it is."""

    start: int
    end: int
    text: str

    @property
    def norm(self) -> str:
        return normal(self.text)

    @property
    def elided(self) -> bool:
        """An elided article or pronoun such as "l'" (it ends in an apostrophe)."""
        return self.text.endswith(("'", "’"))


def words_of(text: str) -> list[Word]:
    return [Word(match.start(), match.end(), match.group()) for match in WORD.finditer(text)]


@dataclass(frozen=True)
class Term:
    """A lexicon term found in the text: its words ``first`` to ``last`` (inclusive) and the
    lexicon's replacement for it (None when the term has no swap partner)."""

    first: int
    last: int
    replacement: str | None


@dataclass(frozen=True)
class Edit:
    """Words ``first`` to ``last`` (inclusive) become ``text`` (lower case; the caller gives it the
    case of the words it replaces)."""

    first: int
    last: int
    text: str


class Unsafe(Exception):
    """The text cannot be swapped safely; the message says why (it is counted under that reason)."""


def punctuation_after(words: list[Word], index: int) -> bool:
    """Whether something other than one space follows word ``index``: punctuation, or the end of
    the text (after an elided "l'", anything at all); word -1 is the start of the text.
    ``words_of`` keeps no punctuation, so the width of the gap between two words is what tells it."""
    if index < 0 or index + 1 >= len(words):
        return True
    return words[index + 1].start - words[index].end > (0 if words[index].elided else 1)


def match_case(original: str, replacement: str) -> str:
    """``She`` -> ``He``, ``SHE`` -> ``HE``, ``she`` -> ``he``; ``L'`` is capitalised, not all capitals."""
    if sum(character.isalpha() for character in original) > 1 and original.isupper():
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


class Grammar:
    """A language whose words do not agree with a person's gender (English): each term becomes its
    lexicon replacement and nothing else changes. Languages with agreement override ``agree``."""

    code = "en"

    def swap(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        """Every change that makes the person ``gender`` (the gender the terms are swapped to)."""
        missing = [term for term in terms if term.replacement is None]
        if missing:
            names = ", ".join(" ".join(w.text for w in words[t.first : t.last + 1]) for t in missing)
            raise Unsafe(f"a term without a swap partner ({names})")
        edits = {term.first: Edit(term.first, term.last, term.replacement) for term in terms}
        for edit in self.agree(words, terms, gender):
            edits[edit.first] = edit  # the language's rules know a term's form in context better
        return sorted(edits.values(), key=lambda edit: edit.first)

    def agree(self, words: list[Word], terms: list[Term], gender: Gender) -> list[Edit]:
        """The words that agree with the swapped terms, in their new form (none in English)."""
        return []
