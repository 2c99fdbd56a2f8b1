"""Languages: which language each example is in, and how a swap stays grammatical in it.

``grammar_for("de")`` is German's ``Grammar`` (``de.py``); a language without a module of its own
(English) swaps words for words. ``swap_text`` shows what the audit's counterfactual does to one
text, with the bundled lexicon of that language.
"""

from __future__ import annotations

import importlib
import re
from functools import cache

from ..lexicon import LANGUAGE

from .grammar import OTHER, Edit, Gender, Grammar, Term, Unsafe, Word, match_case, normal, words_of

__all__ = [
    "Edit", "Gender", "Grammar", "OTHER", "Term", "Unsafe", "Word", "grammar_for", "match_case", "normal", "words_of",
]


@cache
def grammar_for(language: str) -> Grammar | None:
    """The agreement rules of ``language`` (an ISO 639-1 code), or None where words are swapped for
    words and nothing else changes."""
    if not re.fullmatch(LANGUAGE, language):  # a code, never one of this package's other modules
        return None
    try:
        module = importlib.import_module(f"{__name__}.{language}")
    except ModuleNotFoundError:
        return None
    return module.GRAMMAR
