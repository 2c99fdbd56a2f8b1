"""The language of each example: one language for the whole run, or detected row by row.

Detection uses py3langid (langid.py's model, offline), limited to the official languages of the
European Union: fewer candidates make short texts less often mistaken, and those are the languages
of the hiring and credit data this audit is for. A text too short to tell (confidence below
``MIN_CONFIDENCE``: "Her mom", "The nurse.") takes the run's main language, the one most of its
confidently detected examples are in; it is counted as undetermined in the coverage.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from lrp_audit.run_folder import LANGUAGES_FILE

from ..lexicon import ENGLISH

AUTO = "auto"
# The 24 official languages of the EU (ISO 639-1), all of which py3langid's model knows.
DETECTED = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)  # fmt: skip
MIN_CONFIDENCE = 0.5  # below it a text says too little ("She fixed it." scores 0.88, "Her mom" 0.17)
# Detection reads a text's first characters only: enough to tell the language, and its cost grows with
# length (about 50 us for 250 characters, 120 us for 1,000, 390 us for 4,000 on one core).
MAX_CHARACTERS = 500
FALLBACK = ENGLISH  # the main language of a run in which no example is long enough to tell

LANGUAGES = pa.schema([("example_id", pa.string()), ("language", pa.string()), ("detected", pa.bool_())])
SETTING_KEY = b"lrp_audit.language"  # languages.parquet's metadata: the setting it was made with


@cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(DETECTED))
    return identifier


def detect(text: str) -> tuple[str | None, float]:
    """``text``'s language and the model's confidence; None when the confidence is too low."""
    language, confidence = _identifier().classify(text[:MAX_CHARACTERS])
    return (language if confidence >= MIN_CONFIDENCE else None), confidence


def example_languages(rows: Iterable[tuple[str, str, str | None]], setting: str) -> pa.Table:
    """One row per example (``rows``: example_id, text, text_pair): its language, and whether it
    was detected (False where ``setting`` names the language, or the text was too short to tell)."""
    ids, languages = [], []
    for example_id, text, text_pair in rows:
        ids.append(example_id)
        if setting == AUTO:
            languages.append(detect(text if text_pair is None else f"{text}\n{text_pair}")[0])
        else:
            languages.append(setting)
    detected = [language is not None and setting == AUTO for language in languages]
    found = Counter(language for language in languages if language is not None)
    main = min(found, key=lambda language: (-found[language], language)) if found else FALLBACK
    languages = [main if language is None else language for language in languages]
    return pa.table({"example_id": ids, "language": languages, "detected": detected}, schema=LANGUAGES)


def run_languages(run_dir: str | Path, setting: str) -> pa.Table:
    """Each example's language in the run ``run_dir`` under ``setting``: its audit's
    ``languages.parquet`` when that was made with the same setting, else detected now."""
    path = Path(run_dir) / LANGUAGES_FILE
    if path.is_file() and (pq.read_schema(path).metadata or {}).get(SETTING_KEY) == setting.encode():
        return pq.read_table(path).cast(LANGUAGES)
    return with_setting(example_languages(_texts(Path(run_dir)), setting), setting)


def languages_seen(languages: pa.Table) -> set[str]:
    """The languages of a table of ``example_languages``."""
    return set(languages.column("language").unique().to_pylist())


def with_setting(languages: pa.Table, setting: str) -> pa.Table:
    """``languages`` marked with the setting that made them (written with the audit)."""
    return languages.replace_schema_metadata({SETTING_KEY: setting.encode()})


def _texts(run_dir: Path) -> Iterator[tuple[str, str, str | None]]:
    files = sorted(str(path) for path in (run_dir / "examples").glob("*.parquet"))
    for batch in ds.dataset(files, format="parquet").to_batches(columns=["example_id", "text", "text_pair"]):
        yield from zip(*(batch.column(name).to_pylist() for name in ("example_id", "text", "text_pair")))
