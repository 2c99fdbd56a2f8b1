"""Sensitive-term lexicons: one YAML file per axis (gender, religion, ...) and language, validated on load.

A lexicon names groups of terms (``female``, ``male``), the group each one swaps with in a
counterfactual, and rows of equivalent terms (``she`` <-> ``he``) that say what replaces what. The
bundled files live in ``audits/lexicons/``: English ones at the top, other languages in a folder
named for the language (``audits/lexicons/de/gender.yaml``). Users add their own files in the same
format. A file's ``language`` (ISO 639-1, English when absent) says which examples it is matched in.

Matching is at word level: a term is split into its words at whitespace and punctuation and
lower-cased, exactly as ``queries/views.sql`` normalises the words of a text; a multi-word term
also matches its words run together as one word ("non binary" matches "nonbinary").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lrp_audit.run_folder.validation import first_problem

ENGLISH = "en"
DEFAULT_AXES = ("gender", "religion", "nationality_ethnicity", "sexual_orientation", "age", "disability")
NAME = r"^[a-z0-9_]+$"
LANGUAGE = r"^[a-z]{2,3}$"  # ISO 639-1 (or 639-3 where a language has no two-letter code)

TERMS = pa.schema(
    [
        ("language", pa.string()),
        ("axis", pa.string()),
        ("group", pa.string()),
        ("term", pa.string()),
        ("parts", pa.list_(pa.string())),
        ("num_words", pa.int32()),
        ("partner_group", pa.string()),
        ("replacement", pa.string()),
        ("source", pa.string()),
    ]
)


class LexiconError(ValueError):
    """A lexicon file that cannot be used; the message names the file and key."""


def _separator(character: str) -> bool:
    return character.isspace() or unicodedata.category(character)[0] in "PSZ"


def _lower(character: str) -> str:
    """One character lower-cased as SQL's ``lower`` does it: by itself, without context or language
    (``str.lower`` of a whole word turns a final Σ into ς, and gives İ a combining dot)."""
    return "i" if character == "\u0130" else character.lower()


def term_parts(term: str) -> list[str]:
    """The words a term matches: split at whitespace and punctuation, lower-cased, exactly as the
    views' ``norm`` (queries/views.sql) treats a text's words."""
    parts, current = [], []
    for character in map(_lower, unicodedata.normalize("NFC", term)):
        if _separator(character):
            if current:
                parts.append("".join(current))
            current = []
        else:
            current.append(character)
    if current:
        parts.append("".join(current))
    return parts


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    terms: list[str] = Field(min_length=1)
    swap_with: str | None = None
    # In a language with grammatical gender: the gender of the words that agree with this group's
    # terms, so that a swap changes them too ("eine gute Ärztin" -> "ein guter Arzt").
    grammatical_gender: Literal["feminine", "masculine"] | None = None


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    axis: str = Field(pattern=NAME)
    language: str = Field(ENGLISH, pattern=LANGUAGE)
    description: str
    sources: list[str] = Field(min_length=1)
    licence: str
    groups: dict[str, Group] = Field(min_length=1)
    swaps: list[dict[str, str]] = []

    @model_validator(mode="after")
    def _consistent(self) -> "LexiconFile":
        seen: dict[str, tuple[str, str]] = {}
        for name, group in self.groups.items():
            if not re.match(NAME, name):
                raise ValueError(f"groups.{name}: group names use a-z, 0-9 and _")
            if group.swap_with is not None and group.swap_with not in self.groups:
                raise ValueError(f"groups.{name}.swap_with: {group.swap_with!r} is not a group of this file")
            for term in group.terms:
                if not term_parts(term):
                    raise ValueError(f"groups.{name}.terms: {term!r} has no letters or digits")
                key = "".join(term_parts(term))  # "non binary" also matches "nonbinary": one term
                if key in seen:
                    other, group = seen[key]
                    raise ValueError(f"groups.{name}.terms: {term!r} matches the same words as {other!r} ({group})")
                seen[key] = (term, name)
        for row, swap in enumerate(self.swaps):
            for name, term in swap.items():
                if name not in self.groups:
                    raise ValueError(f"swaps[{row}]: {name!r} is not a group of this file")
                if term not in self.groups[name].terms:
                    raise ValueError(f"swaps[{row}].{name}: {term!r} is not a term of group {name}")
        return self


@dataclass(frozen=True)
class Lexicon:
    """One axis: its groups, swap partners and where it came from."""

    path: Path
    spec: LexiconFile
    sha256: str

    @property
    def axis(self) -> str:
        return self.spec.axis

    @property
    def language(self) -> str:
        return self.spec.language

    def replacement(self, group: str, term: str) -> str | None:
        """The term that replaces ``term`` in a counterfactual swap of ``group``, if any."""
        partner = self.spec.groups[group].swap_with
        for row in self.spec.swaps:
            if row.get(group) == term and partner in row:
                return row[partner]
        return None

    def summary(self) -> dict:
        spec = self.spec
        return {
            "axis": spec.axis,
            "language": spec.language,
            "path": str(self.path),
            "sha256": self.sha256,
            "description": spec.description,
            "sources": spec.sources,
            "licence": spec.licence,
            "groups": {name: {"terms": len(g.terms), "swap_with": g.swap_with} for name, g in spec.groups.items()},
        }


def _bundled() -> dict[str, list[str]]:
    """Each bundled axis and the languages it has a lexicon in (English first)."""
    folder = resources.files("lrp_audit.audits") / "lexicons"
    found: dict[str, list[str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if entry.name.endswith(".yaml"):
            found.setdefault(entry.name.removesuffix(".yaml"), []).insert(0, ENGLISH)
        elif entry.is_dir() and re.match(LANGUAGE, entry.name):
            for file in sorted(entry.iterdir(), key=lambda file: file.name):
                if file.name.endswith(".yaml"):
                    found.setdefault(file.name.removesuffix(".yaml"), []).append(entry.name)
    return found


def bundled_axes() -> list[str]:
    return sorted(_bundled())


def load_lexicon(path: str | Path) -> Lexicon:
    """Read and validate one lexicon file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        tree = yaml.safe_load(raw)
    except OSError as error:
        raise LexiconError(f"lexicon {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise LexiconError(f"lexicon {path} is not valid YAML: {error}") from None
    try:
        spec = LexiconFile.model_validate(tree)
    except ValidationError as error:
        key, message = first_problem(error)
        raise LexiconError(f"lexicon {path}: {key or 'file'}: {message}") from None
    return Lexicon(path, spec, hashlib.sha256(raw).hexdigest())


def bundled_lexicon(axis: str, language: str = ENGLISH) -> Lexicon:
    """The bundled lexicon of ``axis`` in ``language``."""
    name = f"{axis}.yaml" if language == ENGLISH else f"{language}/{axis}.yaml"
    with resources.as_file(resources.files("lrp_audit.audits") / "lexicons" / name) as path:
        if not path.is_file():
            raise LexiconError(f"no bundled lexicon {axis!r} in language {language!r}")
        return load_lexicon(path)


def load_lexicons(axes: list[str] | tuple[str, ...] = DEFAULT_AXES, files: list[str] = ()) -> list[Lexicon]:
    """The bundled lexicons of ``axes`` (every language each has) plus the user's ``files``; each
    axis may appear once per language."""
    bundled = _bundled()
    lexicons = []
    for axis in axes:
        if axis not in bundled:
            raise LexiconError(f"audit.axes: no bundled lexicon {axis!r}; bundled: {', '.join(sorted(bundled))}")
        lexicons += [bundled_lexicon(axis, language) for language in bundled[axis]]
    lexicons += [load_lexicon(path) for path in files]
    seen: dict[tuple[str, str], Path] = {}
    for lexicon in lexicons:
        key = (lexicon.axis, lexicon.language)
        if key in seen:
            language = "" if lexicon.language == ENGLISH else f" in language {lexicon.language!r}"
            raise LexiconError(
                f"lexicon {lexicon.path}: axis {lexicon.axis!r}{language} is already defined by {seen[key]}"
            )
        seen[key] = lexicon.path
    return lexicons


def in_languages(lexicons: list[Lexicon], languages: set[str]) -> list[Lexicon]:
    """Those of ``lexicons`` in ``languages``: what an audit of examples in them matches."""
    return [lexicon for lexicon in lexicons if lexicon.language in languages]


def english(lexicons: list[Lexicon]) -> list[Lexicon]:
    """The English ones of ``lexicons``: what an audit of English text matches."""
    return in_languages(lexicons, {ENGLISH})


def terms_table(lexicons: list[Lexicon]) -> pa.Table:
    """The ``terms`` view: one row per term, with its words and its counterfactual replacement."""
    rows = []
    for lexicon in lexicons:
        for name, group in lexicon.spec.groups.items():
            for term in group.terms:
                parts = term_parts(term)
                rows.append(
                    {
                        "language": lexicon.language,
                        "axis": lexicon.axis,
                        "group": name,
                        "term": term,
                        "parts": parts,
                        "num_words": len(parts),
                        "partner_group": group.swap_with,
                        "replacement": lexicon.replacement(name, term),
                        "source": str(lexicon.path),
                    }
                )
    return pa.Table.from_pylist(rows, schema=TERMS)
