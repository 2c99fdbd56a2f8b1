"""Sensitive-term lexicons: one YAML file per axis (gender, religion, ...), validated on load.

A lexicon names groups of terms (``female``, ``male``), the group each one swaps with in a
counterfactual, and rows of equivalent terms (``she`` <-> ``he``) that say what replaces what. The
bundled files live in ``audits/lexicons/``; users add their own files in the same format.

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

import pyarrow as pa
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lrp_audit.run_folder.validation import first_problem

DEFAULT_AXES = ("gender", "religion", "nationality_ethnicity", "sexual_orientation", "age", "disability")
NAME = r"^[a-z0-9_]+$"

TERMS = pa.schema(
    [
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
    for character in map(_lower, term):
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


class LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    axis: str = Field(pattern=NAME)
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
            "path": str(self.path),
            "sha256": self.sha256,
            "description": spec.description,
            "sources": spec.sources,
            "licence": spec.licence,
            "groups": {name: {"terms": len(g.terms), "swap_with": g.swap_with} for name, g in spec.groups.items()},
        }


def bundled_axes() -> list[str]:
    folder = resources.files("lrp_audit.audits") / "lexicons"
    return sorted(entry.name.removesuffix(".yaml") for entry in folder.iterdir() if entry.name.endswith(".yaml"))


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


def load_lexicons(axes: list[str] | tuple[str, ...] = DEFAULT_AXES, files: list[str] = ()) -> list[Lexicon]:
    """The bundled lexicons of ``axes`` plus the user's ``files``; each axis may appear once."""
    available = bundled_axes()
    lexicons = []
    for axis in axes:
        if axis not in available:
            raise LexiconError(f"audit.axes: no bundled lexicon {axis!r}; bundled: {', '.join(available)}")
        with resources.as_file(resources.files("lrp_audit.audits") / "lexicons" / f"{axis}.yaml") as path:
            lexicons.append(load_lexicon(path))
    lexicons += [load_lexicon(path) for path in files]
    seen: dict[str, Path] = {}
    for lexicon in lexicons:
        if lexicon.axis in seen:
            raise LexiconError(
                f"lexicon {lexicon.path}: axis {lexicon.axis!r} is already defined by {seen[lexicon.axis]}"
            )
        seen[lexicon.axis] = lexicon.path
    return lexicons


def terms_table(lexicons: list[Lexicon]) -> pa.Table:
    """The ``terms`` view: one row per term, with its words and its counterfactual replacement."""
    rows = []
    for lexicon in lexicons:
        for name, group in lexicon.spec.groups.items():
            for term in group.terms:
                parts = term_parts(term)
                rows.append(
                    {
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
