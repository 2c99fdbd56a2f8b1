"""A run whose texts and label names are markup, for the tests that check that the report escapes them.

The tokeniser splits markup at its punctuation, and '<', 'script' and '>' each alone would be harmless
even unescaped. So the words table is rewritten: in the first text the markup becomes one word, in
the second it lies between words: the two ways a text reaches the page.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pyarrow as pa
import pyarrow.parquet as pq

import synthetic
from lrp_audit.audits.audit import run_audit
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.run_folder import WORDS

SCRIPT = "<script>window.__pwned = 1</script>"
IMAGE = '<img src=x onerror="window.__pwned = 2">'
TEXTS = [f"she said {SCRIPT} loudly", f"her {IMAGE} note"] + ["the result was fine today"] * 20
LABELS = ('<img src=x onerror="window.__pwned = 3">', "<b>yes</b>")


def write_hostile_run(run_dir: Path) -> Path:
    """Write and audit the run; the two hostile texts are the only ones with gender words."""
    with mock.patch.object(synthetic, "LABELS", LABELS):
        synthetic.write_run(run_dir, TEXTS, boost={"she": 8.0, "her": 8.0})
    for path in sorted((run_dir / "words").glob("*.parquet")):
        rows = pq.read_table(path).to_pylist()
        rows = _markup_as_one_word(rows, "ex00000", TEXTS[0], SCRIPT)
        rows = _markup_between_words(rows, "ex00001", TEXTS[1], IMAGE)
        pq.write_table(pa.Table.from_pylist(rows, schema=WORDS), path)
    run_audit(run_dir, AuditSettings(axes=["gender"], resamples=200), predict=None)
    return run_dir


def _inside(row: dict, example_id: str, start: int, end: int) -> bool:
    return row["example_id"] == example_id and start <= row["char_start"] < end


def _markup_as_one_word(rows: list[dict], example_id: str, text: str, markup: str) -> list[dict]:
    start = text.index(markup)
    end = start + len(markup)
    inside = [row for row in rows if _inside(row, example_id, start, end)]
    if not inside:
        return rows
    first = inside[0]
    merged = first | {
        "word": markup,
        "char_end": end,
        "num_tokens": sum(row["num_tokens"] for row in inside),
        "relevance": sum(row["relevance"] for row in inside),
    }
    return [merged if row is first else row for row in rows if row is first or not _inside(row, example_id, start, end)]


def _markup_between_words(rows: list[dict], example_id: str, text: str, markup: str) -> list[dict]:
    start = text.index(markup)
    return [row for row in rows if not _inside(row, example_id, start, start + len(markup))]
